#!/usr/bin/env bash
# Detection quality of the daily review and of `check --last`, on generated logs with their
# ground truth (truth.json), over several seeds and volumes. Appends a table to today's
# results file. Per set:
# - false findings per 100 quiet ISP-days: every finding on the days with 7 days of
#   baseline before the PTR loss starts, except at yahoo, whose slow rise runs all month;
# - whether the PTR loss is an rdns_missing finding on the IP on its first day;
# - whether `check --last 3h` names the microsoft throttling spike 1 and 2 hours after its
#   onset (logs cut at that moment), and says OK an hour before it;
# - with only the last 8 days of logs (PowerMTA's default delete-after), trend claims.
#   SEEDS="101 202 303" VOLUMES="5000 30000 150000" benches/detection.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh
build_release
SEEDS=${SEEDS:-101 202 303}
VOLUMES=${VOLUMES:-5000 30000 150000}
WORK=${WORK:-/tmp/deferwatch-detection}
F=$(results_file)
{
  printf '\n## Detection (`benches/detection.sh`, seeds %s)\n\n' "$SEEDS"
  echo "| rows/day | seed | quiet ISP-days | false ALERT | false WATCH | per 100 quiet ISP-days | PTR loss found day 1 | spike by --last 3h at +1h / +2h | OK 1h before | trend claims with 8 days |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
} >> "$F"
for rows in $VOLUMES; do
  for seed in $SEEDS; do
    set_dir=$WORK/$rows-$seed
    rm -rf "$set_dir"
    mkdir -p "$set_dir"
    "$BIN" generate --days 30 --rows-per-day "$rows" --seed "$seed" --out "$set_dir/logs" 2> /dev/null
    "$BIN" ingest --quiet --store "$set_dir/store.db" "$set_dir/logs"
    python3 - "$BIN" "$set_dir" "$rows" "$seed" <<'PY' | tee -a "$F"
import csv, datetime, glob, json, os, shutil, subprocess, sys

binary, set_dir, rows, seed = sys.argv[1:5]
truth = json.load(open(os.path.join(set_dir, "logs", "truth.json")))
incidents = {i["kind"]: i for i in truth["incidents"]}
ptr = incidents["ptr_loss"]
spike = incidents["throttling_spike"]
rise_isp = incidents["slow_rise"]["isp"]
ptr_start = datetime.date.fromisoformat(ptr["start"])
files = sorted(glob.glob(os.path.join(set_dir, "logs", "*.csv")))
first_day = min(datetime.date.fromisoformat(os.path.basename(f)[-19:-9]) for f in files)

def review(*args):
    out = subprocess.run([binary, "report", "--format", "json", *args],
                         capture_output=True, check=True).stdout
    return json.loads(out)

# Quiet days: 7 days of baseline behind them, before the PTR loss.
quiet_days = isp_days = false_alert = false_watch = 0
day = first_day + datetime.timedelta(days=7)
while day < ptr_start:
    r = review("--day", day.isoformat(), "--store", os.path.join(set_dir, "store.db"))
    quiet_days += 1
    isp_days += sum(1 for g in r["isps"] if g["isp"] != rise_isp)
    for f in r["findings"]:
        if f["isp"] == rise_isp:
            continue
        if f["severity"] == "alert":
            false_alert += 1
        elif f["severity"] == "watch":
            false_watch += 1
    day += datetime.timedelta(days=1)
per_100 = 100.0 * (false_alert + false_watch) / max(isp_days, 1)

r = review("--day", ptr["start"], "--store", os.path.join(set_dir, "store.db"))
ptr_found = any(f.get("source_ip") == ptr["source_ip"] and f.get("class") == "rdns_missing"
                for f in r["findings"])

# The logs as they stood at a moment: the last 9 days, rows logged before `cut`.
def logs_until(cut, name):
    out_dir = os.path.join(set_dir, name)
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    since = (cut - datetime.timedelta(days=9)).date()
    for path in files:
        if datetime.date.fromisoformat(os.path.basename(path)[-19:-9]) < since:
            continue
        with open(path, newline="") as src, open(os.path.join(out_dir, os.path.basename(path)), "w", newline="") as dst:
            writer = csv.writer(dst, lineterminator="\r\n")
            for row in csv.reader(src):
                if row and row[0] != "type":
                    if datetime.datetime.strptime(row[1], "%Y-%m-%d %H:%M:%S%z") >= cut:
                        continue
                writer.writerow(row)
    return out_dir

def check_last(cut, name):
    logs = logs_until(cut, name)
    out = subprocess.run([binary, "check", "--last", "3h", logs], capture_output=True, text=True)
    return out.returncode, out.stdout.splitlines()[0] if out.stdout else ""

onset = datetime.datetime.fromisoformat(spike["start"].replace("Z", "+00:00"))
caught = []
for after in (1, 2):
    code, line = check_last(onset + datetime.timedelta(hours=after), f"cut+{after}h")
    caught.append("yes" if code in (1, 2) and spike["isp"] in line else "no")
code, line = check_last(onset - datetime.timedelta(hours=1), "cut-1h")
ok_before = "yes" if code == 0 else "no (%s)" % line[:60]

# PowerMTA's default retention: 8 days of logs.
eight = os.path.join(set_dir, "eight-days")
os.makedirs(eight, exist_ok=True)
last = max(datetime.date.fromisoformat(os.path.basename(f)[-19:-9]) for f in files)
for path in files:
    if datetime.date.fromisoformat(os.path.basename(path)[-19:-9]) > last - datetime.timedelta(days=8):
        shutil.copy(path, eight)
r = review(eight)
claims = sum(1 for g in r["isps"] + r["source_ips"] if g.get("trend_pp_per_week") is not None)
claims += sum(1 for f in r["findings"] if "pp/week" in f["message"])

print(f"| {rows} | {seed} | {isp_days} | {false_alert} | {false_watch} | {per_100:.1f} | "
      f"{'yes' if ptr_found else 'no'} | {caught[0]} / {caught[1]} | {ok_before} | {claims} |")
PY
  done
done
