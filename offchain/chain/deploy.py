"""Deployment of the four contracts and the wiring between them.

Scripts (`ape run deploy`), tests and demos all deploy through `deploy_platform`, so the wiring — which contract
may move which order status — is written once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from offchain.chain.abi import render_abi
from offchain.chain.registry import DeployedContract, DeployParams, Registry, new_registry
from offchain.devnet import is_dev_chain, well_known_index
from offchain.types import CONTRACT_NAMES, CatalogueKind

if TYPE_CHECKING:
    from offchain.chain.connection import Chain
    from offchain.chain.contract import UnsignedTx

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Platform:
    """The deployed contracts (ape ContractInstance objects)."""

    twin_registry: Any
    order_book: Any
    match_ledger: Any
    execution_log: Any

    def by_name(self) -> dict[str, Any]:
        """The contracts keyed by their Solidity names, in deployment order."""
        instances = (self.twin_registry, self.order_book, self.match_ledger, self.execution_log)
        return dict(zip(CONTRACT_NAMES, instances, strict=True))


def deploy_platform(
    project: Any, deployer: Any, admin: str | None = None, progress: Progress | None = None
) -> Platform:
    """Deploys TwinRegistry, OrderBook, MatchLedger and ExecutionLog and wires them.

    The deployer is the admin while wiring: it fixes OrderBook's status writers to MatchLedger and ExecutionLog
    (once and for good: no account can be made a writer later) and wires ExecutionLog into MatchLedger (once: a
    fault clears the match, an unmatch clears the operator assignment). When `admin` is another account,
    DEFAULT_ADMIN_ROLE of every contract is then handed over to it and renounced by the deployer.
    """
    say = progress or (lambda _message: None)
    tx = {"sender": deployer}
    say("deploying TwinRegistry")
    registry = project.TwinRegistry.deploy(deployer.address, **tx)
    say("deploying OrderBook")
    book = project.OrderBook.deploy(deployer.address, registry.address, **tx)
    say("deploying MatchLedger")
    ledger = project.MatchLedger.deploy(deployer.address, book.address, registry.address, **tx)
    say("deploying ExecutionLog")
    log = project.ExecutionLog.deploy(book.address, ledger.address, registry.address, **tx)

    say("fixing OrderBook's status writers (MatchLedger, ExecutionLog), wiring ExecutionLog into MatchLedger")
    book.setStatusWriters(ledger.address, log.address, **tx)
    ledger.setExecutionLog(log.address, **tx)

    platform = Platform(registry, book, ledger, log)
    if admin is not None:
        hand_over_admin(platform, deployer, admin, progress=say)
    return platform


def hand_over_admin(platform: Platform, deployer: Any, admin: str, progress: Progress | None = None) -> None:
    """Grants DEFAULT_ADMIN_ROLE of every contract to `admin` and renounces the deployer's (no-op if the same)."""
    if admin.lower() == deployer.address.lower():
        return
    (progress or (lambda _m: None))(f"handing the admin role over to {admin}")
    for contract in (platform.twin_registry, platform.order_book, platform.match_ledger):
        role = contract.DEFAULT_ADMIN_ROLE()
        contract.grantRole(role, admin, sender=deployer)
        contract.renounceRole(role, deployer.address, sender=deployer)


def param_transactions(chain: Chain, params: DeployParams, sender: str) -> list[tuple[str, UnsignedTx]]:
    """The transactions that apply `params` to a fresh deployment — catalogue entries, then SERVICER_ROLE and
    MATCHER_ROLE grants — built (and simulated) through the SDK, as (what, transaction) pairs. They are independent,
    so they can be sent at once (`Signer.transact_all`). TwinRegistry takes one catalogue entry per call."""
    registry, ledger = chain.twin_registry, chain.match_ledger
    steps = [
        (f"catalogue {CatalogueKind(kind).name.lower()} {code} = {name}",
         registry.build_add_catalogue_entry(CatalogueKind(kind), code, name, sender=sender))
        for kind, code, name in params.catalogue()
    ]  # fmt: skip
    steps += [(f"SERVICER_ROLE → {a}", registry.build_grant_role("SERVICER_ROLE", a, sender=sender))
              for a in params.servicers]  # fmt: skip
    steps += [(f"MATCHER_ROLE → {a}", ledger.build_grant_role("MATCHER_ROLE", a, sender=sender))
              for a in params.matchers]  # fmt: skip
    return steps


def well_known_account_warnings(params: DeployParams, chain_id: int) -> list[str]:
    """One line per power the parameters give to a well-known test account (whose key is public), on a chain that
    is not the dev network; empty on the dev network, where those accounts are the point."""
    if is_dev_chain(chain_id):
        return []
    holders = [("admin (DEFAULT_ADMIN_ROLE of every contract)", params.admin)]
    holders += [("SERVICER_ROLE", a) for a in params.servicers] + [("MATCHER_ROLE", a) for a in params.matchers]
    return [
        f"{what}: {address} is TEST::{index} of the public test mnemonic — anyone can sign as it"
        for what, address in holders
        if (index := well_known_index(address)) is not None
    ]


def to_registry(platform: Platform, network: str, chain_id: int, deployer: str, chain: Any) -> Registry:
    """The registry entry of every deployed contract (address, ABI, creation transaction and block)."""
    contracts = {}
    for name, instance in platform.by_name().items():
        receipt = chain.provider.get_receipt(instance.txn_hash)
        abi_entries = json.loads(render_abi(instance.contract_type))
        contracts[name] = DeployedContract(name, instance.address, abi_entries, instance.txn_hash, receipt.block_number)
    return new_registry(network, chain_id, deployer, contracts)
