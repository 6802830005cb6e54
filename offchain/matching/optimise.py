"""Optimising mode: assign orders to printers to minimise weighted tardiness (then finish time), instead of
following a ranking rule.

Position-based assignment, solved exactly per round with scipy's `linear_sum_assignment` (the Hungarian method):
in each round every printer offers its next slot; the cost of order i on printer p is its weighted tardiness if
it were placed there (plus a small term for the finish time, so earlier is better among on-time choices), and
incompatible or non-fitting pairs are forbidden. The round's optimal assignment is booked, the slots move on, and
rounds repeat until nothing more fits. Each round is optimal; the whole is a strong heuristic, not a proof of
global optimality (that is NP-hard: parallel machines with due dates). Rework orders get a large bonus so they are
still served first. The constraints, shifts, window, threshold and exclusions are exactly the rule engine's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from offchain.matching.engine import INF, Plan, problem
from offchain.matching.metrics import weight
from offchain.matching.model import Assignment, PendingOrder, PrinterState
from offchain.matching.rules import Rule

Array = NDArray[Any]
FORBIDDEN = 1e18
REWORK_BONUS = 1e9
SHORTLIST = 3
SHORTLIST_ABOVE = 1_000_000  # cost-matrix cells; smaller rounds use every open order


def optimise(orders: list[PendingOrder], printers: list[PrinterState], rule: Rule, *, now: int) -> Plan:
    """The optimising plan for the same inputs as `engine.plan` (the rule's window, threshold and exclusions
    apply; its ranking keys do not)."""
    p_ = problem(orders, printers, rule, now)
    printers, timelines, cols, compatible = p_.printers, p_.timelines, p_.cols, p_.compatible
    durations = cols.duration
    due = cols.keys["due_date"]
    weights = np.asarray([weight(o) for o in orders])
    open_rows = np.flatnonzero(compatible.any(axis=1))
    assignments: list[Assignment] = []
    while len(open_rows):
        start, finish = timelines.batch(durations[open_rows], compatible[open_rows])
        usable = finish < INF
        if not usable.any():
            break
        lateness = np.maximum(0, finish - due[open_rows, None]) / 3600.0
        cost = weights[open_rows, None] * lateness + (finish - now) / 3600.0 * 1e-3
        cost -= cols.rework[open_rows, None] * REWORK_BONUS
        cost = np.where(usable, cost, FORBIDDEN)
        shortlist = np.arange(len(open_rows))
        if cost.size > SHORTLIST_ABOVE and len(open_rows) > SHORTLIST * cost.shape[1]:
            # Only the orders with the cheapest options compete this round (at most SHORTLIST per printer): the
            # Hungarian method on the shortlist is exact for it and keeps rounds fast on 10k × 1k instances.
            shortlist = np.argpartition(cost.min(axis=1), SHORTLIST * cost.shape[1])[: SHORTLIST * cost.shape[1]]
        rows, printer_idx = linear_sum_assignment(cost[shortlist])
        rows = shortlist[rows]
        booked = [(r, p) for r, p in zip(rows, printer_idx, strict=True) if cost[r, p] < FORBIDDEN / 2]
        if not booked:
            break
        for r, p in booked:
            row = int(open_rows[r])
            s, f = int(start[r, p]), int(finish[r, p])
            timelines.book(int(p), s, f)
            assignments.append(Assignment(orders[row].order_id, printers[p].twin_id, s, f))
        done = {int(open_rows[r]) for r, _ in booked}
        open_rows = np.asarray([r for r in open_rows if int(r) not in done], dtype=np.int64)
    matched = {a.order_id for a in assignments}
    return p_.result(assignments, [i for i, o in enumerate(orders) if o.order_id not in matched])
