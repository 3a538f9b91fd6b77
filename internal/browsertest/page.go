package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// DefaultTimeout is how long Page.Wait and the actions wait by default:
// generous, as the server runs under the race detector on small machines.
const DefaultTimeout = 60 * time.Second

// syncMark starts the console message a Page writes to know that every
// earlier message has been collected.
const syncMark = "browsertest-sync:"

// Page is one browser tab of a test. Its methods fail the test on error.
type Page struct {
	t       testing.TB
	ctx     context.Context
	cancel  context.CancelFunc
	timeout time.Duration

	mu      sync.Mutex
	msgs    []chromedp.ConsoleMessage
	allowed []*regexp.Regexp
	dialogs []string
	synced  map[string]chan struct{}
	nsync   int
}

// NewPage opens a tab in b for t and closes it when t ends, after failing
// t for console errors and uncaught exceptions not allowed with Allow and
// for script injected by hostile data (window.__xss set). When t failed,
// the tab's screenshot (failure.png) and console are saved and logged
// first.
func (b *Browser) NewPage(t testing.TB) *Page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	p := &Page{t: t, ctx: ctx, cancel: cancel, timeout: DefaultTimeout, synced: make(map[string]chan struct{})}
	// The first action opens the tab and ties it to its context, which
	// must therefore not be one with a deadline.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(Width, Height)); err != nil {
		cancel()
		t.Fatalf("open a tab: %v\n%s", err, b.Output())
	}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			p.record(m)
		}
	}()
	// A blocking dialog (alert, confirm) would stop the page: accept it
	// and remember it.
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.dialogs = append(p.dialogs, string(ev.Type)+": "+ev.Message)
			p.mu.Unlock()
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	t.Cleanup(p.finish)
	return p
}

// Context returns the tab's chromedp context, for actions this type has
// no method for.
func (p *Page) Context() context.Context { return p.ctx }

// SetTimeout changes how long the page's waits and actions wait.
func (p *Page) SetTimeout(d time.Duration) { p.timeout = d }

func (p *Page) record(m chromedp.ConsoleMessage) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if m.Type == chromedp.ConsoleDebug && strings.HasPrefix(m.Text, syncMark) {
		if ch, ok := p.synced[m.Text]; ok {
			close(ch)
			delete(p.synced, m.Text)
		}
		return
	}
	p.msgs = append(p.msgs, m)
}

// syncConsole waits until every message the page wrote so far has been
// recorded.
func (p *Page) syncConsole() error {
	p.mu.Lock()
	p.nsync++
	mark := fmt.Sprintf("%s%d", syncMark, p.nsync)
	ch := make(chan struct{})
	p.synced[mark] = ch
	p.mu.Unlock()
	if err := p.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf("console.debug(%q)", mark))); err != nil {
		return err
	}
	select {
	case <-ch:
		return nil
	case <-time.After(10 * time.Second):
		return errors.New("the console did not deliver a message in 10s")
	}
}

// Allow declares console errors the test expects (an answer of 403, a
// logged error the page is meant to show): messages matching one of the
// regular expressions, matched against "type: text (url)", do not fail
// the test.
func (p *Page) Allow(patterns ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range patterns {
		p.allowed = append(p.allowed, regexp.MustCompile(s))
	}
}

// Messages returns every console message, exception and browser log entry
// of the page so far.
func (p *Page) Messages() []chromedp.ConsoleMessage {
	if err := p.syncConsole(); err != nil {
		p.t.Logf("console: %v", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]chromedp.ConsoleMessage(nil), p.msgs...)
}

// Unexpected returns the console errors and uncaught exceptions so far
// that no Allow pattern matches.
func (p *Page) Unexpected() []string {
	var out []string
	for _, m := range p.Messages() {
		if m.Type != chromedp.ConsoleError && m.Type != chromedp.ConsoleException {
			continue
		}
		s := describe(m)
		if !p.isAllowed(s) {
			out = append(out, s)
		}
	}
	return out
}

