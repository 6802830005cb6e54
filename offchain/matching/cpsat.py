"""Optimising mode: the matching problem as a CP-SAT model (OR-tools), solved lexicographically, with the bound the
solver proves reported beside the plan.

Model (the rule engine's constraints, nothing relaxed): for every order, every usable compatible printer and every
stretch of that printer's working time with room for the whole job, an optional interval inside the stretch and
after the printer is free; at most one per order; no two on a printer overlap. Objectives, in order, each fixed at
its optimum (or the best found) before the next: (1) most orders matched, rework orders counted above any number of
others; (2) least weighted tardiness (weight 1 + priority/100 + importance, ×2 for rework — `metrics.weight`);
(3) earliest makespan. Deterministic (interleaved workers, deterministic time limit), so a batch's snapshot
re-runs to the same plan (`ape run matcher verify`); the limit (rule spec `solver_seconds`, default 5) is converted
into deterministic work at the rate measured on our machines, with a wall-clock cap of twice the limit that only a
much slower machine reaches (there, a re-run may differ).

The warm start is the better of the rule plan and the assignment rounds of `optimise.py`, and the better of the
solver's plan and that is returned — never worse than either. Instances too large for one model (more candidate
intervals than `MAX_INTERVALS`) get the warm start itself, and no bound is claimed for them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from offchain.matching.engine import Plan, plan, problem
from offchain.matching.metrics import weight
from offchain.matching.model import Assignment, PendingOrder, PrinterState
from offchain.matching.optimise import optimise
from offchain.matching.rules import Rule

MAX_INTERVALS = 60_000
WORKERS = 4
WORK_PER_SECOND = 0.3  # deterministic time units the interleaved search does per wall second here (measured)
WEIGHT_SCALE = 100  # weights are integers in the model: 1.25 → 125


@dataclass(frozen=True)
class Bound:
    """What the solver proved about the plan it returned."""

    matched: int
    matched_bound: int  # no plan matches more orders than this
    tardiness_h: float  # weighted tardiness of the plan, hours
    tardiness_bound_h: float  # no plan matching as many orders has less than this
    optimal: bool  # both proven optimal
    exact: bool  # False: no bound (see `why`)
    why: str = ""  # why there is no bound: too large for one model, or no solution within the time limit

    def to_json(self) -> dict[str, Any]:
        return {
            "exact": self.exact,
            **({"why_no_bound": self.why} if not self.exact else {}),
            "optimal": self.optimal,
            "matched": self.matched,
            "matched_bound": self.matched_bound,
            "matched_share_of_bound": round(self.matched / self.matched_bound, 4) if self.matched_bound else 1.0,
            "weighted_tardiness_h": round(self.tardiness_h, 3),
            "weighted_tardiness_bound_h": round(self.tardiness_bound_h, 3),
            "weighted_tardiness_gap_h": round(self.tardiness_h - self.tardiness_bound_h, 3),
        }

    def summary(self) -> str:
        if not self.exact:
            return f"matched {self.matched} (no bound proven: {self.why}; the better of the rule and rounds plans)"
        share = self.matched / self.matched_bound if self.matched_bound else 1.0
        return (
            f"matched {self.matched}, proven ≥ {share:.0%} of the best possible ({self.matched_bound}); weighted "
            f"tardiness {self.tardiness_h:.1f} h, within {self.tardiness_h - self.tardiness_bound_h:.1f} h of the bound"
        )


def optimal_plan(orders: list[PendingOrder], printers: list[PrinterState], rule: Rule, *, now: int) -> Plan:
    """`solve`'s plan, carrying its bound (`Plan.bound`, printed by `imse match`)."""
    result, bound = solve(orders, printers, rule, now=now)
    return dataclasses.replace(result, bound=bound.to_json() | {"summary": bound.summary()})


