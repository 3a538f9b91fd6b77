// Package asrel is routestat's source of AS relationships: it loads
// inferred business relationships between neighbouring ASes in CAIDA's
// as-rel format and checks AS paths against them for route leaks, for
// the hijack detector's route-leak monitor.
//
// It owns:
//
//   - the CAIDA as-rel file formats (see Parse): serial-1
//     ("<provider>|<customer>|-1", "<peer>|<peer>|0") and serial-2 (a
//     fourth column naming the inference source, ignored), plain, gzip or
//     bzip2 compressed (detected from the content);
//   - Relationships, an immutable map of AS links answering Rel;
//   - the valley-free check (Relationships.Check): a path is valley-free
//     (Gao-Rexford) when, from the origin towards the collector, it goes
//     up customer→provider links, crosses at most one peer link, then goes
//     down provider→customer links. The AS at a violation "leaked" the
//     route: it learned it from a provider or a peer and passed it on to
//     a provider or a peer (RFC 7908 types 1 to 4).
//
// Relationship data is inferred and incomplete, so the check is
// conservative: a link of unknown relationship ends it without accusing
// anyone, unless a leak was already found closer to the origin.
package asrel
