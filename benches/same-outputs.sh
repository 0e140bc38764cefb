#!/usr/bin/env bash
# Output comparison: runs two deferwatch binaries over the same inputs and checks that every
# output is byte-identical (stdout, stderr, exit code, and the files they write).
#
#   benches/same-outputs.sh BEFORE_BIN AFTER_BIN
#   KEEP=1 benches/same-outputs.sh target/release/deferwatch /tmp/deferwatch-new
#
# Inputs: the shipped sample (testdata/sample), a seeded 35-day 50-IP set generated once
# with BEFORE_BIN, the reading fixtures (testdata/fixtures), the audit fixtures
# (testdata/audit) and the real reply texts (testdata/eval/replies.jsonl). Covered: report
# and hourly in every format (report in UTC and America/New_York, from logs and from a
# store built by ingest), check, audit in every format, classify, chart (every kind),
# export (Parquet, compared file by file), generate, errors and --help.
#
# The audit asks a Knot DNS server on 127.0.0.1 serving testdata/audit/*.zone, started as
# tests/audit.rs does, when /usr/sbin/knotd (or $KNOTD) exists (apt-get install knot). Without it the
# audit cases still run, against a resolver that does not answer (127.0.0.1:9) with a short
# timeout: they then compare the "DNS did not answer" paths only.
#
# Each side runs the whole suite in the same scratch directory in turn (the first side's
# results are moved aside before the second starts), both called `deferwatch` through a
# symlink and asking the same DNS server, so paths, program names and ports written into
# outputs are the same on both sides and nothing needs rewriting. What varies between two
# runs of one binary is normalised, and only that (each is explained where it is done):
# the store is compared by its contents with ids replaced by names and without the
# wall-clock time of each ingest run; the Parquet export by its columns and sorted rows;
# and the chart warning that lists the data's ISPs is run on one thread.
#
# Prints one line per comparison, `same` or `DIFFERENT` followed by a diff excerpt, and
# exits 1 when anything differs (2 on a usage or set-up error). KEEP=1 keeps the scratch
# directory (its path is printed) to look at the outputs.
set -uo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 BEFORE_BIN AFTER_BIN" >&2
  exit 2
fi
absolute() { (cd "$(dirname "$1")" && echo "$(pwd)/$(basename "$1")"); }
for bin in "$1" "$2"; do
  [ -x "$bin" ] || { echo "not an executable: $bin" >&2; exit 2; }
done
REPO=$(cd "$(dirname "$0")/.." && pwd)
SAMPLE=$REPO/testdata/sample
AUDIT=$REPO/testdata/audit
WORK=$(mktemp -d "${TMPDIR:-/tmp}/deferwatch-same.XXXXXX")
# Both run as `deferwatch`: usage lines and errors name the program by how it was called.
mkdir -p "$WORK/before-bin" "$WORK/after-bin"
ln -s "$(absolute "$1")" "$WORK/before-bin/deferwatch"
ln -s "$(absolute "$2")" "$WORK/after-bin/deferwatch"
BEFORE=$WORK/before-bin/deferwatch
AFTER=$WORK/after-bin/deferwatch
KNOT_PID=""

