"""Measuring: every transaction, every reverted gas estimate and every call the tests make on anvil is traced
(`debug_traceTransaction` / `debug_traceCall`, struct logs without stack or memory, plus a `callTracer` trace that
says which contract each deeper frame runs), and each executed program counter is mapped to the statements,
branches and functions of `sources.SourceIndex`.

Reverting paths matter most for a platform whose contracts mostly say no: ape estimates gas before it sends, so a
call that reverts never becomes a transaction — its estimate (or call) is traced instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from tests.coverage.sources import Branch, CodeMap, Function, Range, SourceIndex, Statement

TRACE_OPTIONS = {"disableStorage": True, "disableStack": True, "enableMemory": False, "enableReturnData": False}
PRECOMPILES = {f"0x{n:040x}" for n in range(1, 11)}

CodeRef = tuple[str, str] | None  # (contract name, "runtime" | "creation"), None for code that is not ours


class Collector:
    def __init__(self, index: SourceIndex, name_of: Callable[[str], str | None]) -> None:
        self.index = index
        self.name_of = name_of  # contract address → contract name (ape's registry of deployments)
        self.traces = 0
        self.failures: list[str] = []  # tracing is a bystander: what went wrong is reported, never raised
        self._statement_at: dict[tuple[str, str, int], Statement | None] = {}
        self._branch_at: dict[tuple[str, str, int], Branch | None] = {}
        by_range: dict[Range, Branch] = {}
        for branch in index.branches:
            by_range.setdefault(branch.range, branch)
        self._branch_by_range = by_range
        self._functions: dict[tuple[str, str], list[Function]] = {}  # overloads share a name
        for f in index.functions:
            self._functions.setdefault((f.source, f.name), []).append(f)

    # ------------------------------------------------------------------------------------------ traces

    def add(self, root: CodeRef, call_tree: dict[str, Any], frames: list[dict[str, Any]]) -> None:
        """One traced execution: `root` is the code of the outermost frame, `call_tree` the callTracer result."""
        self.traces += 1
        hit: set[Statement] = set()
        for (code, frame), following in _pairs(self._attribute(root, call_tree, frames)):
            if code is None:
                continue
            pc = int(frame["pc"])
            statement = self._statement(code, pc)
            if statement is not None:
                hit.add(statement)
            if frame.get("op") == "JUMPI" and following is not None and following[1]["depth"] == frame["depth"]:
                branch = self._branch(code, pc)
                if branch is not None:
                    branch.outcomes.add(int(following[1]["pc"]) != self._next_pc(code, pc))
        for statement in hit:
            statement.hits += 1
        for key in {(s.source, s.function) for s in hit}:
            for function in self._functions.get(key, ()):
                function.hits += 1

    def _attribute(
        self, root: CodeRef, call_tree: dict[str, Any], frames: list[dict[str, Any]]
    ) -> Iterator[tuple[CodeRef, dict[str, Any]]]:
        callees = iter(_callees(call_tree, self.name_of))
        stack: list[CodeRef] = [root]
        depth = frames[0]["depth"] if frames else 1
        for frame in frames:
            if frame["depth"] > depth:
                stack.append(next(callees, None))
            elif frame["depth"] < depth:
                del stack[len(stack) - (depth - frame["depth"]) :]
            depth = frame["depth"]
            yield (stack[-1] if stack else None), frame

    # ------------------------------------------------------------------------------------------ lookups

    def _map(self, code: tuple[str, str]) -> CodeMap | None:
        name, kind = code
        return (self.index.runtime if kind == "runtime" else self.index.creation).get(name)

    def _statement(self, code: tuple[str, str], pc: int) -> Statement | None:
        key = (*code, pc)
        if key not in self._statement_at:
            found = None
            where = (mapped := self._map(code)) and mapped.ranges.get(pc)
            if where:
                found = self.index.innermost(where)
            self._statement_at[key] = found
        return self._statement_at[key]

    def _branch(self, code: tuple[str, str], pc: int) -> Branch | None:
        key = (*code, pc)
        if key not in self._branch_at:
            where = (mapped := self._map(code)) and mapped.ranges.get(pc)
            self._branch_at[key] = self._branch_by_range.get(where) if where else None
        return self._branch_at[key]

    def _next_pc(self, code: tuple[str, str], pc: int) -> int:
        mapped = self._map(code)
        following = mapped.following(pc, 2) if mapped else ()
        return following[1] if len(following) == 2 else pc + 1


def _pairs(items: Iterator[Any]) -> Iterator[tuple[Any, Any]]:
    previous = None
    first = True
    for item in items:
        if not first:
            yield previous, item
        previous, first = item, False
    if not first:
        yield previous, None


def _callees(call: dict[str, Any], name_of: Callable[[str], str | None]) -> Iterator[CodeRef]:
    """The code each nested call runs, in the order the struct logs enter them (pre-order); calls that run no code
    (precompiles) produce no deeper frames and are left out."""
    for sub in call.get("calls") or []:
        to = str(sub.get("to") or "").lower()
        if to in PRECOMPILES:
            continue
        name = name_of(to)
        kind = "creation" if str(sub.get("type", "")).startswith("CREATE") else "runtime"
        yield (name, kind) if name else None
        yield from _callees(sub, name_of)


# ---------------------------------------------------------------------------------------------- hooks


def install(collector_for: Callable[[], Collector | None]) -> None:
    """Traces what the test session executes on its provider, for the collector `collector_for()` returns (None:
    coverage is off, nothing is traced). Patches ape's Web3Provider; reverts and results pass through untouched."""
    from ape.exceptions import ContractLogicError
    from ape_ethereum.provider import Web3Provider

    send_transaction, estimate, send_call = (
        Web3Provider.send_transaction, Web3Provider.estimate_gas_cost, Web3Provider.send_call,
    )  # fmt: skip

    def traced_transaction(self: Any, txn: Any) -> Any:
        try:
            receipt = send_transaction(self, txn)
        except ContractLogicError:
            _trace_call(self, collector_for(), txn)
            raise
        collector = collector_for()
        if collector is not None:
            tx_hash = receipt.txn_hash if isinstance(receipt.txn_hash, str) else receipt.txn_hash.hex()
            with _bystander(collector):
                frames = self.make_request("debug_traceTransaction", [tx_hash, TRACE_OPTIONS])["structLogs"]
                tree = self.make_request("debug_traceTransaction", [tx_hash, {"tracer": "callTracer"}])
                collector.add(_root(collector, txn), tree, frames)
        return receipt

    def traced_estimate(self: Any, txn: Any, block_id: Any = None) -> int:
        try:
            return int(estimate(self, txn, block_id))
        except ContractLogicError:
            _trace_call(self, collector_for(), txn)
            raise

    def traced_call(self: Any, txn: Any, block_id: Any = None, state: Any = None, **kwargs: Any) -> Any:
        _trace_call(self, collector_for(), txn)
        return send_call(self, txn, block_id, state, **kwargs)

    Web3Provider.send_transaction = traced_transaction  # type: ignore[method-assign]
    Web3Provider.estimate_gas_cost = traced_estimate  # type: ignore[method-assign]
    Web3Provider.send_call = traced_call  # type: ignore[method-assign]


def _root(collector: Collector, txn: Any) -> CodeRef:
    if txn.receiver:
        name = collector.name_of(str(txn.receiver).lower())
        return (name, "runtime") if name else None
    created = collector.index.created(bytes(txn.data))
    return (created, "creation") if created else None


@contextlib.contextmanager
def _bystander(collector: Collector) -> Iterator[None]:
    """Never changes what the test sees: a tracing failure is recorded for the report instead."""
    try:
        yield
    except Exception as err:
        if len(collector.failures) < 20:
            collector.failures.append(f"{type(err).__name__}: {err}"[:300])


def _trace_call(provider: Any, collector: Collector | None, txn: Any) -> None:
    if collector is None or not txn.receiver:
        return  # a deployment that fails leaves nothing to attribute
    call = {"from": txn.sender, "to": txn.receiver, "data": "0x" + bytes(txn.data).hex()}
    if getattr(txn, "value", 0):
        call["value"] = hex(int(txn.value))
    with _bystander(collector):
        frames = provider.make_request("debug_traceCall", [call, "latest", TRACE_OPTIONS])["structLogs"]
        tree = provider.make_request("debug_traceCall", [call, "latest", {"tracer": "callTracer"}])
        collector.add(_root(collector, txn), tree, frames)
