#!/usr/bin/env bash
# Side by side with the peers of ../shared/bench (wc, DuckDB, polars): generates 30-day
# logs (4.5 GB by default), runs the peers and `deferwatch report` with the shared
# run_baselines.sh, then `deferwatch report --threads 1` and `deferwatch ingest` into a
# new store on the same files; checks that deferwatch's d/t/b totals per source IP equal
# DuckDB's, and appends the table with the speed ratios to benches/results/YYYY-MM-DD.md.
# Needs `pip install duckdb==2.0.0 polars==2.1.0`.
#   ROWS_PER_DAY=380000 RUNS=3 DATA=/tmp/deferwatch-peers benches/peers.sh [wc duckdb polars rust]
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh
ROWS_PER_DAY=${ROWS_PER_DAY:-380000}
RUNS=${RUNS:-3}
DATA=${DATA:-/tmp/deferwatch-peers}
OUT=${OUT:-$DATA-results}
SHARED=${SHARED:-../shared/bench}
build_release
if [ ! -f "$DATA/truth.json" ]; then
  "$BIN" generate --out "$DATA" --days 30 --rows-per-day "$ROWS_PER_DAY" --rotate-rows 500000
fi
BENCHES=("$@")
[ ${#BENCHES[@]} -gt 0 ] || BENCHES=(wc duckdb polars rust)
DATA="$DATA" PATTERN='*.csv' RUNS="$RUNS" OUT="$OUT" \
  RUST_CMD="$BIN report --format json {data} > {out}" \
  "$SHARED/run_baselines.sh" "${BENCHES[@]}"

# deferwatch's other runs, timed alike and added to the table.
BYTES=$(awk -F'=' '/^data:/ {split($0, a, "bytes="); split(a[2], b, " "); print b[1]}' "$OUT/env.txt")
RECORDS=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['records'])" "$DATA/truth.json")
row() {  # NAME: a table row from WALL and RSS_MB
  awk -v n="$1" -v w="$WALL" -v r="$RSS_MB" -v b="$BYTES" -v rec="$RECORDS" 'BEGIN {
    printf "| %s | %.2f | %.1f | %.0f | %s | | |\n", n, w, b/1e6/w, rec/w, r }'
}
timed "$RUNS" "$BIN" report --threads 1 --format json "$DATA"
EXTRA_ROWS=$(row "deferwatch report --threads 1"); T1=$WALL
STORE_DIR=$(mktemp -d)
timed "$RUNS" sh -c "rm -f '$STORE_DIR'/s.db* && '$BIN' ingest --store '$STORE_DIR/s.db' '$DATA'"
EXTRA_ROWS+=$'\n'$(row "deferwatch ingest (new store)"); INGEST=$WALL
rm -rf "$STORE_DIR"

# The peers bucket hours by the logs' local time and group ISPs their own way, so the
# check compares what both define alike: d, t and b per source IP over all the data.
"$BIN" hourly --by source_ip "$DATA" > "$OUT/deferwatch-hourly.csv"
CHECK=$(python3 - "$OUT/duckdb.csv" "$OUT/deferwatch-hourly.csv" <<'PY'
import csv, sys
from collections import Counter
peers, ours = Counter(), Counter()
for r in csv.DictReader(open(sys.argv[1])):
    for k in "dtb":
        peers[(r["src_ip"], k)] += int(r[k])
for r in csv.DictReader(open(sys.argv[2])):
    for k, col in (("d", "delivered"), ("t", "deferred"), ("b", "bounced")):
        ours[(r["source_ip"], k)] += int(r[col])
diff = {k: (peers[k], ours[k]) for k in peers.keys() | ours.keys() if peers[k] != ours[k]}
ips = len({ip for ip, _ in peers})
if diff:
    print(f"MISMATCH in {len(diff)} counts, e.g. {sorted(diff.items())[:3]}")
    sys.exit(1)
print(f"d/t/b per source IP equal to DuckDB's for {ips} IPs ({sum(peers.values()):,} rows)")
PY
)
echo "$CHECK"
DUCKDB=$(awk -F'\t' '$1=="duckdb"{print $2}' "$OUT/summary.tsv")
RATIO=$(awk -F'\t' '$1=="duckdb"{d=$2} $1=="rust"{r=$2} END{if (d && r) printf "%.2f", d/r}' "$OUT/summary.tsv")
RATIO_INGEST=$(awk -v d="$DUCKDB" -v r="$INGEST" 'BEGIN {printf "%.2f", d/r}')
mkdir -p benches/results
F=benches/results/$(date +%F).md
{
  printf '\n## Side by side with the peers (`benches/peers.sh`, %s cores)\n\n' "$(nproc)"
  grep '^data:' "$OUT/env.txt"
  echo
  sed 's/^| rust |/| deferwatch report |/' "$OUT/summary.md"
  echo "$EXTRA_ROWS"
  echo
  echo "Count check: $CHECK. deferwatch report is ${RATIO}x DuckDB's speed, ingest ${RATIO_INGEST}x (wall time ratios); report on one thread took ${T1} s."
} >> "$F"
echo "deferwatch report is ${RATIO}x DuckDB's speed, ingest ${RATIO_INGEST}x"
