"""The matcher engine: constraints, rule keys, rework first, capacity and shifts, unmatched reasons, properties."""

from __future__ import annotations

import dataclasses
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from offchain.exceptions import ConfigError
from offchain.matching import generate
from offchain.matching.constraints import check
from offchain.matching.engine import plan
from offchain.matching.metrics import quality
from offchain.matching.model import PendingOrder, PrinterState, shift_intervals
from offchain.matching.optimise import optimise
from offchain.matching.rules import SHIPPED, parse_rule, shipped_rule
from offchain.types import Capability, Part, TwinStatus
from tests.offchain.test_plan_feasibility import union

NOW = 1_800_000_000  # a Friday, 2027-01-15 08:00 UTC
H = 3600
PRINTER_CAP = Capability(220_000, 200_000, 250_000, 100, 0b111, 0b11)
FCFS = parse_rule(shipped_rule("fcfs"))
RULE1 = parse_rule(shipped_rule("rule1-importance"))


def order(order_id: int = 1, **fields) -> PendingOrder:
    values = dict(
        customer="0xc",
        size_u=50_000,
        size_v=40_000,
        size_w=30_000,
        material=0,
        colour=0,
        accuracy=200,
        quantity=1,
        priority=10,
        due_date=NOW + 48 * H,
        placed_at=NOW - H,
        estimated_seconds=H,
    )
    return PendingOrder(order_id, **{**values, **fields})


def printer(twin_id: int = 1, shifts=((NOW, NOW + 8 * H),), **fields) -> PrinterState:
    values = dict(capability=PRINTER_CAP, status=TwinStatus.AVAILABLE, shifts=tuple(shifts))
    return PrinterState(twin_id, **{**values, **fields})


def rule(**changes) -> object:
    return parse_rule({**shipped_rule("fcfs"), **changes})


# ---------------------------------------------------------------------------------------------- rule specs


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_rules__valid(name):
    assert parse_rule(shipped_rule(name)).name


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"keys": [{"key": "priority"}]}, "'name' is a required property"),
        ({"name": "x", "keys": []}, "keys: [] should be non-empty"),
        ({"name": "x", "keys": [{"key": "eval('1')"}]}, "is not one of"),
        ({"name": "x", "keys": [{"key": "priority", "order": "up"}]}, "keys[0].order: 'up' is not one of"),
        ({"name": "x", "keys": [{"key": "priority"}], "capacity_threshold": 1.5}, "capacity_threshold: 1.5"),
        ({"name": "x", "keys": [{"key": "priority"}, {"key": "priority"}]}, "a key appears twice"),
        ({"name": "x", "keys": [{"key": "priority"}], "strategy": "magic"}, "strategy: 'magic' is not one of"),
        ({"name": "x", "keys": [{"key": "priority"}], "solver_seconds": 0}, "solver_seconds: 0 is less than or equal"),
        ({"name": "x", "keys": [{"key": "priority"}], "solver_seconds": "fast"}, "solver_seconds: 'fast' is not of"),
        ({"name": "x", "keys": [{"key": "priority"}], "python": "print()"}, "Additional properties are not allowed"),
        ("fcfs", "is not of type 'object'"),
    ],
)
def test_parse_rule__invalid__clear_error(spec, message):
    with pytest.raises(ConfigError) as caught:
        parse_rule(spec)
    assert message in str(caught.value)


# ---------------------------------------------------------------------------------------------- ranking


def _sequence(orders, chosen_rule, printers=None) -> list[int]:
    result = plan(orders, printers or [printer(shifts=((NOW, NOW + 100 * H),))], chosen_rule, now=NOW)
    assert not result.unmatched
    return [a.order_id for a in sorted(result.assignments, key=lambda a: a.start)]


@pytest.mark.parametrize(
    ("key", "direction", "field", "values", "expected"),
    [
        ("placed_at", "asc", "placed_at", [NOW - 1, NOW - 3, NOW - 2], [2, 3, 1]),
        ("priority", "desc", "priority", [5, 50, 20], [2, 3, 1]),
        ("importance", "desc", "importance", [0, 2, 1], [2, 3, 1]),
        ("due_date", "asc", "due_date", [NOW + 9 * H, NOW + 3 * H, NOW + 5 * H], [2, 3, 1]),
        ("estimated_seconds", "asc", "estimated_seconds", [3 * H, H, 2 * H], [2, 3, 1]),
        ("quantity", "desc", "quantity", [1, 9, 5], [2, 3, 1]),
    ],
)
def test_rank__every_key(key, direction, field, values, expected):
    orders = [order(i + 1, **{field: value}) for i, value in enumerate(values)]
    assert _sequence(orders, rule(keys=[{"key": key, "order": direction}])) == expected


