package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"sync"
	"time"

	"github.com/routestat/routestat/config"
	"github.com/routestat/routestat/demo"
	"github.com/routestat/routestat/stat/index"
)

// The document that marks a store as holding the demo scenario (key
// 'x' "demo" 00 "scenario", docs/format/store.md): demo.Info as JSON.
const (
	demoDocNS  = "demo"
	demoDocKey = "scenario"
)

// demoServe is routestat serve's part of the demo scenario (package
// demo): it serves /api/v1/demo, and with --demo plays the scenario into
// the collector on an empty store.
type demoServe struct {
	ix  *index.Index
	log *slog.Logger
	// files and clock are set when the scenario is to be played, to the
	// collector called collector at to (AS collectorAS).
	files       demo.Files
	clock       *demo.Clock
	to          string
	collector   string
	collectorAS uint32
}

// newDemoServe returns the demo's part for the store ix, logging the
// demo's label when the store holds the demo scenario.
func newDemoServe(ix *index.Index, log *slog.Logger) (*demoServe, error) {
	d := &demoServe{ix: ix, log: log}
	_, marked, err := d.marker()
	if err != nil {
		return nil, err
	}
	if marked {
		log.Warn("DEMO: this store holds a generated demo scenario, not real routing data", "about", demo.Description)
	}
	return d, nil
}

// setup prepares --demo. A store that holds events other than the demo's
// is left alone. On an empty store the scenario is written beside the
// index, the collector (and with it the hijack detector) put on the
// scenario's clock, and the store marked as holding the demo. For the
// demo, empty or already loaded, it turns hijack detection on with the
// scenario's monitored resources, names ASes from its AS-names file, and
// makes and logs an API key, each unless cfg sets its own.
func (d *demoServe) setup(cfg *config.File, speed float64) error {
	log, ix := d.log, d.ix
	_, marked, err := d.marker()
	if err != nil {
		return err
	}
	empty := ix.Latest().IsZero()
	if !empty && !marked {
		log.Info("--demo: the store already holds routing data; no demo scenario loaded", "dir", cfg.Index.Dir)
		return nil
	}
	if cfg.Index.FullFeedV4 == 0 && cfg.Index.FullFeedV6 == 0 {
		// The demo's peers carry small tables: count them as the
		// full-feed peers they stand for, unless the configuration says.
		ix.SetFullFeed(demo.FullFeedV4, demo.FullFeedV6)
	}
	dir := filepath.Join(filepath.Dir(filepath.Clean(cfg.Index.Dir)), "demo")
	files, err := demo.Generate().Write(dir)
	if err != nil {
		return err
	}
	if cfg.Hijack.Monitored == "" {
		cfg.Hijack.Monitored = files.Monitored
	}
	if cfg.API.ASNames == "" {
		cfg.API.ASNames = files.ASNames
	}
	if len(cfg.Hijack.APIKeys) == 0 {
		key := rand.Text()
		cfg.Hijack.APIKeys = []string{key}
		log.Info("DEMO: API key for acknowledging incidents (header X-API-Key), valid until routestat stops", "api_key", key)
	}
	if !empty {
		log.Info("DEMO: the store already holds the demo scenario; it is not played again and the clock is the real one",
			"dir", cfg.Index.Dir, "start_over", "stop routestat, remove "+cfg.Index.Dir+" and "+cfg.Archive.Dir)
		return nil
	}
	to, err := demoTarget(cfg)
	if err != nil {
		return err
	}
	b, err := json.Marshal(demo.About())
	if err != nil {
		return fmt.Errorf("demo marker: %w", err)
	}
	if err := ix.PutDoc(demoDocNS, demoDocKey, b); err != nil {
		return fmt.Errorf("demo marker: %w", err)
	}
	log.Warn("DEMO: this is a generated scenario, not real routing data", "about", demo.Description)
	d.files, d.to, d.collector, d.collectorAS = files, to, cfg.Collector.Name, cfg.Collector.ASN
	d.clock = demo.NewClock(speed)
	cfg.Collector.Clock = d.clock.Now
	log.Info("DEMO: playing the scenario into the collector on an empty store", "files", dir, "collector", to,
		"speed", d.clock.Speed(), "scenario_start", demo.Start.Format(time.RFC3339), "hijack_at", demo.HijackAt.Format(time.RFC3339),
		"try", uiURL(cfg.HTTP.Listen)+"/AS4725")
	return nil
}

