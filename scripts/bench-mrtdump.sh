#!/usr/bin/env bash
# Compares routestat mrtdump with bgpdump on the same files in one run:
# median wall time of RUNS runs and peak resident memory, for -m output to
# /dev/null and for decode-only (--summary). Prints a Markdown table.
#
#   scripts/bench-mrtdump.sh [FILE...]
#
# Needs bin/routestat (make build), bgpdump and GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-5}"
SHARED="${ROUTESTAT_SHARED:-../shared}"
BIN=bin/routestat
if [ $# -eq 0 ]; then
  set -- "$SHARED/testdata/mrt/libbgpstream-testdumps/routeviews.route-views.jinx.ribs.1401487200.bz2" \
         "$SHARED/testdata/mrt/ripe-bgpdump-testdata/updates.et-header.2015.gz" \
         "$SHARED/testdata/mrt/routeviews-bgp4mp-et/updates.20260222.1530.bz2"
fi
for tool in bgpdump /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not installed (apt-get install bgpdump time)" >&2; exit 1; }
done
[ -x "$BIN" ] || { echo "bench: $BIN missing; run make build" >&2; exit 1; }

# measure CMD...: prints "median_seconds max_rss_kib" over RUNS runs.
measure() {
  local times=() rss=0 out tf
  tf=$(mktemp)
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -o "$tf" -f '%e %M' "$@" >/dev/null 2>&1
    out=$(tail -1 "$tf")
    times+=("${out% *}")
    [ "${out#* }" -gt "$rss" ] && rss="${out#* }"
  done
  rm -f "$tf"
  printf '%s %s\n' "$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")" "$rss"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(go version | cut -d' ' -f3), bgpdump $(dpkg-query -W -f='${Version}' bgpdump 2>/dev/null)"
echo "runs per cell: $RUNS (median wall time; peak RSS over the runs)"
echo
echo "| file | MRT MB | bgpdump -m | routestat -m | speed-up | routestat decode-only | speed-up | RSS bgpdump / -m / decode |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for f in "$@"; do
  mb=$("$BIN" mrtdump --summary "$f" >/dev/null 2>&1; python3 - "$f" <<'PY'
import sys,gzip,bz2,lzma
p=sys.argv[1]; b=open(p,'rb').read(4)
o={b'\x1f\x8b':gzip.open,b'BZ':bz2.open,b'\xfd7':lzma.open}.get(b[:2],open)
n=0
try:
    with o(p,'rb') as f:
        while True:
            c=f.read(1<<20)
            if not c: break
            n+=len(c)
except EOFError: pass
print(f"{n/1e6:.1f}")
PY
)
  read -r tb rb < <(measure bgpdump -m "$f")
  read -r tr rr < <(measure "$BIN" mrtdump -m "$f")
  read -r td rd < <(measure "$BIN" mrtdump --summary "$f")
  printf '| %s | %s | %.2f s | %.2f s | %.1f× | %.2f s | %.1f× | %d / %d / %d MiB |\n' \
    "$(basename "$f")" "$mb" "$tb" "$tr" "$(echo "$tb / $tr" | bc -l)" "$td" "$(echo "$tb / $td" | bc -l)" \
    $((rb / 1024)) $((rr / 1024)) $((rd / 1024))
done