def solve(
    orders: list[PendingOrder], printers: list[PrinterState], rule: Rule, *, now: int, seconds: float | None = None
) -> tuple[Plan, Bound]:
    """The optimising plan and its bound (the rule's window, threshold and exclusions apply)."""
    limit = float(seconds if seconds is not None else rule.solver_seconds)
    baseline = _better(plan(orders, printers, rule, now=now), optimise(orders, printers, rule, now=now), orders)
    p_ = problem(orders, printers, rule, now)
    durations = p_.cols.duration
    candidates = []  # (row, printer, earliest start, latest start)
    for row, p in zip(*np.nonzero(p_.compatible), strict=True):
        d, cursor = int(durations[row]), int(p_.timelines.cursor[p])
        for a, b in p_.timelines.shifts[p]:
            first = max(a, cursor)
            if first + d <= b:
                candidates.append((int(row), int(p), first, b - d))
    if len(candidates) > MAX_INTERVALS:
        return baseline, _no_bound(baseline, orders, "too large for one model")
    weights = [round(weight(o) * WEIGHT_SCALE) for o in orders]
    model = cp_model.CpModel()
    present, starts = [], []
    by_row: dict[int, list[int]] = {}
    by_printer: dict[int, list[Any]] = {}
    for k, (row, p, low, high) in enumerate(candidates):
        d = int(durations[row])
        on = model.NewBoolVar(f"x{k}")
        start = model.NewIntVar(low, high, f"s{k}")
        by_printer.setdefault(p, []).append(model.NewOptionalIntervalVar(start, d, start + d, on, f"i{k}"))
        present.append(on)
        starts.append(start)
        by_row.setdefault(row, []).append(k)
    for ks in by_row.values():
        model.AddAtMostOne(present[k] for k in ks)
    for intervals in by_printer.values():
        model.AddNoOverlap(intervals)
    # (1) matched, rework first: a rework order outweighs every other order together
    rework_weight = len(orders) + 1
    value = [rework_weight if orders[row].rework else 1 for row, *_ in candidates]
    matched_score = sum(v * x for v, x in zip(value, present, strict=True))
    # (2) weighted tardiness: per candidate, lateness if chosen (its start fixes its end)
    due = p_.cols.keys["due_date"]
    tardiness_terms = []
    for k, (row, _p, _low, high) in enumerate(candidates):
        d, deadline = int(durations[row]), int(due[row])
        if high + d <= deadline:
            continue  # on time wherever it starts
        late = model.NewIntVar(0, max(0, high + d - deadline), f"t{k}")
        model.Add(late >= starts[k] + d - deadline).OnlyEnforceIf(present[k])
        model.Add(late == 0).OnlyEnforceIf(present[k].Not())
        tardiness_terms.append(weights[row] * late)
    tardiness = sum(tardiness_terms) if tardiness_terms else 0
    makespan = model.NewIntVar(p_.window[0], p_.window[1], "makespan")
    for k, (row, *_rest) in enumerate(candidates):
        model.Add(makespan >= starts[k] + int(durations[row])).OnlyEnforceIf(present[k])
    _hint(model, candidates, present, starts, baseline, orders, p_.printers)

    solver = cp_model.CpSolver()
    # Deterministic: workers interleaved in one thread and a deterministic time limit, so a snapshot re-runs to the
    # same plan on any machine of the same OR-tools version.
    solver.parameters.num_workers = WORKERS
    solver.parameters.interleave_search = True
    stages: list[tuple[float, float]] = []
    for objective, maximise, share in ((matched_score, True, 0.4), (tardiness, False, 0.45), (makespan, False, 0.15)):
        if isinstance(objective, int):
            stages.append((0.0, 0.0))
            continue
        (model.Maximize if maximise else model.Minimize)(objective)
        solver.parameters.max_deterministic_time = max(0.02, limit * share * WORK_PER_SECOND)
        solver.parameters.max_time_in_seconds = max(0.1, 2 * limit * share)  # a cap for much slower machines only
        solver.Solve(model)
        if solver.StatusName() not in ("OPTIMAL", "FEASIBLE"):
            return baseline, _no_bound(baseline, orders, "no solution within the time limit")
        best, bound = solver.ObjectiveValue(), solver.BestObjectiveBound()
        stages.append((best, bound))
        _keep(model, solver, present, starts)
        if maximise:
            model.Add(objective >= round(best))
        else:
            model.Add(objective <= round(best))
    result = _better(_plan_of(solver, candidates, present, starts, orders, p_), baseline, orders)
    matched_bound = _matched_bound(stages[0][1], orders)
    return result, Bound(
        matched=len(result.assignments),
        matched_bound=max(matched_bound, len(result.assignments)),
        tardiness_h=_score(result, orders)[2] / 3600,
        tardiness_bound_h=stages[1][1] / WEIGHT_SCALE / 3600,
        optimal=stages[0][0] >= stages[0][1] - 1e-6 and stages[1][0] <= stages[1][1] + 1e-6,
        exact=True,
    )


