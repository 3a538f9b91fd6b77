// Package bus is the collector's in-process event bus: the one place where
// every BGP message a collector receives and every session state change is
// published, and from which the MRT archive, the RIS Live stream, the
// indexer and the hijack detector read. Publishing never blocks: each
// subscriber has a bounded buffer, and a subscriber that falls behind loses
// events (counted, and reported to it) without slowing anyone else.
package bus
