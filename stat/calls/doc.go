// Package calls is routestat's BGP data calls: the RIPEstat-compatible
// answers of /data/<call>/data.json (announced-prefixes, routing-status,
// routing-history, prefix-overview, as-overview, asn-neighbours,
// asn-neighbours-history, bgp-updates, bgplay, bgp-state, looking-glass,
// ris-peers, ris-peerings, ris-prefixes, ris-first-last-seen, visibility,
// related-prefixes, as-path-length, searchcomplete), computed from the
// route index (stat/index).
//
// It owns each call's parameters, layout (keys, order and types as the
// shared spec ripestat-data-api.md §2 records them) and semantics; the
// envelope, parsing, errors and HTTP behaviour belong to stat/api, the
// data to stat/index. Register adds every call to an api.Server.
package calls
