#!/usr/bin/env bash
# Compressed input: deferwatch on .gz and .zst logs against the decompressor alone. Makes
# gzip (default level) and zstd (default level) copies of 30-day generated logs (about
# 1 GB), then times `gzip -dc` / `zstd -dc` over all files to /dev/null and
# `deferwatch report` on the same files with 2 threads and with 1. Appends the table to
# benches/results/YYYY-MM-DD.md.
#   ROWS_PER_DAY=90000 RUNS=5 DATA=/tmp/deferwatch-1g benches/compressed.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh
ROWS_PER_DAY=${ROWS_PER_DAY:-90000}
RUNS=${RUNS:-5}
DATA=${DATA:-/tmp/deferwatch-1g}
build_release
if [ ! -f "$DATA/truth.json" ]; then
  "$BIN" generate --out "$DATA" --days 30 --rows-per-day "$ROWS_PER_DAY" --rotate-rows 500000
fi
for kind in gz zst; do
  mkdir -p "$DATA-$kind"
  for f in "$DATA"/*.csv; do
    out="$DATA-$kind/$(basename "$f").$kind"
    [ -f "$out" ] && continue
    if [ "$kind" = gz ]; then gzip -c "$f" > "$out"; else zstd -q -c "$f" > "$out"; fi
  done
done
BYTES=$(cat "$DATA"/*.csv | wc -c)
F=$(results_file)
{
  printf '\n## Compressed input (`benches/compressed.sh`, %s cores)\n\n' "$(nproc)"
  printf 'Same 30 days, %s bytes uncompressed, median of %s runs, warm page cache.\n\n' "$BYTES" "$RUNS"
  echo "| input | decompressor alone | deferwatch report, 2 threads | ratio | 1 thread | ratio |"
  echo "|---|---|---|---|---|---|"
} >> "$F"
for kind in gz zst; do
  cat "$DATA-$kind"/* > /dev/null
  tool=$([ "$kind" = gz ] && echo "gzip" || echo "zstd -q")
  timed "$RUNS" sh -c "$tool -dc '$DATA-$kind'/*.$kind > /dev/null"; ALONE=$WALL
  timed "$RUNS" "$BIN" report --format json "$DATA-$kind"; TWO=$WALL
  timed "$RUNS" "$BIN" report --threads 1 --format json "$DATA-$kind"; ONE=$WALL
  LINE=$(awk -v k="$kind" -v t="${tool% -q}" -v a="$ALONE" -v two="$TWO" -v one="$ONE" 'BEGIN {
    printf "| .%s (%s) | %.2f s | %.2f s | %.2fx | %.2f s | %.2fx |", k, t, a, two, two/a, one, one/a }')
  echo "$LINE"
  echo "$LINE" >> "$F"
done
