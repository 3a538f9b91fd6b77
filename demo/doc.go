// Package demo owns routestat's demo scenario: a generated hour of BGP,
// clearly labelled as such, that routestat serve --demo plays into its
// own collector on an empty store so that a newcomer has something to
// look at within a minute (docs/demo.md).
//
// The scenario is modelled on the seed tutorial's exercise: twelve
// collector peers see AS4725 originate 202.33.0.0/16 (and four more
// prefixes) among a few hundred background routes with some churn; on
// 2019-09-23 at 08:30 UTC a documentation AS, AS64511, starts announcing
// 202.33.14.0/24, which reaches eight of the peers within 74 seconds and
// is withdrawn from 08:47. Peers, hijacker and background networks use
// documentation and private AS numbers, so that no real network is
// accused; well-known transit networks appear in the middle of paths.
//
// Generate builds the scenario deterministically; Scenario.Write writes
// it as RIS-style MRT files with routestat's own MRT writer (a
// TABLE_DUMP_V2 RIB dump at 08:00 and BGP4MP updates files every five
// minutes), together with a monitored-resources file for the hijack
// detector and an AS-names file. Play replays the MRT files into a
// collector over real BGP sessions (collector/replay) and starts the
// scenario Clock when the first update is played: the collector and the
// hijack detector run on that clock, which reads the scenario's time
// (60 times faster than real time by default, real time after 09:00), so
// the hijack is seen, and its incident opened, at about 08:30 on
// 2019-09-23.
package demo
