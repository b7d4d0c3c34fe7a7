#!/usr/bin/env bash
# Minimises a grown corpus into the committed one: libFuzzer's merge records the coverage edges
# of every input (-merge_control_file), then a greedy set cover keeps at most MAX inputs (default
# 40) that reach the most edges. Usage: fuzz/minimise.sh TARGET FROM_DIR [MAX]
set -euo pipefail
cd "$(dirname "$0")"
t="$1" from="$2" max="${3:-40}"
bin=target/x86_64-unknown-linux-gnu/release/$t
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/out"
"$bin" -merge=1 -merge_control_file="$tmp/control" -timeout=10 -rss_limit_mb=2048 \
  "$tmp/out" "$from" >"$tmp/log" 2>&1 || { tail -n 20 "$tmp/log"; exit 1; }
python3 - "$tmp/control" "$max" "corpus/$t" <<'PY'
import os, shutil, sys
control, cap, dest = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = open(control).read().splitlines()
n = int(lines[0])
files = lines[2:2 + n]
cov = {}
for l in lines[2 + n:]:
    parts = l.split()
    if parts and parts[0] == "COV":
        cov[int(parts[1])] = set(parts[2:])
chosen, seen = [], set()
while len(chosen) < cap:
    best = max(cov, key=lambda i: (len(cov[i] - seen), -os.path.getsize(files[i])), default=None)
    if best is None or not (cov[best] - seen):
        break
    chosen.append(best)
    seen |= cov.pop(best)
total = set().union(seen, *cov.values())
shutil.rmtree(dest, ignore_errors=True)
os.makedirs(dest)
for i in chosen:
    shutil.copy(files[i], os.path.join(dest, os.path.basename(files[i])))
print(f"{dest}: {len(chosen)} inputs reach {len(seen)} of {len(total)} edges")
PY
