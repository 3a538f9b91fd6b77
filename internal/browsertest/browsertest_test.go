package browsertest

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	Shutdown()
	os.Exit(code)
}

// testPage is a test page: a widget-like host with an open shadow root that
// fills in after a while, a button in it, an input, and console output.
const testPage = `<!doctype html>
<html><head><title>t</title><link rel="icon" href="data:,"></head><body>
<p id="light">light <b>text</b></p>
<input id="in">
<div id="pad" style="width:300px;height:60px;background:#ddd;touch-action:none"></div>
<div id="host" data-widget="demo" data-state="loading"></div>
<script>
const host = document.getElementById('host');
const root = host.attachShadow({mode: 'open'});
console.log('hello');
setTimeout(() => {
  const p = document.createElement('p');
  p.className = 'inner';
  p.textContent = '<b>literal</b>';
  const b = document.createElement('button');
  b.textContent = 'press';
  b.addEventListener('click', (e) => { window.clicked = (window.clicked || 0) + 1; window.trusted = e.isTrusted; });
  const s = document.createElement('style');
  s.textContent = '.hidden-in-style {}';
  root.append(s, p, b);
  host.setAttribute('data-state', 'ready');
}, 300);
const pad = document.getElementById('pad');
window.drag = [];
for (const t of ['pointerdown', 'pointermove', 'pointerup']) pad.addEventListener(t, (e) => { if (t !== 'pointermove' || e.buttons === 1) window.drag.push(t + ' ' + Math.round(e.offsetX) + ' ' + e.buttons); });
document.getElementById('in').addEventListener('keydown', (e) => { if (e.key === 'Enter') window.entered = e.target.value; });
</script>
</body></html>`

func testServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(testPage))
		case "/errors":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(`<!doctype html><link rel="icon" href="data:,"><body><script>console.error('boom'); fetch('/missing'); setTimeout(() => { throw new Error('kaput'); });</script></body>`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestShadowWaitClickType: waits see into shadow roots, clicks are real
// mouse events on elements inside them, typing reaches the focused input,
// text helpers find literal text and ignore style contents, and
// screenshots are written.
func TestShadowWaitClickType(t *testing.T) {
	srv := testServer(t)
	p := Shared(t).NewPage(t)
	p.Navigate(srv.URL + "/")
	p.Wait("the shadow content", `rs.within('#host', 'p.inner')`)
	if got := p.String(`rs.one('[data-widget=demo]').getAttribute('data-state')`); got != "ready" {
		t.Errorf("data-state %q", got)
	}
	if got := p.String(`rs.text('#host')`); !strings.Contains(got, "<b>literal</b>") || strings.Contains(got, "hidden-in-style") {
		t.Errorf("rs.text = %q", got)
	}
	var where struct{ How, Path string }
	p.Eval(`rs.findText('<b>literal</b>')`, &where)
	if where.How != "text" || !strings.Contains(where.Path, ">> p.inner") {
		t.Errorf("findText: %+v", where)
	}
	var none any
	p.Eval(`rs.findText('hidden-in-style')`, &none)
	if none != nil {
		t.Errorf("findText found style contents: %v", none)
	}
	p.Click("the shadow button", `rs.one('button')`)
	p.Wait("the click", `window.clicked === 1 && window.trusted`)
	p.Click("the input", `document.getElementById('in')`)
	p.Type("AS3333")
	p.Press(Enter)
	if got := p.String(`window.entered`); got != "AS3333" {
		t.Errorf("typed %q", got)
	}
	p.Drag("the pad", `document.getElementById('pad')`, 100, 0)
	var drag []string
	p.Eval(`window.drag`, &drag)
	if len(drag) < 3 || drag[0] != "pointerdown 150 1" || drag[len(drag)-2] != "pointermove 250 1" || drag[len(drag)-1] != "pointerup 250 0" {
		t.Errorf("drag events %q", drag)
	}
	var size struct{ W, H int }
	p.Eval(`({w: innerWidth, h: innerHeight})`, &size)
	if size.W != Width || size.H != Height {
		t.Errorf("viewport %dx%d", size.W, size.H)
	}
	var tz string
	p.Eval(`Intl.DateTimeFormat().resolvedOptions().timeZone`, &tz)
	if tz != TimeZone {
		t.Errorf("time zone %q", tz)
	}
	path := p.Screenshot("shadow")
	if b, err := os.ReadFile(path); err != nil || !strings.HasPrefix(string(b), "\x89PNG") {
		t.Errorf("screenshot %s: %v", path, err)
	}
	if len(p.Unexpected()) != 0 {
		t.Errorf("unexpected: %q", p.Unexpected())
	}
	var logged bool
	for _, m := range p.Messages() {
		logged = logged || m.Text == "hello"
	}
	if !logged {
		t.Errorf("console.log not recorded: %v", p.Messages())
	}
}

// TestConsoleErrors: console.error, a failed request and an uncaught
// exception are all caught; Allow declares them expected.
func TestConsoleErrors(t *testing.T) {
	srv := testServer(t)
	p := Shared(t).NewPage(t)
	p.Navigate(srv.URL + "/errors")
	var got []string
	for range 100 {
		if got = p.Unexpected(); len(got) >= 3 {
			break
		}
		p.Eval(`new Promise((r) => setTimeout(r, 50))`, nil)
	}
	joined := strings.Join(got, "\n")
	for _, want := range []string{"error: boom", "404", "kaput"} {
		if !strings.Contains(joined, want) {
			t.Errorf("unexpected messages lack %q:\n%s", want, joined)
		}
	}
	p.Allow(`^error: boom`, `404 \(Not Found\)`, `kaput`)
	if left := p.Unexpected(); len(left) != 0 {
		t.Errorf("allowed messages still reported: %q", left)
	}
}
