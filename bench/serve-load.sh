#!/usr/bin/env bash
# Load benchmark of `iotlabel serve` on loopback only: the verify endpoint (POST /api/verify,
# the request the verify page sends) and a status list (GET /api/status/<kid>).
#
# /api/verify is measured twice:
#   - "same label": one label over and over (many people scanning one product): after the
#     first request its signature check comes from the signature cache;
#   - "LABELS distinct labels": round-robin over LABELS different labels (default 1000) while
#     the server's signature cache holds SIG_CACHE entries (default 500, fewer than LABELS),
#     so every request checks the Ed25519 signature in full (the cache's worst case).
#
# The server is pinned to CPU 0 (one runtime worker), wrk to CPU 1. Nothing leaves 127.0.0.1.
# Each run is bounded: DURATION seconds per endpoint.
#
#   bench/serve-load.sh                 # defaults: 10 s per endpoint, 32 connections
#   DURATION=20 CONNECTIONS=64 LABELS=2000 bench/serve-load.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-32}"
PORT="${PORT:-18573}"
SERVER_CPU="${SERVER_CPU:-0}"
LOAD_CPU="${LOAD_CPU:-1}"
LABELS="${LABELS:-1000}"
SIG_CACHE="${SIG_CACHE:-500}"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl is missing: apt-get install curl" >&2; exit 2; }
command -v taskset >/dev/null || { echo "taskset is missing (util-linux)" >&2; exit 2; }

cargo build --release --quiet
bin="${BIN:-target/release/iotlabel}"  # BIN: compare another build
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" demo --out "$work/demo" --at 2026-12-01 --seed 00 >/dev/null
taskset -c "$SERVER_CPU" "$bin" serve --db "$work/registry.sqlite" \
  --trust "$work/demo/trust/example-agency.cose" --root "$work/demo/trust/scheme-owner.pub" \
  --status-key "$work/demo/keys/status.key" --listen "127.0.0.1:$PORT" --at 2026-12-02 \
  --workers 1 --concurrency 1024 --signature-cache "$SIG_CACHE" >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do
  curl -fsS "http://127.0.0.1:$PORT/api/health" >/dev/null 2>&1 && break
  sleep 0.1
done

# One label of a lab, published; its QR fragment is what the page would send.
label="$(ls "$work"/demo/labels/*.cose | head -1)"
curl -fsS -H 'Content-Type: application/cose' --data-binary "@$label" \
  "http://127.0.0.1:$PORT/api/labels" >/dev/null
qr="$(cat "${label%.cose}.txt")"
export VERIFY_BODY="{\"path\":\"/V\",\"fragment\":\"${qr#*#}\"}"
verdict="$(curl -fsS -H 'Content-Type: application/json' -d "$VERIFY_BODY" \
  "http://127.0.0.1:$PORT/api/verify" | grep -o '"verdict":"[A-Z_]*"' | head -1)"
# LABELS more labels of the demo manufacturer (one profile with LABELS model names), issued
# after the demo's own (its issuer state continues the status indices).
mkdir -p "$work/profiles"
for i in $(seq "$LABELS"); do
  sed "s/^model *= *\"55UQ7\"/model = \"55UQ7-B$i\"/" fixtures/profiles/tv-month-support.toml \
    >"$work/profiles/tv-$i.toml"
done
"$bin" issue --scheme cls-like@1 --profile "$work"/profiles/*.toml \
  --key "$work/demo/keys/manufacturer.key" --trust "$work/demo/trust/example-agency.cose" \
  --root "$work/demo/trust/scheme-owner.pub" --state "$work/demo/state" --out "$work/many" \
  --at 2026-12-01 >/dev/null
export VERIFY_BODIES="$work/bodies.txt"
for t in "$work"/many/*.txt; do
  qr="$(cat "$t")"
  echo "{\"path\":\"/V\",\"fragment\":\"${qr#*#}\"}"
done >"$VERIFY_BODIES"
distinct="$(wc -l <"$VERIFY_BODIES")"
verdicts="$(while read -r b; do
  curl -fsS -H 'Content-Type: application/json' -d "$b" "http://127.0.0.1:$PORT/api/verify" \
    | grep -o '"verdict":"[A-Z_]*"' | head -1 | cut -d'"' -f4
done < <(head -20 "$VERIFY_BODIES") | sort | uniq -c | tr -s ' \n' ' ')"
kid="$(curl -fsS "http://127.0.0.1:$PORT/api/status" | grep -o '"issuer_kid":"[0-9a-f]*"' | head -1 | cut -d'"' -f4)"

echo "iotlabel serve load benchmark: $(nproc) CPUs, server on CPU $SERVER_CPU (1 worker), wrk on CPU $LOAD_CPU"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg); $CONNECTIONS connections, ${DURATION}s per endpoint"
echo "same label $(basename "$label" .cose): $verdict"
echo "$distinct distinct labels (first 20:$verdicts); signature cache $SIG_CACHE entries"
echo
run() {
  local name="$1"; shift
  local out
  out="$(taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@")"
  local rps p99 p50 errs
  rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
  p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  errs="$(grep -E 'Non-2xx|Socket errors' <<<"$out" || true)"
  printf '%-36s %10s req/s   p50 %8s   p99 %8s   %s\n' "$name" "$rps" "$p50" "$p99" "${errs:-no errors}"
}
run "POST /api/verify same label" -s bench/verify.lua "http://127.0.0.1:$PORT/api/verify"
run "POST /api/verify ${distinct} labels" -s bench/verify-rotate.lua "http://127.0.0.1:$PORT/api/verify"
run "GET /api/status/<kid>" "http://127.0.0.1:$PORT/api/status/$kid"
