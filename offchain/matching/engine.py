"""The rule engine: pending orders × printers → a plan per printer and a reason for every unmatched order.

1. Printers take part when Available and when at least `capacity_threshold` of their shift time in the window is
   still free (the paper's 50 % rule).
2. The basic constraints (the paper's eqs. 1–6, eq. 1 corrected: 90° turn allowed) for every (order, printer)
   pair at once, vectorised with numpy — the same verdicts as MatchLedger's on-chain check.
3. Orders in rule order (rework first), each planned on a compatible printer: with `earliest_finish` the printer
   where it finishes first, with `first_fit` the first one (by twin id) with room. A job lies inside one stretch of
   its printer's working time (its shifts merged) and after the printer's previous job; every stretch of the window
   is searched; a job that fits none leaves the order unmatched ("no capacity"). Pure: no chain, no clock (the
   window starts at `now`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from offchain.exceptions import ConfigError
from offchain.matching.model import U40, Assignment, PendingOrder, PrinterState, Unmatched, check_int, merge
from offchain.matching.rules import Rule, rank
from offchain.types import CATALOGUE_SIZE, Constraint, TwinStatus

Array = NDArray[Any]

INF = np.iinfo(np.int64).max // 4
BATCH = 128


@dataclass
class Plan:
    assignments: list[Assignment]
    unmatched: list[Unmatched]
    window: tuple[int, int]
    excluded: dict[int, str] = field(default_factory=dict)  # twin id → why it took no orders
    bound: dict[str, Any] | None = None  # optimising mode: what the solver proved (cpsat.Bound)

    def to_json(self) -> dict[str, Any]:
        by_printer: dict[int, list[dict[str, Any]]] = {}
        for a in sorted(self.assignments, key=lambda a: (a.twin_id, a.start)):
            by_printer.setdefault(a.twin_id, []).append({"order_id": a.order_id, "start": a.start, "end": a.end})
        return {
            "window": list(self.window),
            "matched": len(self.assignments),
            "unmatched_count": len(self.unmatched),
            "plan": [{"twin_id": twin, "jobs": jobs} for twin, jobs in by_printer.items()],
            "unmatched": [u.to_json() for u in self.unmatched],
            "excluded_printers": {str(k): v for k, v in self.excluded.items()},
            **({"bound": self.bound} if self.bound is not None else {}),
        }


@dataclass
class _Columns:
    """Orders and printers as numpy columns."""

    orders: list[PendingOrder]
    printers: list[PrinterState]

    def __post_init__(self) -> None:
        o, p = self.orders, self.printers

        def col(values: list[int]) -> Array:
            return np.asarray(values, dtype=np.int64)

        self.u, self.v, self.w = col([x.size_u for x in o]), col([x.size_v for x in o]), col([x.size_w for x in o])
        self.material, self.colour = col([x.material for x in o]), col([x.colour for x in o])
        self.accuracy = col([x.accuracy for x in o])
        self.duration = col([x.estimated_seconds for x in o])
        self.rework = np.asarray([x.rework for x in o], dtype=bool)
        self.keys = {
            "placed_at": col([x.placed_at for x in o]),
            "priority": col([x.priority for x in o]),
            "importance": col([x.importance for x in o]),
            "due_date": col([x.due_date for x in o]),
            "estimated_seconds": self.duration,
            "quantity": col([x.quantity for x in o]),
        }
        caps = [x.capability for x in p]
        self.bx, self.by, self.bz = (
            col([c.build_x for c in caps]),
            col([c.build_y for c in caps]),
            col([c.build_z for c in caps]),
        )
        self.paccuracy = col([c.accuracy for c in caps])
        self.mmask = np.asarray([c.material_mask for c in caps], dtype=np.uint64)
        self.cmask = np.asarray([c.colour_mask for c in caps], dtype=np.uint64)


def _membership(masks: Array) -> Array:
    """(CATALOGUE_SIZE + 1) × printers table: row c says which printers have code c; the last row (for codes outside
    the catalogue) is all False."""
    codes = np.arange(CATALOGUE_SIZE, dtype=np.uint64)
    table = np.zeros((CATALOGUE_SIZE + 1, len(masks)), dtype=bool)
    table[:CATALOGUE_SIZE] = ((masks[None, :] >> codes[:, None]) & np.uint64(1)).astype(bool)
    return table


def _codes_index(codes: Array) -> Array:
    inside: Array = np.where((codes >= 0) & (codes < CATALOGUE_SIZE), codes, CATALOGUE_SIZE)
    return inside


def compatible_matrix(cols: _Columns) -> Array:
    """Whether each (order, printer) pair passes every basic constraint — vectorised (10k × 1k in tens of ms)."""
    short, long_ = np.minimum(cols.u, cols.v)[:, None], np.maximum(cols.u, cols.v)[:, None]
    plate_short, plate_long = np.minimum(cols.bx, cols.by)[None, :], np.maximum(cols.bx, cols.by)[None, :]
    ok: Array = short <= plate_short
    ok &= long_ <= plate_long
    ok &= cols.w[:, None] <= cols.bz[None, :]
    ok &= _membership(cols.mmask)[_codes_index(cols.material)]
    ok &= _membership(cols.cmask)[_codes_index(cols.colour)]
    ok &= cols.accuracy[:, None] >= cols.paccuracy[None, :]
    return ok


def constraint_codes(cols: _Columns, rows: Array) -> Array:
    """The first constraint (MatchLedger's order: footprint, height, material, colour, accuracy) each pair of the
    given order rows fails; 0 when it passes all."""
    u, v = cols.u[rows][:, None], cols.v[rows][:, None]
    short, long_ = np.minimum(u, v), np.maximum(u, v)
    plate_short, plate_long = np.minimum(cols.bx, cols.by)[None, :], np.maximum(cols.bx, cols.by)[None, :]
    checks = [
        (Constraint.ACCURACY, cols.accuracy[rows][:, None] < cols.paccuracy[None, :]),
        (Constraint.COLOUR, ~_membership(cols.cmask)[_codes_index(cols.colour[rows])]),
        (Constraint.MATERIAL, ~_membership(cols.mmask)[_codes_index(cols.material[rows])]),
        (Constraint.HEIGHT, cols.w[rows][:, None] > cols.bz[None, :]),
        (Constraint.FOOTPRINT, (short > plate_short) | (long_ > plate_long)),
    ]
    code = np.zeros((len(rows), len(cols.bx)), dtype=np.uint8)
    for constraint, failed in checks:  # the last written wins: footprint is reported first, as on chain
        code[failed] = constraint
    return code


def verdicts(orders: list[PendingOrder], printers: list[PrinterState]) -> Array:
    """orders × printers matrix of Constraint codes (0 = compatible), as MatchLedger.checkConstraints gives them."""
    cols = _Columns(orders, printers)
    codes = constraint_codes(cols, np.arange(len(orders)))
    assert ((codes == 0) == compatible_matrix(cols)).all()  # the fast and the explaining path agree
    return codes


class _Timelines:
    """Each printer's working time in the window (its shifts merged into disjoint stretches) and the cursor after its
    last planned job. A job goes into the first stretch, at or after the cursor, with room for all of it — every
    stretch of the window is searched, vectorised: per printer the running maximum of each stretch's room, so "the
    first stretch with room ≥ d" is a count of stretches whose running maximum is below d."""

    def __init__(self, printers: list[PrinterState], window: tuple[int, int]) -> None:
        self.window = window
        clipped = ([(max(a, window[0]), min(b, window[1])) for a, b in p.shifts] for p in printers)
        self.shifts = [[(a, b) for a, b in merge(stretches) if a < b] for stretches in clipped]
        count, width = len(printers), max((len(s) for s in self.shifts), default=0) or 1
        # Padding stretches are empty and after the window: no room, never chosen.
        self.starts = np.full((count, width), window[1], dtype=np.int64)
        self.ends = np.full((count, width), window[1], dtype=np.int64)
        for p, stretches in enumerate(self.shifts):
            for k, (a, b) in enumerate(stretches):
                self.starts[p, k], self.ends[p, k] = a, b
        self.cursor = np.asarray([max(window[0], p.busy_until) for p in printers], dtype=np.int64)
        self.reach = np.zeros((count, width), dtype=np.int64)  # running max of room, stretch by stretch
        for p in range(count):
            self._settle(p)

    def shift_seconds(self, p: int) -> int:
        return sum(b - a for a, b in self.shifts[p])

    def free_seconds(self, p: int) -> int:
        return sum(max(0, b - max(a, int(self.cursor[p]))) for a, b in self.shifts[p])

    def longest_shift(self, p: int) -> int:
        return max((b - a for a, b in self.shifts[p]), default=0)

    def _settle(self, p: int) -> None:
        room = self.ends[p] - np.maximum(self.starts[p], self.cursor[p])
        self.reach[p] = np.maximum.accumulate(room)

    def batch(self, durations: Array, candidates: Array) -> tuple[Array, Array]:
        """(start, finish) matrices for a batch of jobs (rows) on every printer (columns); finish INF where the
        printer is not a candidate or no stretch has room for the job."""
        first = (self.reach[None, :, :] < durations[:, None, None]).sum(axis=2)  # jobs × printers
        found = first < self.reach.shape[1]
        at = np.minimum(first, self.reach.shape[1] - 1)
        begins = np.take_along_axis(self.starts, at.T, axis=1).T
        start = np.maximum(begins, self.cursor[None, :])
        usable = candidates & found
        return start, np.where(usable, start + durations[:, None], INF)

    def column(self, p: int, durations: Array, candidates: Array) -> tuple[Array, Array]:
        """(start, finish) of the given jobs on printer p alone (after a booking changed p)."""
        first = (self.reach[p][None, :] < durations[:, None]).sum(axis=1)
        found = first < self.reach.shape[1]
        start = np.maximum(self.starts[p][np.minimum(first, self.reach.shape[1] - 1)], self.cursor[p])
        usable = candidates & found
        return start, np.where(usable, start + durations, INF)

    def book(self, p: int, start: int, finish: int) -> None:
        self.cursor[p] = finish
        self._settle(p)


def prepare_printers(
    printers: list[PrinterState], rule: Rule, now: int
) -> tuple[list[PrinterState], tuple[int, int], _Timelines, Array, dict[int, str]]:
    """Printers sorted by twin id, the window, their timelines, which take part, and why the others do not."""
    window = (now, now + round(rule.window_hours * 3600))
    printers = sorted(printers, key=lambda p: p.twin_id)
    timelines = _Timelines(printers, window)
    excluded: dict[int, str] = {}
    active = np.ones(len(printers), dtype=bool)
    for p, printer in enumerate(printers):
        total = timelines.shift_seconds(p)
        free_share = timelines.free_seconds(p) * printer.availability / total if total else 0.0
        if printer.status != TwinStatus.AVAILABLE:
            excluded[printer.twin_id] = f"status {printer.status.name.lower()}"
        elif total == 0:
            excluded[printer.twin_id] = "no shift in the window"
        elif free_share < rule.capacity_threshold:
            excluded[printer.twin_id] = (
                f"only {free_share:.0%} of its shift time is free (rule threshold {rule.capacity_threshold:.0%})"
            )
        active[p] = printer.twin_id not in excluded
    return printers, window, timelines, active, excluded


@dataclass
class Problem:
    """What both planners start from: printers in twin-id order with their timelines and exclusions, the orders as
    columns, and which pairs pass the constraints (`passing`) and may be planned (`compatible`)."""

    printers: list[PrinterState]
    window: tuple[int, int]
    timelines: _Timelines
    active: Array
    excluded: dict[int, str]
    cols: _Columns
    passing: Array
    compatible: Array

    def result(self, assignments: list[Assignment], unmatched_rows: list[int]) -> Plan:
        unmatched = _explain(self.cols, self.passing, unmatched_rows, self.active, self.timelines, self.excluded)
        return Plan(assignments, unmatched, self.window, self.excluded)


def problem(orders: list[PendingOrder], printers: list[PrinterState], rule: Rule, now: int) -> Problem:
    check_int("matching", "now", now, 0, U40 - round(rule.window_hours * 3600))
    for what, ids in (("order", [o.order_id for o in orders]), ("printer", [p.twin_id for p in printers])):
        if len(set(ids)) < len(ids):
            twice = sorted({i for i in ids if ids.count(i) > 1})[:5]
            raise ConfigError(f"{what} id(s) {', '.join(map(str, twice))} appear more than once")
    printers, window, timelines, active, excluded = prepare_printers(printers, rule, now)
    cols = _Columns(orders, printers)
    passing = compatible_matrix(cols) if orders else np.zeros((0, len(printers)), dtype=bool)
    return Problem(printers, window, timelines, active, excluded, cols, passing, passing & active[None, :])


def plan(orders: list[PendingOrder], printers: list[PrinterState], rule: Rule, *, now: int) -> Plan:
    """The plan for `orders` on `printers` under `rule`, for the window [now, now + rule.window_hours)."""
    p_ = problem(orders, printers, rule, now)
    printers, timelines, cols, compatible = p_.printers, p_.timelines, p_.cols, p_.compatible
    ordered = rank(cols.keys, cols.rework, rule)
    first_fit = rule.strategy == "first_fit"
    assignments: list[Assignment] = []
    unmatched_rows: list[int] = []
    # Orders go in rank order, a batch at a time: the batch's start / finish matrices are computed at once and, after
    # each booking, only the booked printer's column is recomputed — exactly the sequential result, a few times
    # faster than one vector pass per order.
    for first in range(0, len(ordered) if printers else 0, BATCH):
        rows = ordered[first : first + BATCH]
        durations = cols.duration[rows]
        candidates = compatible[rows]
        start, finish = timelines.batch(durations, candidates)
        for k, row in enumerate(rows):
            line = finish[k]
            p = int(np.argmax(line < INF)) if first_fit else int(np.argmin(line))
            if line[p] >= INF:
                unmatched_rows.append(int(row))
                continue
            begin, end = int(start[k, p]), int(line[p])
            timelines.book(p, begin, end)
            assignments.append(Assignment(orders[row].order_id, printers[p].twin_id, begin, end))
            rest = slice(k + 1, None)
            start[rest, p], finish[rest, p] = timelines.column(p, durations[rest], candidates[rest, p])
    if not printers:
        unmatched_rows = [int(row) for row in ordered]
    return p_.result(assignments, unmatched_rows)


def _explain(
    cols: _Columns, passing: Array, rows: list[int], active: Array, timelines: _Timelines, excluded: dict[int, str]
) -> list[Unmatched]:
    """Why each unmatched order is unmatched: how many printers failed each constraint, which compatible printers
    were excluded, or that no compatible printer had room in the window. Vectorised over the unmatched orders."""
    if not rows:
        return []
    if not cols.printers:
        return [Unmatched(cols.orders[row].order_id, "no printers") for row in rows]
    passing = passing[np.asarray(rows)]
    usable = passing & active[None, :]
    impossible = np.flatnonzero(~passing.any(axis=1))  # only these need the per-constraint counts
    codes = constraint_codes(cols, np.asarray(rows)[impossible])
    failed_at = {int(k): j for j, k in enumerate(impossible)}
    longest_shift = np.asarray([timelines.longest_shift(p) for p in range(len(cols.printers))], dtype=np.int64)
    longest = np.where(usable, longest_shift[None, :], 0).max(axis=1)
    failed = {c: (codes == c).sum(axis=1) for c in Constraint if c != Constraint.NONE}
    twin_ids = np.asarray([p.twin_id for p in cols.printers])
    any_passing, any_usable = passing.any(axis=1), usable.any(axis=1)
    usable_count = usable.sum(axis=1)
    explained = []
    for k, row in enumerate(rows):
        order = cols.orders[row]
        if not any_passing[k]:
            j = failed_at[k]
            counts = {c.name.lower(): int(n[j]) for c, n in failed.items() if n[j]}
            explained.append(Unmatched(order.order_id, "no printer can make it", {"constraints_failed": counts}))
        elif not any_usable[k]:
            ids = twin_ids[passing[k]]
            why = {str(t): excluded[int(t)] for t in ids[:10]}
            details = {"printers": why, "compatible_printers": len(ids)}
            explained.append(Unmatched(order.order_id, "every compatible printer is excluded", details))
        elif order.estimated_seconds > longest[k]:
            details = {"estimated_seconds": order.estimated_seconds, "longest_shift": int(longest[k])}
            explained.append(Unmatched(order.order_id, "longer than any shift of a compatible printer", details))
        else:
            details = {"compatible_printers": int(usable_count[k]), "estimated_seconds": order.estimated_seconds}
            explained.append(Unmatched(order.order_id, "no capacity in the window", details))
    return explained
