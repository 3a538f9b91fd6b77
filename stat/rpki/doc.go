// Package rpki is routestat's source of RPKI data: it loads Validated ROA
// Payloads (VRPs) as produced by a relying-party validator and performs
// BGP route origin validation (RFC 6811) against them, for the hijack
// detector's RPKI monitor and explanations.
//
// It owns:
//
//   - the VRP file formats it reads (see Parse): the JSON written by
//     rpki-client (-j) and Routinator (--format json/jsonext), and the CSV
//     written by Routinator (csv, csvcompat, csvext), rpki-client (-c) and
//     the RIPE NCC RPKI Validator. The format is detected from the content,
//     never from the file name;
//   - Set, an immutable index of VRPs answering Validate, State and
//     Covering without locks, in well under a microsecond; Validate
//     allocates only the list of covering VRPs, State never allocates;
//   - Source, which holds the current Set of a VRP file and re-reads the
//     file when it changes, keeping the previous Set when the new content
//     does not parse.
//
// Validation states are named "valid", "invalid" and "not-found"
// (State.String); State.RIPEstat gives the names of RIPEstat's
// rpki-validation data call ("valid", "invalid", "unknown").
//
// The package does not fetch or validate RPKI objects itself: running a
// validator (rpki-client, Routinator, ...) that writes the VRP file is the
// operator's job.
package rpki
