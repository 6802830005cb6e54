"""Optimising mode: the matching problem as a CP-SAT model (OR-tools), solved lexicographically, with the bound the
solver proves reported beside the plan.

Model (the rule engine's constraints, nothing relaxed): for every order, every usable compatible printer and every
stretch of that printer's working time with room for the whole job, an optional interval inside the stretch and
after the printer is free; at most one per order; no two on a printer overlap. Objectives, in order, each fixed at
its optimum (or the best found) before the next: (1) most orders matched, rework orders counted above any number of
others; (2) least weighted tardiness (weight 1 + priority/100 + importance, ×2 for rework — `metrics.weight`);
(3) earliest makespan. The limit (rule spec `solver_seconds`, default 5) is split over the stages, each given both a
deterministic work budget (at the rate measured here on small models) and the wall-clock share itself; with
interleaved workers a stage that stops on its work budget or proves its optimum re-runs to the same plan
(`ape run matcher verify`). The work rate varies ~100× with the model, so on mid-size models the wall clock may
stop a stage first, and a re-run elsewhere may then differ — the limit is kept rather than the reproducibility.

The warm start is the better of the rule plan and the assignment rounds of `optimise.py`, and the better of the
solver's plan and that is returned — never worse than either; a stage that finds nothing in its share leaves the
previous stage's solution. Instances with more candidate intervals than `MAX_INTERVALS` are decomposed by printer
groups (`_decomposed`): no bound is claimed for them, and the plan is never worse than the rule plan.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from offchain.matching.engine import Plan, Problem, plan, problem
from offchain.matching.metrics import weight
from offchain.matching.model import Assignment, PendingOrder, PrinterState
from offchain.matching.optimise import optimise
from offchain.matching.rules import Rule

MAX_INTERVALS = 10_000  # candidate intervals one model solves in a few seconds here (1,000 × 100 has 39,000)
GROUP_PRINTERS = 6  # printers per group when a large instance is decomposed (small models: more groups per second)
OFFERED_PER_PRINTER = 3  # unmatched orders offered to a group, per printer, most urgent first
GROUP_SECONDS = 0.1  # solver time per group (matched, then tardiness; no makespan stage)
ROUNDS_SECONDS_PER_CELL = 1.5e-6  # assignment rounds' time per order × printer here (10,000 × 1,000: ~15 s)
GROUPS_PER_SECOND = 5.0  # groups re-solved per second of the time limit: ~0.15 s each here, model building included
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
            return f"matched {self.matched} (no bound proven: {self.why})"
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
    p_ = problem(orders, printers, rule, now)
    if _candidate_count(p_) > MAX_INTERVALS:
        return _decomposed(orders, printers, rule, now, limit, p_)
    baseline = _better(plan(orders, printers, rule, now=now), optimise(orders, printers, rule, now=now), orders)
    result, stages = _optimise(orders, p_, baseline, limit)
    if not stages:
        return baseline, _no_bound(baseline, orders, "no solution within the time limit")
    matched_bound = _matched_bound(stages[0][1], orders)
    tardy = stages[1] if len(stages) > 1 else (float("inf"), 0.0)  # (best, bound); no bound if stage 2 found nothing
    return result, Bound(
        matched=len(result.assignments),
        matched_bound=max(matched_bound, len(result.assignments)),
        tardiness_h=_score(result, orders)[2] / 3600,
        tardiness_bound_h=tardy[1] / WEIGHT_SCALE / 3600,
        optimal=stages[0][0] >= stages[0][1] - 1e-6 and tardy[0] <= tardy[1] + 1e-6,
        exact=True,
    )


def _candidate_count(p_: Problem) -> int:
    """How many optional intervals the model of `p_` would have (vectorised: per printer, each compatible order's
    count of stretches with room for it)."""
    total = 0
    for p in np.flatnonzero(p_.compatible.any(axis=0)):
        cursor = int(p_.timelines.cursor[p])
        rooms = np.sort([b - max(a, cursor) for a, b in p_.timelines.shifts[p]])
        durations = p_.cols.duration[p_.compatible[:, p]]
        total += int((len(rooms) - np.searchsorted(rooms, durations, side="left")).sum())
    return total


def _candidates(p_: Problem) -> list[tuple[int, int, int, int]]:
    """(row, printer, earliest start, latest start) of every optional interval: each compatible printer's stretch
    with room for the whole job after the printer is free."""
    found = []
    for row, p in zip(*np.nonzero(p_.compatible), strict=True):
        d, cursor = int(p_.cols.duration[row]), int(p_.timelines.cursor[p])
        for a, b in p_.timelines.shifts[p]:
            first = max(a, cursor)
            if first + d <= b:
                found.append((int(row), int(p), first, b - d))
    return found


def _optimise(
    orders: list[PendingOrder], p_: Problem, baseline: Plan, limit: float, *, makespan_stage: bool = True
) -> tuple[Plan, list[tuple[float, float]]]:
    """The model of `p_` solved in stages from `baseline` (matched, tardiness and, with `makespan_stage`, makespan):
    the better of its plan and the baseline, and each stage's (best, bound); no stages when the first finds no
    solution in time."""
    candidates = _candidates(p_)
    durations = p_.cols.duration
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
    tardiness_terms, lateness = [], {}
    for k, (row, _p, _low, high) in enumerate(candidates):
        d, deadline = int(durations[row]), int(due[row])
        if high + d <= deadline:
            continue  # on time wherever it starts
        late = model.NewIntVar(0, max(0, high + d - deadline), f"t{k}")
        model.Add(late >= starts[k] + d - deadline).OnlyEnforceIf(present[k])
        model.Add(late == 0).OnlyEnforceIf(present[k].Not())
        tardiness_terms.append(weights[row] * late)
        lateness[k] = (late, deadline)
    tardiness = sum(tardiness_terms) if tardiness_terms else 0
    makespan = model.NewIntVar(p_.window[0], p_.window[1], "makespan")
    for k, (row, *_rest) in enumerate(candidates):
        model.Add(makespan >= starts[k] + int(durations[row])).OnlyEnforceIf(present[k])
    _hint(model, candidates, (present, starts, lateness, makespan), baseline, orders, p_)

    solver = cp_model.CpSolver()
    # Deterministic: workers interleaved in one thread and a deterministic time limit, so a snapshot re-runs to the
    # same plan on any machine of the same OR-tools version.
    solver.parameters.num_workers = WORKERS
    solver.parameters.interleave_search = True
    stages: list[tuple[float, float]] = []
    solution: list[int] = []
    plan_stages = [(matched_score, True, 0.4), (tardiness, False, 0.45), (makespan, False, 0.15)]
    if not makespan_stage:
        plan_stages = [(matched_score, True, 0.4), (tardiness, False, 0.6)]
    for objective, maximise, share in plan_stages:
        if isinstance(objective, int):
            stages.append((0.0, 0.0))
            continue
        (model.Maximize if maximise else model.Minimize)(objective)
        solver.parameters.max_deterministic_time = max(0.02, limit * share * WORK_PER_SECOND)
        solver.parameters.max_time_in_seconds = max(0.05, limit * share)  # the limit holds; may stop before the work
        solver.Solve(model)
        if solver.StatusName() not in ("OPTIMAL", "FEASIBLE"):
            break  # the previous stage's solution stands
        best, bound = solver.ObjectiveValue(), solver.BestObjectiveBound()
        stages.append((best, bound))
        solution = list(solver.ResponseProto().solution)
        _keep(model, solution)
        if maximise:
            model.Add(objective >= round(best))
        else:
            model.Add(objective <= round(best))
    if not stages:
        return baseline, []
    return _better(_plan_of(solution, candidates, present, starts, orders, p_), baseline, orders), stages


def _decomposed(
    orders: list[PendingOrder], printers: list[PrinterState], rule: Rule, now: int, limit: float, p_: Problem
) -> tuple[Plan, Bound]:
    """A large instance, decomposed by printer groups. The baseline is the rule plan (and the better of it and the
    assignment rounds when they fit in half the limit); then group after group (those that could take the most
    unmatched orders first) is re-solved as its own model — the group's printers, the orders the baseline put on
    them and the most urgent unmatched orders they could make — and kept only if better for the group. Every
    group's part is at least as good as the baseline's, so the whole is too. How many groups, and whether rounds
    run, follow from the instance's size and the time limit alone, so a re-run makes the same plan."""
    baseline = plan(orders, printers, rule, now=now)
    rounds_seconds = ROUNDS_SECONDS_PER_CELL * len(orders) * len(printers)  # estimated, so the choice is repeatable
    if rounds_seconds <= limit / 2:
        baseline = _better(baseline, optimise(orders, printers, rule, now=now), orders)
    else:
        rounds_seconds = 0.0
    row_of = {o.order_id: row for row, o in enumerate(orders)}
    index_of = {p.twin_id: i for i, p in enumerate(p_.printers)}
    on_printer: dict[int, list[Assignment]] = {}
    for a in baseline.assignments:
        on_printer.setdefault(index_of[a.twin_id], []).append(a)
    matched = np.zeros(len(orders), dtype=bool)
    matched[[row_of[a.order_id] for a in baseline.assignments]] = True
    groups = _printer_groups(p_)
    open_rows = ~matched & p_.compatible.any(axis=1)
    reach = [int((open_rows & p_.compatible[:, g].any(axis=1)).sum()) for g in groups]
    chosen = sorted(range(len(groups)), key=lambda i: (-reach[i], i))[
        : max(1, int((limit - rounds_seconds) * GROUPS_PER_SECOND))
    ]
    chosen = [i for i in chosen if reach[i] or any(on_printer.get(int(p)) for p in groups[i])]
    urgency = sorted(
        range(len(orders)), key=lambda r: (not orders[r].rework, -weight(orders[r]), orders[r].due_date, r)
    )
    for i in chosen:
        group = groups[i]
        kept = [a for p in group for a in on_printer.get(int(p), [])]
        can = p_.compatible[:, group].any(axis=1)
        offered = [r for r in urgency if can[r] and not matched[r]][: OFFERED_PER_PRINTER * len(group)]
        sub_orders = [orders[row_of[a.order_id]] for a in kept] + [orders[r] for r in offered]
        sub_printers = [p_.printers[int(p)] for p in group]
        sub_p = problem(sub_orders, sub_printers, rule, now)
        sub_base = sub_p.result(kept, list(range(len(kept), len(sub_orders))))
        better, stages = _optimise(sub_orders, sub_p, sub_base, GROUP_SECONDS, makespan_stage=False)
        if len(stages) < 2:
            continue  # more matched but tardiness not re-solved in time: the group keeps its baseline part
        for p in group:
            on_printer.pop(int(p), None)
        for a in better.assignments:
            on_printer.setdefault(index_of[a.twin_id], []).append(a)
            matched[row_of[a.order_id]] = True
    assignments = sorted((a for group in on_printer.values() for a in group), key=lambda a: (a.start, a.twin_id))
    done = {a.order_id for a in assignments}
    merged = p_.result(assignments, [row for row, o in enumerate(orders) if o.order_id not in done])
    result = _better(merged, baseline, orders)
    why = f"decomposed: {len(chosen)} of {len(groups)} printer groups re-optimised, each kept only if better"
    return result, _no_bound(result, orders, why)


