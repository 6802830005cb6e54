"""Every plan is feasible and every reason is true — checked by a validator written here from the specification
(docs/matcher.md), not from the engine's helpers, on random instances whose shift lists are messy the way real ones
are: overlapping, nested, unsorted, duplicated, zero-length, crossing the window's edges; printers busy beyond the
window; parts at the limits and fitting only when turned.

The specification: a job is one order on one printer that is Available, passes the basic constraints (footprint
with a 90° turn, height, material, colour, accuracy) and kept at least the rule's threshold of its shift time free;
it lasts the order's estimate, lies inside one stretch of the printer's working time (the union of its shifts)
inside the window, starts when the printer is free (not before its busy-until, not before its previous job ends),
and no two jobs on a printer overlap. Every order is planned once or reported unmatched once; "no capacity in the
window" means a usable printer exists and none has a free stretch, after its last job, long enough.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offchain.matching import generate
from offchain.matching.cpsat import solve
from offchain.matching.engine import plan
from offchain.matching.model import PendingOrder, PrinterState
from offchain.matching.optimise import optimise
from offchain.matching.rules import parse_rule, shipped_rule
from offchain.types import Capability, TwinStatus

NOW = 1_800_000_000
H = 3600
WINDOW_HOURS = 24
CAP = Capability(
    build_x=200_000, build_y=150_000, build_z=180_000, accuracy=100, material_mask=0b0111, colour_mask=0b11
)


# ---------------------------------------------------------------------------------------------- the validator


def union(shifts: Any, start: int, end: int) -> list[tuple[int, int]]:
    """The working time inside [start, end) as disjoint sorted stretches (written here, not the engine's merge)."""
    clipped = sorted((max(a, start), min(b, end)) for a, b in shifts if min(b, end) > max(a, start))
    out: list[list[int]] = []
    for a, b in clipped:
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def fits(order: PendingOrder, cap: Capability) -> bool:
    small, large = sorted((order.size_u, order.size_v))
    plate_small, plate_large = sorted((cap.build_x, cap.build_y))
    return (
        small <= plate_small and large <= plate_large and order.size_w <= cap.build_z
        and (cap.material_mask >> order.material) & 1 == 1 and (cap.colour_mask >> order.colour) & 1 == 1
        and cap.accuracy <= order.accuracy
    )  # fmt: skip


def free_share(printer: PrinterState, start: int, end: int) -> float:
    stretches = union(printer.shifts, start, end)
    total = sum(b - a for a, b in stretches)
    free = sum(max(0, b - max(a, printer.busy_until)) for a, b in stretches)
    return free * printer.availability / total if total else 0.0


def validate(orders: list[PendingOrder], printers: list[PrinterState], threshold: float, result: Any) -> None:
    start, end = NOW, NOW + WINDOW_HOURS * H
    by_order = {o.order_id: o for o in orders}
    by_twin = {p.twin_id: p for p in printers}
    planned = [a.order_id for a in result.assignments]
    reported = [u.order_id for u in result.unmatched]
    assert sorted(planned + reported) == sorted(by_order), "every order planned once or reported once"
    jobs: dict[int, list[tuple[int, int]]] = {}
    for a in result.assignments:
        order, printer = by_order[a.order_id], by_twin[a.twin_id]
        assert printer.status == TwinStatus.AVAILABLE, a
        assert fits(order, printer.capability), a
        assert free_share(printer, start, end) >= threshold, a
        assert a.end - a.start == order.estimated_seconds, a
        assert a.start >= max(start, printer.busy_until), a
        assert any(s <= a.start and a.end <= e for s, e in union(printer.shifts, start, end)), (a, printer.shifts)
        jobs.setdefault(a.twin_id, []).append((a.start, a.end))
    for twin, spans in jobs.items():
        spans.sort()
        assert all(x[1] <= y[0] for x, y in itertools.pairwise(spans)), (twin, spans)
    for u in result.unmatched:
        order = by_order[u.order_id]
        usable = [p for p in printers if p.status == TwinStatus.AVAILABLE and fits(order, p.capability)
                  and free_share(p, start, end) >= threshold]  # fmt: skip
        if u.reason == "no printer can make it":
            assert not any(fits(order, p.capability) for p in printers), u
        elif u.reason == "no capacity in the window":
            assert usable, u
            for p in usable:
                free_from = max([start, p.busy_until, *(e for _s, e in jobs.get(p.twin_id, []))])
                room = max((b - max(a, free_from) for a, b in union(p.shifts, start, end)), default=0)
                assert room < order.estimated_seconds, (u, p.twin_id, room)


# ---------------------------------------------------------------------------------------------- instances

messy_shift = st.tuples(st.integers(-6, 30), st.integers(0, 14)).map(
    lambda t: (NOW + t[0] * H, NOW + (t[0] + t[1]) * H)
)
# whole hours keep duplicates and nesting common; some half hours cross the edges of stretches
messy_shifts = st.lists(
    st.one_of(messy_shift, messy_shift.map(lambda s: (s[0] + H // 2, max(s[1], s[0] + H // 2)))), min_size=0, max_size=7
)


@st.composite
def instances(draw: Any) -> tuple[list[PendingOrder], list[PrinterState]]:
    printers = []
    for twin_id in range(1, draw(st.integers(1, 4)) + 1):
        shifts = draw(messy_shifts)
        status = draw(st.sampled_from([TwinStatus.AVAILABLE] * 4 + [TwinStatus.BUSY]))
        busy, share = draw(st.sampled_from([0, 0, 2 * H, 30 * H])), draw(st.sampled_from([1.0, 0.6]))
        printers.append(PrinterState(twin_id, CAP, status, tuple(shifts), busy_until=NOW + busy, availability=share))
    orders = []
    for order_id in range(1, draw(st.integers(0, 14)) + 1):
        turned = draw(st.booleans())
        u, v = (150_000, 200_000) if turned else (draw(st.integers(1, 200_000)), draw(st.integers(1, 150_000)))
        orders.append(PendingOrder(
            order_id, "0xc", u, v, draw(st.sampled_from([180_000, 1_000, 181_000])), draw(st.integers(0, 3)),
            draw(st.integers(0, 1)), draw(st.sampled_from([100, 200, 99])), 1, draw(st.integers(0, 100)),
            NOW + draw(st.integers(1, 40)) * H, NOW - H, draw(st.integers(1, 9)) * H // 2,
            rework=draw(st.booleans()),
        ))  # fmt: skip
    return orders, printers


RULES = ["fcfs", "rule1-importance", "edd"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    instances(), st.sampled_from(RULES), st.sampled_from(["earliest_finish", "first_fit"]), st.sampled_from([0.0, 0.5])
)
def test_rule_plan__messy_shifts__feasible_and_every_reason_true(instance, name, strategy, threshold):
    orders, printers = instance
    rule = parse_rule({**shipped_rule(name), "strategy": strategy, "capacity_threshold": threshold,
                       "window_hours": WINDOW_HOURS})  # fmt: skip

    validate(orders, printers, threshold, plan(orders, printers, rule, now=NOW))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.sampled_from([0.0, 0.5]))
def test_optimised_plan__messy_shifts__feasible_and_every_reason_true(instance, threshold):
    orders, printers = instance
    rule = parse_rule({**shipped_rule("fcfs"), "capacity_threshold": threshold, "window_hours": WINDOW_HOURS})

    validate(orders, printers, threshold, optimise(orders, printers, rule, now=NOW))


# ---------------------------------------------------------------------------------------------- the cases found


def _order(order_id: int, hours: float) -> PendingOrder:
    return PendingOrder(order_id, "0xc", 10_000, 10_000, 10_000, 0, 0, 200, 1, 0, NOW + 40 * H, NOW - H, int(hours * H))


def _rule() -> Any:
    return parse_rule({**shipped_rule("fcfs"), "capacity_threshold": 0.0, "window_hours": WINDOW_HOURS})


def test_plan__duplicate_shift__no_two_jobs_overlap():
    printer = PrinterState(1, CAP, TwinStatus.AVAILABLE, ((NOW, NOW + 4 * H), (NOW, NOW + 4 * H)))
    orders = [_order(1, 3), _order(2, 3)]

    result = plan(orders, [printer], _rule(), now=NOW)

    validate(orders, [printer], 0.0, result)
    assert [a.order_id for a in result.assignments] == [1]


def test_plan__room_two_shifts_ahead__found():
    """Only the current and the next shift used to be searched: a long job fitting the third was 'no capacity'."""
    shifts = ((NOW, NOW + H), (NOW + 2 * H, NOW + 3 * H), (NOW + 5 * H, NOW + 10 * H))
    printer = PrinterState(1, CAP, TwinStatus.AVAILABLE, shifts)

    result = plan([_order(1, 4)], [printer], _rule(), now=NOW)

    assert [(a.start, a.end) for a in result.assignments] == [(NOW + 5 * H, NOW + 9 * H)]


def test_plan__unsorted_overlapping_shifts__one_stretch():
    """Shifts 08–12 and 10–16 given out of order are one stretch 08–16: a 7 h job fits it."""
    printer = PrinterState(1, CAP, TwinStatus.AVAILABLE, ((NOW + 2 * H, NOW + 8 * H), (NOW, NOW + 4 * H)))

    result = plan([_order(1, 7)], [printer], _rule(), now=NOW)

    assert [(a.start, a.end) for a in result.assignments] == [(NOW, NOW + 7 * H)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.sampled_from([0.0, 0.5]))
def test_solver_plan__messy_shifts__feasible_and_every_reason_true(instance, threshold):
    orders, printers = instance
    spec = {**shipped_rule("fcfs"), "capacity_threshold": threshold, "window_hours": WINDOW_HOURS}
    rule = parse_rule({**spec, "solver_seconds": 0.5})

    result, bound = solve(orders, printers, rule, now=NOW)

    validate(orders, printers, threshold, result)
    baseline = plan(orders, printers, rule, now=NOW)
    assert len(result.assignments) >= len(baseline.assignments)  # never worse than the rule plan
    assert bound.matched_bound >= bound.matched == len(result.assignments)


@pytest.mark.parametrize(("count", "printer_count", "seed"), [(20, 3, 11), (20, 3, 21), (60, 6, 11), (60, 6, 31)])
def test_solver__small_instances__proven_maximum_and_least_tardiness(count, printer_count, seed):
    """The issue's bar: on 20 × 3 and 60 × 6 the optimising mode matches the proven maximum and is within 10 %
    (or 1 h) of the least weighted tardiness — proven by the solver's own bound."""
    orders = generate.orders(count, now=NOW, seed=seed)
    printers = generate.printers(printer_count, now=NOW, seed=seed + 1)
    rule = parse_rule(shipped_rule("rule1-importance"))

    result, bound = solve(orders, printers, rule, now=NOW)

    assert bound.exact
    assert bound.matched == bound.matched_bound
    assert bound.tardiness_h - bound.tardiness_bound_h <= max(1.0, 0.1 * bound.tardiness_bound_h)
    assert len(result.assignments) >= len(plan(orders, printers, rule, now=NOW).assignments)


def test_solver__same_input__same_plan():
    """Deterministic, so a published batch's snapshot re-runs to the same decisions (`matcher verify`)."""
    orders, printers = generate.orders(60, now=NOW, seed=5), generate.printers(6, now=NOW, seed=6)
    rule = parse_rule(shipped_rule("edd"))

    first, _ = solve(orders, printers, rule, now=NOW)
    second, _ = solve(orders, printers, rule, now=NOW)

    assert first.assignments == second.assignments


def _lexicographic(result: Any, orders: list[PendingOrder]) -> tuple[int, int, float]:
    """Smaller is better: rework matched, matched, weighted tardiness (the spec's weight) — written from the spec."""
    by_id = {o.order_id: o for o in orders}

    def weight(o: PendingOrder) -> float:
        return (1 + o.priority / 100 + o.importance) * (2 if o.rework else 1)

    picked = [by_id[a.order_id] for a in result.assignments]
    late = sum(weight(by_id[a.order_id]) * max(0, a.end - by_id[a.order_id].due_date) for a in result.assignments)
    return (-sum(o.rework for o in picked), -len(picked), late)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.sampled_from([0.0, 0.5]))
def test_decomposed_plan__messy_shifts__feasible_and_never_worse_than_the_rule_plan(instance, threshold):
    """Every instance decomposed (no single model allowed; groups of two printers; the rule plan as the baseline,
    without rounds): the merged group plans are still feasible, every reason true, and lexicographically no worse
    than the rule plan."""
    orders, printers = instance
    spec = {**shipped_rule("edd"), "capacity_threshold": threshold, "window_hours": WINDOW_HOURS}
    rule = parse_rule({**spec, "solver_seconds": 0.5})

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("offchain.matching.cpsat.MAX_INTERVALS", -1)
        patch.setattr("offchain.matching.cpsat.GROUP_PRINTERS", 2)
        patch.setattr("offchain.matching.cpsat.ROUNDS_SECONDS_PER_CELL", float("inf"))
        result, bound = solve(orders, printers, rule, now=NOW)

    validate(orders, printers, threshold, result)
    assert not bound.exact
    assert bound.why.startswith("decomposed")
    assert _lexicographic(result, orders) <= _lexicographic(plan(orders, printers, rule, now=NOW), orders)


def test_solver__large_instance__decomposed_and_better_than_the_rule_plan():
    """1,000 × 100 (39,000 candidate intervals, too many for one model in the limit): printer groups re-solved; the
    plan is feasible and matches more orders than the rule plan."""
    orders = generate.orders(1000, now=NOW, seed=1000)
    printers = generate.printers(100, now=NOW, seed=100)
    rule = parse_rule({**shipped_rule("rule1-importance"), "solver_seconds": 2})

    result, bound = solve(orders, printers, rule, now=NOW)

    validate(orders, printers, rule.capacity_threshold, result)
    baseline = plan(orders, printers, rule, now=NOW)
    assert _lexicographic(result, orders) < _lexicographic(baseline, orders)
    assert len(result.assignments) > len(baseline.assignments)
    assert "printer groups re-optimised" in bound.summary()


def test_decomposed_plan__groups_offered_the_same_orders__each_order_planned_once():
    """60 × 6 in three groups of two printers, from the rule plan: groups are offered overlapping unmatched orders,
    and what one group takes is no longer offered to the next."""
    orders = generate.orders(60, now=NOW, seed=31)
    printers = generate.printers(6, now=NOW, seed=32)
    rule = parse_rule({**shipped_rule("rule1-importance"), "solver_seconds": 2})

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("offchain.matching.cpsat.MAX_INTERVALS", -1)
        patch.setattr("offchain.matching.cpsat.GROUP_PRINTERS", 2)
        patch.setattr("offchain.matching.cpsat.ROUNDS_SECONDS_PER_CELL", float("inf"))
        result, _bound = solve(orders, printers, rule, now=NOW)

    validate(orders, printers, rule.capacity_threshold, result)
    assert len(result.assignments) > len(plan(orders, printers, rule, now=NOW).assignments)