cleanup() {
  if [ -n "$KNOT_PID" ]; then
    kill "$KNOT_PID" 2>/dev/null
    wait "$KNOT_PID" 2>/dev/null
  fi
  if [ "${KEEP:-0}" = 1 ]; then
    echo "outputs kept in $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

STARTED=$SECONDS

# --- Shared inputs ------------------------------------------------------------------------

# A 50-IP fleet, 35 days (about 700,000 rows), from a fixed seed; generated once, by the
# reference binary, and read by both.
GEN=$WORK/gen50
"$BEFORE" generate --days 35 --source-ips 50 --seed 7 --out "$GEN" > /dev/null 2> "$WORK/gen50.log" \
  || { cat "$WORK/gen50.log" >&2; echo "could not generate the 50-IP set" >&2; exit 2; }

# Reply texts for classify: every text, and the texts of each ISP apart (for --isp).
REPLIES=$WORK/replies
mkdir -p "$REPLIES"
if command -v jq > /dev/null; then
  jq -r '.diag' "$REPO/testdata/eval/replies.jsonl" > "$REPLIES/all.txt"
  jq -r '.isp' "$REPO/testdata/eval/replies.jsonl" | sort -u > "$REPLIES/isps"
  while read -r isp; do
    jq -r --arg isp "$isp" 'select(.isp == $isp) | .diag' \
      "$REPO/testdata/eval/replies.jsonl" > "$REPLIES/isp-$isp.txt"
  done < "$REPLIES/isps"
else
  python3 - "$REPO/testdata/eval/replies.jsonl" "$REPLIES" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
out = sys.argv[2]
open(f"{out}/all.txt", "w").write("".join(r["diag"] + "\n" for r in rows))
isps = sorted({r["isp"] for r in rows})
open(f"{out}/isps", "w").write("".join(i + "\n" for i in isps))
for isp in isps:
    open(f"{out}/isp-{isp}.txt", "w").write(
        "".join(r["diag"] + "\n" for r in rows if r["isp"] == isp))
EOF
fi

# The Parquet export is compared by its rows, read with DuckDB's Python module when it is
# installed (pip install duckdb==2.0.0, as for benches/peers.sh); else by file names only.
if python3 -c 'import duckdb' 2> /dev/null; then
  HAVE_DUCKDB=1
else
  HAVE_DUCKDB=0
  echo "export: no DuckDB for Python (pip install duckdb==2.0.0): Parquet compared by file names only"
fi

# --- DNS for the audit --------------------------------------------------------------------

# Starts knotd on a free loopback port with the test zones, as tests/audit.rs does; sets
# KNOT_PID and RESOLVER. Returns 1 if it does not come up.
start_knot() {
  local dir=$WORK/knot port conf
  for _ in 1 2 3 4 5; do
    rm -rf "$dir"
    mkdir -p "$dir/db"
    port=$((20000 + RANDOM % 40000))
    conf=$dir/knot.conf
    # The zone files are only read: no journal, never written back.
    cat > "$conf" <<EOF
server:
    rundir: "$dir"
    listen: 127.0.0.1@$port
    pidfile: "$dir/knot.pid"
log:
  - target: stderr
    any: warning
database:
    storage: "$dir/db"
template:
  - id: default
    storage: "$AUDIT"
    file: "%s.zone"
    journal-content: none
    zonefile-sync: -1
    zonefile-load: whole
zone:
  - domain: example.test
  - domain: 113.0.203.in-addr.arpa
  - domain: 8.b.d.0.1.0.0.2.ip6.arpa
EOF
    "$KNOTD" -c "$conf" > "$dir/knotd.log" 2>&1 &
    KNOT_PID=$!
    # Up when all three zones are loaded (knotc asks over the control socket in rundir).
    for _ in $(seq 100); do
      kill -0 "$KNOT_PID" 2>/dev/null || break  # the port was taken: try another
      if [ "$("$(dirname "$KNOTD")/knotc" -c "$conf" zone-status 2>/dev/null | grep -c 'serial: [0-9]')" = 3 ]; then
        RESOLVER=127.0.0.1:$port
        return 0
      fi
      sleep 0.1
    done
    kill "$KNOT_PID" 2>/dev/null
    wait "$KNOT_PID" 2>/dev/null
    KNOT_PID=""
  done
  return 1
}

KNOTD=${KNOTD:-/usr/sbin/knotd}
if [ -x "$KNOTD" ] && start_knot; then
  DNS_ARGS=(--resolver "$RESOLVER")
  echo "audit: Knot DNS serving testdata/audit on $RESOLVER"
else
  # Nothing listens on the discard port: every query fails, quickly.
  DNS_ARGS=(--resolver 127.0.0.1:9 --dns-timeout 0.3 --dns-attempts 1)
  echo "audit: no knotd (apt-get install knot): audit cases run WITHOUT DNS answers (resolver 127.0.0.1:9)"
fi

# --- The suite, run once per binary -------------------------------------------------------

# run NAME ARGS...: runs the binary with ARGS (stdin empty); keeps stdout, stderr and the
# exit code as NAME.out, NAME.err, NAME.rc in cases/.
run() {
  local name=$1
  shift
  "$BIN" "$@" < /dev/null > "cases/$name.out" 2> "cases/$name.err"
  echo $? > "cases/$name.rc"
}

# run_in NAME FILE ARGS...: the same with FILE on stdin.
run_in() {
  local name=$1 input=$2
  shift 2
  "$BIN" "$@" < "$input" > "cases/$name.out" 2> "cases/$name.err"
  echo $? > "cases/$name.rc"
}

# dump_store NAME DB: the store's contents as text (files/NAME.sql), ids replaced by the
# names they stand for (the packed hours by their cell and row counts; their cells are
# compared through the commands that read the store). Ids are given in the order names are first met, which varies
# between runs when several threads read, so the raw ids are not compared; the runs
# table's `finished` column is a wall-clock time and left out, and so is the store's id
# (drawn at random when a store is made, so that two stores are told apart).
dump_store() {
  command -v sqlite3 > /dev/null || return 0
  sqlite3 "$2" > "files/$1.sql" <<'EOF'
.mode list
CREATE TEMP VIEW n AS SELECT id, name FROM names UNION ALL SELECT -1, '(more texts)';
SELECT 'meta', * FROM meta WHERE key <> 'store_id' ORDER BY key;
SELECT 'names', dim, name FROM names ORDER BY dim, name;
SELECT 'hours', hour, cells, rows FROM hours ORDER BY hour;
SELECT 'samples', s.day, i.name, p.name, s.class, t.text
  FROM samples s JOIN sample_texts t ON t.hash = s.hash
  LEFT JOIN n i ON i.id = s.isp LEFT JOIN n p ON p.id = s.source_ip
  ORDER BY 2, 3, 4, 5;
SELECT 'unknown', u.hour, i.name, t.name, u.count
  FROM unknown u LEFT JOIN n i ON i.id = u.isp LEFT JOIN n t ON t.id = u.text
  ORDER BY 2, 3, 4;
SELECT 'streams', name, head_len, head_hash, offset, line, header, tail_len, tail_hash, stats,
  last_run FROM streams ORDER BY name, head_hash;
SELECT 'files', f.path, f.size, s.name FROM files f LEFT JOIN streams s ON s.id = f.stream
  ORDER BY f.path;
SELECT 'runs', id, files_read, files_unchanged, bytes_read, rows, pruned_cells FROM runs
  ORDER BY id;
EOF
}

# parquet_rows DIR: the Parquet files under files/DIR as text, read with DuckDB: each file
# with its columns (files/DIR.parquet-columns.txt), and every row with its file's name,
# in sorted order (files/DIR.parquet-rows.csv). The export sorts rows by hour, ISP and IP
# only, and the order of rows that tie on those varies between runs (so do the files'
# bytes), so the files move out of files/ and count through this text alone.
parquet_rows() {
  local dir=$1
  mkdir -p parquet
  if [ "$HAVE_DUCKDB" = 1 ]; then
    python3 - "files/$dir" "files/$dir.parquet-columns.txt" "files/$dir.parquet-rows.csv" <<'PY'
import glob, sys
import duckdb
con = duckdb.connect()
paths = sorted(glob.glob(f"{sys.argv[1]}/**/*.parquet", recursive=True))
with open(sys.argv[2], "w") as out:
    for path in paths:
        columns = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [path]).fetchall()
        out.write(f"{path}: " + ", ".join(f"{c[0]} {c[1]}" for c in columns) + "\n")
if paths:
    # Every row, prefixed by its file's name, in sorted order.
    con.execute(
        "COPY (SELECT * FROM read_parquet(?, filename = true) ORDER BY ALL) "
        f"TO '{sys.argv[3]}' (FORMAT csv)",
        [paths],
    )
PY
  else
    (cd files && find "$dir" -type f | sort) > "files/$dir.parquet-names.txt"
  fi
  mv "files/$dir" parquet/
}

