#!/usr/bin/env bash
# End-to-end benchmark: builds the release binary, generates 30-day logs (about 2 GB by
# default), runs `report` RUNS times and prints the median wall time, throughput and peak
# memory. Results are appended to benches/results/YYYY-MM-DD.md.
#   ROWS_PER_DAY=180000 RUNS=3 DATA=/tmp/deferwatch-bench benches/end_to_end.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh
ROWS_PER_DAY=${ROWS_PER_DAY:-180000}
RUNS=${RUNS:-3}
DATA=${DATA:-/tmp/deferwatch-bench}
build_release
if [ ! -f "$DATA/truth.json" ]; then
  "$BIN" generate --out "$DATA" --days 30 --rows-per-day "$ROWS_PER_DAY" --rotate-rows 200000
fi
BYTES=$(cat "$DATA"/*.csv | wc -c)
ROWS=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['records'])" "$DATA/truth.json")
cat "$DATA"/*.csv > /dev/null   # warm the page cache
times=(); rss=()
for _ in $(seq "$RUNS"); do
  /usr/bin/time -f "%e %M" -o /tmp/deferwatch-time "$BIN" report --format json "$DATA" > /dev/null
  read -r t m < /tmp/deferwatch-time
  times+=("$t"); rss+=("$m")
done
T=$(median "${times[@]}"); M=$(median "${rss[@]}")
LINE=$(python3 -c "
b,r,t,m=$BYTES,$ROWS,$T,$M
print(f'| report, {b/1e9:.2f} GB, {r:,} rows | {t:.2f} s | {b/1e6/t:,.0f} MB/s | {r/t/1e6:.2f} M rows/s | {m/1024:.0f} MB |')")
echo "| run | wall (median of $RUNS) | throughput | rows/s | peak RSS |"
echo "|---|---|---|---|---|"
echo "$LINE"
mkdir -p benches/results
F=benches/results/$(date +%F).md
[ -f "$F" ] || printf '# End-to-end results %s (%s cores)\n\n| run | wall | throughput | rows/s | peak RSS |\n|---|---|---|---|---|\n' "$(date +%F)" "$(nproc)" > "$F"
echo "$LINE" >> "$F"
