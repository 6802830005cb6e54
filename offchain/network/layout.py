"""Where a network lives on disk, and its persisted description (network.json).

    <root>/network.json           this description (chain id, period, ports, nodes, accounts)
    <root>/genesis.json           the clique genesis every node was initialised from
    <root>/keys/<node>.password   password of the node's account keystore (mode 600)
    <root>/nodes/<node>/          geth data dir: keystore/, nodekey, config.toml (static peers), geth.log, geth.pid

Ports are derived from one base port, node i using base+i (p2p), base+10+i (HTTP RPC), base+20+i (engine API, unused
but geth binds it). Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from offchain.exceptions import ConfigError, NetworkMissingError

NODE_NAMES: tuple[str, ...] = ("boot", "customer", "printer", "matcher")
"""The paper's four nodes."""

DEFAULT_SIGNERS: tuple[str, ...] = ("boot", "printer", "matcher")
"""An odd number of sealers, so the chain survives one failure (clique needs more than half of them)."""

DEFAULT_BASE_PORT = 30400
HOST = "127.0.0.1"


@dataclass(frozen=True)
class NodeSpec:
    """One geth node of the network."""

    name: str
    index: int
    account: str
    genesis_signer: bool
    p2p_port: int
    http_port: int
    authrpc_port: int
    enode: str

    @property
    def rpc_url(self) -> str:
        return f"http://{HOST}:{self.http_port}"


@dataclass(frozen=True)
class NetworkConfig:
    """A network as created by `ape run genesis`; persisted in <root>/network.json."""

    root: Path
    chain_id: int
    period: int
    epoch: int
    gas_limit: int
    base_port: int
    nodes: tuple[NodeSpec, ...]
    dev_accounts: tuple[str, ...] = field(default=())

    # ------------------------------------------------------------------ paths
    @property
    def genesis_path(self) -> Path:
        return self.root / "genesis.json"

    def data_dir(self, node: str) -> Path:
        return self.root / "nodes" / node

    def password_file(self, node: str) -> Path:
        return self.root / "keys" / f"{node}.password"

    def log_file(self, node: str) -> Path:
        return self.data_dir(node) / "geth.log"

    def pid_file(self, node: str) -> Path:
        return self.data_dir(node) / "geth.pid"

    # ------------------------------------------------------------------ nodes
    def node(self, name: str) -> NodeSpec:
        for spec in self.nodes:
            if spec.name == name:
                return spec
        raise ConfigError(f"no node named {name!r} (nodes: {', '.join(n.name for n in self.nodes)})")

    def select(self, names: tuple[str, ...] | list[str] | None) -> tuple[NodeSpec, ...]:
        """The named nodes (all when `names` is empty or None), in network order."""
        if not names:
            return self.nodes
        wanted = {self.node(name).name for name in names}
        return tuple(n for n in self.nodes if n.name in wanted)

    # ------------------------------------------------------------------ persistence
    def save(self) -> None:
        data: dict[str, Any] = asdict(self)
        data["root"] = str(self.root)
        (self.root / "network.json").write_text(json.dumps(data, indent=2) + "\n")

    @classmethod
    def load(cls, root: Path) -> NetworkConfig:
        path = root / "network.json"
        if not path.is_file():
            raise NetworkMissingError(root)
        data = json.loads(path.read_text())
        data["root"] = root
        data["nodes"] = tuple(NodeSpec(**node) for node in data["nodes"])
        data["dev_accounts"] = tuple(data.get("dev_accounts", ()))
        return cls(**data)


def node_ports(base_port: int, index: int) -> tuple[int, int, int]:
    """(p2p, http, authrpc) ports of node `index`."""
    if not 1024 <= base_port <= 65_000:
        raise ConfigError(f"base port must be within 1024..65000, got {base_port}")
    return base_port + index, base_port + 10 + index, base_port + 20 + index
