#!/usr/bin/env bash
# Detection quality of the daily review, its incidents and `check --last`, on generated logs
# with their ground truth (truth.json), over several scenarios, seeds, volumes and history
# lengths. Appends a table to today's results file; benches/detection.py scores each set
# (what it counts is described there). Sets are "ROWS_PER_DAY:DAYS:SCENARIO".
#   SEEDS="101 202 303" SETS="5000:20:mixed 30000:20:mixed 30000:8:mixed 30000:20:quiet" benches/detection.sh
#   BIN=/path/to/other/deferwatch benches/detection.sh    # the same sets with another build
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh
build_release
SEEDS=${SEEDS:-101 202 303}
SETS=${SETS:-5000:20:mixed 30000:20:mixed 30000:8:mixed 5000:20:quiet 30000:20:quiet}
WORK=${WORK:-/tmp/deferwatch-detection}
F=$(results_file)
{
  printf '\n## Detection (`benches/detection.sh`, %s, seeds %s)\n\n' "$("$BIN" --version)" "$SEEDS"
  echo "| rows/day | days | scenario | seed | found on day 1 | onset within 1 h | recovery within 3 h | \`check --last 3h\` at +1 h / +2 h | quiet ISP-days | false ALERT | false WATCH | per 100 quiet ISP-days |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
} >> "$F"
for set in $SETS; do
  IFS=: read -r rows days scenario <<< "$set"
  for seed in $SEEDS; do
    set_dir=$WORK/$rows-$days-$scenario-$seed
    if [ ! -f "$set_dir/logs/truth.json" ]; then
      rm -rf "$set_dir"
      mkdir -p "$set_dir"
      "$BIN" generate --days "$days" --rows-per-day "$rows" --seed "$seed" --scenario "$scenario" \
        --out "$set_dir/logs" 2> /dev/null
    fi
    rm -f "$set_dir/store.db"
    "$BIN" ingest --quiet --store "$set_dir/store.db" "$set_dir/logs"
    python3 benches/detection.py "$BIN" "$set_dir" "$rows" "$seed" \
      | sed "s/^| $rows | $days | $seed |/| $rows | $days | $scenario | $seed |/" | tee -a "$F"
  done
done
