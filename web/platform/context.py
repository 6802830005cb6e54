"""What every request works with: the chain (SDK), the web database and the settings — one per app."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

from flask import current_app, g

from offchain.chain.connection import Chain
from offchain.chain.records import TwinRecord
from offchain.printing.slicer import Slicer
from offchain.storage.base import Storage
from offchain.types import Catalogue, TwinKind, TwinStatus
from web.platform.events import Broker
from web.platform.faucet import Faucet
from web.platform.index import ChainIndex
from web.platform.limits import Limiters
from web.platform.matcher_report import MatcherReport
from web.platform.settings import WebSettings
from web.platform.store import Store
from web.platform.streams import StreamGate


class JsonRpc(Protocol):
    """Where the /rpc proxy forwards a call: the node (web.platform.chain_api.NodeRpc), or a fake in unit tests."""

    def call(self, method: str, params: list[Any]) -> dict[str, Any]: ...


class DesignFiles:
    """Uploaded STL files on the server's disk, by their sha-256 (kept until published, then also on IPFS)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def _path(self, sha256: str) -> Path:
        digest = sha256.removeprefix("0x")
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"not a sha-256 digest: {sha256!r}")
        return self.folder / f"{digest}.stl"

    def write(self, sha256: str, data: bytes) -> None:
        path = self._path(sha256)
        if not path.is_file():
            partial = path.with_suffix(".part")
            partial.write_bytes(data)
            partial.replace(path)  # never a half-written design

    def read(self, sha256: str) -> bytes:
        return self._path(sha256).read_bytes()

    def delete(self, sha256: str) -> None:
        self._path(sha256).unlink(missing_ok=True)


@dataclass(frozen=True)
class Platform:
    settings: WebSettings
    chain: Chain
    store: Store
    node_rpc: JsonRpc
    storage: Storage
    """The private IPFS swarm (kubo), or the in-memory store in unit tests."""
    designs: DesignFiles
    slicer: Slicer
    """PrusaSlicer for quotes, its cache in the state dir."""
    broker: Broker
    index: ChainIndex
    faucet: Faucet
    matcher_report: MatcherReport
    streams: StreamGate
    limiters: Limiters
    """The live streams open now, within their caps."""
    """Why the bot left orders unmatched in its last cycle."""
    dev_network: bool = False
    """The local dev network (its chain id, deployed by a well-known test account): the dev wallet is offered."""

    @property
    def chain_id(self) -> int:
        return self.chain.registry.chain_id


def platform() -> Platform:
    """The platform of the app handling this request."""
    return cast(Platform, current_app.extensions["imse"])


def catalogue() -> Catalogue:
    """The on-chain material / colour catalogue, read once per request (it is rebuilt from events)."""
    if "imse_catalogue" not in g:
        g.imse_catalogue = platform().chain.twin_registry.catalogue()
    return cast(Catalogue, g.imse_catalogue)


def published_printers() -> list[TwinRecord]:
    """The printer twins that are not retired, read once per request (twins of other kinds are not printers a
    design could fit; a record with an unusable capability — a zero build size — is left out, never a 500)."""
    if "imse_printers" not in g:
        g.imse_printers = [
            t for t in platform().chain.twin_registry.twins()
            if t.kind == TwinKind.PRINTER and t.status != TwinStatus.RETIRED
            and min(t.capability.build_x, t.capability.build_y, t.capability.build_z) > 0
        ]  # fmt: skip
    return cast(list[TwinRecord], g.imse_printers)