def test_rank__ties_broken_by_the_next_key_then_input_order():
    orders = [
        order(1, priority=5, placed_at=NOW - 1),
        order(2, priority=9, placed_at=NOW - 1),
        order(3, priority=5, placed_at=NOW - 9),
        order(4, priority=5, placed_at=NOW - 9),
    ]
    assert _sequence(orders, parse_rule(shipped_rule("priority"))) == [2, 3, 4, 1]


def test_rank__rule1_importance_before_priority():
    orders = [order(1, priority=100), order(2, priority=0, importance=1)]
    assert _sequence(orders, RULE1) == [2, 1]


def test_rank__rework_first_under_every_rule():
    orders = [order(1, priority=100, importance=1, placed_at=NOW - 99 * H), order(2, priority=0, rework=True)]
    for name in SHIPPED:
        assert _sequence(orders, parse_rule(shipped_rule(name)))[0] == 2, name


def test_rank__weighted_combination():
    weighted = rule(combine="weighted", keys=[{"key": "priority", "weight": 1}, {"key": "importance", "weight": 3}])
    orders = [order(1, priority=100, importance=0), order(2, priority=0, importance=1), order(3, priority=60)]
    assert _sequence(orders, weighted) == [2, 1, 3]


# ---------------------------------------------------------------------------------------------- planning


def test_plan__jobs_back_to_back_inside_the_shift():
    result = plan([order(1), order(2, estimated_seconds=2 * H)], [printer()], FCFS, now=NOW)
    assert [(a.order_id, a.start - NOW, a.end - NOW) for a in result.assignments] == [(1, 0, H), (2, H, 3 * H)]


def test_plan__job_that_does_not_fit_the_rest_of_a_shift_moves_to_the_next():
    shifts = ((NOW, NOW + 2 * H), (NOW + 10 * H, NOW + 16 * H))
    result = plan([order(1, estimated_seconds=90 * 60), order(2)], [printer(shifts=shifts)], FCFS, now=NOW)
    assert [(a.start - NOW, a.end - NOW) for a in result.assignments] == [(0, 90 * 60), (10 * H, 11 * H)]


def test_plan__starts_after_work_already_planned():
    result = plan([order(1)], [printer(busy_until=NOW + 3 * H)], FCFS, now=NOW)
    assert result.assignments[0].start == NOW + 3 * H


def test_plan__earliest_finish_spreads_first_fit_stacks():
    printers = [printer(1), printer(2)]
    orders = [order(1), order(2)]
    assert {a.twin_id for a in plan(orders, printers, RULE1, now=NOW).assignments} == {1, 2}
    assert {a.twin_id for a in plan(orders, printers, FCFS, now=NOW).assignments} == {1}


def test_plan__window_limits_the_plan():
    result = plan([order(1), order(2)], [printer(shifts=((NOW, NOW + 100 * H),))], rule(window_hours=1.5), now=NOW)
    assert [a.order_id for a in result.assignments] == [1]
    assert result.unmatched[0].reason == "no capacity in the window"


def test_plan__printer_below_capacity_threshold_takes_nothing():
    busy = printer(1, busy_until=NOW + 5 * H)  # 3 of 8 shift hours free = 37 % < 50 %
    result = plan([order(1)], [busy], FCFS, now=NOW)
    assert "only 38% of its shift time is free" in result.excluded[1]
    assert result.unmatched[0].reason == "every compatible printer is excluded"
    assert plan([order(1)], [busy], rule(capacity_threshold=0.3), now=NOW).assignments


def test_plan__printer_in_maintenance_takes_nothing():
    result = plan([order(1)], [printer(1, status=TwinStatus.MAINTENANCE), printer(2)], FCFS, now=NOW)
    assert result.assignments[0].twin_id == 2
    assert result.excluded == {1: "status maintenance"}


# ---------------------------------------------------------------------------------------------- reasons


def test_unmatched__no_printer_can_make_it__counts_each_constraint():
    printers = [printer(1), printer(2, capability=dataclasses.replace(PRINTER_CAP, material_mask=0b10))]
    result = plan([order(1, size_w=300_000), order(2, material=0, size_w=1_000)], printers[1:], FCFS, now=NOW)
    reasons = {u.order_id: u for u in result.unmatched}
    assert reasons[1].reason == "no printer can make it"
    assert reasons[1].details == {"constraints_failed": {"height": 1}}
    assert reasons[2].details == {"constraints_failed": {"material": 1}}


def test_unmatched__longer_than_any_shift():
    result = plan([order(1, estimated_seconds=9 * H)], [printer()], FCFS, now=NOW)
    assert result.unmatched[0].reason == "longer than any shift of a compatible printer"
    assert result.unmatched[0].details == {"estimated_seconds": 9 * H, "longest_shift": 8 * H}


