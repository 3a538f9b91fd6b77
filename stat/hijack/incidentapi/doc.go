// Package incidentapi serves the hijack detector's incidents over HTTP:
// the data call hijacks on the RIPEstat-compatible data API (Register),
// and the incident API under /api/v1/hijack/ (Handler).
//
// It owns:
//
//   - the hijacks data call (version 1.0): the incidents touching a
//     prefix, address or AS that were active in a window, in the data
//     API's envelope, declared with its documentation so that
//     /docs/data_api lists it;
//   - the incident API's routes (below), their query parameters and
//     JSON bodies;
//   - the API key check of the two actions people take on incidents
//     (constant-time, X-API-Key or Authorization: Bearer; without a key
//     configured they are refused with 403);
//   - the WebSocket stream: the open incidents as "snapshot" messages,
//     then every change the Manager publishes, filtered server-side,
//     with ping/pong keepalive and write deadlines; a client that falls
//     behind is disconnected (it reconnects and gets a fresh snapshot)
//     rather than slowing anything down or silently missing changes.
//
// The routes of Handler:
//
//	GET  /api/v1/hijack/incidents                       list, filtered
//	GET  /api/v1/hijack/incidents/{id}                  one incident
//	POST /api/v1/hijack/incidents/{id}/acknowledge      API key
//	POST /api/v1/hijack/incidents/{id}/false-positive   API key
//	GET  /api/v1/hijack/stream                          WebSocket
//	GET  /api/v1/hijack/monitored                       monitored resources (YAML)
//	PUT  /api/v1/hijack/monitored                       replace them, API key
//
// Invariants: every answer of the incident API but the monitored file is JSON (errors are
// {"error", "parameter"} with a 4xx for bad input, never a 500 or a
// panic); text from incidents is encoded by encoding/json, which escapes
// <, > and &; reads are public (any origin unless Options.AllowedOrigins
// says otherwise), changes need an API key.
//
// The package keeps no state of its own beyond open streams: incidents
// live in the hijack.Manager behind the Incidents interface.
package incidentapi
