"""The one way to reach a deployed platform: a web3 connection (PoA middleware added once) checked against a
deployment registry, and the four typed contract wrappers built from it.

    chain = connect("http://127.0.0.1:30410", load_registry(path))   # bots, gateway, web, `imse`
    chain = attach(ape.chain.provider.web3, registry)                 # ape scripts and tests
    chain.order_book.order(7).status                                  # typed reads
    tx = chain.order_book.build_cancel(7, sender=customer)            # unsigned transaction for a wallet
    Signer(chain, account).transact(tx)                               # or sent by an agent's key
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from web3 import Web3
from web3.exceptions import Web3Exception
from web3.middleware import ExtraDataToPOAMiddleware

from offchain.chain.errors import ErrorDecoder
from offchain.chain.registry import Registry
from offchain.exceptions import ChainError, RegistryError

if TYPE_CHECKING:
    from offchain.chain.execution_log import ExecutionLog
    from offchain.chain.match_ledger import MatchLedger
    from offchain.chain.order_book import OrderBook
    from offchain.chain.transactions import Transactions
    from offchain.chain.twin_registry import TwinRegistry


def ensure_poa(w3: Web3) -> Web3:
    """Adds web3's proof-of-authority extraData middleware once: clique headers carry the signer's seal in an
    extraData longer than 32 bytes, which web3 refuses without it. (ape 0.8 means to add it itself, but its
    detection fails on web3 7's error type, so every connection goes through here.)"""
    if ExtraDataToPOAMiddleware not in w3.middleware_onion:
        w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
    return w3


def web3_at(url: str, timeout: float = 10.0) -> Web3:
    """A web3 client of a node's HTTP RPC, ready for clique."""
    return ensure_poa(Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": timeout})))


class Chain:
    """A deployed platform on a connected chain: its web3, its registry and the four contract wrappers."""

    def __init__(self, w3: Web3, registry: Registry, *, check_chain_id: bool = True) -> None:
        self.w3 = ensure_poa(w3)
        self.registry = registry
        if check_chain_id:
            try:
                actual = int(w3.eth.chain_id)
            except (Web3Exception, OSError) as err:
                raise ChainError(f"cannot reach the node: {err}") from err
            if actual != registry.chain_id:
                raise RegistryError(
                    f"the registry is for chain id {registry.chain_id} ({registry.network}) but the node is on chain "
                    f"id {actual}: point at the right node or deploy there (`ape run deploy`)"
                )
        self.from_block = min(c.block for c in registry.contracts.values())
        """The deployment block: every event search starts there."""
        self.errors = ErrorDecoder(c.abi for c in registry.contracts.values())

    def contract(self, name: str) -> Any:
        """The web3 contract object of deployed contract `name` (the one place it is built from the registry)."""
        entry = self.registry.contracts[name]
        return self.w3.eth.contract(address=Web3.to_checksum_address(entry.address), abi=entry.abi)

    # ------------------------------------------------------------------------------------------ wrappers

    @cached_property
    def twin_registry(self) -> TwinRegistry:
        from offchain.chain.twin_registry import TwinRegistry

        return TwinRegistry(self)

    @cached_property
    def order_book(self) -> OrderBook:
        from offchain.chain.order_book import OrderBook

        return OrderBook(self)

    @cached_property
    def match_ledger(self) -> MatchLedger:
        from offchain.chain.match_ledger import MatchLedger

        return MatchLedger(self)

    @cached_property
    def execution_log(self) -> ExecutionLog:
        from offchain.chain.execution_log import ExecutionLog

        return ExecutionLog(self)

    @cached_property
    def transactions(self) -> Transactions:
        """Reads of transactions, receipts, blocks and fees (outcomes, failure reasons, decoding, names)."""
        from offchain.chain.transactions import Transactions

        return Transactions(self)

    def check_wiring(self) -> None:
        """RegistryError unless OrderBook's status writers are the registry's MatchLedger and ExecutionLog — the
        guarantee every participant relies on: no match or print is recorded except through those two."""
        expected = tuple(self.registry.contracts[name].address.lower() for name in ("MatchLedger", "ExecutionLog"))
        actual = tuple(address.lower() for address in self.order_book.status_writers())
        if actual != expected:
            raise RegistryError(
                f"OrderBook's status writers are {actual}, not the registry's MatchLedger and ExecutionLog "
                f"{expected}: this deployment is not wired as `ape run deploy` wires it; do not trust its orders"
            )

    # ------------------------------------------------------------------------------------------ blocks

    def head(self) -> int:
        return int(self.w3.eth.block_number)

    def block_hash(self, number: int) -> str:
        return "0x" + bytes(self.w3.eth.get_block(number)["hash"]).hex()

    def genesis_hash(self) -> str:
        return self.block_hash(0)

    def timestamp(self, block: int = -1) -> int:
        """The timestamp of block `block` (the head when -1)."""
        return int(self.w3.eth.get_block("latest" if block < 0 else block)["timestamp"])

    def signer_count(self) -> int:
        """Clique signers (1 on a chain without clique, e.g. ape's in-process EVM)."""
        try:
            answer = self.w3.provider.make_request("clique_getSigners", [])  # type: ignore[arg-type]
        except (Web3Exception, OSError, NotImplementedError):
            return 1
        result = answer.get("result") if isinstance(answer, dict) else None
        return len(result) if isinstance(result, list) and result else 1


def connect(url: str, registry: Registry, *, timeout: float = 10.0) -> Chain:
    """The platform of `registry` through the node at `url`; RegistryError when the node is on another chain."""
    return Chain(web3_at(url, timeout), registry)


def attach(w3: Web3, registry: Registry) -> Chain:
    """The platform of `registry` on an existing web3 (ape's provider in scripts and tests)."""
    return Chain(w3, registry)
