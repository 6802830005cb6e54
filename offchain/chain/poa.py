"""web3.py needs its proof-of-authority middleware on clique chains (their extraData is longer than 32 bytes).

ape 0.8's node provider means to add it when it sees PoA history, but web3 7 reports the long extraData with an
error type ape does not catch, so the detection fails on our chains. Scripts call `ensure_poa_middleware` right after
connecting.
"""

from __future__ import annotations

from typing import Any

from web3.middleware import ExtraDataToPOAMiddleware


def ensure_poa_middleware(provider: Any) -> None:
    """Adds web3's PoA extraData middleware to an ape provider's Web3 once (a no-op for providers without web3)."""
    web3 = getattr(provider, "web3", None)
    if web3 is not None and ExtraDataToPOAMiddleware not in web3.middleware_onion:
        web3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