// Dialogs returns the alert, confirm and prompt dialogs the page opened
// (each accepted).
func (p *Page) Dialogs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.dialogs...)
}

func (p *Page) isAllowed(s string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, re := range p.allowed {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

func describe(m chromedp.ConsoleMessage) string {
	s := m.String()
	if m.URL != "" {
		s += fmt.Sprintf(" (%s:%d)", m.URL, m.Line+1)
	}
	if m.Stack != nil && m.IsException() {
		for i, f := range m.Stack.CallFrames {
			if i == 4 {
				break
			}
			s += fmt.Sprintf("\n\t\tat %s (%s:%d:%d)", f.FunctionName, f.URL, f.LineNumber+1, f.ColumnNumber+1)
		}
	}
	return s
}

// finish checks the page at the end of the test and closes the tab.
func (p *Page) finish() {
	defer p.cancel()
	if p.ctx.Err() != nil {
		return
	}
	if bad := p.Unexpected(); len(bad) > 0 {
		p.t.Errorf("console errors on %s:\n\t%s", p.location(), strings.Join(bad, "\n\t"))
	}
	if xss, err := p.eval(`({xss: typeof window.__xss === 'undefined' ? null : String(window.__xss),
		injected: [...rs.all('[onerror], [onload], img[src="x"]'), ...rs.all('script').filter((s) => s.textContent.includes('__xss'))].map(rs.path)})`); err == nil {
		var v struct {
			XSS      *string
			Injected []string
		}
		if json.Unmarshal(xss, &v) == nil {
			if v.XSS != nil {
				p.t.Errorf("script injected by data ran on %s: window.__xss = %s", p.location(), *v.XSS)
			}
			if len(v.Injected) > 0 {
				p.t.Errorf("elements with event-handler attributes on %s (markup injected from data?): %v", p.location(), v.Injected)
			}
		}
	}
	if d := p.Dialogs(); len(d) > 0 {
		p.t.Logf("dialogs the page opened (accepted): %q", d)
	}
	if p.t.Failed() {
		p.t.Logf("page %s at the failure; widgets: %s", p.location(), p.widgetSummary())
		if _, err := p.screenshot("failure"); err != nil {
			p.t.Logf("failure screenshot: %v", err)
		}
		var log []string
		for _, m := range p.Messages() {
			log = append(log, describe(m))
		}
		if len(log) > 0 {
			p.t.Logf("console of %s:\n\t%s", p.location(), strings.Join(log, "\n\t"))
		}
	}
}

func (p *Page) location() string {
	u, err := p.run(chromedp.Location())
	if err != nil {
		return "(unknown page)"
	}
	return u
}

func (p *Page) widgetSummary() string {
	b, err := p.eval(`rs.widgets()`)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// do runs actions with the page's timeout.
func (p *Page) do(actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(p.ctx, p.timeout)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// run runs an action returning a string with the page's timeout.
func (p *Page) run(a chromedp.Action[string]) (string, error) {
	ctx, cancel := context.WithTimeout(p.ctx, p.timeout)
	defer cancel()
	return chromedp.Run(ctx, a)
}

// eval evaluates a JavaScript expression (which may await) with rs in
// scope and returns its value as JSON ("null" for undefined).
func (p *Page) eval(expr string) (json.RawMessage, error) {
	src := "(async () => {\n" + prelude + "\nreturn (" + expr + "\n);\n})()"
	ctx, cancel := context.WithTimeout(p.ctx, p.timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](src, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, err
	}
	if len(v) == 0 {
		v = []byte("null")
	}
	return v, nil
}

// Navigate loads url and waits for its load event.
func (p *Page) Navigate(url string) {
	p.t.Helper()
	if err := p.do(chromedp.Navigate(url)); err != nil {
		p.t.Fatalf("navigate to %s: %v", url, err)
	}
}

// URL returns the page's current URL.
func (p *Page) URL() string {
	p.t.Helper()
	u, err := p.run(chromedp.Location())
	if err != nil {
		p.t.Fatalf("location: %v", err)
	}
	return u
}

// Eval evaluates a JavaScript expression with the rs helpers in scope
// (see the package documentation; the expression may use await) and
// decodes its JSON value into out, unless out is nil.
func (p *Page) Eval(expr string, out any) {
	p.t.Helper()
	v, err := p.eval(expr)
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", expr, err)
	}
	if out != nil {
		if err := json.Unmarshal(v, out); err != nil {
			p.t.Fatalf("evaluate %s: decode %s: %v", expr, v, err)
		}
	}
}

// String evaluates an expression whose value is a string.
func (p *Page) String(expr string) string {
	p.t.Helper()
	var s *string
	p.Eval(expr, &s)
	if s == nil {
		return ""
	}
	return *s
}

// Wait polls expr (as Eval runs it) until its value is truthy and
// returns the value as JSON; after the page's timeout it fails the test,
// naming what it waited for, the last value and the widgets' states.
func (p *Page) Wait(what, expr string) json.RawMessage {
	p.t.Helper()
	return p.WaitTimeout(p.timeout, what, expr)
}

// WaitTimeout is Wait with its own deadline.
func (p *Page) WaitTimeout(d time.Duration, what, expr string) json.RawMessage {
	p.t.Helper()
	v, last, err := p.poll(d, expr)
	if err != nil {
		p.t.Fatalf("waiting %s for %s: %v (last value %s); on %s; widgets: %s", d, what, err, last, p.location(), p.widgetSummary())
	}
	return v
}

// TryWait is Wait that does not fail the test: it reports whether expr
// became truthy within d, and its last value.
func (p *Page) TryWait(d time.Duration, expr string) (json.RawMessage, bool) {
	v, last, err := p.poll(d, expr)
	if err != nil {
		return last, false
	}
	return v, true
}

// poll evaluates expr until it is truthy, for up to d; errors while the
// page is between documents are retried.
func (p *Page) poll(d time.Duration, expr string) (v, last json.RawMessage, err error) {
	check := "(async () => { const v = await (" + expr + "\n); return {ok: !!v, v: v === undefined ? null : v}; })()"
	deadline := time.Now().Add(d)
	var lastErr error
	for {
		raw, err := p.eval(check)
		if err == nil {
			var r struct {
				OK bool
				V  json.RawMessage
			}
			if err := json.Unmarshal(raw, &r); err != nil {
				return nil, raw, err
			}
			if r.OK {
				return r.V, r.V, nil
			}
			last, lastErr = r.V, nil
		} else {
			lastErr = err
		}
		if p.ctx.Err() != nil {
			return nil, last, p.ctx.Err()
		}
		if time.Now().After(deadline) {
			if lastErr != nil {
				return nil, last, lastErr
			}
			return nil, last, errors.New("timed out")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Click waits until the element expr returns is rendered, enabled and not
// covered by another, scrolls it into view and clicks its centre with
// the mouse, as a person would.
func (p *Page) Click(what, expr string) {
	p.t.Helper()
	x, y := p.target(what, expr)
	if err := p.do(chromedp.MouseClickXY(x, y)); err != nil {
		p.t.Fatalf("click %s: %v", what, err)
	}
}

// Drag presses the mouse on the centre of the element expr returns (as
// Click finds it), moves it by dx, dy in steps, and releases it.
func (p *Page) Drag(what, expr string, dx, dy float64) {
	p.t.Helper()
	x, y := p.target(what, expr)
	const steps = 8
	held := func(p *input.DispatchMouseEventParams) { p.Button, p.Buttons = input.MouseButtonLeft, 1 }
	acts := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(chromedp.MouseMoved, x, y),
		chromedp.MouseEvent(chromedp.MousePressed, x, y, held, chromedp.ClickCount(1))}
	for i := 1; i <= steps; i++ {
		f := float64(i) / steps
		acts = append(acts, chromedp.MouseEvent(chromedp.MouseMoved, x+dx*f, y+dy*f, held))
	}
	acts = append(acts, chromedp.MouseEvent(chromedp.MouseReleased, x+dx, y+dy, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	if err := p.do(acts...); err != nil {
		p.t.Fatalf("drag %s: %v", what, err)
	}
}

// target waits until the element expr returns can be clicked and
// returns the viewport coordinates of its centre.
func (p *Page) target(what, expr string) (x, y float64) {
	p.t.Helper()
	body := "(() => { const el = (" + expr + "\n);" + clickTarget + "})()"
	var at struct {
		Err  string
		X, Y float64
	}
	deadline := time.Now().Add(p.timeout)
	for {
		v, err := p.eval(body)
		if err == nil {
			at.Err = ""
			err = json.Unmarshal(v, &at)
		}
		if err == nil && at.Err == "" {
			return at.X, at.Y
		}
		if err != nil {
			at.Err = err.Error()
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("click %s: %s; on %s", what, at.Err, p.location())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Type types text with the keyboard into the focused element ("\r" is
// Enter).
func (p *Page) Type(text string) {
	p.t.Helper()
	if err := p.do(chromedp.KeyEvent(text)); err != nil {
		p.t.Fatalf("type %q: %v", text, err)
	}
}

// Press presses keys such as kb.Enter, kb.ArrowDown or kb.Escape.
func (p *Page) Press(keys ...string) {
	p.t.Helper()
	for _, k := range keys {
		if err := p.do(chromedp.KeyEvent(k)); err != nil {
			p.t.Fatalf("press %q: %v", k, err)
		}
	}
}

// Keys for Press.
const (
	Enter      = kb.Enter
	Escape     = kb.Escape
	ArrowDown  = kb.ArrowDown
	ArrowUp    = kb.ArrowUp
	ArrowLeft  = kb.ArrowLeft
	ArrowRight = kb.ArrowRight
	Home       = kb.Home
	End        = kb.End
	Tab        = kb.Tab
)

// Screenshot saves a PNG of the visible part of the page, once running
// transitions have ended, as ArtifactDir(t)/name.png, logs where, and
// returns the file's path.
func (p *Page) Screenshot(name string) string {
	p.t.Helper()
	path, err := p.screenshot(name)
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	return path
}

// settled is true when no finite CSS transition or animation runs (a
// theme switch fades colours; spinners run forever and do not count).
const settled = `document.getAnimations().every((a) => a.playState !== 'running' || (a.effect && a.effect.getTiming().iterations === Infinity))`

func (p *Page) screenshot(name string) (string, error) {
	p.TryWait(5*time.Second, settled)
	ctx, cancel := context.WithTimeout(p.ctx, p.timeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return "", err
	}
	dir, err := ArtifactDir(p.t)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return "", err
	}
	p.t.Logf("screenshot %s", path)
	return path, nil
}

var artifacts struct {
	mu      sync.Mutex
	cleared map[string]bool
}

// ArtifactDir returns the directory for t's artifacts,
// $ROUTESTAT_ARTIFACTS/<test name>/ (default: routestat-artifacts in
// os.TempDir()), created on first use and emptied of an earlier run's
// files.
func ArtifactDir(t testing.TB) (string, error) {
	base := os.Getenv("ROUTESTAT_ARTIFACTS")
	if base == "" {
		base = filepath.Join(os.TempDir(), "routestat-artifacts")
	}
	var parts []string
	for _, s := range strings.Split(t.Name(), "/") {
		parts = append(parts, unsafeName.ReplaceAllString(s, "_"))
	}
	dir := filepath.Join(append([]string{base}, parts...)...)
	artifacts.mu.Lock()
	defer artifacts.mu.Unlock()
	if artifacts.cleared == nil {
		artifacts.cleared = make(map[string]bool)
	}
	if !artifacts.cleared[dir] {
		artifacts.cleared[dir] = true
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if !e.IsDir() {
				os.Remove(filepath.Join(dir, e.Name()))
			}
		}
	}
	return dir, os.MkdirAll(dir, 0o755)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)
