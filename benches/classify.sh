#!/usr/bin/env bash
# Classification cost per distinct reply: `deferwatch classify` over N distinct texts (the
# replies of testdata/replies with a distinct made-up word appended, so no two are alike
# after masking), minus the start-up of classifying one text. The aggregator decides
# each distinct masked reply once, so this is the cost the hot path pays per new text.
# Compare two builds with BIN and BEFORE:
#   BEFORE=/path/to/old/deferwatch N=200000 RUNS=5 benches/classify.sh
# Appends to benches/results/YYYY-MM-DD.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh
N=${N:-200000}
RUNS=${RUNS:-5}
build_release
F=$(results_file)
texts=$(mktemp)
trap 'rm -f "$texts"' EXIT
python3 - "$N" > "$texts" <<'PY'
import json, sys, string
n = int(sys.argv[1])
diags = [json.loads(l)["diag"].replace("\n", " ") for l in open("testdata/replies/replies.jsonl")]
letters = string.ascii_lowercase
def word(i):
    out = ""
    for _ in range(5):
        out += letters[i % 26]
        i //= 26
    return out
for i in range(n):
    print(f"{diags[i % len(diags)]} q{word(i)}")
PY
{
  printf '\n## Classification per distinct reply (`benches/classify.sh`, %s texts, median of %s)\n\n' "$N" "$RUNS"
  echo "| build | one text (start-up) | $N texts | per distinct text |"
  echo "|---|---|---|---|"
} >> "$F"
measure() {
  local name=$1 bin=$2 start all
  timed "$RUNS" "$bin" classify "550 5.7.1 go away"
  start=$WALL
  timed "$RUNS" sh -c "\"$bin\" classify < \"$texts\""
  all=$WALL
  python3 -c "import sys; s,a,n=float(sys.argv[1]),float(sys.argv[2]),int(sys.argv[3]); print(f'| {sys.argv[4]} | {s*1000:.0f} ms | {a:.2f} s | {(a-s)/n*1e6:.1f} us |')" \
    "$start" "$all" "$N" "$name" | tee -a "$F"
}
if [ -n "${BEFORE:-}" ]; then
  measure "before ($BEFORE)" "$BEFORE"
fi
measure "$(git rev-parse --short HEAD)" "$BIN"
