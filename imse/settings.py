"""Project-wide settings read from the environment (prefix IMSE_), with defaults for one machine."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TEST_MNEMONIC = "test test test test test test test test test test test junk"
"""ape's test mnemonic (ape-config.yaml `test.mnemonic`): the dev accounts the genesis pre-funds."""


def network_dir() -> Path:
    """Where the clique network lives (IMSE_NETWORK_DIR; default data/network in the project)."""
    return Path(os.environ.get("IMSE_NETWORK_DIR", PROJECT_ROOT / "data" / "network"))
