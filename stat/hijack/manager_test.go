package hijack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/routestat/routestat/stat/hijack/notify"
	"github.com/routestat/routestat/stat/index"
)

// TestManagerStoresAndNotifies runs the engine with a Manager on a real
// index store and a real webhook channel: the hijack's opened and
// resolved notifications arrive with its title and why, the incident is
// stored and reloaded by a new Manager, a false positive gets no more
// notifications, and a restored engine continues the same incident.
func TestManagerStoresAndNotifies(t *testing.T) {
	var mu sync.Mutex
	var got []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n struct {
			Event    string   `json:"event"`
			Title    string   `json:"title"`
			Why      string   `json:"why"`
			Incident Incident `json:"incident"`
		}
		if err := json.NewDecoder(r.Body).Decode(&n); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		mu.Lock()
		got = append(got, n.Event+": "+n.Title)
		mu.Unlock()
	}))
	defer hook.Close()
	disp, err := notify.New([]notify.ChannelConfig{{Name: "noc", Type: "webhook", URL: hook.URL, Events: []string{"opened", "resolved", "false_positive"}}}, notify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ix, err := index.Open(dir, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mgr, err := NewManager(ix, ManagerOptions{Notifier: disp})
	if err != nil {
		t.Fatal(err)
	}
	cfg := mustConfig(t, "prefixes:\n  202.33.0.0/16: {asn: 4725, group: noc}\n")
	eng := NewEngine(cfg, Options{Sink: mgr})
	t0 := time.Date(2019, 9, 23, 8, 30, 0, 0, time.UTC)
	for i := range 4 {
		ev := ann(t0.Add(time.Duration(i)*time.Second), "rrc00", fmt.Sprintf("192.0.2.%d", i+1), uint32(64500+i), "202.33.14.0/24", uint32(64500+i), 64666)
		eng.Process(&ev)
	}
	for i := range 4 {
		ev := wd(t0.Add(time.Minute+time.Duration(i)*time.Second), "rrc00", fmt.Sprintf("192.0.2.%d", i+1), uint32(64500+i), "202.33.14.0/24")
		eng.Process(&ev)
	}
	wait := func(want ...string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			mu.Lock()
			ok := slices.Equal(got, want)
			snapshot := slices.Clone(got)
			mu.Unlock()
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("notifications %q, want %q", snapshot, want)
			}
		}
	}
	title := "Sub-prefix hijack of 202.33.0.0/16 by AS64666 (202.33.14.0/24)"
	wait("opened: "+title, "resolved: "+title)
	if err := mgr.Flush(); err != nil {
		t.Fatal(err)
	}
	incs := mgr.List(Filter{HijacksOnly: true})
	if len(incs) != 1 || incs[0].Status != StatusResolved {
		t.Fatalf("incidents %+v", incs)
	}
	id := incs[0].ID

	// A new Manager on the same store has it.
	again, err := NewManager(ix, ManagerOptions{Notifier: disp})
	if err != nil {
		t.Fatal(err)
	}
	inc, err := again.Get(id)
	if err != nil || inc.Why != incs[0].Why || inc.Status != StatusResolved {
		t.Fatalf("reloaded %+v, %v", inc, err)
	}
	// Marked a false positive: that is notified, later changes are not.
	if _, err := again.Annotate(id, "alice", "our customer", true); err != nil {
		t.Fatal(err)
	}
	wait("opened: "+title, "resolved: "+title, "false_positive: "+title)
	eng2 := NewEngine(cfg, Options{Sink: again})
	eng2.Restore(again.All())
	for i := range 3 {
		ev := ann(t0.Add(2*time.Minute+time.Duration(i)*time.Second), "rrc00", fmt.Sprintf("192.0.2.%d", i+1), uint32(64500+i), "202.33.14.0/24", uint32(64500+i), 64666)
		eng2.Process(&ev)
	}
	inc, _ = again.Get(id)
	if inc.Status != StatusOpen || inc.Reopened != 1 || !inc.FalsePositive || inc.AckBy != "alice" {
		t.Errorf("reopened incident %+v", inc)
	}
	if _, err := again.Get("no-such-id"); err == nil {
		t.Error("unknown id found")
	}
	if err := again.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	// Closing the dispatcher delivers whatever was queued.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := disp.Close(ctx); err != nil {
		t.Fatal(err)
	}
	wait("opened: "+title, "resolved: "+title, "false_positive: "+title)
}

// countingNotifier counts notifications and reads each one whole.
type countingNotifier struct {
	mu sync.Mutex
	n  int
}

func (c *countingNotifier) Dispatch(n notify.Notification) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if inc, ok := n.Incident.(*Incident); ok {
		_ = inc.AckBy + inc.AckComment
	}
	c.n++
}

// TestManagerPublishAnnotateRace publishes changes of an incident while
// people acknowledge it: run with -race, the notification's copy must not
// share memory with the stored incident that Annotate writes.
func TestManagerPublishAnnotateRace(t *testing.T) {
	var nt countingNotifier
	mgr, err := NewManager(nil, ManagerOptions{Notifier: &nt})
	if err != nil {
		t.Fatal(err)
	}
	inc := Incident{ID: "20190923T083000Z-00000001", Type: MonitorSubPrefix, Status: StatusOpen, Prefixes: []string{"202.33.14.0/24"}}
	mgr.Publish(Change{Event: "opened", Incident: inc})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := range 200 {
			inc.LastSeen = time.Unix(int64(i), 0)
			mgr.Publish(Change{Event: "updated", Incident: inc})
		}
	}()
	go func() {
		defer wg.Done()
		for i := range 200 {
			if _, err := mgr.Annotate(inc.ID, fmt.Sprintf("op%d", i), "looking", false); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	wg.Wait()
	if nt.n != 401 { // opened, 200 updates, 200 acknowledgements
		t.Errorf("%d notifications, want 401", nt.n)
	}
	got, err := mgr.Get(inc.ID)
	if err != nil || !got.Acknowledged || got.AckBy != "op199" {
		t.Errorf("after the race: %+v %v", got, err)
	}
}
