#!/usr/bin/env bash
# Memory at 200,000 distinct sending IPs: every IP sends one row a day for DAYS days (to
# gmail, yahoo, microsoft or comcast; 1 in 10 deferred, 1 in 40 bounced), so nearly every
# cell is an IP x ISP pair of its own. Times `report` from the logs, `ingest`, `report
# --store`, `check --store` and `check --last 3h --store`: wall time and peak RSS, median of
# RUNS. Appends to benches/results/YYYY-MM-DD.md.
#   IPS=200000 DAYS=3 RUNS=3 benches/many-ips.sh
#   BIN=/tmp/deferwatch-old LABEL="before (abc1234)" benches/many-ips.sh   # another build
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh
IPS=${IPS:-200000}
DAYS=${DAYS:-3}
RUNS=${RUNS:-3}
WORK=${WORK:-/tmp/deferwatch-many-ips}
build_release
mkdir -p "$WORK"
LOG=$WORK/acct-$IPS-$DAYS.csv
if [ ! -f "$LOG" ]; then
  python3 - "$LOG" "$IPS" "$DAYS" <<'PY'
import sys
path, ips, days = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
isps = ["gmail.com", "yahoo.com", "outlook.com", "comcast.net"]
with open(path, "w") as out:
    out.write("type,timeLogged,rcpt,dsnStatus,dsnDiag,dlvSourceIp,vmta\n")
    for day in range(days):
        for n in range(ips):
            ip = f"10.{n >> 16}.{(n >> 8) & 255}.{n & 255}"
            second = n * 86399 // ips
            time = f"2026-11-{day + 1:02d} {second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}+0000"
            rcpt = f"u{n}@{isps[n % 4]}"
            if n % 40 == 7:
                out.write(f"b,{time},{rcpt},5.1.1 (bad destination mailbox address),smtp;550 5.1.1 user unknown,{ip},v{n % 250}\n")
            elif n % 10 == 3:
                out.write(f"t,{time},{rcpt},4.7.0 (delivery temporarily suspended),smtp;421 4.7.0 try again later,{ip},v{n % 250}\n")
            else:
                out.write(f"d,{time},{rcpt},2.0.0 (success),smtp;250 ok,{ip},v{n % 250}\n")
PY
fi
STORE=$WORK/store.db
F=$(results_file)
{
  printf '\n## %s distinct sending IPs (`benches/many-ips.sh`, %s days, %s MB of logs, median of %s, build %s)\n\n' \
    "$IPS" "$DAYS" "$(( $(stat -c %s "$LOG") / 1000000 ))" "$RUNS" "${LABEL:-$(git rev-parse --short HEAD)}"
  echo "| run | wall | peak RSS |"
  echo "|---|---|---|"
} >> "$F"
row() { echo "| $1 | $WALL s | $RSS_MB MB |" | tee -a "$F"; }
timed "$RUNS" sh -c "'$BIN' report --format json '$LOG'; true"; row "report from the logs"
timed "$RUNS" sh -c "rm -f '$STORE'* && '$BIN' ingest --quiet --store '$STORE' '$LOG'"; row "ingest into a new store"
timed "$RUNS" sh -c "'$BIN' report --format json --store '$STORE'; true"; row "report --store"
timed "$RUNS" sh -c "'$BIN' check --store '$STORE'; true"; row "check --store"
timed "$RUNS" sh -c "'$BIN' check --last 3h --store '$STORE'; true"; row "check --last 3h --store"
echo "| store size | $(( $(stat -c %s "$STORE") / 1000000 )) MB | |" | tee -a "$F"
