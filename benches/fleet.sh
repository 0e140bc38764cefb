#!/usr/bin/env bash
# Fleet scale: the same rows spread over 16 sending IPs and over 2,000 (the large-fleet
# layout of `generate`: 250 VirtualMTAs, 32 pools, skewed volume, IPv4 and IPv6). Times
# `report` from the logs, `ingest` into a new store, `report`/`check`/`chart` from that
# store, and DuckDB on the same files (../shared/bench/baseline_duckdb.py, 2 threads),
# with the store's size. Needs `pip install duckdb==2.0.0`.
# Appends to benches/results/YYYY-MM-DD.md.
#   ROWS_PER_DAY=100000 DAYS=30 RUNS=3 benches/fleet.sh
#   BIN=/tmp/deferwatch-old LABEL="before (abc1234)" benches/fleet.sh   # another build
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh
ROWS_PER_DAY=${ROWS_PER_DAY:-100000}
DAYS=${DAYS:-30}
RUNS=${RUNS:-3}
SHARED=${SHARED:-../shared/bench}
WORK=${WORK:-/tmp/deferwatch-fleet}
build_release
F=$(results_file)
{
  printf '\n## Fleet scale (`benches/fleet.sh`, %s days x %s rows, median of %s, %s cores, build %s)\n\n' \
    "$DAYS" "$ROWS_PER_DAY" "$RUNS" "$(nproc)" "${LABEL:-$(git rev-parse --short HEAD)}"
  echo "| run | 16 IPs | 2,000 IPs | ratio |"
  echo "|---|---|---|---|"
} >> "$F"
declare -A W R
for ips in 16 2000; do
  data=$WORK/logs-$ips
  if [ ! -f "$data/truth.json" ]; then
    "$BIN" generate --out "$data" --days "$DAYS" --rows-per-day "$ROWS_PER_DAY" --source-ips "$ips" \
      $([ "$ips" -le 240 ] && echo --fleet) --rotate-rows 500000 > /dev/null
  fi
  store=$WORK/store-$ips.db
  timed "$RUNS" "$BIN" report --format json "$data"; W[report,$ips]=$WALL; R[report,$ips]=$RSS_MB
  timed "$RUNS" sh -c "rm -f '$store'* && '$BIN' ingest --store '$store' '$data'"
  W[ingest,$ips]=$WALL; R[ingest,$ips]=$RSS_MB
  W[size,$ips]=$(du -m "$store" | cut -f1)
  timed "$RUNS" "$BIN" report --format json --store "$store"; W[rstore,$ips]=$WALL; R[rstore,$ips]=$RSS_MB
  timed "$RUNS" sh -c "'$BIN' check --store '$store'; true"; W[check,$ips]=$WALL; R[check,$ips]=$RSS_MB
  timed "$RUNS" sh -c "'$BIN' check --last 3h --store '$store'; true"
  W[check3h,$ips]=$WALL; R[check3h,$ips]=$RSS_MB
  timed "$RUNS" "$BIN" chart --store "$store" --isp gmail -o "$WORK/chart-$ips.png"
  W[chart,$ips]=$WALL; R[chart,$ips]=$RSS_MB
  if python3 -c 'import duckdb' 2> /dev/null; then
    timed "$RUNS" python3 "$SHARED/baseline_duckdb.py" --threads 2 "$WORK/duckdb-$ips.csv" "$data/*.csv"
    W[duckdb,$ips]=$WALL; R[duckdb,$ips]=$RSS_MB
  fi
done
line() {  # NAME KEY: wall and peak memory at 16 and 2,000 IPs, and the wall ratio
  local a=${W[$2,16]:-} b=${W[$2,2000]:-}
  [ -n "$a" ] || return 0
  python3 -c "import sys; a,b=float(sys.argv[2]),float(sys.argv[3]); print(f'| {sys.argv[1]} | {a:.2f} s, {sys.argv[4]} MB | {b:.2f} s, {sys.argv[5]} MB | {b/max(a,0.01):.2f}x |')" \
    "$1" "$a" "$b" "${R[$2,16]}" "${R[$2,2000]}"
}
{
  line "report from the logs" report
  line "ingest into a new store" ingest
  line "report --store" rstore
  line "check --store" check
  line "check --last 3h --store" check3h
  line "chart --store (gmail)" chart
  line "DuckDB, same job, 2 threads" duckdb
  echo "| store size | ${W[size,16]} MB | ${W[size,2000]} MB | |"
  if [ -n "${W[duckdb,2000]:-}" ]; then
    python3 -c "import sys; print(f'| DuckDB / deferwatch report, 2,000 IPs | | {float(sys.argv[1])/float(sys.argv[2]):.2f}x | |')" \
      "${W[duckdb,2000]}" "${W[report,2000]}"
  fi
} | tee -a "$F"
