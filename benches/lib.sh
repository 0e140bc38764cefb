# Helpers shared by the benchmark scripts (sourced, not run).

# median VALUE...: the median of the values (the lower one of the middle two).
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# timed RUNS COMMAND...: runs COMMAND RUNS times under /usr/bin/time, output discarded;
# sets WALL (median seconds) and RSS_MB (median peak RSS, MB).
timed() {
  local runs=$1 walls=() rss=() w m
  shift
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o /tmp/deferwatch-bench-time "$@" > /dev/null 2> /dev/null
    # A command that exits non-zero makes time(1) write a line before the figures.
    read -r w m < <(tail -n 1 /tmp/deferwatch-bench-time)
    walls+=("$w"); rss+=("$m")
  done
  WALL=$(median "${walls[@]}")
  RSS_MB=$(( $(median "${rss[@]}") / 1024 ))
}

# build_release: builds the release binary and sets BIN to its absolute path; a BIN given
# in the environment is used as it is. --all-targets resolves dependency features as the
# tests do, so a target directory the tests built is reused instead of rebuilt.
build_release() {
  if [ -n "${BIN:-}" ]; then
    return
  fi
  cargo build --release --all-targets --quiet
  local target=${CARGO_TARGET_DIR:-target}
  case "$target" in
    /*) BIN=$target/release/deferwatch ;;
    *) BIN=$(pwd)/$target/release/deferwatch ;;
  esac
}

# results_file: today's results file, created with its title when missing.
results_file() {
  local f
  f=benches/results/$(date +%F).md
  mkdir -p benches/results
  [ -f "$f" ] || printf '# Benchmark results %s (%s cores)\n' "$(date +%F)" "$(nproc)" > "$f"
  echo "$f"
}
