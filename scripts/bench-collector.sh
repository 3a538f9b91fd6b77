#!/usr/bin/env bash
# Feeds `routestat collector` with `routestat replay --fast` and measures,
# from the collector's /metrics: the time until every replayed prefix was
# received and archived, prefixes/s, and the collector's resident memory
# per route held. Prints a Markdown table row.
#
#   scripts/bench-collector.sh [MRT-FILE...]   (default: the jinx RIB)
#
# Needs bin/routestat (make build) and curl; uses ports 11179 and 18080.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="${ROUTESTAT_SHARED:-../shared}"
BIN=bin/routestat
[ $# -gt 0 ] || set -- "$SHARED/testdata/mrt/libbgpstream-testdumps/routeviews.route-views.jinx.ribs.1401487200.bz2"
[ -x "$BIN" ] || { echo "bench: $BIN missing; run make build" >&2; exit 1; }
work=$(mktemp -d)
cat > "$work/routestat.yaml" <<YAML
collector: {name: bench, listen_addresses: [127.0.0.1], listen_port: 11179}
archive: {dir: $work/archive, rib_interval: -1s}
http: {listen: 127.0.0.1:18080}
YAML
"$BIN" collector --config "$work/routestat.yaml" 2> "$work/collector.log" & cpid=$!
trap 'kill $cpid $rpid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
rpid=
metric() { curl -s 127.0.0.1:18080/metrics | awk -v m="$1" '$1 ~ "^"m {s += $2} END {printf "%.0f\n", s}'; }
until curl -s 127.0.0.1:18080/metrics >/dev/null; do sleep 0.2; done
rss0=$(metric process_resident_memory_bytes)
"$BIN" replay --to 127.0.0.1:11179 --fast --hold "$@" > "$work/replay.out" 2> "$work/replay.log" & rpid=$!
until grep -q "replay sessions up" "$work/replay.log"; do sleep 0.1; done
t0=$(date +%s.%N)
until grep -q "replay done" "$work/replay.log"; do sleep 0.2; done
want=$(sed -n 's/.*announced=\([0-9]*\).*/\1/p' "$work/replay.log")
until [ "$(metric routestat_bgp_prefixes_received_total)" -ge "$want" ]; do sleep 0.1; done
t1=$(date +%s.%N)
sleep 2 # let the archive flush
rss1=$(metric process_resident_memory_bytes)
secs=$(echo "$t1 - $t0" | bc -l)
echo "| $(basename "$1") | $want | $(printf %.1f "$secs") s | $(printf %.0f "$(echo "$want / $secs" | bc -l)") | $(metric routestat_mrt_records_written_total) | $((rss1 / 1048576)) MiB | $(( (rss1 - rss0) / want )) B |"
