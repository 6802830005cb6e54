"""Project-wide settings read from the environment (prefix IMSE_), with defaults for one machine."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TEST_MNEMONIC = "test test test test test test test test test test test junk"
"""ape's test mnemonic (ape-config.yaml `test.mnemonic`): the dev accounts the genesis pre-funds."""
DEV_CHAIN_ID = 4242
"""Chain id of the local dev network (the genesis script's default); any other chain id is a real consortium's."""


def network_dir() -> Path:
    """Where the clique network lives (IMSE_NETWORK_DIR; default data/network in the project)."""
    return Path(os.environ.get("IMSE_NETWORK_DIR", PROJECT_ROOT / "data" / "network"))


def ipfs_dir() -> Path:
    """Where the private IPFS swarm lives (IMSE_IPFS_DIR; default data/ipfs in the project)."""
    return Path(os.environ.get("IMSE_IPFS_DIR", PROJECT_ROOT / "data" / "ipfs"))


def data_dir() -> Path:
    """The project's git-ignored data folder (IMSE_DATA_DIR; default data/): drafts, slicer cache, checkpoints."""
    return Path(os.environ.get("IMSE_DATA_DIR", PROJECT_ROOT / "data"))
