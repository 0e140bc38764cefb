#!/usr/bin/env bash
# Peak memory as the input grows: generates 30-day logs at three volumes (about 1, 4.5 and
# 9 GB by default), then runs `report` and `ingest` (new store) on each and records the
# median peak RSS and wall time. Memory follows the number of hourly cells, which grows
# far slower than the bytes. Appends to benches/results/YYYY-MM-DD.md.
#   SIZES="90000 380000 760000" RUNS=3 DATA=/tmp/deferwatch-mem benches/memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh
SIZES=${SIZES:-90000 380000 760000}
RUNS=${RUNS:-3}
DATA=${DATA:-/tmp/deferwatch-mem}
build_release
F=$(results_file)
{
  printf '\n## Peak memory as the input grows (`benches/memory.sh`, %s cores)\n\n' "$(nproc)"
  echo "| 30 days of | bytes | report: peak RSS, wall | ingest (new store): peak RSS, wall |"
  echo "|---|---|---|---|"
} >> "$F"
for rows in $SIZES; do
  dir=$DATA-$rows
  if [ ! -f "$dir/truth.json" ]; then
    "$BIN" generate --out "$dir" --days 30 --rows-per-day "$rows" --rotate-rows 500000 > /dev/null
  fi
  bytes=$(cat "$dir"/*.csv | wc -c)   # also warms the page cache
  timed "$RUNS" "$BIN" report --format json "$dir"; REPORT="$RSS_MB MB, $WALL s"
  store=$(mktemp -d)
  timed "$RUNS" sh -c "rm -f '$store'/s.db* && '$BIN' ingest --store '$store/s.db' '$dir'"
  rm -rf "$store"
  LINE="| $rows rows a day | $bytes | $REPORT | $RSS_MB MB, $WALL s |"
  echo "$LINE"
  echo "$LINE" >> "$F"
done
