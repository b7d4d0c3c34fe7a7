#!/usr/bin/env bash
# End-to-end batch issuing (issue 14): a manufacturer's range of N device profiles (default
# 1000: the heaviest bundled profile, lock-lab-tested, with the model numbered 1..N) issued under
# cls-like@2 by the demo's issuing body, into a fresh state and output folder, RUNS times.
#
#   bench/issue-batch.sh                 # 1000 profiles, 3 runs of each mode
#   bench/issue-batch.sh 10000 1         # 10,000 profiles, one run (memory stays flat?)
#   MODES=full bench/issue-batch.sh      # one mode only: full, lean, python
#   TMPDIR=/dev/shm bench/issue-batch.sh # profiles and output on tmpfs (no disk in the figure)
#
# Modes: `full` writes everything `issue` writes by default (COSE, QR text, claims JSON, label
# PDF, report JSON, HTML and PDF, ledger); `lean` is `--formats none --reports json`; `python`
# is the Python peer, bench/python-peer.py (PyNaCl, segno, reportlab, cbor2: COSE, QR text,
# claims JSON and label PDF per profile, no evaluation, report or ledger; see its docstring),
# in a venv under target/python-peer/ made on first use by bench/python-peer.sh.
# Prints, per mode, every run's wall time and peak RSS, then the median wall time and labels/s.
# The Rust modes use target/release/iotlabel (built if missing; rebuild it yourself after a
# change); `MODES=python` needs no Rust build.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-1000}
RUNS=${2:-3}
MODES=${MODES:-full lean python}
BIN=target/release/iotlabel
AT=2026-12-01T00:00:00Z
for mode in $MODES; do
    case "$mode" in
        full | lean | python) ;;
        *) echo "bench/issue-batch.sh: unknown mode $mode (full, lean, python)" >&2; exit 2 ;;
    esac
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The demo's keys and trust list serve the Rust modes only.
case " $MODES " in
    *" full "* | *" lean "*)
        [ -x "$BIN" ] || cargo build --release --quiet
        "$BIN" demo --out "$work/demo" --at "$AT" > /dev/null ;;
esac
case " $MODES " in *" python "*) bench/python-peer.sh setup ;; esac
mkdir "$work/profiles"
awk -v n="$N" -v dir="$work/profiles" '
    { lines[NR] = $0 }
    END {
        for (i = 1; i <= n; i++) {
            f = sprintf("%s/p%05d.toml", dir, i)
            for (l = 1; l <= NR; l++) {
                line = lines[l]
                if (line ~ /^model *=/) line = sprintf("model = \"Kestrel S3-%05d\"", i)
                print line > f
            }
            close(f)
        }
    }' fixtures/profiles/lock-lab-tested.toml

flags_for() {
    case "$1" in
        full) echo "" ;;
        lean) echo "--formats none --reports json" ;;
        *) echo "bench/issue-batch.sh: unknown mode $1 (full, lean, python)" >&2; exit 2 ;;
    esac
}

# One timed run of a mode into $out with state $state (wall seconds and peak RSS in KB to
# $work/time).
run_mode() {
    if [ "$1" = python ]; then
        /usr/bin/time -f "%e %M" -o "$work/time" target/python-peer/bin/python \
            bench/python-peer.py --out "$out" --at "$AT" "$work"/profiles/*.toml
        return
    fi
    # shellcheck disable=SC2046 # the flags are meant to split
    /usr/bin/time -f "%e %M" -o "$work/time" "$BIN" issue --scheme cls-like@2 \
        --profile "$work"/profiles/*.toml --key "$work/demo/keys/issuing-body.key" \
        --trust "$work/demo/trust/example-agency.cose" \
        --root "$work/demo/trust/scheme-owner.pub" --state "$state" \
        --out "$out" --at "$AT" $(flags_for "$1")
}

for mode in $MODES; do
    times=()
    for run in $(seq 1 "$RUNS"); do
        # A new folder per run, all removed at the end: on ext4 without a journal (this
        # machine), creating thousands of files right after deleting thousands makes the inode
        # allocator skip the recently deleted ones, which tripled the kernel time of a run.
        out="$work/out-$mode-$run"
        state="$work/state-$mode-$run"
        run_mode "$mode" > "$work/log" 2>&1 ||
            { echo "$mode failed:"; tail -5 "$work/log"; exit 1; }
        read -r wall rss < "$work/time"
        files=$(find "$out" -type f | wc -l)
        echo "$mode run $run: $N profiles, $wall s wall, peak RSS $((rss / 1024)) MB, $files files"
        # The peer's own line: its time without interpreter start-up and imports.
        [ "$mode" != python ] || sed -n 's/^python: /  peer: /p' "$work/log"
        times+=("$wall")
    done
    median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    echo "$mode: median $median s for $N labels ($(awk -v n="$N" -v t="$median" 'BEGIN { printf "%.0f", n / t }') labels/s)"
done
