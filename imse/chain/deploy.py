"""Deployment of the four contracts and the wiring between them.

Scripts (`ape run deploy`), tests and demos all deploy through `deploy_platform`, so the wiring — which contract
may move which order status — is written once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from imse.chain.types import CONTRACT_NAMES

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
    """Deploys TwinRegistry, OrderBook, MatchLedger and ExecutionLog and wires their roles.

    The deployer is the admin while wiring: it grants OrderBook's MATCH_WRITER_ROLE to MatchLedger and
    EXECUTION_WRITER_ROLE to ExecutionLog. When `admin` is another account, DEFAULT_ADMIN_ROLE of every contract is
    then handed over to it and renounced by the deployer.
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

    say("granting OrderBook's status-writer roles to MatchLedger and ExecutionLog")
    book.grantRole(book.MATCH_WRITER_ROLE(), ledger.address, **tx)
    book.grantRole(book.EXECUTION_WRITER_ROLE(), log.address, **tx)

    if admin is not None and admin.lower() != deployer.address.lower():
        say(f"handing the admin role over to {admin}")
        for contract in (registry, book, ledger):
            role = contract.DEFAULT_ADMIN_ROLE()
            contract.grantRole(role, admin, **tx)
            contract.renounceRole(role, deployer.address, **tx)
    return Platform(registry, book, ledger, log)
