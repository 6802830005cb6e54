"""Static analysis: slither finds no high- or medium-impact issue in any of the four contracts, and every low,
informational or optimisation finding is of a detector reviewed below (with the reason it is by design) — a new kind
of finding fails the test until someone reviews it and adds it here with its reason (docs/contracts.md repeats them).

Slither compiles through crytic-compile with our solcjs shim (`--combined-json`), with the same EVM version and
optimizer as ape.
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

REVIEWED: dict[str, str] = {
    "timestamp": "due dates, planned starts and task durations compare block.timestamp; a clique signer can skew it by "
    "seconds, irrelevant at the scale of print jobs",
    "calls-loop": "publishMatches reads OrderBook and TwinRegistry per item: our own contracts at immutable addresses",
    "reentrancy-benign": "MatchLedger and ExecutionLog call only our own contracts (immutable or wired-once "
    "addresses), which make no calls back into a state change",
    "reentrancy-events": "events after calls to our own contracts: the same callees, no re-entry path",
    "naming-convention": "UPPER_CASE getters of constants and roles (MATCHER_ROLE, MAX_BATCH_SIZE, …), as OpenZeppelin "
    "names DEFAULT_ADMIN_ROLE",
}
"""Detectors whose low / informational findings are accepted, each with why."""


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
    findings = result["results"].get("detectors", [])
    serious = [
        f"{d['impact']}: {d['check']}: {d['description'].strip()}"
        for d in findings
        if d["impact"] in ("High", "Medium")
    ]
    assert not serious, "\n".join(serious)
    unreviewed = [
        f"{d['impact']}: {d['check']}: {d['description'].strip()}" for d in findings if d["check"] not in REVIEWED
    ]
    assert not unreviewed, "review these (fix, or add the detector to REVIEWED with its reason):\n" + "\n".join(
        unreviewed
    )
