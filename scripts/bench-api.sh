#!/usr/bin/env bash
# Drives routestat's data API with wrk from another process and prints
# Markdown table rows: requests/s and latency percentiles per call.
#
#   scripts/bench-api.sh            (needs bin/routestat, wrk, curl)
#
# The store is the jinx RIB of 2014-05-30 22:00 plus the jinx updates of
# 23:45 (shared test data), ingested once into $ROUTESTAT_BENCH_DATA
# (default /tmp/routestat-bench-api). routestat serve runs on it with the
# collector on 127.0.0.1:11180 and HTTP on 127.0.0.1:18090. Load: wrk with
# 2 threads and 8 connections (the API's default per-client limit) for $DURATION (default 20s) per call, each
# request for a prefix picked at random from 5,000 of the RIB's prefixes.
# Queries without a time are never served from the answer cache.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="${ROUTESTAT_SHARED:-../shared}"
BIN="${ROUTESTAT_BIN:-bin/routestat}"
DATA="${ROUTESTAT_BENCH_DATA:-/tmp/routestat-bench-api}"
DURATION="${DURATION:-20s}"
MRT="$SHARED/testdata/mrt/libbgpstream-testdumps"
RIB="$MRT/routeviews.route-views.jinx.ribs.1401487200.bz2"
UPD="$MRT/routeviews.route-views.jinx.updates.1401493500.bz2"
for t in wrk curl; do command -v $t >/dev/null || { echo "bench-api: $t missing (apt-get install $t)" >&2; exit 1; }; done
[ -x "$BIN" ] || { echo "bench-api: $BIN missing; run make build" >&2; exit 1; }
mkdir -p "$DATA"
if [ ! -f "$DATA/ingested" ]; then
	"$BIN" ingest --data "$DATA/data" "$RIB" "$UPD" >&2
	touch "$DATA/ingested"
fi
work=$(mktemp -d)
cat > "$work/routestat.yaml" <<YAML
collector: {name: bench, listen_addresses: [127.0.0.1], listen_port: 11180}
archive: {dir: $work/archive, rib_interval: -1s}
http: {listen: 127.0.0.1:18090}
index: {dir: $DATA/data}
YAML
"$BIN" serve --config "$work/routestat.yaml" 2> "$work/serve.log" & spid=$!
trap 'kill $spid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
base=http://127.0.0.1:18090
until curl -s "$base/metrics" >/dev/null; do
	kill -0 $spid 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
	sleep 0.2
done

# 5,000 prefixes of the RIB and the origin AS with the most prefixes.
"$BIN" mrtdump -m "$RIB" > "$work/rib.txt"
cut -d'|' -f6 "$work/rib.txt" | sort -u | shuf -n 5000 --random-source=<(yes) > "$work/prefixes"
topas=$(awk -F'|' '{n = split($7, p, " "); print p[n] " " $6}' "$work/rib.txt" | sort -u | awk '{print $1}' | sort | uniq -c | sort -rn | awk 'NR == 1 {print $2}')
busy=$("$BIN" mrtdump -m "$UPD" | cut -d'|' -f6 | sort | uniq -c | sort -rn | awk 'NR == 1 {print $2}')

cat > "$work/paths.lua" <<'LUA'
local paths = {}
function init(args)
	for line in io.lines(args[1]) do paths[#paths + 1] = args[2] .. line end
end
request = function()
	return wrk.format("GET", paths[math.random(#paths)])
end
LUA

# load CALL: requests/s, p50, p99 of CALL for the random prefixes.
load() {
	local call=$1
	wrk -t2 -c8 -d"$DURATION" --latency -s "$work/paths.lua" "$base" -- "$work/prefixes" "/data/$call/data.json?resource=" > "$work/wrk.out"
	local rps p50 p99 errs
	rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$work/wrk.out")
	p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.out")
	p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.out")
	errs=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.out")
	echo "| $call | random prefix (5,000) | $rps | $p50 | $p99 | ${errs:-0} |"
}

# timed LABEL URL: median and max of 20 sequential requests; each request
# replaces {i} in URL by its number, so that no two share a cache entry.
timed() {
	local label=$1 url=$2 ts
	ts=$(for i in $(seq 10 29); do curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "${url//\{i\}/$i}"; done)
	if echo "$ts" | grep -qv '^200 '; then echo "bench-api: $url: $(echo "$ts" | head -1)" >&2; exit 1; fi
	echo "$ts" | awk '{print $2 * 1000}' | sort -n | awk -v l="$label" '{t[NR] = $1} END {printf "| %s | 20 sequential | | %.1f ms | max %.1f ms | 0 |\n", l, t[int((NR + 1) / 2)], t[NR]}'
}

echo "| call | requests | req/s | p50 | p99 | non-2xx |"
echo "|---|---|---:|---:|---:|---:|"
load routing-status
load prefix-overview
timed "announced-prefixes AS$topas (most prefixes)" "$base/data/announced-prefixes/data.json?resource=AS$topas&starttime=2014-05-30T00:00&endtime=2014-05-31T00:00:{i}&data_overload_limit=ignore"
timed "ris-prefixes AS$topas" "$base/data/ris-prefixes/data.json?resource=AS$topas&list_prefixes=true&query_time=2014-05-31T00:00:{i}&data_overload_limit=ignore"
timed "bgplay $busy, one day" "$base/data/bgplay/data.json?resource=$busy&starttime=2014-05-30T00:00&endtime=2014-05-31T00:00:{i}&data_overload_limit=ignore"
