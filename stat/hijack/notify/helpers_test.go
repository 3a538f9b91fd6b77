package notify

import (
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// waitTimeout bounds every poll of the tests.
const waitTimeout = 10 * time.Second

// waitFor polls cond until it holds, failing the test after waitTimeout.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// counterValue reads a counter of a vector.
func counterValue(t *testing.T, v *prometheus.CounterVec, labels ...string) float64 {
	t.Helper()
	var m dto.Metric
	if err := v.WithLabelValues(labels...).Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// testLogger logs to the test's output.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// sampleIncident is what tests put in Notification.Incident.
type sampleIncident struct {
	ID          string   `json:"id"`
	Prefix      string   `json:"prefix"`
	OffendingAS uint32   `json:"offending_as"`
	Peers       []uint32 `json:"peers"`
}

// youtube is the 2008 Pakistan Telecom / YouTube incident as a
// notification.
func youtube() Notification {
	t := time.Date(2008, 2, 24, 18, 47, 45, 0, time.UTC)
	return Notification{
		Event: EventOpened, IncidentID: "inc-2008-02-24-1", Group: "noc", Severity: SeverityCritical,
		Title: "Sub-prefix hijack of 208.65.152.0/22 by AS17557",
		Why: "AS17557 originates 208.65.153.0/24, a more-specific of AS36561's 208.65.152.0/22; " +
			"traffic to that part of the prefix goes to AS17557.",
		Link: "https://routestat.example.net/api/v1/hijack/incidents/inc-2008-02-24-1",
		Time: t, Detected: time.Now(),
		Incident: sampleIncident{ID: "inc-2008-02-24-1", Prefix: "208.65.153.0/24", OffendingAS: 17557, Peers: []uint32{3356, 1299}},
	}
}
