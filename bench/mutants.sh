#!/usr/bin/env bash
# Mutation testing of the three modules whose tests carry the README's biggest promises
# (issue 12): evaluation, verification and the label format. Not run in CI (hours on 2 cores).
#
#   bench/mutants.sh                 # all three modules, results in mutants.out/<group>/
#   bench/mutants.sh evaluate        # one group: evaluate, verify, label-symbol, label-claims,
#                                    # label-envelope (src/label is split by the tests it needs)
#   TIMEOUT=600 bench/mutants.sh     # seconds per mutant's test run (default 120; 300 for
#                                    # label-claims and label-envelope, whose property tests
#                                    # are slow in the dev profile; 30 in pass 1, below)
#   ITERATE=1 bench/mutants.sh evaluate  # after new tests: only the mutants the last run
#                                    # into mutants.out/evaluate/ did not catch
#   SHARD=1/2 bench/mutants.sh label-symbol  # half of a set (results in mutants.out/<set>-1of2/),
#                                    # the other half on another checkout
#
# Needs `cargo install cargo-mutants --locked` (27.1 here) and `cargo install cargo-nextest
# --locked`. It runs in place (it edits the source tree one mutant at a time and restores it),
# so it reuses ./target and needs a clean work tree: run it on a checkout nobody is editing.
# Two checkouts can run two groups at once.
#
# Two passes for the src/label groups, because the build, not the tests, is most of a
# mutant's time (evaluate and verify, tested from outside, get one pass like pass 2):
#   1. every mutant against its modules' own unit tests (`--lib`: the crate is compiled once
#      per mutant, not twice, and one test binary is linked instead of six);
#   2. the mutants pass 1 missed, again with `--iterate`, against the unit tests and the
#      integration tests `targets_for` lists.
# So a mutant counts as caught if any of those tests catches it, as in one full pass. nextest
# runs each mutant's tests in parallel and stops at the first failure, killing the tests still
# running (`--max-fail=1:immediate`), and runs the likeliest to fail first (the `mutants`
# profile in .config/nextest.toml); the build leaves out debug info. Results:
# mutants.out/<group>/mutants.out/ (the last pass) and run-*/ (earlier passes);
# `bench/mutants-summary.py mutants.out/<group>` adds them up (the closing line). A mutant
# that times out in pass 1 keeps that outcome. Stopped and started again, pass 1 goes on
# where it stopped. Outside src/label, the one 40-second unit test (every single-byte
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

# Pass 1's tests: the unit tests of the group's own modules (what else might catch a mutant
# runs in pass 2).
own_tests() {
    case "$1" in
        label-symbol) echo 'test(/^label::(symbol|qr)::/)' ;;
        label-claims) echo 'test(/^label::(claims|cbor)::/)' ;;
        label-envelope) echo 'test(/^label::(cose|id)::/)' ;;
    esac
}

# The groups whose unit tests are strong enough for pass 1 to settle most mutants (src/label
# has the oracle and round-trip unit tests; evaluate and verify are tested from outside).
unit_first() { case "$1" in label-*) true ;; *) false ;; esac; }

# The tests that exercise each group in pass 2 (and the unit tests for src/label): a mutant's run takes
# seconds instead of the whole suite's minutes. Given to the build as well as the test run
# (`-C`), so only these test binaries are relinked (not all 35).
targets_for() {
    local t
    case "$1" in
        evaluate) t="fixtures properties criteria_rules monotonicity date_boundaries" ;;
        verify) t="vectors verify_precedence trust_status verify_cache label_text label_envelope
            illustrative" ;;
        label-symbol) t="oracles qr_size qr_worst_case vectors" ;;
        label-claims | label-envelope) t="vectors oracles label_envelope label_props label_text" ;;
    esac
    # src/evaluate and src/verify have no unit tests of their own, and running the crate's 200
    # first made each caught mutant wait ~20 s; leaving `--lib` out also compiles the crate
    # once per mutant instead of twice.
    if unit_first "$1"; then echo -C --lib; fi
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

# The same for pass 1 (own unit tests: about a second, but for the claims decoder's 40-second
# sweep): a mutant that makes them loop is stopped soon.
unit_timeout_for() {
    case "$1" in
        label-claims) echo 150 ;;
        *) echo 30 ;;
    esac
}

# One pass of cargo-mutants over group $1 into $2, with the cargo targets in $3, the nextest
# filterset in $4 (empty: every test of the targets), the timeout in $5 and more cargo-mutants
# options after.
pass() {
    local g=$1 out=$2 targets=$3 only=$4 timeout=${TIMEOUT:-$5}
    shift 5
    local filters=()
    for f in $(files_for "$g"); do filters+=(-f "$f"); done
    # shellcheck disable=SC2046,SC2086 # the target and filter lists are meant to split
    CARGO_PROFILE_DEV_DEBUG=false nice -n 19 cargo mutants --in-place --no-shuffle \
        --test-tool nextest --timeout "$timeout" "${filters[@]}" \
        ${SHARD:+--shard "$SHARD"} $targets --output "$out" "$@" \
        -- --profile mutants --max-fail=1:immediate ${only:+-E "$only"} $(filter_for "$g") || true
}

# Keeps a copy of the last run's results before an `--iterate` run replaces them (the summary
# reads every copy, the later outcome of a mutant winning).
keep() { cp -r "$1/mutants.out" "$1/run-$(date +%s%N)"; }

# A mutant that hung or crawled through its own unit tests has its outcome (timeout): the
# next `--iterate` pass skips it instead of waiting out a longer timeout again.
settle_timeouts() { cat "$1/mutants.out/timeout.txt" >> "$1/mutants.out/previously_caught.txt"; }

for g in "${SETS[@]}"; do
    out="mutants.out/$g${SHARD:+-${SHARD/\//of}}"
    mkdir -p "$out"
    if unit_first "$g" && [ -z "${ITERATE:-}" ]; then
        # An interrupted pass 1 goes on where it stopped.
        resume=()
        if [ -d "$out/mutants.out" ]; then
            keep "$out"
            settle_timeouts "$out"
            resume=(--iterate)
        fi
        pass "$g" "$out" "-C --lib" "$(own_tests "$g")" "$(unit_timeout_for "$g")" "${resume[@]}"
        keep "$out"
        settle_timeouts "$out"
        pass "$g" "$out" "$(targets_for "$g")" "" "$(timeout_for "$g")" --iterate
    else
        # ITERATE=1: only what the runs into this folder left uncaught (after new tests).
        [ -z "${ITERATE:-}" ] || keep "$out"
        pass "$g" "$out" "$(targets_for "$g")" "" "$(timeout_for "$g")" ${ITERATE:+--iterate}
    fi
    echo "$g: $(python3 bench/mutants-summary.py "$out")"
done