def _matched_bound(score_bound: float, orders: list[PendingOrder]) -> int:
    """The most orders any plan matches, from the bound on the (rework-weighted) score."""
    rework = sum(1 for o in orders if o.rework)
    heavy = len(orders) + 1
    score = int(score_bound + 1e-6)
    rework_matched = min(rework, score // heavy)
    return min(len(orders), rework_matched + min(len(orders) - rework, score - rework_matched * heavy))


def _hint(
    model: cp_model.CpModel, candidates: list[tuple[int, int, int, int]], present: list[Any], starts: list[Any],
    baseline: Plan, orders: list[PendingOrder], printers: list[PrinterState],
) -> None:  # fmt: skip
    """The rule plan as the warm start."""
    row_of = {o.order_id: row for row, o in enumerate(orders)}
    printer_of = {p.twin_id: i for i, p in enumerate(printers)}
    chosen = {(row_of[a.order_id], printer_of[a.twin_id]): a.start for a in baseline.assignments}
    for k, (row, p, low, high) in enumerate(candidates):
        start = chosen.get((row, p))
        if start is not None and low <= start <= high:
            model.AddHint(present[k], True)
            model.AddHint(starts[k], start)
            chosen.pop((row, p))
        else:
            model.AddHint(present[k], False)


def _keep(model: cp_model.CpModel, solver: cp_model.CpSolver, present: list[Any], starts: list[Any]) -> None:
    """The stage's solution as the next stage's hint."""
    model.ClearHints()  # type: ignore[no-untyped-call]
    for on, start in zip(present, starts, strict=True):
        model.AddHint(on, solver.BooleanValue(on))
        model.AddHint(start, solver.Value(start))


def _plan_of(
    solver: cp_model.CpSolver, candidates: list[tuple[int, int, int, int]], present: list[Any], starts: list[Any],
    orders: list[PendingOrder], p_: Any,
) -> Plan:  # fmt: skip
    assignments = []
    for k, (row, p, _low, _high) in enumerate(candidates):
        if solver.BooleanValue(present[k]):
            begin = int(solver.Value(starts[k]))
            end = begin + int(p_.cols.duration[row])
            assignments.append(Assignment(orders[row].order_id, p_.printers[p].twin_id, begin, end))
    assignments.sort(key=lambda a: (a.start, a.twin_id))
    matched = {a.order_id for a in assignments}
    result: Plan = p_.result(assignments, [row for row, o in enumerate(orders) if o.order_id not in matched])
    return result


def _better(first: Plan, second: Plan, orders: list[PendingOrder]) -> Plan:
    """The better plan lexicographically (more rework matched, more matched, less weighted tardiness)."""
    return min((first, second), key=lambda result: _score(result, orders))


def _score(result: Plan, orders: list[PendingOrder]) -> tuple[int, int, float]:
    """Lexicographic: more rework matched, more matched, less weighted tardiness (smaller is better)."""
    by_id = {o.order_id: o for o in orders}
    rework = sum(1 for a in result.assignments if by_id[a.order_id].rework)
    late = sum(weight(by_id[a.order_id]) * max(0, a.end - by_id[a.order_id].due_date) for a in result.assignments)
    return (-rework, -len(result.assignments), late)


def _no_bound(result: Plan, orders: list[PendingOrder], why: str) -> Bound:
    late_h = _score(result, orders)[2] / 3600
    return Bound(len(result.assignments), len(result.assignments), late_h, 0.0, False, False, why)
