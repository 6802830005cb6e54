"""The `imse` console command, for people who work without the web UI.

This first version reports versions and the toolchain; later issues add `imse stl`, `imse slice`, `imse match`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence

from imse import __version__


def _tool_version(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    except (FileNotFoundError, subprocess.TimeoutExpired) as err:
        return f"missing ({err.__class__.__name__})"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return next((line for line in lines if "ersion" in line), lines[0] if lines else "?").strip()


def _doctor() -> int:
    tools_bin = os.environ.get("IMSE_TOOLS_BIN", ".tools/bin")
    solcx = os.environ.get("SOLCX_BINARY_PATH", "~/.solcx")
    rows = {
        "imse": __version__,
        "geth": _tool_version([os.path.join(tools_bin, "geth"), "version"]),
        "ipfs": _tool_version([os.path.join(tools_bin, "ipfs"), "version"]),
        "solc": ", ".join(sorted(os.listdir(solcx))) if os.path.isdir(solcx) else f"missing ({solcx})",
        "prusa-slicer": "present" if shutil.which("prusa-slicer") else "missing",
    }
    width = max(map(len, rows))
    for name, value in rows.items():
        print(f"{name:<{width}}  {value}")
    return 0 if not any(value.startswith("missing") for value in rows.values()) else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="imse", description="imseStudio command line.")
    parser.add_argument("--version", action="version", version=f"imse {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("doctor", help="show the toolchain this project installed and its versions")
    args = parser.parse_args(argv)
    if args.command == "doctor":
        return _doctor()
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
