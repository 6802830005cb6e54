"""Schedule quality (the quantitative analysis the paper names as missing): matched share, weighted tardiness,
makespan, utilisation."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from offchain.matching.engine import Plan
from offchain.matching.model import PendingOrder, PrinterState


def weight(order: PendingOrder) -> float:
    """How much an hour of lateness of this order costs: priority (0..100) and customer importance raise it;
    rework weighs double."""
    return (1.0 + order.priority / 100 + order.importance) * (2.0 if order.rework else 1.0)


@dataclass(frozen=True)
class Quality:
    matched: int
    orders: int
    weighted_tardiness_h: float
    late: int
    makespan_h: float
    utilisation: float

    @property
    def matched_share(self) -> float:
        return self.matched / self.orders if self.orders else 1.0

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "matched_share": self.matched_share}


def quality(result: Plan, orders: list[PendingOrder], printers: list[PrinterState]) -> Quality:
    """Weighted tardiness (hours × weight) over matched orders; makespan from the window start to the last end;
    utilisation = planned seconds / shift seconds of the printers that took part, inside the window."""
    by_id = {o.order_id: o for o in orders}
    start, end = result.window
    tardiness = 0.0
    late = 0
    for a in result.assignments:
        lateness = max(0, a.end - by_id[a.order_id].due_date)
        late += lateness > 0
        tardiness += weight(by_id[a.order_id]) * lateness / 3600
    makespan = max((a.end for a in result.assignments), default=start) - start
    taking_part = [p for p in printers if p.twin_id not in result.excluded]
    capacity = sum(max(0, min(b, end) - max(a, start)) for p in taking_part for a, b in p.shifts)
    planned = sum(a.end - a.start for a in result.assignments)
    return Quality(
        matched=len(result.assignments),
        orders=len(orders),
        weighted_tardiness_h=round(tardiness, 2),
        late=late,
        makespan_h=round(makespan / 3600, 2),
        utilisation=round(planned / capacity, 4) if capacity else 0.0,
    )
