package rpki

import (
	"context"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// logRecorder is a slog.Handler keeping the messages it receives.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logRecorder) WithGroup(string) slog.Handler            { return l }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Message)
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.String())
		return true
	})
	l.mu.Lock()
	l.msgs = append(l.msgs, b.String())
	l.mu.Unlock()
	return nil
}

// count returns how many messages contain s.
func (l *logRecorder) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, m := range l.msgs {
		if strings.Contains(m, s) {
			n++
		}
	}
	return n
}

// waitFor polls cond until it holds, failing the test after a deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// writeFile writes content to path in place (not atomically).
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// replaceFile writes content to path atomically, by rename.
func replaceFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	writeFile(t, tmp, content)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestSource(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vrps.csv")
	writeFile(t, path, "AS13335,1.1.1.0/24,24,apnic\n")
	logs := &logRecorder{}
	src, err := NewSource(path, slog.New(logs))
	if err != nil {
		t.Fatal(err)
	}
	if src.Set().Len() != 1 || src.Path() != path {
		t.Fatalf("initial set: %d VRPs", src.Set().Len())
	}
	first := src.Loaded()
	if first.IsZero() || time.Since(first) > time.Minute {
		t.Errorf("Loaded = %v", first)
	}
	cf := netip.MustParsePrefix("1.1.1.0/24")
	if state, detail := src.Validate(cf, 13335); state != "valid" || !strings.Contains(detail, "authorizes AS13335") {
		t.Errorf("Validate = %q, %q", state, detail)
	}

	var mu sync.Mutex
	var reloads [][2]int
	src.OnReload = func(old, new *Set) {
		mu.Lock()
		reloads = append(reloads, [2]int{old.Len(), new.Len()})
		mu.Unlock()
	}
	nReloads := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(reloads)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		src.Run(ctx, 5*time.Millisecond)
		close(done)
	}()
	defer func() {
		cancel()
		<-done
	}()

	// An in-place rewrite with more VRPs is picked up.
	writeFile(t, path, "AS13335,1.1.1.0/24,24,apnic\nAS13335,1.0.0.0/24,24,apnic\n")
	waitFor(t, "reload after rewrite", func() bool { return src.Set().Len() == 2 })
	waitFor(t, "OnReload", func() bool { return nReloads() == 1 })
	if !src.Loaded().After(first) && !src.Loaded().Equal(first) {
		t.Errorf("Loaded went back: %v < %v", src.Loaded(), first)
	}

	// Broken content is logged once and the previous set kept. (A poll
	// may also catch the file half written, and log that.)
	good := src.Set()
	writeFile(t, path, "AS13335,1.1.1.1/24,24,apnic\n")
	waitFor(t, "error log", func() bool { return logs.count("1.1.1.1/24 has host bits set") > 0 })
	if src.Set() != good {
		t.Error("set replaced by broken content")
	}

	// An atomic replacement is picked up; the set can also shrink to one
	// VRP of the other family.
	replaceFile(t, path, `{"roas": [{"asn": "AS3333", "prefix": "2001:67c:2e8::/48", "maxLength": 48, "ta": "ripe"}]}`)
	waitFor(t, "reload after rename", func() bool { return src.Set() != good })
	if st, _ := src.Validate(netip.MustParsePrefix("2001:67c:2e8::/48"), 3333); st != "valid" {
		t.Errorf("after rename: %s", st)
	}
	if n := logs.count("1.1.1.1/24 has host bits set"); n != 1 {
		t.Errorf("failure logged %d times, want once", n)
	}
	cur := src.Set()

	// A file that is removed is logged, and the set kept.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "missing-file log", func() bool { return logs.count("no such file") > 0 })
	if src.Set() != cur {
		t.Error("set dropped when the file disappeared")
	}
	writeFile(t, path, "AS64500,192.0.2.0/24,24\n")
	waitFor(t, "reload after re-creation", func() bool { return src.Set().Len() == 1 && src.Set() != cur })
	if logs.count("no such file") != 1 {
		t.Errorf("missing file logged %d times, want once", logs.count("no such file"))
	}
}

// TestSourceSameStat rewrites the file with content of the same size and
// restores its modification time: only the content hash shows the
// change, which Poll checks while the file is young.
func TestSourceSameStat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vrps.csv")
	writeFile(t, path, "AS64500,192.0.2.0/24,24\n")
	src, err := NewSource(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, "AS64501,192.0.2.0/24,24\n")
	if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	reloaded, err := src.Poll()
	if err != nil || !reloaded {
		t.Fatalf("Poll = %v, %v; want a reload", reloaded, err)
	}
	if st, _ := src.Validate(netip.MustParsePrefix("192.0.2.0/24"), 64501); st != "valid" {
		t.Errorf("after same-stat rewrite: %s", st)
	}
	// Nothing changed since: no reload.
	if reloaded, err := src.Poll(); err != nil || reloaded {
		t.Errorf("second Poll = %v, %v", reloaded, err)
	}
}

// TestSourceSameContent replaces the file with a copy of the same
// content: the set is kept and OnReload not called.
func TestSourceSameContent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vrps.json")
	const content = `{"roas": [{"asn": 13335, "prefix": "1.1.1.0/24", "maxLength": 24}]}`
	writeFile(t, path, content)
	src, err := NewSource(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	src.OnReload = func(old, new *Set) { t.Error("OnReload called for the same content") }
	set, loaded := src.Set(), src.Loaded()
	replaceFile(t, path, content)
	if reloaded, err := src.Poll(); err != nil || reloaded {
		t.Errorf("Poll = %v, %v", reloaded, err)
	}
	if src.Set() != set || !src.Loaded().Equal(loaded) {
		t.Error("set replaced")
	}
	// A failed parse, then the good content again: nothing to replace.
	writeFile(t, path, "garbage\n")
	if _, err := src.Poll(); err == nil {
		t.Error("no error for garbage")
	}
	if _, err := src.Poll(); err != nil {
		t.Errorf("unchanged broken file: Poll error %v, want none (reported once)", err)
	}
	replaceFile(t, path, content)
	if reloaded, err := src.Poll(); err != nil || reloaded || src.Set() != set {
		t.Errorf("Poll = %v, %v", reloaded, err)
	}
}

func TestNewSourceErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := NewSource(filepath.Join(dir, "missing.json"), nil); err == nil {
		t.Error("no error for a missing file")
	}
	bad := filepath.Join(dir, "bad.json")
	writeFile(t, bad, `{"roas": [{"asn": 1}]}`)
	if _, err := NewSource(bad, nil); err == nil || !strings.Contains(err.Error(), "bad.json: roas[0]") {
		t.Errorf("error = %v", err)
	}
	empty := filepath.Join(dir, "empty.csv")
	writeFile(t, empty, "")
	if _, err := NewSource(empty, nil); err == nil || !strings.Contains(err.Error(), "no content") {
		t.Errorf("error = %v", err)
	}
}
