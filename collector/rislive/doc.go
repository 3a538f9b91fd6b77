// Package rislive serves the collector's bus as a RIS Live compatible
// stream, so that an existing RIS Live client pointed at it works
// unchanged (the contract is §5, "RIS Live WebSocket protocol", of the
// shared spec atlas-probe-and-streams.md).
//
// Two endpoints:
//
//   - /v1/ws/?client=NAME: a WebSocket (permessage-deflate offered). The
//     client sends {"type": ..., "data": ...} messages: ris_subscribe
//     (host, type, require, peer, path, prefix, moreSpecific, lessSpecific,
//     socketOptions {includeRaw, acknowledge}), ris_unsubscribe, ping and
//     request_rrc_list; the server sends ris_message, ris_error,
//     ris_subscribe_ok, ris_rrc_list and pong, one per text frame. "client"
//     is optional and only logged, as on RIS Live.
//   - /v1/stream/?format=json: every ris_message as a line of NDJSON,
//     filtered by an optional X-RIS-Subscribe header holding the data of a
//     ris_subscribe.
//
// A ris_message's data is written by mrtdump's JSON encoder
// (mrtdump.MessageEncoder), so it is byte for byte what "routestat mrtdump
// --json-messages" writes for the same message in an MRT archive; its "id"
// is host-peer-timestamp-sequence, with the bus's sequence number.
//
// Every client has its own bounded queue of bus events (Options.Buffer):
// publishing never waits for a client. Events that do not fit are dropped
// for that client, counted (routestat_stream_drops_total) and reported to
// it in a ris_error; a client that has events dropped again within
// Options.SlowGrace of that report gets a final ris_error and is
// disconnected.
//
// Choices where RIS Live's behaviour is not documented: a message is sent
// once however many subscriptions it matches, and an UPDATE whole when any
// of its prefixes matches; "require" wants the member present and not
// empty; an AS number in a path pattern also matches an AS_SET containing
// it; path and prefix filters pass only UPDATEs; unknown members of a
// subscription are ignored; ris_unsubscribe of a subscription that does
// not exist answers with a ris_error.
package rislive
