// Package widgets serves routestat's embeddable widgets: widget_api.js,
// one self-contained script built from widgets/src (Vite, "make web")
// and embedded from widgets/dist, which defines the global routestat
// API (and its alias ripestat, so RIPEstat embed snippets work by
// changing the host), and the single-widget page /widget/NAME whose
// parameters live in the URL fragment (#w.resource=...), as RIPEstat's
// permalinks do.
//
// The loader is served at the three paths RIPEstat embeds use
// (/widgets/widget_api.js, /widget-api/widget_api.js and
// /widget-api/v1.2/widget_api.js), readable from any origin.
package widgets
