// Package web serves routestat's NOC web UI: the single-page app whose
// sources are web/index.html and web/src (plain ES modules, built by
// Vite with "make web"), embedded in the binary from web/dist. The built
// assets are committed so that go build needs no Node; SOURCE-HASH in
// web/dist ties them to their sources and a test fails when they drift.
//
// Handler answers every path the data API, the hijack API, the live
// stream, the widgets and /metrics do not: hashed files under /assets/
// with a year of caching, and index.html for the app's routes (the
// resource pages /AS4725 and /202.33.0.0/16, /incidents, /monitored,
// /bgplay/...), which the app reads from the URL.
package web
