// Package browsertest runs routestat's web pages in a real headless
// Chromium for tests, driven through the DevTools protocol by chromedp.
//
// One browser serves every test of a test binary: [Shared] starts it the
// first time a test asks for it (Chromium from $ROUTESTAT_CHROMIUM,
// /usr/bin/chromium or chromium in PATH; headless, no sandbox, no GPU, no
// background networking, a fresh profile, a 1366×900 window, the time zone
// Asia/Karachi so that a page showing local instead of UTC times is
// caught), and [Shutdown], called from TestMain, stops it. Without a
// Chromium, tests are skipped, except when CI=true, where they fail.
//
// Each test opens its own tab with [Browser.NewPage]. A [Page] records
// every console message, uncaught exception and browser log entry of the
// tab; when the test ends, errors and exceptions the test did not declare
// with [Page.Allow] fail it, and so does a window.__xss left set by
// injected script. On failure the page's screenshot and console log are
// saved.
//
// Widgets render in open shadow roots, which CSS selectors do not cross.
// Page expressions therefore run with a small helper object, rs, in scope
// (see [Page.Eval]): rs.all(sel) and rs.one(sel) query the document and
// every open shadow root below it, rs.within(host, sel) queries one host's
// shadow root, rs.text(el) is an element's rendered text including its
// shadow tree, and rs.findText(s) finds where a string is shown. [Page.Wait]
// polls such an expression until it is truthy, with a generous deadline
// ([Page.TryWait] without failing), and [Page.Click] and [Page.Drag] use
// real mouse events on the element an expression returns, wherever it
// lives, once it is rendered, enabled and not covered; [Page.Type] and
// [Page.Press] use the keyboard.
//
// Screenshots ([Page.Screenshot]) are test artifacts, written to
// $ROUTESTAT_ARTIFACTS/<TestName>/ (default: the routestat-artifacts
// directory in os.TempDir()) and logged with t.Log.
package browsertest
