"""Static analysis: slither finds no high- or medium-impact issue in any of the four contracts.

Slither compiles through crytic-compile with our solcjs shim (`--combined-json`), with the same EVM version and
optimizer as ape. Low-impact findings (timestamp comparisons, calls in loops to our own trusted contracts, events
after such calls) are by design and explained in docs/contracts.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from offchain.types import CONTRACT_NAMES

ROOT = Path(__file__).resolve().parents[2]
SOLC_VERSION = "0.8.28"


@pytest.mark.parametrize("contract", CONTRACT_NAMES)
def test_slither__contract__has_no_high_or_medium_findings(contract, tmp_path):
    solc = Path(os.environ.get("SOLCX_BINARY_PATH", ROOT / ".tools" / "solcx")) / f"solc-v{SOLC_VERSION}"
    report = tmp_path / "slither.json"
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("slither")),
            f"contracts/{contract}.sol",
            "--compile-force-framework",
            "solc",
            "--solc",
            str(solc),
            "--solc-remaps",
            "@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/",
            "--solc-args",
            "--evm-version paris --optimize",
            "--filter-paths",
            "node_modules",
            "--json",
            str(report),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert report.is_file(), f"slither produced no report:\n{done.stdout}\n{done.stderr}"
    result = json.loads(report.read_text())
    assert result["success"], result.get("error")
    serious = [
        f"{d['impact']}: {d['check']}: {d['description'].strip()}"
        for d in result["results"].get("detectors", [])
        if d["impact"] in ("High", "Medium")
    ]
    assert not serious, "\n".join(serious)
