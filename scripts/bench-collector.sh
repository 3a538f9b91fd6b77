#!/usr/bin/env bash
# Feeds `routestat collector` and measures, from the collector's /metrics:
# the time until every prefix sent was received and archived, prefixes/s,
# and the collector's resident memory per route held. Prints a Markdown
# table row.
#
#   scripts/bench-collector.sh [MRT-FILE...]
#       load: `routestat replay --fast` (GoBGP speakers; default file: the
#       jinx RIB)
#   scripts/bench-collector.sh --raw [--full N] [RIB-FILE]
#       load: the raw speaker (collector/internal/rawspeaker), UPDATEs
#       encoded before the clock starts; one session per RIB peer, or with
#       --full N the RIB's full table over N sessions at once
#
# Needs bin/routestat (make build; or ROUTESTAT_BIN), curl and go (--raw); uses ports 11179
# and 18080. GOGC and GOMEMLIMIT pass through to the collector.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="${ROUTESTAT_SHARED:-../shared}"
BIN="${ROUTESTAT_BIN:-bin/routestat}"
raw= full=0
while [ $# -gt 0 ]; do
	case $1 in
	--raw) raw=1; shift ;;
	--full) full=$2; shift 2 ;;
	--) shift; break ;;
	-*) echo "bench: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || set -- "$SHARED/testdata/mrt/libbgpstream-testdumps/routeviews.route-views.jinx.ribs.1401487200.bz2"
[ -x "$BIN" ] || { echo "bench: $BIN missing; run make build" >&2; exit 1; }
work=$(mktemp -d)
if [ -n "$raw" ]; then
	go build -o "$work/rawspeaker" ./collector/internal/rawspeaker/cmd/rawspeaker
fi
cat > "$work/routestat.yaml" <<YAML
collector: {name: bench, listen_addresses: [127.0.0.1], listen_port: 11179}
archive: {dir: $work/archive, rib_interval: -1s}
http: {listen: 127.0.0.1:18080}
YAML
"$BIN" collector --config "$work/routestat.yaml" 2> "$work/collector.log" & cpid=$!
rpid=
trap 'kill $cpid $rpid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
metric() { curl -s 127.0.0.1:18080/metrics | awk -v m="$1" '$1 ~ "^"m {s += $2} END {printf "%.0f\n", s}'; }
until curl -s 127.0.0.1:18080/metrics >/dev/null; do sleep 0.2; done
rss0=$(metric process_resident_memory_bytes)
if [ -n "$raw" ]; then
	: > "$work/speaker.out"
	"$work/rawspeaker" --to 127.0.0.1:11179 --full "$full" "$1" > "$work/speaker.out" 2> "$work/speaker.log" & rpid=$!
	until grep -q "sessions up" "$work/speaker.out"; do
		kill -0 $rpid 2>/dev/null || { cat "$work/speaker.log" >&2; exit 1; }
		sleep 0.1
	done
	sessions=$(sed -n 's/.*sessions=\([0-9]*\).*/\1/p' "$work/speaker.out")
	want=$(sed -n 's/.*prefixes=\([0-9]*\).*/\1/p' "$work/speaker.out")
	updates=$(sed -n 's/.*updates=\([0-9]*\).*/\1/p' "$work/speaker.out")
	until [ "$(metric routestat_bgp_sessions_up)" -ge "$sessions" ]; do sleep 0.1; done
	sleep 1 # the state changes reach the archive
	records0=$(metric routestat_mrt_records_written_total)
	rss0=$(metric process_resident_memory_bytes)
	t0=$(date +%s.%N)
	kill -USR1 $rpid
	until [ "$(metric routestat_bgp_prefixes_received_total)" -ge "$want" ]; do sleep 0.1; done
	until [ "$(metric routestat_mrt_records_written_total)" -ge $((records0 + updates)) ]; do sleep 0.1; done
	t1=$(date +%s.%N)
	input="$(basename "$1"), $([ "$full" -gt 0 ] && echo "full table × $full sessions" || echo "$sessions sessions"), raw speaker"
else
	"$BIN" replay --to 127.0.0.1:11179 --fast --hold "$@" > "$work/replay.out" 2> "$work/replay.log" & rpid=$!
	until grep -q "replay sessions up" "$work/replay.log"; do sleep 0.1; done
	t0=$(date +%s.%N)
	until grep -q "replay done" "$work/replay.log"; do sleep 0.2; done
	want=$(sed -n 's/.*announced=\([0-9]*\).*/\1/p' "$work/replay.log")
	until [ "$(metric routestat_bgp_prefixes_received_total)" -ge "$want" ]; do sleep 0.1; done
	t1=$(date +%s.%N)
	input="$(basename "$1"), routestat replay"
fi
sleep 2 # let the archive flush
rss1=$(metric process_resident_memory_bytes)
secs=$(echo "$t1 - $t0" | bc -l)
load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "| $input | $want | $(printf %.1f "$secs") s | $(printf %.0f "$(echo "$want / $secs" | bc -l)") | $(metric routestat_mrt_records_written_total) | $((rss1 / 1048576)) MiB | $(( (rss1 - rss0) / want )) B | $load |"