def test_unmatched__no_printers_at_all():
    assert plan([order(1)], [], FCFS, now=NOW).unmatched[0].reason == "no printers"


def test_plan__to_json_lists_every_order_once():
    orders = generate.orders(50, now=NOW)
    result = plan(orders, generate.printers(5, now=NOW), RULE1, now=NOW).to_json()
    seen = [job["order_id"] for p in result["plan"] for job in p["jobs"]] + [u["order_id"] for u in result["unmatched"]]
    assert sorted(seen) == [o.order_id for o in orders]


# ---------------------------------------------------------------------------------------------- shifts


def test_shift_intervals__weekly_shifts_to_absolute_times():
    shifts = [{"days": ["fri", "sat"], "start": "08:00", "end": "12:00"}]
    assert shift_intervals(shifts, NOW, NOW + 48 * H) == ((NOW, NOW + 4 * H), (NOW + 24 * H, NOW + 28 * H))


def test_shift_intervals__overnight_shift_and_timezone():
    shifts = [{"days": ["thu"], "start": "22:00", "end": "06:00"}]
    # Thursday 22:00 in Hong Kong (UTC+8) = Thursday 14:00 UTC; it ends Friday 06:00 HKT = Thursday 22:00 UTC
    got = shift_intervals(shifts, NOW - 24 * H, NOW, "Asia/Hong_Kong")
    assert got == ((NOW - 18 * H, NOW - 10 * H),)


def test_shift_intervals__unknown_timezone():
    with pytest.raises(ConfigError, match="unknown timezone"):
        shift_intervals([], NOW, NOW + H, "Mars/Olympus")


# ---------------------------------------------------------------------------------------------- properties


@st.composite
def instances(draw: st.DrawFn):
    seed = draw(st.integers(0, 10_000))
    orders = generate.orders(draw(st.integers(0, 60)), now=NOW, seed=seed)
    printers = generate.printers(draw(st.integers(0, 8)), now=NOW, seed=seed + 1)
    chosen = parse_rule(shipped_rule(draw(st.sampled_from(SHIPPED))) | {"window_hours": draw(st.sampled_from([4, 24]))})
    return orders, printers, chosen


@settings(max_examples=120, deadline=None)
@given(instance=instances(), engine=st.sampled_from([plan, optimise]))
def test_plan_and_optimise__never_infeasible_never_twice_never_overlapping(instance, engine):
    orders, printers, chosen = instance
    result = engine(orders, printers, chosen, now=NOW)
    by_order = {o.order_id: o for o in orders}
    by_twin = {p.twin_id: p for p in printers}
    matched = [a.order_id for a in result.assignments]
    assert len(matched) == len(set(matched))
    assert set(matched).isdisjoint(u.order_id for u in result.unmatched)
    assert set(matched) | {u.order_id for u in result.unmatched} == set(by_order)
    for a in result.assignments:
        o, p = by_order[a.order_id], by_twin[a.twin_id]
        part = Part(o.size_u, o.size_v, o.size_w, o.material, o.colour, o.accuracy)
        assert check(part, p.capability) == 0
        assert p.status == TwinStatus.AVAILABLE
        assert a.end - a.start == o.estimated_seconds
        stretches = union(p.shifts, *result.window)  # working time: the shifts merged (touching ones are one)
        assert any(s <= a.start and a.end <= e for s, e in stretches), "job outside its printer's working time"
        assert result.window[0] <= a.start
        assert a.end <= result.window[1]
        assert a.start >= p.busy_until
    for twin in by_twin:
        jobs = sorted((a.start, a.end) for a in result.assignments if a.twin_id == twin)
        assert all(prev[1] <= nxt[0] for prev, nxt in itertools.pairwise(jobs)), "overlap"


def test_optimise__less_weighted_tardiness_than_the_rule_baseline():
    orders, printers = generate.orders(300, now=NOW, seed=5), generate.printers(20, now=NOW, seed=6)
    baseline = quality(plan(orders, printers, RULE1, now=NOW), orders, printers)
    optimised = quality(optimise(orders, printers, RULE1, now=NOW), orders, printers)
    assert optimised.weighted_tardiness_h < baseline.weighted_tardiness_h
    assert optimised.matched >= 0.9 * baseline.matched


def test_optimise__rework_still_first():
    orders = [order(1, priority=100, due_date=NOW + H), order(2, rework=True, due_date=NOW + 90 * H)]
    result = optimise(orders, [printer()], RULE1, now=NOW)
    assert min(result.assignments, key=lambda a: a.start).order_id == 2
