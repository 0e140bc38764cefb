#!/usr/bin/env bash
# Nightly-ingest benchmarks, on generated logs with the release binary:
#  1. 30 days of history already in the store, one new day arrives: the incremental ingest
#     over all 31 days is timed against reading the new day alone (ingest into an empty
#     store, and `hourly` with no store), and the new bytes it read are counted.
#  2. `report --store` over 90 days of aggregates for 50 source IPs.
# Medians of RUNS runs; results are appended to benches/results/YYYY-MM-DD.md.
#   ROWS_PER_DAY=180000 ROWS_90=60000 RUNS=5 DATA=/tmp/deferwatch-nightly benches/nightly.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh
ROWS_PER_DAY=${ROWS_PER_DAY:-180000}
ROWS_90=${ROWS_90:-60000}
RUNS=${RUNS:-5}
DATA=${DATA:-/tmp/deferwatch-nightly}
build_release
mkdir -p "$DATA"
# Runs a command RUNS times after `prepare`; prints the median wall time.
timed_after() {
  local prepare=$1; shift
  local times=()
  for _ in $(seq "$RUNS"); do
    eval "$prepare"
    /usr/bin/time -f "%e" -o "$DATA/time" "$@" > "$DATA/out"
    times+=("$(cat "$DATA/time")")
  done
  median "${times[@]}"
}

# 1. Incremental ingest.
LOGS=$DATA/31days
if [ ! -f "$LOGS/truth.json" ]; then
  "$BIN" generate --out "$LOGS" --days 31 --rows-per-day "$ROWS_PER_DAY" --rotate-rows 200000
fi
LAST=$(ls "$LOGS" | grep -o '[0-9]\{4\}-[0-9]\{2\}-[0-9]\{2\}' | sort -u | tail -1)
rm -rf "$DATA/logs" "$DATA/new-day" && mkdir -p "$DATA/logs" "$DATA/new-day"
for f in "$LOGS"/*.csv; do
  case $f in
    *"$LAST"*) ln "$f" "$DATA/new-day/" ;;
    *) ln "$f" "$DATA/logs/" ;;
  esac
done
rm -f "$DATA/history.db"
"$BIN" ingest --quiet --store "$DATA/history.db" "$DATA/logs"
for f in "$DATA"/new-day/*; do ln "$f" "$DATA/logs/"; done
cat "$DATA"/logs/* > /dev/null   # warm the page cache
DAY_BYTES=$(cat "$DATA"/new-day/* | wc -c)
T_INC=$(timed_after 'cp "$DATA/history.db" "$DATA/work.db"' "$BIN" ingest --store "$DATA/work.db" "$DATA/logs")
INC_LINE=$(cat "$DATA/out")
T_ALONE=$(timed_after 'rm -f "$DATA/work.db"' "$BIN" ingest --store "$DATA/work.db" "$DATA/new-day")
T_READ=$(timed_after ':' "$BIN" hourly --by isp "$DATA/new-day")

# 2. report --store over 90 days x 50 IPs.
LOGS90=$DATA/90days
if [ ! -f "$LOGS90/truth.json" ]; then
  "$BIN" generate --out "$LOGS90" --days 90 --rows-per-day "$ROWS_90" --source-ips 50 --rotate-rows 200000
fi
[ -f "$DATA/90days.db" ] || "$BIN" ingest --quiet --store "$DATA/90days.db" "$LOGS90"
CELLS=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select sum(cells) from hours').fetchone()[0])" "$DATA/90days.db")
T_REPORT=$(timed_after ':' "$BIN" report --store "$DATA/90days.db")
T_REPORT_JSON=$(timed_after ':' "$BIN" report --format json --store "$DATA/90days.db")

RESULT=$(python3 - "$T_INC" "$T_ALONE" "$T_READ" "$DAY_BYTES" "$INC_LINE" "$T_REPORT" "$T_REPORT_JSON" "$CELLS" "$RUNS" <<'PY'
import sys
inc, alone, read, day_bytes, line, rep, rep_json, cells, runs = sys.argv[1:]
inc, alone, read, rep, rep_json = map(float, (inc, alone, read, rep, rep_json))
print(f"Nightly ingest, 30 days in the store + 1 new day ({int(day_bytes)/1e6:.0f} MB), median of {runs}:")
print(f"- ingest over all 31 days: {inc:.2f} s; it said: {line}")
print(f"- ingest of the new day alone into an empty store: {alone:.2f} s (ratio {inc/alone:.2f})")
print(f"- hourly over the new day alone (no store): {read:.2f} s (ratio {inc/read:.2f})")
print(f"report --store, 90 days x 50 source IPs ({int(cells):,} hourly cells): table {rep:.2f} s, json {rep_json:.2f} s")
PY
)
echo "$RESULT"
mkdir -p benches/results
F=benches/results/$(date +%F).md
printf '\n## Nightly benchmarks (`benches/nightly.sh`, %s cores)\n\n%s\n' "$(nproc)" "$RESULT" >> "$F"
