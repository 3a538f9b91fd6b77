package hijack

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/routestat/routestat/internal/sharedtest"
	"github.com/routestat/routestat/stat/ingest"
)

const youtubeConfig = `
prefixes:
  208.65.152.0/22:
    description: YouTube
    asn: 36561
    ignoreMorespecifics: false
`

func youtubeSources(t *testing.T) []ingest.Source {
	var srcs []ingest.Source
	for _, f := range []string{"1824", "1954", "2009", "2026", "2041", "2056", "2111"} {
		name := sharedtest.MRT(t, "incident-youtube-2008/updates.20080224."+f+".bz2")
		srcs = append(srcs, ingest.Source{Name: name, Collector: "route-views2", Size: -1})
	}
	return srcs
}

// TestYouTubeBacktest runs the detectors over route-views2's updates of
// 2008-02-24 with AS36561's 208.65.152.0/22 monitored.
func TestYouTubeBacktest(t *testing.T) {
	cfg, err := ParseConfig([]byte(youtubeConfig))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	eng := NewEngine(cfg, Options{Sink: rec})
	st, err := Backtest(context.Background(), eng, youtubeSources(t), BacktestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d events in %s", st.Events, st.Elapsed)
	for _, c := range rec.changes {
		t.Logf("%s %s %s %s", c.Event, c.Incident.Type, c.Incident.LastSeen.Format(time.TimeOnly), c.Incident.Why)
	}
	final := rec.final()
	var hijacks []Incident
	for _, inc := range final {
		if inc.Hijack {
			hijacks = append(hijacks, inc)
		}
	}
	if len(hijacks) != 1 {
		t.Fatalf("hijack incidents %d, want 1: %+v", len(hijacks), hijacks)
	}
	h := hijacks[0]
	day := func(hh, mm, ss int) time.Time { return time.Date(2008, 2, 24, hh, mm, ss, 0, time.UTC) }
	if h.Type != MonitorSubPrefix || h.OffendingAS != 17557 || !slices.Equal(h.Prefixes, []string{"208.65.153.0/24"}) || h.MonitoredPrefix != "208.65.152.0/22" {
		t.Errorf("hijack incident %+v", h)
	}
	if h.Status != StatusResolved || h.Resolved == nil || h.Resolved.Before(day(21, 1, 21)) {
		t.Errorf("hijack incident not resolved after 21:01:21: %v %v", h.Status, h.Resolved)
	}
	if !strings.Contains(h.Why, "AS17557 began originating 208.65.153.0/24, a more specific of 208.65.152.0/22 (YouTube) registered to AS36561") {
		t.Errorf("why: %s", h.Why)
	}
	var own []Incident
	for _, inc := range final {
		if inc.Type == MonitorMoreSpecific {
			own = append(own, inc)
		}
	}
	if len(own) == 0 {
		t.Fatalf("YouTube's own more-specifics not reported")
	}
}

type recorder struct{ changes []Change }

func (r *recorder) Publish(c Change) { r.changes = append(r.changes, c) }

// final returns the last state of every incident, in opening order.
func (r *recorder) final() []Incident {
	var ids []string
	last := make(map[string]Incident)
	for _, c := range r.changes {
		if _, ok := last[c.Incident.ID]; !ok {
			ids = append(ids, c.Incident.ID)
		}
		last[c.Incident.ID] = c.Incident
	}
	out := make([]Incident, len(ids))
	for i, id := range ids {
		out[i] = last[id]
	}
	return out
}
