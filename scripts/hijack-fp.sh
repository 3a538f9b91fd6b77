#!/bin/sh
# Measures the hijack detector's alerts on the shared real-world data
# (docs/hijack.md, "False positives"): the 50 ASes originating the most
# prefixes are auto-configured from a RIB, then the update files are
# backtested with the default thresholds.
#
#   make build && scripts/hijack-fp.sh
#
# 1. Same era: the jinx RIB of 2014-05-30 22:00, then the jinx and rrc06
#    updates of that night and jinx's of 2015-04-01.
# 2. All shared update files (1999-2026) against monitoring configured
#    from everything indexed (the latest state: 2026).
set -eu
SHARED=${ROUTESTAT_SHARED:-../shared}
M=$SHARED/testdata/mrt
BIN=${BIN:-bin/routestat}
W=${WORK:-$(mktemp -d)}
L=$M/libbgpstream-testdumps

echo "== same era (work dir $W)"
"$BIN" ingest --data "$W/jinx" "$L/routeviews.route-views.jinx.ribs.1401487200.bz2" 2>/dev/null
"$BIN" hijack autoconfig --data "$W/jinx" --top 50 -o "$W/jinx.yaml"
"$BIN" hijack backtest --config "$W/jinx.yaml" --all \
	"$L/ris.rrc06.updates.1401488100.gz" "$L/routeviews.route-views.jinx.updates.1401493500.bz2" \
	"$L/routeviews.route-views.jinx.updates.1427846400.bz2"

echo "== all shared update files"
"$BIN" ingest --data "$W/all" "$M" 2>/dev/null
"$BIN" hijack autoconfig --data "$W/all" --top 50 -o "$W/all.yaml"
# shellcheck disable=SC2046
"$BIN" hijack backtest --config "$W/all.yaml" --all --json \
	$(find "$M" -type f ! -name '*.txt*' ! -name '*.md' | grep -v 'bview\|rib' | sort) >"$W/all.jsonl"
echo "incidents by severity and type:"
sed 's/.*"type":"\([^"]*\)".*"severity":"\([^"]*\)".*/\2 \1/' "$W/all.jsonl" | sort | uniq -c | sort -rn
