#!/usr/bin/env bash
# Startup on small inputs: median wall time of 30 runs of `report` and `hourly` on a
# one-row-per-kind fixture and on one sample day (about 1,500 rows, gzip), and of
# `--version` (process start alone). Appends to benches/results/YYYY-MM-DD.md.
#   RUNS=30 benches/startup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh
RUNS=${RUNS:-30}
build_release
F=$(results_file)
{
  printf '\n## Startup on small inputs (`benches/startup.sh`, %s cores)\n\n' "$(nproc)"
  echo "| command | median wall of $RUNS runs |"
  echo "|---|---|"
} >> "$F"
python3 - "$BIN" "$RUNS" <<'PY' | tee -a "$F"
import statistics, subprocess, sys, time
binary, runs = sys.argv[1], int(sys.argv[2])
cases = [
    ["--version"],
    ["report", "--format", "json", "testdata/fixtures/quoted.csv"],
    ["hourly", "--by", "isp", "testdata/fixtures/quoted.csv"],
    ["report", "--format", "json", "testdata/sample/acct-2026-10-01-0000.csv.gz"],
]
for args in cases:
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([binary, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        walls.append(time.perf_counter() - start)
    print(f"| `deferwatch {' '.join(args)}` | {statistics.median(walls) * 1000:.1f} ms |")
PY
