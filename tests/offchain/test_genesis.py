"""The clique genesis builder (pure), and geth's acceptance of its output."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from offchain.exceptions import ConfigError
from offchain.network.genesis import GenesisSpec, build_genesis, clique_extra_data, signers_from_extra_data

A = "0x" + "a" * 40
B = "0x" + "0b" * 20
C = "0xC0" + "00" * 19
GETH = Path(__file__).resolve().parents[2] / ".tools" / "bin" / "geth"


def test_extra_data__layout_is_vanity_sorted_signers_seal():
    extra = clique_extra_data([A, C, B])

    raw = bytes.fromhex(extra[2:])
    assert len(raw) == 32 + 3 * 20 + 65
    assert raw[:32] == bytes(32)
    assert raw[-65:] == bytes(65)
    assert [raw[32 + 20 * i : 52 + 20 * i].hex() for i in range(3)] == sorted([A[2:], B[2:], C[2:].lower()])


def test_extra_data__round_trips():
    assert signers_from_extra_data(clique_extra_data([B, A])) == sorted([A.lower(), B.lower()])


def test_build_genesis__chain_config_has_london_and_no_shanghai():
    genesis = build_genesis(GenesisSpec(signers=(A,), chain_id=77, period=5, epoch=100))

    config = genesis["config"]
    assert config["chainId"] == 77
    assert config["londonBlock"] == 0
    assert config["clique"] == {"period": 5, "epoch": 100}
    assert not {key for key in config if "shanghai" in key.lower() or "cancun" in key.lower()}
    assert "terminalTotalDifficulty" not in config


def test_build_genesis__gas_limit_and_alloc():
    genesis = build_genesis(GenesisSpec(signers=(A,), gas_limit=30_000_000, alloc={B: 5, A: 10**18}))

    assert int(genesis["gasLimit"], 16) == 30_000_000
    assert genesis["alloc"] == {A[2:]: {"balance": hex(10**18)}, B[2:]: {"balance": "0x5"}}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"signers": ()}, "at least one signer"),
        ({"signers": (A, A.upper().replace("0X", "0x"))}, "distinct"),
        ({"signers": ("0x1234",)}, "not an address"),
        ({"signers": (A,), "chain_id": 0}, "chain id"),
        ({"signers": (A,), "period": -1}, "period"),
        ({"signers": (A,), "epoch": 0}, "epoch"),
        ({"signers": (A,), "gas_limit": 100}, "gas limit"),
        ({"signers": (A,), "alloc": {"nope": 1}}, "not an address"),
        ({"signers": (A,), "alloc": {B: -1}}, "negative"),
    ],
)
def test_genesis_spec__bad_values__raise_config_error(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        GenesisSpec(**kwargs)


def test_signers_from_extra_data__not_a_checkpoint__raises():
    with pytest.raises(ConfigError):
        signers_from_extra_data("0x1234")


def test_geth_init__accepts_the_genesis(tmp_path):
    path = tmp_path / "genesis.json"
    path.write_text(json.dumps(build_genesis(GenesisSpec(signers=(A, B), alloc={A: 10**18}))))

    done = subprocess.run(
        [str(GETH), "init", "--datadir", str(tmp_path / "data"), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "Successfully wrote genesis state" in done.stderr
