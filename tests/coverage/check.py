"""`python -m tests.coverage.check [XML] [--statements PCT] [--branches PCT]`: fails (exit 1) when the contract
coverage written by `ape test --coverage` is below the bar, naming every line short of it (`make coverage`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

from tests.coverage.plugin import OUTPUT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("xml", nargs="?", type=Path, default=OUTPUT / "coverage.xml")
    parser.add_argument("--statements", type=float, default=95.0, help="least statement coverage, %% [95]")
    parser.add_argument("--branches", type=float, default=100.0, help="least branch coverage, %% [100]")
    args = parser.parse_args(argv)
    if not args.xml.is_file():
        print(f"no coverage report at {args.xml}: run `ape test --coverage --network ethereum:local:foundry`")
        return 1
    root = ET.parse(args.xml).getroot()
    statements, branches = 100 * float(root.get("line-rate", 0)), 100 * float(root.get("branch-rate", 0))
    short = [
        f"  {cls.get('filename')}:{line.get('number')}  hits {line.get('hits')}"
        + (f", branches {line.get('condition-coverage')}" if line.get("branch") else "")
        for cls in root.iter("class")
        for line in cls.iter("line")
        if line.get("hits") == "0" or (line.get("branch") and not line.get("condition-coverage", "").startswith("100%"))
    ]
    ok = statements >= args.statements and branches >= args.branches
    verdict = "ok" if ok else "BELOW THE BAR"
    print(f"contract coverage: statements {statements:.1f} % (≥ {args.statements:g}), branches {branches:.1f} % "
          f"(≥ {args.branches:g}): {verdict}")  # fmt: skip
    if short:
        print("\n".join(["lines short of full coverage:", *short]))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
