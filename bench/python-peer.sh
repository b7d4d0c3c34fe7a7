#!/usr/bin/env bash
# The Python peer of `iotlabel issue` (issue 14): bench/python-peer.py in a venv under
# target/python-peer/, made on first use from bench/python-peer.requirements.txt (PyNaCl,
# segno, reportlab, cbor2 at the versions measured; needs python3 >= 3.11 and PyPI).
#
#   bench/python-peer.sh setup                              # only make the venv
#   bench/python-peer.sh --out DIR [--at T] PROFILE.toml... # issue one label per profile
#
# bench/issue-batch.sh runs it as its `python` mode on the same profiles as the Rust modes.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=target/python-peer
REQS=bench/python-peer.requirements.txt
# The copy of the requirements is written last: a venv without it (an install cut short) or
# with other pins is made again.
if ! cmp -s "$REQS" "$VENV/requirements.txt"; then
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
        { echo "bench/python-peer.sh: python3 >= 3.11 needed (tomllib)" >&2; exit 2; }
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQS"
    cp "$REQS" "$VENV/requirements.txt"
fi
[ "${1:-}" = setup ] && exit 0
exec "$VENV/bin/python" bench/python-peer.py "$@"
