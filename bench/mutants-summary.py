#!/usr/bin/env python3
"""Adds up the cargo-mutants runs of one group (bench/mutants.sh): every outcomes.json under
the folders given, oldest first, a later run's outcome for a mutant replacing an earlier one (a
resumed pass, pass 2 re-testing what pass 1 missed). Prints `caught N, missed N, unviable N,
timeout N` and then the missed mutants, one a line.

    python3 bench/mutants-summary.py mutants.out/label-symbol
    cargo mutants --list -f src/label/symbol.rs -f src/label/qr.rs > /tmp/now.txt
    python3 bench/mutants-summary.py --current /tmp/now.txt mutants.out/label-symbol

With `--current LIST` (`cargo mutants --list` of the tree as it is now), only the mutants the
tree still has count (runs on an older tree leave names whose line moved or whose code went),
and any of them that no run tested are listed as untested.
"""
import json
import pathlib
import sys

KINDS = {"CaughtMutant": "caught", "MissedMutant": "missed", "Unviable": "unviable",
         "Timeout": "timeout"}


def outcomes(folder):
    files = sorted(pathlib.Path(folder).rglob("outcomes.json"), key=lambda p: p.stat().st_mtime)
    for f in files:
        for o in json.loads(f.read_text())["outcomes"]:
            scenario = o["scenario"]
            if isinstance(scenario, dict) and "Mutant" in scenario:
                yield scenario["Mutant"]["name"], KINDS.get(o["summary"], o["summary"])


def main():
    args = sys.argv[1:]
    current = None
    if args[:1] == ["--current"]:
        current = set(pathlib.Path(args[1]).read_text().splitlines()) - {""}
        args = args[2:]
    final = {}
    for folder in args:
        for name, kind in outcomes(folder):
            if current is None or name in current:
                final[name] = kind
    counts = {k: 0 for k in KINDS.values()}
    for kind in final.values():
        counts[kind] = counts.get(kind, 0) + 1
    print(", ".join(f"{k} {n}" for k, n in counts.items()) + f" (of {len(final)})")
    for name, kind in sorted(final.items()):
        if kind == "missed":
            print(f"  missed: {name}")
    for name in sorted((current or set()) - set(final)):
        print(f"  untested: {name}")


main()
