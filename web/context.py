"""What every request works with: the chain (SDK), the web database and the settings — one per app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, cast

from flask import current_app

from offchain.chain.connection import Chain
from web.settings import WebSettings
from web.store import Store


class JsonRpc(Protocol):
    """Where the /rpc proxy forwards a call: the node (web.chain_api.NodeRpc), or a fake in unit tests."""

    def call(self, method: str, params: list[Any]) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Platform:
    settings: WebSettings
    chain: Chain
    store: Store
    node_rpc: JsonRpc

    @property
    def chain_id(self) -> int:
        return self.chain.registry.chain_id


def platform() -> Platform:
    """The platform of the app handling this request."""
    return cast(Platform, current_app.extensions["imse"])
