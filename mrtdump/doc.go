// Package mrtdump reads and writes MRT routing information export files
// (RFC 6396, its 6396bis update and RFC 8050 ADD-PATH extensions) and prints
// them the way bgpdump -m does.
//
// It owns three things:
//
//   - framing: [Reader] splits a (transparently decompressed) byte stream into
//     [Record]s, tracking each record's byte offset so that every error names
//     where it happened; a record whose header is intact but whose body is bad
//     is reported and skipped, a stream whose framing is lost stops cleanly.
//   - decoding: fast, allocation-light decoders for every record type found in
//     RIS, RouteViews, PCH and daemon archives (TABLE_DUMP, TABLE_DUMP_V2,
//     BGP4MP, BGP4MP_ET and the deprecated type 5), returning views that
//     reference the record's bytes; BGP UPDATE attributes are walked without
//     copying.
//   - formatting and encoding: [Dumper] reproduces bgpdump 1.6.2's -m/-M
//     output byte for byte (and can print RIS Live-style JSON), and [Writer]
//     encodes TABLE_DUMP_V2 and BGP4MP records.
//
// The package is a pure codec: it does no logging and keeps no global state.
// Views returned by decoders are valid only until the next call to
// [Reader.Next]; copy what must outlive it.
package mrtdump