FORMATS=(table markdown json csv prometheus html)

suite() {
  mkdir -p cases files
  local fmt tz by src isp kind

  # Help and version: the command line is part of the interface.
  run help --help
  run version --version
  for cmd in report hourly chart ingest check audit export classify generate; do
    run "help.$cmd" "$cmd" --help
  done

  # generate: the same seed gives the same files.
  run generate.plain generate --days 3 --rows-per-day 3000 --source-ips 5 --rotate-rows 4000 --out files/generate-plain
  run generate.gzip generate --days 2 --rows-per-day 2000 --seed 9 --gzip --out files/generate-gzip

  # ingest into stores, then again (nothing new to read), with the stores' contents.
  run ingest.sample ingest --store sample.db "$SAMPLE"
  run ingest.sample.again ingest --store sample.db "$SAMPLE"
  run ingest.gen50 ingest --store gen50.db --keep-days 120 "$GEN"
  dump_store store.sample sample.db
  dump_store store.gen50 gen50.db

  # report: every format and both zones, from logs and from the stores. The 50-IP logs
  # take a second or two a run, so they are read in one format per zone; the formats come
  # from its store, which gives the same numbers (tests/store.rs).
  for tz in UTC America/New_York; do
    for fmt in "${FORMATS[@]}"; do
      run "report.sample.${tz//\//-}.$fmt" report --tz "$tz" --format "$fmt" "$SAMPLE"
      run "report.sample-store.${tz//\//-}.$fmt" report --tz "$tz" --format "$fmt" --store sample.db
      run "report.gen50-store.${tz//\//-}.$fmt" report --tz "$tz" --format "$fmt" --store gen50.db
    done
  done
  run report.gen50.UTC.json report --format json "$GEN"
  run report.gen50.America-New_York.table report --tz America/New_York "$GEN"
  run report.sample.day report --day 2026-10-20 "$SAMPLE"
  run report.sample.quiet report --quiet "$SAMPLE"
  run report.gen50.one-thread report --threads 1 --format json "$GEN"
  run report.two-stores report --format json --store sample.db --store gen50.db
  run report.config report --config "$REPO/testdata/example-config.toml" --format json "$SAMPLE"
  run report.output report --format html -o files/review.html "$SAMPLE"
  for fmt in table markdown json html; do
    run "report.identity.$fmt" report --format "$fmt" --pmta-config "$AUDIT/pmta/config" \
      "${DNS_ARGS[@]}" "$SAMPLE"
  done

  # hourly: every format, two groupings; the 50-IP set over its last three days (from its
  # logs in CSV, from its store in every format).
  for fmt in "${FORMATS[@]}"; do
    for by in isp isp,source_ip,class; do
      run "hourly.sample.$by.$fmt" hourly --by "$by" --format "$fmt" "$SAMPLE"
      run "hourly.sample-store.$by.$fmt" hourly --by "$by" --format "$fmt" --store sample.db
      run "hourly.gen50-store.$by.$fmt" hourly --by "$by" --format "$fmt" --from 2026-10-29 \
        --store gen50.db
    done
  done
  run hourly.gen50.isp,source_ip,class.csv hourly --by isp,source_ip,class --from 2026-10-29 "$GEN"
  run hourly.vmta-pool hourly --by vmta,pool --from 2026-10-30 --to 2026-10-31T06:00:00Z "$SAMPLE"
  run hourly.new-york hourly --tz America/New_York --format table --from 2026-10-31 "$SAMPLE"
  run hourly.output hourly --format json -o files/hourly.json --from 2026-10-31 "$SAMPLE"
  gzip -dc "$SAMPLE/acct-2026-10-31-0000.csv.gz" > stdin.csv
  run_in hourly.stdin stdin.csv hourly --by isp,class -

  # The reading edge cases: each fixture alone, all together, and --strict.
  for fixture in "$REPO"/testdata/fixtures/*; do
    run "fixture.$(basename "$fixture")" hourly --by isp,source_ip,class "$fixture"
  done
  run fixtures.report report --format json "$REPO/testdata/fixtures"
  run fixtures.strict hourly --strict "$REPO/testdata/fixtures/bad-rows.csv"

  # check: logs, stores, a stale store, and with the identity audit.
  run check.sample check "$SAMPLE"
  run check.sample-store check --store sample.db
  run check.gen50-store check --store gen50.db
  run check.stale check --max-age 1 --store sample.db
  run check.day check --day 2026-10-25 "$SAMPLE"
  run check.identity check "${DNS_ARGS[@]}" --ip 203.0.113.10=mta10.example.test \
    "$AUDIT/acct-audit.csv"

  # audit: every format, hand-given IPs, a store, and its errors.
  for fmt in table markdown json html; do
    run "audit.$fmt" audit "${DNS_ARGS[@]}" --pmta-config "$AUDIT/pmta/config" --format "$fmt" \
      "$AUDIT/acct-audit.csv"
  done
  run audit.output audit "${DNS_ARGS[@]}" --pmta-config "$AUDIT/pmta/config" --format html \
    -o files/audit.html "$AUDIT/acct-audit.csv"
  run audit.ips audit "${DNS_ARGS[@]}" --ip 203.0.113.10=MTA10.example.test --ip 203.0.113.13 \
    --ip 2001:db8::25 --format json
  run audit.store audit "${DNS_ARGS[@]}" --pmta-config "$AUDIT/pmta/config" --from 2026-10-20 \
    --store sample.db
  run audit.no-input audit --resolver 127.0.0.1:9
  run audit.missing-config audit --pmta-config "$AUDIT/nowhere.conf"

  # classify: the real reply texts, all at once and per ISP, in both formats.
  for fmt in tsv json; do
    run_in "classify.all.$fmt" "$REPLIES/all.txt" classify --format "$fmt"
    while read -r isp; do
      run_in "classify.$isp.$fmt" "$REPLIES/isp-$isp.txt" classify --isp "$isp" --format "$fmt"
    done < "$REPLIES/isps"
  done
  run_in classify.config "$REPLIES/all.txt" classify --config "$REPO/testdata/example-config.toml"
  run classify.args classify --isp gmail '421-4.7.28 Our system has detected an unusual rate' \
    '550 5.7.1 Client host rejected: cannot find your reverse hostname'

  # chart: every kind as SVG (and the rate chart as PNG), from logs and from a store.
  for kind in rate classes ips; do
    run "chart.$kind" chart --isp gmail --kind "$kind" -o "files/chart-$kind.svg" "$SAMPLE"
    run "chart.gen50.$kind" chart --isp microsoft --kind "$kind" -o "files/chart-gen50-$kind.svg" \
      --store gen50.db
  done
  run chart.ip chart --isp gmail --source-ip 203.0.113.14 --from 2026-10-24 --to 2026-11-01 \
    -o files/chart-ip.svg "$SAMPLE"
  run chart.class chart --isp microsoft --kind classes --class rdns_missing \
    -o files/chart-class.svg "$SAMPLE"
  run chart.png chart --isp microsoft --width 1000 --height 500 -o files/chart-rate.png "$SAMPLE"
  # The warning lists the data's ISPs in the order they were first met, which varies
  # between runs when several threads read; on one thread it is the order of the files.
  run chart.empty chart --threads 1 --isp nosuchisp -o files/chart-empty.svg "$SAMPLE"

  # export: the stores as Parquet.
  run export.sample export --store sample.db --out files/export-sample
  run export.gen50 export --store gen50.db --out files/export-gen50
  parquet_rows export-sample
  parquet_rows export-gen50

  # Errors: what they print and their exit codes.
  run error.missing-path report "$WORK/no/such/dir"
  run error.bad-by hourly --by nonsense "$SAMPLE"
  run error.bad-zone report --tz Nowhere/Atlantis "$SAMPLE"
  run error.bad-day report --day 2026-13-40 "$SAMPLE"
  run error.no-isp chart -o files/x.svg "$SAMPLE"
  run error.stdin-ingest ingest --store x.db -
}

# Runs the suite with BIN in $WORK/run, then moves the results to $WORK/$1.
suite_of() {
  BIN=$2
  rm -rf "$WORK/run"
  mkdir -p "$WORK/run"
  (cd "$WORK/run" && suite)
  mv "$WORK/run" "$WORK/$1"
}

suite_of before "$BEFORE"
suite_of after "$AFTER"

# --- Comparison ---------------------------------------------------------------------------

DIFFERENT=0
SAME=0

# report LABEL A B: one line saying whether A and B are the same (a missing file counts as
# different), with a diff excerpt when they differ.
report_pair() {
  local label=$1 a=$2 b=$3
  if [ -f "$a" ] && [ -f "$b" ] && cmp -s "$a" "$b"; then
    SAME=$((SAME + 1))
    printf 'same       %s\n' "$label"
    return
  fi
  DIFFERENT=$((DIFFERENT + 1))
  printf 'DIFFERENT  %s\n' "$label"
  if [ ! -f "$a" ] || [ ! -f "$b" ]; then
    printf '    only in %s\n' "$([ -f "$a" ] && echo before || echo after)"
  elif grep -qI . "$a" && grep -qI . "$b"; then
    diff -u --label before --label after "$a" "$b" | head -20 | sed 's/^/    /'
  else
    cmp "$a" "$b" 2>&1 | head -1 | sed 's/^/    /'
  fi
}

cd "$WORK"
# One line per case: its exit code, stdout and stderr must all be the same.
for name in $( (ls before/cases; ls after/cases) | sed 's/\.\(out\|err\|rc\)$//' | sort -u); do
  bad=""
  for part in rc out err; do
    cmp -s "before/cases/$name.$part" "after/cases/$name.$part" 2>/dev/null || bad="$bad $part"
  done
  if [ -z "$bad" ]; then
    SAME=$((SAME + 1))
    printf 'same       %s\n' "$name"
  else
    DIFFERENT=$((DIFFERENT + 1))
    printf 'DIFFERENT  %s (%s)\n' "$name" "${bad# }"
    for part in $bad; do
      a=before/cases/$name.$part b=after/cases/$name.$part
      if [ -f "$a" ] && [ -f "$b" ]; then
        diff -u --label "before $part" --label "after $part" "$a" "$b" | head -20 | sed 's/^/    /'
      else
        echo "    $part only on one side"
      fi
    done
  fi
done
# One line per written file (charts, Parquet, generated logs, store dumps).
for path in $( (cd before && find files -type f; cd ../after && find files -type f) | sort -u); do
  report_pair "$path" "before/$path" "after/$path"
done

echo "$SAME same, $DIFFERENT different ($((SECONDS - STARTED)) s)"
[ "$DIFFERENT" -eq 0 ]
