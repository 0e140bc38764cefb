#!/usr/bin/env bash
# Two builds side by side, for a change that must not cost speed or memory: the median wall
# time and peak RSS of BEFORE_BIN and AFTER_BIN, run in turn (interleaved, so load on the
# machine hits both alike), on small inputs (start-up) and on generated 30-day logs
# (report, report --threads 1, hourly, ingest, report --store). Appends to today's results.
#   RUNS=5 ROWS=150000 benches/versus.sh BEFORE_BIN AFTER_BIN
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh
[ $# -eq 2 ] || { echo "usage: $0 BEFORE_BIN AFTER_BIN" >&2; exit 2; }
BEFORE=$(readlink -f "$1")
AFTER=$(readlink -f "$2")
RUNS=${RUNS:-5}
ROWS=${ROWS:-150000}
DATA=${DATA:-/tmp/deferwatch-versus}
if [ ! -d "$DATA/logs" ]; then
  "$BEFORE" generate --days 30 --rows-per-day "$ROWS" --source-ips 50 --out "$DATA/logs" 2> /dev/null
fi
BYTES=$(du -sb "$DATA/logs" | cut -f1)
for side in before after; do
  rm -f "$DATA/$side.db"
done
# One ingest per side first, so that the store cases read the same store contents.
"$BEFORE" ingest --quiet --store "$DATA/before.db" "$DATA/logs"
"$AFTER" ingest --quiet --store "$DATA/after.db" "$DATA/logs"

F=$(results_file)
{
  printf '\n## Before and after (`benches/versus.sh`, %s runs interleaved, %s cores)\n\n' "$RUNS" "$(nproc)"
  printf 'Logs: 30 days x %s rows, 50 source IPs, %s MB.\n\n' "$ROWS" "$((BYTES / 1000000))"
  echo "| case | before: wall, peak RSS | after: wall, peak RSS | after / before (wall) |"
  echo "|---|---|---|---|"
} >> "$F"

# case NAME ARGS...: ARGS with {store} replaced by each side's store.
case_row() {
  local name=$1
  shift
  local walls_b=() walls_a=() rss_b=() rss_a=() w m
  for _ in $(seq "$RUNS"); do
    for side in before after; do
      local bin=$BEFORE
      [ "$side" = after ] && bin=$AFTER
      local args=("${@//\{store\}/$DATA/$side.db}")
      /usr/bin/time -f "%e %M" -o /tmp/deferwatch-versus-time "$bin" "${args[@]}" > /dev/null 2> /dev/null || true
      # A command that exits non-zero makes time(1) write a line before the figures.
      read -r w m < <(tail -n 1 /tmp/deferwatch-versus-time)
      if [ "$side" = before ]; then walls_b+=("$w"); rss_b+=("$m"); else walls_a+=("$w"); rss_a+=("$m"); fi
    done
  done
  local wb wa
  wb=$(median "${walls_b[@]}")
  wa=$(median "${walls_a[@]}")
  printf '| %s | %s s, %s MB | %s s, %s MB | %s |\n' "$name" \
    "$wb" "$(($(median "${rss_b[@]}") / 1024))" "$wa" "$(($(median "${rss_a[@]}") / 1024))" \
    "$(awk -v a="$wa" -v b="$wb" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')"
}

{
  case_row "--version" --version
  case_row "report, one sample day" report --format json testdata/sample/acct-2026-10-01-0000.csv.gz
  case_row "report, logs" report --format json "$DATA/logs"
  case_row "report --threads 1, logs" report --threads 1 --format json "$DATA/logs"
  case_row "hourly --by isp,source_ip,class, logs" hourly --by isp,source_ip,class "$DATA/logs"
  case_row "report --store" report --format json --store "{store}"
  case_row "hourly --store" hourly --by isp,source_ip --store "{store}"
} | tee -a "$F"
