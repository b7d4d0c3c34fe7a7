#!/usr/bin/env bash
# Mutation testing of the three modules whose tests carry the README's biggest promises
# (issue 12): evaluation, verification and the label format. Not run in CI (hours on 2 cores).
#
#   bench/mutants.sh                 # all three modules, results in mutants.out/
#   bench/mutants.sh src/evaluate    # one module
#   TIMEOUT=600 bench/mutants.sh     # seconds per mutant's test run (default 300)
#
# Needs `cargo install cargo-mutants --locked`. It runs in place (it edits the source tree one
# mutant at a time and restores it), so it reuses ./target and needs a clean work tree: run it
# on a checkout nobody is editing. Each mutant runs only the tests that exercise these modules:
# the unit tests and the test files listed below.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! git diff --quiet; then
    echo "bench/mutants.sh: the work tree has changes; commit or stash them first" >&2
    exit 2
fi
MODULES=("$@")
[ ${#MODULES[@]} -gt 0 ] || MODULES=(src/evaluate src/verify src/label)
FILTERS=()
for m in "${MODULES[@]}"; do FILTERS+=(-f "$m/*.rs"); done
TESTS=(--lib --test fixtures --test properties --test criteria_rules --test monotonicity
    --test date_boundaries --test vectors --test oracles --test label_envelope --test label_props
    --test label_text --test trust_status --test verify_cache --test snapshots)
exec nice cargo mutants --in-place --no-shuffle --timeout "${TIMEOUT:-300}" "${FILTERS[@]}" \
    -- "${TESTS[@]}"
