#!/usr/bin/env bash
# CI smoke run of the fuzz targets: builds every target once (one cargo invocation, so the
# dependencies compile once), replays fuzz/regressions/<target>/, then fuzzes each target for
# SECONDS (default 20) on a temporary copy of its committed corpus fuzz/corpus/<target>/ (the
# tree stays clean), JOBS targets at a time (default 2, one per core of the CI machine). Fails
# if a target does not build, a regression input fails, or a target crashes, hangs (10 s) or
# runs out of memory (2 GB). Usage: fuzz/run.sh [SECONDS] [JOBS]
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-20}"
jobs="${2:-2}"
start=$(date +%s)
cargo +nightly fuzz build -s none
echo "fuzz: built all targets in $(($(date +%s) - start)) s"
# shellcheck source=common.sh
. ./common.sh
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# One target: replay its regressions, then fuzz it. Prints its own report; the exit status
# says whether it passed.
run_target() {
  local t="$1"
  mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
  if [ -d "regressions/$t" ] && [ -n "$(ls -A "regressions/$t")" ]; then
    if ! "$bin/$t" -timeout=10 -rss_limit_mb=2048 "regressions/$t"/* >"$work/$t/regressions.log" 2>&1; then
      echo "fuzz: $t FAILED on a regression input:"
      tail -n 30 "$work/$t/regressions.log"
      return 1
    fi
  fi
  if [ -d "corpus/$t" ]; then cp "corpus/$t"/* "$work/$t/corpus/"; fi
  # shellcheck disable=SC2046
  if "$bin/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 $(dict_for "$t") \
      -artifact_prefix="$work/$t/artifacts/" "$work/$t/corpus" >"$work/$t/log" 2>&1; then
    echo "fuzz: $t ok: $(grep -E '^#[0-9]+.*DONE' "$work/$t/log" | tail -n 1)"
  else
    echo "fuzz: $t FAILED:"
    tail -n 40 "$work/$t/log"
    for a in "$work/$t/artifacts"/*; do
      [ -f "$a" ] && echo "input (base64): $(base64 -w0 "$a" | head -c 4000)"
    done
    return 1
  fi
}

# Up to $jobs targets at once; each one's report is printed whole when it ends.
pids=()
names=()
for t in $(cargo +nightly fuzz list); do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 1; done
  run_target "$t" >"$work/$t.report" 2>&1 &
  pids+=("$!")
  names+=("$t")
done
failed=()
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then failed+=("${names[$i]}"); fi
  cat "$work/${names[$i]}.report"
done
echo "fuzz: total $(($(date +%s) - start)) s"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: failed: ${failed[*]}"
  exit 1
fi
