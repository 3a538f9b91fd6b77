// Package collector is routestat's passive BGP route collector: an
// in-process GoBGP server that peers with routers, never announces a
// route, and publishes every BGP UPDATE it receives and every session
// state change on a bus (collector/bus) that feeds the MRT archive
// (collector/archive), the RIS Live stream (collector/rislive), the indexer
// and the hijack detector.
//
// # Raw messages
//
// GoBGP's API hands out parsed paths, never the bytes received. Its BMP
// client does: pre-policy Route Monitoring carries each UPDATE exactly as
// read off the wire. So Run starts a BMP station on a loopback port inside
// the process, points GoBGP's BMP client at it, and adds peers only once
// the client has connected (its Initiation message), so that GoBGP never
// replays table contents, which it would synthesise from parsed paths,
// as if they had just been received. If the feed breaks, Run fails rather
// than lose messages unseen.
//
// # Ordering
//
// FSM changes come from GoBGP's peer watch, which reports every state but
// no reasons; UPDATEs, Peer Up (with the OPENs, from which 4-byte AS and
// ADD-PATH negotiation are read) and Peer Down (with the NOTIFICATION)
// come from BMP. A sequencer merges the two per peer, pairing the watch's
// Established with Peer Up and its change out of Established with Peer
// Down, so that a session's Established event precedes its first UPDATE
// and its end follows its last, and publishes everything from one
// goroutine with non-decreasing times.
//
// # Never announcing
//
// The global export policy rejects every route, every peer's export policy
// says the same, the collector adds no routes, and Run checks the policy
// after setting it: nothing in Config can change this.
//
// # Known gaps, from GoBGP v3.37.0
//
// GoBGP forwards to BMP only UPDATEs that yield paths: End-of-RIB markers,
// UPDATEs whose every path is rejected as an AS loop, and the UPDATE that
// trips a prefix limit are not published. An UPDATE GoBGP cannot parse at
// all resets the session (per RFC 7606 only for the errors that demand
// it; treat-as-withdraw is on) and is not published either.
package collector
