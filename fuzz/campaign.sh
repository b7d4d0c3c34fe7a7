#!/usr/bin/env bash
# Long fuzzing campaigns: every target for SECONDS (default 600), two at a time, niced, in
# libFuzzer's fork mode so a crash is recorded (artifacts/<target>/) and fuzzing goes on.
# Corpora grow in campaign/<target>/ (seeded from corpus/<target>/ and seeds/<target>/);
# logs in logs/<target>.log. Usage: fuzz/campaign.sh [SECONDS] [TARGET...]
set -uo pipefail
cd "$(dirname "$0")"
secs="${1:-600}"
shift || true
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
# shellcheck source=common.sh
. ./common.sh
mkdir -p logs campaign artifacts
run_one() {
  local t="$1"
  mkdir -p "campaign/$t" "artifacts/$t"
  for src in "corpus/$t" "seeds/$t"; do
    [ -d "$src" ] && cp -n "$src"/* "campaign/$t/" 2>/dev/null
  done
  # shellcheck disable=SC2046
  nice -n 10 "$bin/$t" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 $(dict_for "$t") \
    -artifact_prefix="artifacts/$t/" "campaign/$t" >"logs/$t.log" 2>&1
  echo "$(date -u +%H:%M:%S) $t done (rc $?)"
}
i=0
for t in "${targets[@]}"; do
  run_one "$t" &
  i=$((i + 1))
  if [ $((i % 2)) -eq 0 ]; then wait; fi
done
wait
