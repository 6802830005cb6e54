"""The deployment registry: deployments/<network>.json, written by `ape run deploy`, read by scripts, bot and web.

{"network": "imse", "chain_id": 4242, "deployed_at": "...", "deployer": "0x…",
 "contracts": {"TwinRegistry": {"address": "0x…", "abi": [...], "tx": "0x…", "block": 12}, ...}}
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from offchain.exceptions import ConfigError, RegistryError
from offchain.types import CONTRACT_NAMES, CatalogueKind


@dataclass(frozen=True)
class DeployedContract:
    name: str
    address: str
    abi: list[dict[str, Any]]
    tx: str
    block: int


@dataclass(frozen=True)
class Registry:
    network: str
    chain_id: int
    deployer: str
    deployed_at: str
    contracts: dict[str, DeployedContract]

    def to_json(self) -> str:
        data = {
            "network": self.network,
            "chain_id": self.chain_id,
            "deployer": self.deployer,
            "deployed_at": self.deployed_at,
            "contracts": {
                c.name: {"address": c.address, "abi": c.abi, "tx": c.tx, "block": c.block}
                for c in self.contracts.values()
            },
        }
        return json.dumps(data, indent=2) + "\n"

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(self.to_json())
        tmp.replace(path)  # never a half-written registry


def registry_path(project_root: Path, network: str) -> Path:
    return project_root / "deployments" / f"{network}.json"


def load_registry(path: Path) -> Registry:
    """Reads a registry file; RegistryError when it is missing or malformed."""
    if not path.is_file():
        raise RegistryError(f"no deployment registry at {path}: run `ape run deploy` for that network")
    try:
        data = json.loads(path.read_text())
        contracts = {name: DeployedContract(name, **data["contracts"][name]) for name in CONTRACT_NAMES}
        return Registry(data["network"], int(data["chain_id"]), data["deployer"], data["deployed_at"], contracts)
    except (KeyError, TypeError, ValueError) as err:
        raise RegistryError(f"malformed deployment registry {path}: {err}") from err


def new_registry(network: str, chain_id: int, deployer: str, contracts: dict[str, DeployedContract]) -> Registry:
    return Registry(network, chain_id, deployer, datetime.now(UTC).isoformat(timespec="seconds"), contracts)


@dataclass(frozen=True)
class DeployParams:
    """deployments/params/<network>.yaml."""

    admin: str
    materials: dict[int, str]
    colours: dict[int, str]
    servicers: tuple[str, ...]
    matchers: tuple[str, ...]

    def catalogue(self) -> list[tuple[CatalogueKind, int, str]]:
        return [(CatalogueKind.MATERIAL, c, n) for c, n in sorted(self.materials.items())] + [
            (CatalogueKind.COLOUR, c, n) for c, n in sorted(self.colours.items())
        ]


def _address(value: Any, where: str) -> str:
    text = str(value)
    if not (text.startswith("0x") and len(text) == 42 and all(c in "0123456789abcdefABCDEF" for c in text[2:])):
        raise ConfigError(f"{where}: not an address: {value!r}")
    return text


def _codes(value: Any, where: str) -> dict[int, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a mapping of code → name")
    codes = {}
    for code, name in value.items():
        if not isinstance(code, int) or not 0 <= code < 64:
            raise ConfigError(f"{where}: code {code!r} is not within 0..63")
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{where}: code {code} needs a name")
        codes[code] = name
    return codes


def load_params(path: Path) -> DeployParams:
    """Reads and validates a deployment parameter file; ConfigError names the bad entry."""
    if not path.is_file():
        raise ConfigError(f"no deployment parameters at {path}")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    unknown = set(data) - {"admin", "catalogue", "roles"}
    if unknown:
        raise ConfigError(f"{path}: unknown keys {sorted(unknown)}")
    catalogue = data.get("catalogue") or {}
    roles = data.get("roles") or {}
    if not data.get("admin"):
        raise ConfigError(
            f"{path}: admin: required — the consortium admin's address, who holds DEFAULT_ADMIN_ROLE of every "
            "contract after the deployment (it may be the deployer's own)"
        )
    return DeployParams(
        admin=_address(data["admin"], f"{path}: admin"),
        materials=_codes(catalogue.get("materials"), f"{path}: catalogue.materials"),
        colours=_codes(catalogue.get("colours"), f"{path}: catalogue.colours"),
        servicers=tuple(_address(a, f"{path}: roles.servicers") for a in roles.get("servicers") or ()),
        matchers=tuple(_address(a, f"{path}: roles.matchers") for a in roles.get("matchers") or ()),
    )
