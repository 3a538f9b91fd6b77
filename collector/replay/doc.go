// Package replay plays MRT files into a collector over real BGP sessions:
// one GoBGP speaker per peer of the files, each in that peer's AS and from
// its own source address, announcing RIB dumps as initial state and then
// the updates in order, at a chosen speed or as fast as possible. Demos,
// end-to-end tests and benchmarks feed the collector this way.
//
// The collector sees each route with the original peer AS, prefix, AS
// path, next hop, communities and other attributes; only the peer address
// differs (it is the speaker's source address). A path that does not
// start with the peer's AS (from a transparent route server) is seen with
// that AS prepended; Stats.Transparent counts them.
package replay
