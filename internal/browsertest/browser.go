package browsertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Window size of every tab: a common laptop screen.
const (
	Width  = 1366
	Height = 900
)

// TimeZone is the time zone Chromium runs in. The UI must show UTC
// everywhere; a zone far from UTC makes a local time stand out.
const TimeZone = "Asia/Karachi"

// ErrNoChromium is returned by [Path] when no Chromium is installed.
var ErrNoChromium = errors.New("no Chromium: install the chromium package or set ROUTESTAT_CHROMIUM")

// Path returns the Chromium to run: $ROUTESTAT_CHROMIUM, /usr/bin/chromium,
// or chromium, chromium-browser or google-chrome in PATH.
func Path() (string, error) {
	if p := os.Getenv("ROUTESTAT_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("ROUTESTAT_CHROMIUM: %w", err)
		}
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// Browser is a running headless Chromium.
type Browser struct {
	ctx         context.Context // the browser's first tab; parent of the pages
	cancel      context.CancelFunc
	allocCancel context.CancelFunc
	output      *syncBuffer // Chromium's stdout and stderr
	path        string
	version     string
}

// Start starts a headless Chromium with a fresh profile, which Close
// removes.
func Start() (*Browser, error) {
	path, err := Path()
	if err != nil {
		return nil, err
	}
	profile, err := os.MkdirTemp("", "routestat-chromium-")
	if err != nil {
		return nil, err
	}
	out := &syncBuffer{}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(profile),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(Width, Height),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		// Timers and animation frames of background tabs must keep
		// running: tests use several tabs.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.Env("TZ=" + TimeZone),
		chromedp.CombinedOutput(out),
	}
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	b := &Browser{ctx: ctx, cancel: cancel, allocCancel: allocCancel, output: out, path: path}
	// The first Run starts the browser and ties it to its context, which
	// therefore must not be one with a deadline.
	watchdog := time.AfterFunc(time.Minute, cancel)
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.userAgent`))
	watchdog.Stop()
	if err != nil {
		b.close()
		os.RemoveAll(profile)
		return nil, fmt.Errorf("start %s: %w\n%s", path, err, out.String())
	}
	b.version = v
	// The allocator removes the profile when the browser stops; make sure.
	context.AfterFunc(allocCtx, func() { os.RemoveAll(profile) })
	return b, nil
}

// Version returns the browser's user agent.
func (b *Browser) Version() string { return b.version }

// Output returns what Chromium printed so far.
func (b *Browser) Output() string { return b.output.String() }

// Close stops the browser: gracefully, or by force after 10 seconds.
func (b *Browser) Close() error {
	done := make(chan error, 1)
	go func() { done <- chromedp.Cancel(b.ctx) }()
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		err = errors.New("the browser did not close in 10s; killed")
	}
	b.close()
	return err
}

func (b *Browser) close() {
	b.cancel()
	b.allocCancel()
}

var shared struct {
	mu  sync.Mutex
	b   *Browser
	err error
}

// Shared returns the browser of this test binary, starting it on first
// use. Without a Chromium the test is skipped, or fails when CI=true;
// a Chromium that does not start fails it.
func Shared(t testing.TB) *Browser {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.b == nil && shared.err == nil {
		shared.b, shared.err = Start()
		if shared.err == nil {
			t.Logf("browser: %s (%s)", shared.b.path, shared.b.version)
		}
	}
	if shared.err != nil {
		if errors.Is(shared.err, ErrNoChromium) && os.Getenv("CI") != "true" {
			t.Skip(shared.err)
		}
		t.Fatal(shared.err)
	}
	return shared.b
}

// Require skips the test when no Chromium is installed, or fails it when
// CI=true or when $ROUTESTAT_CHROMIUM names a missing file, before the
// test does expensive set-up.
func Require(t testing.TB) {
	t.Helper()
	if _, err := Path(); err != nil {
		if errors.Is(err, ErrNoChromium) && os.Getenv("CI") != "true" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
}

// Shutdown stops the shared browser, if one was started. Call it from
// TestMain after m.Run.
func Shutdown() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.b != nil {
		if err := shared.b.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "browsertest: stop browser: %v\n", err)
		}
		shared.b = nil
	}
}

// syncBuffer is a bytes.Buffer several goroutines may write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
