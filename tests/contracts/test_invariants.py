"""Stateful (model-based) tests of the platform's invariants, with hypothesis driving all four contracts.

A Python model follows every action; each action must succeed exactly when the model says it may, and after every
step the chain must agree with the model:
- an order's status only moves along the status machine (every OrderStatusChanged is an allowed move);
- an order is matched to at most one twin at a time, and orders in a pool (Placed, Rework) or Cancelled have none;
- a cancelled order can never be matched; an item the state no longer allows is skipped (MatchSkipped), not reverted;
- an order starts printing only on a twin that can print it now (Available or Busy, the order fitting its current
  capability); a stranded match can be withdrawn by anyone, any other only by a matcher;
- a twin's version only increases, by one per accepted update; stale updates are refused.

Runs 70 examples × 40 steps in `make test` (~7 min, keeping the whole command near 30 min); IMSE_STATEFUL_EXAMPLES /
IMSE_STATEFUL_STEPS select a larger profile (e.g. `IMSE_STATEFUL_EXAMPLES=1000 .venv/bin/ape test
tests/contracts/test_invariants.py`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import ape
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from offchain.matching.constraints import check
from offchain.types import Capability, Constraint, OrderStatus, Part, TwinKind, TwinStatus, order_moves
from tests.contracts.values import DEFAULT_CAPABILITY, MM, capability_tuple, order_request

POOL = (OrderStatus.PLACED, OrderStatus.REWORK)
WITH_MATCH = (OrderStatus.MATCHED, OrderStatus.PRINTING, OrderStatus.PRINTED)


@dataclass
class OrderModel:
    customer: object
    part: Part
    status: OrderStatus = OrderStatus.PLACED
    twin: int = 0
    rework_count: int = 0


@dataclass
class TwinModel:
    owner: object
    capability: Capability
    version: int = 1
    status: TwinStatus = TwinStatus.AVAILABLE


def _capability(fields: dict[str, int]) -> Capability:
    return Capability(*capability_tuple(**fields))


@pytest.mark.slow
def test_platform_invariants(
    chain,
    twin_registry,
    order_book,
    match_ledger,
    execution_log,
    servicer,
    other_servicer,
    matcher,
    customer,
    other_customer,
    due_date,
):
    moves = set(order_moves(0)) | set(order_moves(1))

    class Platform(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.snapshot = chain.snapshot()
            self.orders: dict[int, OrderModel] = {}
            self.twins: dict[int, TwinModel] = {}

        def teardown(self) -> None:
            chain.restore(self.snapshot)

        # ------------------------------------------------------------------ helpers
        def _record(self, tx) -> None:
            for log in tx.events:
                if log.event_name == "OrderStatusChanged":
                    move = (OrderStatus(log["from"]), OrderStatus(log.to))
                    assert move in moves, f"order {log.orderId}: forbidden move {move}"

        def _owner(self, order_id: int):
            return self.twins[self.orders[order_id].twin].owner

        def _printable(self, order_id: int) -> bool:
            """The matched twin can print the order now (else the match is stranded)."""
            order = self.orders[order_id]
            twin = self.twins[order.twin]
            fits = check(order.part, twin.capability) == Constraint.NONE
            return twin.status in (TwinStatus.AVAILABLE, TwinStatus.BUSY) and fits

        # ------------------------------------------------------------------ twins
        @initialize(small=st.booleans())
        def publish_two_printers(self, small: bool) -> None:
            for owner, fields in (
                (servicer, DEFAULT_CAPABILITY),
                (
                    other_servicer,
                    {**DEFAULT_CAPABILITY, "buildX": 100 * MM, "buildY": 100 * MM, "accuracy": 50}
                    if small
                    else DEFAULT_CAPABILITY,
                ),
            ):
                cap = capability_tuple(**fields)
                tx = twin_registry.publishTwin(TwinKind.PRINTER, cap, b"\x11" * 32, "cid", sender=owner)
                self.twins[tx.events[0].twinId] = TwinModel(owner, _capability(fields))

        @rule(data=st.data(), stale=st.booleans())
        def update_twin(self, data: st.DataObject, stale: bool) -> None:
            twin_id = data.draw(st.sampled_from(sorted(self.twins)))
            twin = self.twins[twin_id]
            expected = twin.version - 1 if stale else twin.version
            accuracy = data.draw(st.sampled_from([50, 100, 300]))
            call = lambda: twin_registry.updateTwin(  # noqa: E731
                twin_id, expected, capability_tuple(accuracy=accuracy), b"\x12" * 32, "cid", "patch", sender=twin.owner
            )
            if stale or twin.status == TwinStatus.RETIRED:
                with ape.reverts():
                    call()
                return
            call()
            twin.version += 1
            twin.capability = _capability({**DEFAULT_CAPABILITY, "accuracy": accuracy})

        @rule(data=st.data(), status=st.sampled_from([s for s in TwinStatus if s != TwinStatus.NONE]))
        def set_twin_status(self, data: st.DataObject, status: TwinStatus) -> None:
            twin_id = data.draw(st.sampled_from(sorted(self.twins)))
            twin = self.twins[twin_id]
            if twin.status == TwinStatus.RETIRED or status == twin.status:
                with ape.reverts():
                    twin_registry.setTwinStatus(twin_id, status, sender=twin.owner)
                return
            twin_registry.setTwinStatus(twin_id, status, sender=twin.owner)
            twin.status = status

        # ------------------------------------------------------------------ orders
        @rule(
            who=st.sampled_from(["customer", "other_customer"]),
            width=st.sampled_from([50 * MM, 150 * MM, 300 * MM]),
            accuracy=st.sampled_from([60, 100, 200]),
            material=st.sampled_from([0, 3]),
        )
        def place_order(self, who: str, width: int, accuracy: int, material: int) -> None:
            account = customer if who == "customer" else other_customer
            request = order_request(sizeU=width, accuracy=accuracy, material=material, dueDate=due_date)
            tx = order_book.placeOrder(request, sender=account)
            part = Part(width, request[3], request[4], material, 0, accuracy)
            self.orders[tx.events[0].orderId] = OrderModel(account, part)

        @precondition(lambda self: self.orders)
        @rule(data=st.data(), by_customer=st.booleans())
        def cancel(self, data: st.DataObject, by_customer: bool) -> None:
            order_id = data.draw(st.sampled_from(sorted(self.orders)))
            order = self.orders[order_id]
            sender = order.customer if by_customer else matcher
            if not by_customer or order.status != OrderStatus.PLACED:
                with ape.reverts():
                    order_book.cancelOrder(order_id, sender=sender)
                return
            self._record(order_book.cancelOrder(order_id, sender=sender))
            order.status = OrderStatus.CANCELLED

        @precondition(lambda self: self.orders)
        @rule(data=st.data())
        def match(self, data: st.DataObject) -> None:
            order_id = data.draw(st.sampled_from(sorted(self.orders)))
            twin_id = data.draw(st.sampled_from(sorted(self.twins)))
            order, twin = self.orders[order_id], self.twins[twin_id]
            allowed = (
                order.status in POOL
                and twin.status == TwinStatus.AVAILABLE
                and check(order.part, twin.capability) == Constraint.NONE
            )
            batch = [(order_id, twin_id, 0, 0, int(chain.pending_timestamp) + 60, 600, "gcode")]
            tx = match_ledger.publishMatches(b"\x00" * 32, "", batch, sender=matcher)
            self._record(tx)
            skipped = [log for log in tx.events if log.event_name == "MatchSkipped"]
            if not allowed:  # the state changed since "planning": that item is skipped, nothing reverts
                assert [log.orderId for log in skipped] == [order_id]
                return
            assert not skipped
            order.status, order.twin = OrderStatus.MATCHED, twin_id

        @precondition(lambda self: self.orders)
        @rule(data=st.data())
        def unmatch(self, data: st.DataObject) -> None:
            order_id = data.draw(st.sampled_from(sorted(self.orders)))
            order = self.orders[order_id]
            by_anyone = data.draw(st.booleans())  # without MATCHER_ROLE: only a stranded match
            sender = customer if by_anyone else matcher
            if order.status != OrderStatus.MATCHED or (by_anyone and self._printable(order_id)):
                with ape.reverts():
                    match_ledger.unmatch(order_id, sender=sender)
                return
            self._record(match_ledger.unmatch(order_id, sender=sender))
            order.status = OrderStatus.PLACED if order.rework_count == 0 else OrderStatus.REWORK
            order.twin = 0

        @precondition(lambda self: any(o.twin for o in self.orders.values()))
        @rule(data=st.data(), step=st.sampled_from(["start", "finish", "fault"]))
        def execute(self, data: st.DataObject, step: str) -> None:
            order_id = data.draw(st.sampled_from(sorted(o for o, m in self.orders.items() if m.twin)))
            order = self.orders[order_id]
            owner = self._owner(order_id)
            call = {
                "start": lambda: execution_log.startTask(order_id, sender=owner),
                "finish": lambda: execution_log.finishTask(order_id, sender=owner),
                "fault": lambda: execution_log.reportFault(order_id, 1, sender=owner),
            }[step]
            needed = OrderStatus.MATCHED if step == "start" else OrderStatus.PRINTING
            twin = self.twins[order.twin]
            refused = (step == "start" and not self._printable(order_id)) or (
                step == "finish" and twin.status == TwinStatus.RETIRED
            )  # a task starts only on a twin that can print it now; nothing but a fault on a retired twin
            if order.status != needed or refused:
                with ape.reverts():
                    call()
                return
            self._record(call())
            if step == "start":
                order.status = OrderStatus.PRINTING
            elif step == "finish":
                order.status = OrderStatus.PRINTED
            else:
                order.status, order.twin = OrderStatus.REWORK, 0
                order.rework_count += 1

        # ------------------------------------------------------------------ invariants
        @invariant()
        def orders_agree_with_model(self) -> None:
            for order_id, order in self.orders.items():
                on_chain = order_book.getOrder(order_id)
                assert OrderStatus(on_chain.status) == order.status, f"order {order_id}"
                assert on_chain.reworkCount == order.rework_count
                matched_twin = match_ledger.getMatch(order_id).twinId
                if order.status in WITH_MATCH:
                    assert matched_twin == order.twin, f"order {order_id} matched to {matched_twin}"
                elif order.status in (OrderStatus.PLACED, OrderStatus.CANCELLED, OrderStatus.REWORK):
                    assert matched_twin == 0, f"order {order_id} ({order.status.name}) has a match"

        @invariant()
        def twin_versions_agree_with_model(self) -> None:
            for twin_id, twin in self.twins.items():
                on_chain = twin_registry.getTwin(twin_id)
                assert (on_chain.version, TwinStatus(on_chain.status)) == (twin.version, twin.status)

    run_state_machine_as_test(
        Platform,
        settings=settings(
            max_examples=int(os.environ.get("IMSE_STATEFUL_EXAMPLES", "70")),
            stateful_step_count=int(os.environ.get("IMSE_STATEFUL_STEPS", "40")),
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
