#!/usr/bin/env bash
# Seed corpora for the fuzz targets from testdata/: acct files (decompressed), reply texts,
# the PowerMTA configs of the audit tests and the example config.
set -euo pipefail
cd "$(dirname "$0")/.."
for t in acct_reader reply pmta_config config_file; do mkdir -p "fuzz/corpus/$t"; done
n=0
for f in testdata/fixtures/*.csv testdata/sample/*.csv.gz; do
  n=$((n + 1))
  case "$f" in
    *.gz) (gzip -dc "$f" | head -c 65536 > "fuzz/corpus/acct_reader/seed-$n") || true ;;
    *) head -c 65536 "$f" > "fuzz/corpus/acct_reader/seed-$n" ;;
  esac
done
python3 - <<'PY'
import json, os
for i, line in enumerate(open("testdata/eval/replies.jsonl")):
    diag = json.loads(line)["diag"]
    open(f"fuzz/corpus/reply/seed-{i}", "w").write("john.doe@example.com\n" + diag)
PY
i=0
for f in $(find testdata/audit/pmta -type f); do
  i=$((i + 1)); cp "$f" "fuzz/corpus/pmta_config/seed-$i"
done
cp testdata/example-config.toml fuzz/corpus/config_file/seed-example
