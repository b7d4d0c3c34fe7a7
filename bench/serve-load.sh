#!/usr/bin/env bash
# Load benchmark of `iotlabel serve` on loopback only: the verify endpoint (POST /api/verify,
# the request the verify page sends) and a status list (GET /api/status/<kid>).
#
# The server is pinned to CPU 0 (one runtime worker), wrk to CPU 1. Nothing leaves 127.0.0.1.
# Each run is bounded: DURATION seconds per endpoint.
#
#   bench/serve-load.sh                 # defaults: 10 s per endpoint, 32 connections
#   DURATION=20 CONNECTIONS=64 bench/serve-load.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-32}"
PORT="${PORT:-18573}"
SERVER_CPU="${SERVER_CPU:-0}"
LOAD_CPU="${LOAD_CPU:-1}"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl is missing: apt-get install curl" >&2; exit 2; }
command -v taskset >/dev/null || { echo "taskset is missing (util-linux)" >&2; exit 2; }

cargo build --release --quiet
bin=target/release/iotlabel
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
  --workers 1 --concurrency 1024 >"$work/serve.log" 2>&1 &
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
kid="$(curl -fsS "http://127.0.0.1:$PORT/api/status" | grep -o '"issuer_kid":"[0-9a-f]*"' | head -1 | cut -d'"' -f4)"

echo "iotlabel serve load benchmark: $(nproc) CPUs, server on CPU $SERVER_CPU (1 worker), wrk on CPU $LOAD_CPU"
echo "label $(basename "$label" .cose): $verdict; $CONNECTIONS connections, ${DURATION}s per endpoint"
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
  printf '%-28s %10s req/s   p50 %8s   p99 %8s   %s\n' "$name" "$rps" "$p50" "$p99" "${errs:-no errors}"
}
run "POST /api/verify" -s bench/verify.lua "http://127.0.0.1:$PORT/api/verify"
run "GET /api/status/<kid>" "http://127.0.0.1:$PORT/api/status/$kid"