def _printer_groups(p_: Problem) -> list[Any]:
    """The printers that take part, in groups of `GROUP_PRINTERS` alike in capability (so a group's printers can
    take each other's orders)."""
    usable = [int(p) for p in np.flatnonzero(p_.active)]
    alike = sorted(usable, key=lambda p: (*p_.printers[p].capability.as_tuple(), p_.printers[p].twin_id))
    return [np.asarray(alike[k : k + GROUP_PRINTERS]) for k in range(0, len(alike), GROUP_PRINTERS)]


def _matched_bound(score_bound: float, orders: list[PendingOrder]) -> int:
    """The most orders any plan matches, from the bound on the (rework-weighted) score."""
    rework = sum(1 for o in orders if o.rework)
    heavy = len(orders) + 1
    score = int(score_bound + 1e-6)
    rework_matched = min(rework, score // heavy)
    return min(len(orders), rework_matched + min(len(orders) - rework, score - rework_matched * heavy))


def _hint(
    model: cp_model.CpModel, candidates: list[tuple[int, int, int, int]],
    variables: tuple[list[Any], list[Any], dict[int, tuple[Any, int]], Any], baseline: Plan,
    orders: list[PendingOrder], p_: Problem,
) -> None:  # fmt: skip
    """The baseline plan as a complete warm start (every variable hinted, so the solver starts from a solution)."""
    present, starts, lateness, makespan = variables
    row_of = {o.order_id: row for row, o in enumerate(orders)}
    printer_of = {p.twin_id: i for i, p in enumerate(p_.printers)}
    chosen = {(row_of[a.order_id], printer_of[a.twin_id]): a.start for a in baseline.assignments}
    end = p_.window[0]
    for k, (row, p, low, high) in enumerate(candidates):
        start = chosen.get((row, p))
        on = start is not None and low <= start <= high
        begin = start if on and start is not None else low
        if on:
            chosen.pop((row, p))
            end = max(end, begin + int(p_.cols.duration[row]))
        model.AddHint(present[k], on)
        model.AddHint(starts[k], begin)
        if k in lateness:
            late, deadline = lateness[k]
            model.AddHint(late, max(0, begin + int(p_.cols.duration[row]) - deadline) if on else 0)
    model.AddHint(makespan, end)


def _keep(model: cp_model.CpModel, solution: list[int]) -> None:
    """A stage's solution, every variable of it, as the next stage's hint."""
    model.ClearHints()  # type: ignore[no-untyped-call]
    for index, value in enumerate(solution):
        model.AddHint(model.GetIntVarFromProtoIndex(index), value)


def _plan_of(
    solution: list[int], candidates: list[tuple[int, int, int, int]], present: list[Any], starts: list[Any],
    orders: list[PendingOrder], p_: Problem,
) -> Plan:  # fmt: skip
    assignments = []
    for k, (row, p, _low, _high) in enumerate(candidates):
        if solution[present[k].Index()]:
            begin = int(solution[starts[k].Index()])
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
