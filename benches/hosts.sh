#!/usr/bin/env bash
# Many hosts: one store per PowerMTA host (HOSTS hosts, IPS sending IPs each, distinct
# between hosts), reviewed together by naming every store with --store. Each host's logs
# are `generate --days DAYS --rows-per-day ROWS --source-ips IPS --seed HOST --scenario
# quiet` with the host's own address range; each build under test ingests its own stores.
# Times `report`, `check` and `check --last 3h`: median wall time and peak RSS of RUNS.
# Appends to benches/results/YYYY-MM-DD.md.
#   HOSTS=50 DAYS=30 ROWS=2000 IPS=40 RUNS=3 benches/hosts.sh
#   BIN=/tmp/deferwatch-old LABEL="before (abc1234)" benches/hosts.sh   # another build
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh
HOSTS=${HOSTS:-50}
DAYS=${DAYS:-30}
ROWS=${ROWS:-2000}
IPS=${IPS:-40}
RUNS=${RUNS:-3}
WORK=${WORK:-/tmp/deferwatch-hosts}
build_release
STORES=$WORK/stores-$(echo "${LABEL:-$(git rev-parse --short HEAD)}" | tr -c 'A-Za-z0-9\n' '_')
mkdir -p "$WORK/logs" "$STORES"
args=()
for host in $(seq "$HOSTS"); do
  logs=$WORK/logs/host-$host
  if [ ! -f "$logs/truth.json" ]; then
    "$BIN" generate --out "$logs" --days "$DAYS" --rows-per-day "$ROWS" --source-ips "$IPS" \
      --seed "$host" --scenario quiet > /dev/null
    # The host's own addresses: 203.0.113.N becomes 10.HOST.0.N.
    sed -i "s/203\.0\.113\./10.$host.0./g" "$logs"/*.csv
  fi
  store=$STORES/host-$host.db
  [ -f "$store" ] || "$BIN" ingest --quiet --store "$store" "$logs"
  args+=(--store "$store")
done
DISTINCT=$(cat "$WORK"/logs/host-*/*.csv | cut -d, -f15 | sort -u | grep -c '^10\.' || true)
F=$(results_file)
{
  printf '\n## %s hosts, one store each (`benches/hosts.sh`, %s days x %s rows x %s hosts, %s distinct sending IPs, median of %s, build %s)\n\n' \
    "$HOSTS" "$DAYS" "$ROWS" "$HOSTS" "$DISTINCT" "$RUNS" "${LABEL:-$(git rev-parse --short HEAD)}"
  echo "| command | wall | peak RSS |"
  echo "|---|---|---|"
} >> "$F"
row() { echo "| \`$1\` | $WALL s | $RSS_MB MB |" | tee -a "$F"; }
timed "$RUNS" sh -c "'$BIN' report --format json ${args[*]}; true"; row "report --format json --store x$HOSTS"
timed "$RUNS" sh -c "'$BIN' check ${args[*]}; true"; row "check --store x$HOSTS"
timed "$RUNS" sh -c "'$BIN' check --last 3h ${args[*]}; true"; row "check --last 3h --store x$HOSTS"
