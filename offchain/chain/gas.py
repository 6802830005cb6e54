"""Gas measurement of every state-changing function, against the targets of the contracts issue.

`measure` runs one representative scenario (first-ever and typical calls, a cart of 10 orders, a batch of 10 matches)
on a connected ape chain and returns one row per call; `render` prints them as a table. Used by `ape run gas`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from offchain.chain.deploy import deploy_platform
from offchain.chain.requests import sample_order
from offchain.types import CatalogueKind, TwinKind, TwinStatus

MM = 1000
CID = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"  # a full-length CIDv1
CAPABILITY = (220 * MM, 200 * MM, 250 * MM, 100, 0b111, 0b111)


@dataclass(frozen=True)
class Row:
    contract: str
    function: str
    case: str
    gas: int
    items: int = 1
    target: int | None = None

    @property
    def per_item(self) -> int:
        return round(self.gas / self.items)

    @property
    def ok(self) -> bool:
        return self.target is None or self.per_item <= self.target


def measure(project: Any, test_accounts: Any, chain: Any) -> list[Row]:
    """Runs the scenario on the connected (test) chain and returns one row per measured call."""
    admin, servicer, matcher, operator, customer = test_accounts[:5]
    platform = deploy_platform(project, admin)
    registry, book, ledger, log = (
        platform.twin_registry,
        platform.order_book,
        platform.match_ledger,
        platform.execution_log,
    )
    rows: list[Row] = []

    def add(contract: str, function: str, case: str, tx: Any, items: int = 1, target: int | None = None) -> None:
        rows.append(Row(contract, function, case, int(tx.gas_used), items, target))

    add(
        "TwinRegistry",
        "addCatalogueEntry",
        "material",
        registry.addCatalogueEntry(CatalogueKind.MATERIAL, 0, "PLA", sender=admin),
    )
    for code in (1, 2):
        registry.addCatalogueEntry(CatalogueKind.MATERIAL, code, f"m{code}", sender=admin)
    for code in (0, 1, 2):
        registry.addCatalogueEntry(CatalogueKind.COLOUR, code, f"c{code}", sender=admin)
    registry.grantRole(registry.SERVICER_ROLE(), servicer, sender=admin)
    ledger.grantRole(ledger.MATCHER_ROLE(), matcher, sender=admin)

    for case in ("first twin", "typical"):
        tx = registry.publishTwin(TwinKind.PRINTER, CAPABILITY, b"\x11" * 32, CID, sender=servicer)
        add("TwinRegistry", "publishTwin", case, tx, target=150_000)
    add(
        "TwinRegistry",
        "updateTwin",
        "new version",
        registry.updateTwin(1, 1, CAPABILITY, b"\x12" * 32, CID, CID, sender=servicer),
    )
    add("TwinRegistry", "setOperator", "allow", registry.setOperator(1, operator, True, sender=servicer))
    add("TwinRegistry", "setTwinStatus", "busy", registry.setTwinStatus(2, TwinStatus.BUSY, sender=servicer))

    due = int(chain.pending_timestamp) + 30 * 24 * 3600
    add("OrderBook", "placeOrder", "first order", book.placeOrder(sample_order(due), sender=customer), target=100_000)
    add("OrderBook", "placeOrder", "typical", book.placeOrder(sample_order(due), sender=customer), target=100_000)
    add(
        "OrderBook",
        "placeOrders",
        "cart of 10, per order",
        book.placeOrders([sample_order(due, quantity=i + 1) for i in range(10)], sender=customer),
        items=10,
        target=70_000,
    )
    add("OrderBook", "cancelOrder", "placed order", book.cancelOrder(2, sender=customer))

    add("MatchLedger", "registerRule", "version 1", ledger.registerRule("FCFS", b"\x55" * 32, CID, sender=matcher))
    add("MatchLedger", "setCustomerImportance", "VIP", ledger.setCustomerImportance(customer, 1, sender=matcher))
    add(
        "MatchLedger",
        "publishMatches",
        "batch of 1",
        ledger.publishMatches(b"\x77" * 32, CID, [(1, 1, 1, 1, due - 3600, 5400, CID)], sender=matcher),
    )
    batch = [(order_id, 1, 1, 1, due - order_id * 3600, 5400, CID) for order_id in range(3, 13)]
    add(
        "MatchLedger",
        "publishMatches",
        "batch of 10, per match",
        ledger.publishMatches(b"\x77" * 32, CID, batch, sender=matcher),
        items=10,
        target=80_000,
    )
    add("MatchLedger", "unmatch", "matched order", ledger.unmatch(12, sender=matcher))

    add("ExecutionLog", "assignOperator", "twin operator", log.assignOperator(1, operator, sender=servicer))
    add("ExecutionLog", "startTask", "by operator", log.startTask(1, sender=operator))
    add(
        "ExecutionLog",
        "anchorTelemetry",
        "first batch",
        log.anchorTelemetry(1, b"\x99" * 32, CID, 120, sender=operator),
    )
    add("ExecutionLog", "finishTask", "by operator", log.finishTask(1, sender=operator))
    log.startTask(3, sender=servicer)
    add("ExecutionLog", "reportFault", "to rework", log.reportFault(3, 1, sender=servicer))
    log.startTask(4, sender=servicer)
    chain.pending_timestamp = int(log.reclaimDeadline(4))
    add("ExecutionLog", "reclaimStalled", "overdue print", log.reclaimStalled(4, sender=customer))
    return rows


def render(rows: list[Row]) -> str:
    header = ("contract", "function", "case", "gas", "per item", "target", "ok")
    lines = [
        (
            r.contract,
            r.function,
            r.case,
            f"{r.gas:,}",
            f"{r.per_item:,}",
            f"≤ {r.target:,}" if r.target else "",
            ("yes" if r.ok else "NO") if r.target else "",
        )
        for r in rows
    ]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *lines, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" if i < 3 else f"{{:>{w}}}" for i, w in enumerate(widths))
    out = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*line) for line in lines]
    return "\n".join(out)
