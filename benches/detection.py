"""Scores deferwatch's incidents and findings against a generated set's ground truth.

Usage: detection.py BINARY SET_DIR ROWS SEED
SET_DIR holds logs/ (from `deferwatch generate`, truth.json inside) and store.db (ingested).
Prints one Markdown table row per set and writes SET_DIR/score.json with the details.

Per injected incident (truth `expected_as` = incident):
- found on its first day: the review of its onset's day lists an incident at its ISP, with
  its source IP (or none, for an ISP-wide one) and its class among the incident's classes;
- onset error (hours) of that incident;
- recovery error (hours): for an incident that ends inside the logs, the review of the day
  after its end (or of the last day) must show it recovered, and `recovered_at` is compared;
- `check --last 3h` on the logs cut 1 and 2 hours after onset: names the ISP and is not OK.
Per quiet ISP-day (an ISP on a day with 7 days of logs before it and no injected incident
there that day or the day before): every finding at that ISP is false; so is any incident.
"""

import csv
import datetime
import glob
import json
import os
import shutil
import subprocess
import sys

binary, set_dir, rows, seed = sys.argv[1:5]
logs = os.path.join(set_dir, "logs")
store = os.path.join(set_dir, "store.db")
truth = json.load(open(os.path.join(logs, "truth.json")))
injected = [i for i in truth["incidents"] if i["expected_as"] == "incident"]
files = sorted(glob.glob(os.path.join(logs, "*.csv")))


def day_of(name):
    return datetime.date.fromisoformat(os.path.basename(name)[-19:-9])


first_day = min(day_of(f) for f in files)
last_day = max(day_of(f) for f in files)


def when(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def review(day):
    out = subprocess.run(
        [binary, "report", "--format", "json", "--tz", "UTC", "--day", day.isoformat(), "--store", store],
        capture_output=True, check=True).stdout
    return json.loads(out)


reviews = {}


def review_of(day):
    if day not in reviews:
        reviews[day] = review(day)
    return reviews[day]


def matches(found, truth_incident):
    isps = truth_incident["isp"].split(",")
    return (found["isp"] in isps
            and found["source_ip"] == truth_incident["source_ip"]
            and truth_incident["class"] in found["classes"])


def hours_between(a, b):
    return abs((when(a) - when(b)).total_seconds()) / 3600


def logs_until(cut, name):
    """The logs as they stood at `cut`: the last 9 days, rows logged before it."""
    out_dir = os.path.join(set_dir, name)
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    since = (cut - datetime.timedelta(days=9)).date()
    for path in files:
        if day_of(path) < since or day_of(path) > cut.date():
            continue
        with open(path, newline="") as src, open(os.path.join(out_dir, os.path.basename(path)), "w", newline="") as dst:
            writer = csv.writer(dst, lineterminator="\r\n")
            for row in csv.reader(src):
                if row and row[0] != "type":
                    if datetime.datetime.strptime(row[1], "%Y-%m-%d %H:%M:%S%z") >= cut:
                        continue
                writer.writerow(row)
    return out_dir


def caught_by_check(incident, after_hours):
    cut = when(incident["onset"]) + datetime.timedelta(hours=after_hours)
    out_dir = logs_until(cut, "cut")
    out = subprocess.run([binary, "check", "--last", "3h", out_dir], capture_output=True, text=True)
    shutil.rmtree(out_dir, ignore_errors=True)
    first_line = out.stdout.splitlines()[0] if out.stdout else ""
    isps = incident["isp"].split(",")
    return out.returncode in (1, 2) and any(isp in first_line for isp in isps)


details = []
for incident in injected:
    onset_day = when(incident["onset"]).date()
    r = review_of(onset_day)
    found = [i for i in r.get("incidents", []) if matches(i, incident)]
    found.sort(key=lambda i: hours_between(i["onset"], incident["onset"]))
    row = {"kind": incident["kind"], "isp": incident["isp"], "source_ip": incident["source_ip"],
           "onset": incident["onset"], "found_day_1": bool(found)}
    if found:
        row["onset_error_h"] = hours_between(found[0]["onset"], incident["onset"])
        row["finding"] = any(f.get("incident") == found[0]["id"] for f in r["findings"])
    end = incident["recovered_at"]
    if end and when(end).date() < last_day:
        later = review_of(min(when(end).date() + datetime.timedelta(days=1), last_day))
        ended = [i for i in later.get("incidents", []) if matches(i, incident) and i["recovered_at"]]
        ended.sort(key=lambda i: hours_between(i["onset"], incident["onset"]))
        row["recovery_error_h"] = hours_between(ended[0]["recovered_at"], end) if ended else None
    if int(rows) >= 30000:
        row["check_last_3h"] = [caught_by_check(incident, h) for h in (1, 2)]
    details.append(row)

# Quiet ISP-days.
busy = set()
for incident in injected:
    start = when(incident["onset"]).date()
    end = when(incident["recovered_at"]).date() if incident["recovered_at"] else last_day
    day = start
    while day <= end + datetime.timedelta(days=1):
        for isp in incident["isp"].split(","):
            busy.add((isp, day))
        day += datetime.timedelta(days=1)
trend_isps = {i["isp"] for i in truth["incidents"] if i["expected_as"] == "trend"}
quiet = false_alert = false_watch = 0
false_lines = []
day = first_day + datetime.timedelta(days=7)
while day <= last_day:
    r = review_of(day)
    for g in r["isps"]:
        isp = g["isp"]
        if (isp, day) in busy or isp in trend_isps:
            continue
        quiet += 1
        for f in r["findings"]:
            if f["isp"] != isp:
                continue
            if f["severity"] == "alert":
                false_alert += 1
            else:
                false_watch += 1
            false_lines.append(f"{day} {f['severity']} {f['message']}")
    day += datetime.timedelta(days=1)

found = sum(1 for d in details if d["found_day_1"])
onset_errors = [d["onset_error_h"] for d in details if "onset_error_h" in d]
recovery_errors = [d["recovery_error_h"] for d in details if d.get("recovery_error_h") is not None]
recoveries_due = sum(1 for d in details if "recovery_error_h" in d)
checks = [d["check_last_3h"] for d in details if "check_last_3h" in d]


def worst(values):
    return f"{max(values):.0f}" if values else "-"


per_100 = 100.0 * (false_alert + false_watch) / max(quiet, 1)
days = (last_day - first_day).days + 1
check_text = (f"{sum(c[0] for c in checks)}/{sum(c[1] for c in checks)} of {len(checks)}"
              if checks else "-")
print(f"| {rows} | {days} | {seed} | {found}/{len(injected)} | "
      f"{sum(1 for e in onset_errors if e <= 1)}/{len(onset_errors)} (worst {worst(onset_errors)} h) | "
      f"{sum(1 for e in recovery_errors if e <= 3)}/{recoveries_due} (worst {worst(recovery_errors)} h) | "
      f"{check_text} | {quiet} | {false_alert} | {false_watch} | {per_100:.1f} |")
json.dump({"incidents": details, "false_findings": false_lines}, open(os.path.join(set_dir, "score.json"), "w"), indent=1)
