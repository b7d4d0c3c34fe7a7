#!/usr/bin/env bash
# Mutation testing of the three modules whose tests carry the README's biggest promises
# (issue 12): evaluation, verification and the label format. Not run in CI (hours on 2 cores).
#
#   bench/mutants.sh                 # all three modules, results in mutants.out/<group>/
#   bench/mutants.sh evaluate        # one group: evaluate, verify, label-symbol, label-claims,
#                                    # label-envelope (src/label is split by the tests it needs)
#   TIMEOUT=600 bench/mutants.sh     # seconds per mutant's test run (default 120; 300 for
#                                    # label-claims and label-envelope, whose property tests
#                                    # are slow in the dev profile)
#   SHARD=1/2 bench/mutants.sh label-symbol  # half of a set (results in mutants.out/<set>-1of2/),
#                                    # the other half on another checkout
#
# Needs `cargo install cargo-mutants --locked` (27.1 here) and `cargo install cargo-nextest
# --locked`: nextest runs a mutant's tests in parallel and stops at the first failure, and the
# build leaves out debug info; together a mutant takes about 12 s instead of 40 on an idle
# machine. It runs in place (it edits the source tree one mutant at a time and restores it),
# so it reuses ./target and needs a clean work tree: run it on a checkout nobody is editing.
# Each mutant runs only the tests that exercise these modules: the unit tests and the test
# files `targets_for` lists. Results: mutants.out/<group>/mutants.out/. Two checkouts can run
# two groups at once. Outside src/label, the one 40-second unit test (every single-byte
# mutation of a claims set, decoded twice) is skipped: it exercises only the claims decoder.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! git diff --quiet; then
    echo "bench/mutants.sh: the work tree has changes; commit or stash them first" >&2
    exit 2
fi
# Groups of source files, each with the tests that exercise it.
SETS=("$@")
[ ${#SETS[@]} -gt 0 ] || SETS=(evaluate verify label-symbol label-claims label-envelope)

# The files of each group.
files_for() {
    case "$1" in
        evaluate) echo "src/evaluate/*.rs" ;;
        verify) echo "src/verify/*.rs" ;;
        label-symbol) echo "src/label/symbol.rs src/label/qr.rs" ;;
        label-claims) echo "src/label/claims.rs src/label/cbor.rs" ;;
        label-envelope) echo "src/label/cose.rs src/label/id.rs src/label/mod.rs" ;;
        *) echo "bench/mutants.sh: unknown group $1" >&2; exit 2 ;;
    esac
}

# The tests that exercise each group (the unit tests always): a mutant's run takes seconds
# instead of the whole suite's minutes. Given to the build as well as the test run (`-C`), so
# only these test binaries are relinked (not all 35).
targets_for() {
    local t
    case "$1" in
        evaluate) t="fixtures properties criteria_rules monotonicity date_boundaries" ;;
        verify) t="vectors verify_precedence trust_status verify_cache label_text label_envelope
            illustrative" ;;
        label-symbol) t="oracles qr_size qr_worst_case vectors" ;;
        label-claims | label-envelope) t="vectors oracles label_envelope label_props label_text" ;;
    esac
    echo -C --lib
    for x in $t; do echo -C "--test=$x"; done
}

# The one slow unit test (every single-byte mutation of a claims set, decoded twice) exercises
# only the claims decoder.
filter_for() {
    case "$1" in
        label-claims) ;;
        *) echo -- --skip label::claims::tests::reader_agrees_with_ciborium_on_every_single_byte_mutation ;;
    esac
}

# Seconds a mutant's tests may take: the label sets run `label_props`, minutes in the dev
# profile on a loaded machine (its baseline timed out at 120 s).
timeout_for() {
    case "$1" in
        label-claims | label-envelope) echo 300 ;;
        *) echo 120 ;;
    esac
}

for g in "${SETS[@]}"; do
    out="mutants.out/$g${SHARD:+-${SHARD/\//of}}"
    mkdir -p "$out"
    filters=()
    for f in $(files_for "$g"); do filters+=(-f "$f"); done
    # shellcheck disable=SC2046 # the test list is meant to split into arguments
    CARGO_PROFILE_DEV_DEBUG=false nice -n 19 cargo mutants --in-place --no-shuffle \
        --test-tool nextest --timeout "${TIMEOUT:-$(timeout_for "$g")}" "${filters[@]}" \
        ${SHARD:+--shard "$SHARD"} $(targets_for "$g") --output "$out" -- $(filter_for "$g") || true
    echo "$g: caught $(wc -l < "$out/mutants.out/caught.txt"), missed $(wc -l < "$out/mutants.out/missed.txt"), unviable $(wc -l < "$out/mutants.out/unviable.txt"), timeout $(wc -l < "$out/mutants.out/timeout.txt")"
done
