// Package api is routestat's RIPEstat-compatible data API server: the
// framework every data call is served by, so that existing RIPEstat
// clients, scripts, widgets and BGPlay work against routestat by changing
// the host name only. The contract is the shared spec
// ripestat-data-api.md §1; docs/api.md describes it for users and says
// where routestat chose what RIPEstat leaves open.
//
// It owns:
//
//   - the URL layout: GET /data/<call>/data.json (also /data/<call>/ and
//     the legacy /plugin/<call>/data.json), /data/<call>/meta[/availability
//     |/methodology|/versions], and the call list at /docs/data_api (HTML)
//     and /docs/data_api/openapi.json;
//   - the call registry: a Call declares its name, layout version, status,
//     parameters (Param: name, Kind, required, default, docs) and a
//     HandlerFunc; Server.Register adds it;
//   - parsing: the query string (& or ; separated, unknown parameters
//     ignored), resources (ParseResource: ASN, prefix, address, host name,
//     country), times (ParseTime, FormatTime, SnapRIB), defaults, the
//     common parameters (callback, sourceapp, preferred_version,
//     data_overload_limit, soft_limit, cache, meta);
//   - the response envelope, byte-compatible in keys, order and types,
//     for every answer, errors included, plain or JSON-P;
//   - error mapping (errors.go: statusOf is the one place errors become
//     HTTP statuses), panic recovery, per-call timeouts, the per-client
//     concurrency limit, the data overload guard (Query.Overloaded);
//   - HTTP caching: a bounded in-memory cache of answers to historical
//     queries, weak ETags, If-None-Match, Cache-Control; gzip and CORS;
//   - the request log (log/slog) and Prometheus metrics per call.
//
// Invariants: every response of a data or meta path is the JSON envelope
// with exactly the fourteen keys of spec §1.2 in order, and status_code
// equals the HTTP status (304 aside, which has no body); bad input is a
// 4xx naming the parameter, never a 500 or a panic; a 500 is a bug or a
// backend failure, logged with the query id.
//
// The package knows nothing of storage: calls are registered by the
// binary, which gives them access to the route index.
package api
