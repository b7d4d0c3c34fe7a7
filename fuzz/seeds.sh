#!/usr/bin/env bash
# Writes each target's seed corpus into fuzz/seeds/<target>/ (built by the target itself from the
# vectors' trust setup, the labels it issues from fixtures/profiles, fixtures/vectors,
# fixtures/bad, criteria/ and label-templates/; see common::seeds). The committed corpus
# fuzz/corpus/<target>/ is these seeds plus what campaigns found, minimised with `cargo fuzz cmin`.
set -euo pipefail
cd "$(dirname "$0")"
cargo +nightly fuzz build -s none
bin=target/x86_64-unknown-linux-gnu/release
for t in $(cargo +nightly fuzz list); do
  rm -rf "seeds/$t"
  IOTLABEL_FUZZ_WRITE_SEEDS="seeds/$t" "$bin/$t" -runs=0 2>&1 | grep -E "^wrote" || true
done
