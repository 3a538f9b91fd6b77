// Package hijack watches routes for the anomalies a NOC is paged for and
// turns them into incidents with evidence and a plain-language
// explanation.
//
// It owns the monitored-resources file (its own YAML format, and
// BGPalerter's prefixes.yml read as-is), the detectors (exact-prefix
// origin hijack, sub-prefix hijack, squatting, fake first hop, route leak,
// RPKI-invalid origin, visibility loss and its restoration, own
// more-specifics, new prefixes and new neighbours of monitored ASes,
// AS-path rules), the grouping of findings into incidents with a
// lifecycle (pending → open → resolved, acknowledged or false positive by
// a person), their storage beside the route index, and the two drivers of
// the one Engine: Live (the collector's bus) and Backtest (MRT files).
//
// The Engine consumes index.Events, the same normalised route events the
// indexer stores, so live monitoring and backtesting run the same code.
package hijack
