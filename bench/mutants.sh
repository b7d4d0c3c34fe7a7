#!/usr/bin/env bash
# Mutation testing of the three modules whose tests carry the README's biggest promises
# (issue 12): evaluation, verification and the label format. Not run in CI (hours on 2 cores).
#
#   bench/mutants.sh                 # all three modules, results in mutants.out/
#   bench/mutants.sh src/evaluate    # one module
#   TIMEOUT=600 bench/mutants.sh     # seconds per mutant's test run (default 300)
#
# Needs `cargo install cargo-mutants --locked` (27.1 here). It runs in place (it edits the source tree one
# mutant at a time and restores it), so it reuses ./target and needs a clean work tree: run it
# on a checkout nobody is editing. Each mutant runs only the tests that exercise these modules:
# the unit tests and the test files `tests_for` lists. Results: mutants.out/<module>/mutants.out/.
# Outside src/label, the one 40-second unit test (every single-byte mutation of a claims set,
# decoded twice) is skipped: it exercises only the claims decoder.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! git diff --quiet; then
    echo "bench/mutants.sh: the work tree has changes; commit or stash them first" >&2
    exit 2
fi
MODULES=("$@")
[ ${#MODULES[@]} -gt 0 ] || MODULES=(src/evaluate src/verify src/label)

# The tests that exercise each module (the unit tests always): a mutant's run takes seconds
# instead of the whole suite's minutes.
tests_for() {
    case "$1" in
        src/evaluate) echo --lib --test fixtures --test properties --test criteria_rules \
            --test monotonicity --test date_boundaries ;;
        src/verify) echo --lib --test vectors --test verify_precedence --test trust_status \
            --test verify_cache --test label_text --test label_envelope ;;
        src/label) echo --lib --test vectors --test oracles --test label_envelope \
            --test label_props --test label_text --test qr_size --test qr_worst_case ;;
        *) echo --lib ;;
    esac
    case "$1" in
        src/label) ;;
        *) echo -- --skip label::claims::tests::reader_agrees_with_ciborium_on_every_single_byte_mutation ;;
    esac
}

for m in "${MODULES[@]}"; do
    out="mutants.out/$(basename "$m")"
    mkdir -p "$out"
    # shellcheck disable=SC2046 # the test list is meant to split into arguments
    nice cargo mutants --in-place --no-shuffle --timeout "${TIMEOUT:-300}" -f "$m/*.rs" \
        --output "$out" -- $(tests_for "$m") || true
    echo "$m: caught $(wc -l < "$out/mutants.out/caught.txt"), missed $(wc -l < "$out/mutants.out/missed.txt"), unviable $(wc -l < "$out/mutants.out/unviable.txt"), timeout $(wc -l < "$out/mutants.out/timeout.txt")"
done