// demoTarget returns the address the demo's speakers reach the collector
// at, and checks that the collector accepts them.
func demoTarget(cfg *config.File) (string, error) {
	c := cfg.Collector
	if c.ListenPort < 0 {
		return "", errors.New("--demo: the collector does not listen (collector.listen_port -1)")
	}
	host := ""
	for _, a := range c.ListenAddresses {
		if ip, err := netip.ParseAddr(a); err == nil && ip.Is4() && (ip.IsLoopback() || ip.IsUnspecified()) {
			host = "127.0.0.1"
			if ip.IsLoopback() {
				host = ip.String()
			}
			break
		}
	}
	if host == "" {
		return "", fmt.Errorf("--demo: the collector listens on %v; the demo's speakers need 127.0.0.1 or 0.0.0.0", c.ListenAddresses)
	}
	first, last := netip.AddrFrom4([4]byte{127, 0, 0, 2}), netip.AddrFrom4([4]byte{127, 0, 0, 1 + demo.PeerCount})
	for _, dn := range c.DynamicNeighbors {
		if p, err := netip.ParsePrefix(dn.Prefix); err == nil && dn.PeerAS == 0 && p.Contains(first) && p.Contains(last) {
			return net.JoinHostPort(host, fmt.Sprint(c.ListenPort)), nil
		}
	}
	return "", fmt.Errorf("--demo: the collector must accept the demo's speakers (%s-%s, any AS) as dynamic neighbours, as it does with no neighbours configured", first, last)
}

// uiURL returns the web UI's base URL for an HTTP listen address.
func uiURL(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "http://" + listen
	}
	if ip, err := netip.ParseAddr(host); host == "" || (err == nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// marker returns the stored demo marker, if any.
func (d *demoServe) marker() (demo.Info, bool, error) {
	var info demo.Info
	found := false
	err := d.ix.Docs(demoDocNS, func(key string, v []byte) error {
		if key != demoDocKey {
			return nil
		}
		found = true
		return json.Unmarshal(v, &info)
	})
	if err != nil {
		return demo.Info{}, false, fmt.Errorf("demo marker: %w", err)
	}
	return info, found, nil
}

// indexed counts the routes the index holds from the demo's collector
// (before the scenario clock starts, every one is stamped with its
// current reading).
func (d *demoServe) indexed() (int, error) {
	peers, err := d.ix.Peers(d.collector, d.clock.Now())
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range peers {
		n += p.V4 + p.V6
	}
	return n, nil
}

// mount adds GET /api/v1/demo: {"demo": true, ...} with the scenario's
// description while the store holds the demo, else {"demo": false}
// (200 either way: the web UI asks on every page).
func (d *demoServe) mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/demo", func(w http.ResponseWriter, r *http.Request) {
		info, ok, err := d.marker()
		var answer struct {
			Demo bool `json:"demo"`
			*demo.Info
		}
		switch {
		case err != nil:
			d.log.Error("GET /api/v1/demo", "err", err)
			http.Error(w, "cannot read the demo marker", http.StatusInternalServerError)
			return
		case ok:
			answer.Demo, answer.Info = true, &info
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(answer)
	})
}

// start plays the scenario in the background when setup prepared it; the
// returned function stops it and waits.
func (d *demoServe) start(ctx context.Context) (stop func()) {
	if d.clock == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		err := demo.Play(ctx, d.files, demo.PlayOptions{To: d.to, CollectorAS: d.collectorAS, Clock: d.clock, Log: d.log,
			Received: d.indexed})
		if err != nil {
			d.log.Error("DEMO: the scenario could not be played", "err", err)
		}
	}()
	return func() {
		cancel()
		wg.Wait()
	}
}
