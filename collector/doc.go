// Package collector is routestat's passive BGP route collector: an
// in-process GoBGP server that peers with routers, never announces a
// route, and publishes every BGP message it receives and every session
// state change on a bus (collector/bus) that feeds the MRT archive
// (collector/archive), the RIS Live stream (collector/rislive), the indexer
// and the hijack detector.
package collector
