"""Clique genesis files — what puppeth used to write, as a pure function.

The signer set lives in the genesis `extraData`: 32 bytes of vanity, then the 20-byte signer addresses in ascending
order, then 65 zero bytes where a sealed block header would carry the signature. London is active from block 0
(EIP-1559 fees) and Shanghai never is: geth's clique engine rejects Shanghai blocks, so our contracts are compiled for
Paris and the genesis carries no `shanghaiTime`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from offchain.exceptions import ConfigError
from offchain.settings import DEV_CHAIN_ID

VANITY_BYTES = 32
SEAL_BYTES = 65
DEFAULT_CHAIN_ID = DEV_CHAIN_ID
DEFAULT_PERIOD = 2
DEFAULT_EPOCH = 30_000
DEFAULT_GAS_LIMIT = 30_000_000
DEFAULT_BALANCE_WEI = 10**6 * 10**18  # a million ether per pre-funded account

# Every fork up to London at block 0; nothing later (clique rejects Shanghai).
_FORK_BLOCKS = (
    "homesteadBlock",
    "eip150Block",
    "eip155Block",
    "eip158Block",
    "byzantiumBlock",
    "constantinopleBlock",
    "petersburgBlock",
    "istanbulBlock",
    "berlinBlock",
    "londonBlock",
)


def _address(value: str) -> str:
    text = value.lower().removeprefix("0x")
    if len(text) != 40 or any(c not in "0123456789abcdef" for c in text):
        raise ConfigError(f"not an address: {value!r}")
    return text


@dataclass(frozen=True)
class GenesisSpec:
    """What a clique genesis is made of. Addresses are 0x-hex strings."""

    signers: tuple[str, ...]
    chain_id: int = DEFAULT_CHAIN_ID
    period: int = DEFAULT_PERIOD
    epoch: int = DEFAULT_EPOCH
    gas_limit: int = DEFAULT_GAS_LIMIT
    alloc: Mapping[str, int] = field(default_factory=dict)
    timestamp: int = 0

    def __post_init__(self) -> None:
        if not self.signers:
            raise ConfigError("a clique network needs at least one signer")
        if len({_address(s) for s in self.signers}) != len(self.signers):
            raise ConfigError("signers must be distinct")
        if not 0 < self.chain_id < 2**63:
            raise ConfigError(f"chain id must be positive, got {self.chain_id}")
        if self.period < 0:
            raise ConfigError(f"block period must be >= 0 seconds, got {self.period}")
        if self.epoch < 1:
            raise ConfigError(f"epoch must be >= 1 block, got {self.epoch}")
        if not 5_000 <= self.gas_limit < 2**63:
            raise ConfigError(f"gas limit must be at least 5000, got {self.gas_limit}")
        for address, balance in self.alloc.items():
            _address(address)
            if balance < 0:
                raise ConfigError(f"negative balance for {address}")


def clique_extra_data(signers: Iterable[str]) -> str:
    """Genesis extraData for a signer set: vanity, signers in ascending order, empty seal."""
    ordered = sorted(_address(s) for s in signers)
    return "0x" + "00" * VANITY_BYTES + "".join(ordered) + "00" * SEAL_BYTES


def signers_from_extra_data(extra_data: str) -> list[str]:
    """The signer addresses encoded in a clique checkpoint's extraData (inverse of `clique_extra_data`)."""
    raw = extra_data.removeprefix("0x")
    body = raw[2 * VANITY_BYTES : len(raw) - 2 * SEAL_BYTES]
    if len(raw) < 2 * (VANITY_BYTES + SEAL_BYTES) or len(body) % 40:
        raise ConfigError("extraData is not a clique checkpoint")
    return ["0x" + body[i : i + 40] for i in range(0, len(body), 40)]


def build_genesis(spec: GenesisSpec) -> dict[str, Any]:
    """The genesis JSON document geth's `init` takes."""
    config: dict[str, Any] = {"chainId": spec.chain_id}
    config.update(dict.fromkeys(_FORK_BLOCKS, 0))
    config["clique"] = {"period": spec.period, "epoch": spec.epoch}
    return {
        "config": config,
        "nonce": "0x0",
        "timestamp": hex(spec.timestamp),
        "extraData": clique_extra_data(spec.signers),
        "gasLimit": hex(spec.gas_limit),
        "difficulty": "0x1",
        "mixHash": "0x" + "00" * 32,
        "coinbase": "0x" + "00" * 20,
        "baseFeePerGas": hex(10**9),
        "alloc": {_address(a): {"balance": hex(b)} for a, b in sorted(spec.alloc.items())},
        "number": "0x0",
        "gasUsed": "0x0",
        "parentHash": "0x" + "00" * 32,
    }
