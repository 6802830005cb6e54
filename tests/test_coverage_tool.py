"""The contract-coverage tool's pure parts (tests/coverage/): source maps to program counters, the innermost
statement of a range, and the report's totals and misses. The whole pipeline runs in `make coverage`."""

from __future__ import annotations

from tests.coverage.report import missed, table, totals
from tests.coverage.sources import Branch, Function, Range, SourceIndex, Statement, code_map


def test_code_map__push_data_skipped_and_compressed_entries_inherited():
    # PUSH1 01 · PUSH2 0203 · JUMPI · ADD — pcs 0, 2, 5, 6; the map inherits empty fields from the entry before
    mapped = code_map("0x600161020357" + "01", "0:10:0:-;;5:2;:::i")

    assert mapped.pcs == (0, 2, 5, 6)
    assert mapped.ranges == {0: Range(0, 0, 10), 2: Range(0, 0, 10), 5: Range(0, 5, 2), 6: Range(0, 5, 2)}
    assert mapped.jumps == frozenset({5})
    assert mapped.following(2, 2) == (2, 5)


def test_code_map__instructions_of_no_source__unmapped():
    mapped = code_map("0x0101", "0:4:-1:-;1:2:0")

    assert mapped.ranges == {1: Range(0, 1, 2)}


def _index() -> SourceIndex:
    outer = Statement("c/A.sol", Range(0, 0, 100), "IfStatement", 3, "A.f", has_code=True)
    inner = Statement("c/A.sol", Range(0, 40, 10), "ExpressionStatement", 4, "A.f", has_code=True)
    shared = Statement("c/A.sol", Range(0, 60, 5), "Return", 5, "A.f")
    branch = Branch("c/A.sol", Range(0, 0, 100), 3, "A.f")
    function = Function("c/A.sol", "A.f", Range(0, 0, 120), 2)
    return SourceIndex({0: "c/A.sol"}, {"c/A.sol": "x\n" * 6}, {}, {}, [outer, inner, shared], [branch], [function])


def test_innermost__smallest_statement_holding_the_range_or_none_outside_covered_files():
    index = _index()

    assert index.innermost(Range(0, 42, 3)) is index.statements[1]
    assert index.innermost(Range(0, 10, 3)) is index.statements[0]
    assert index.innermost(Range(1, 42, 3)) is None  # file 1 is not one of ours


def test_report__counts_measurable_statements_and_both_ways_of_each_branch():
    index = _index()
    index.statements[0].hits = 2
    index.branches[0].outcomes.add(True)

    t = totals(index)

    assert (t.statements, t.statements_hit, t.branches, t.branches_hit) == (2, 1, 2, 1)  # the shared Return: out
    assert "c/A.sol:4  A.f  statement never run (ExpressionStatement)" in missed(index)
    assert "c/A.sol:3  A.f  one way never taken (the decision jump was only seen jumping)" in missed(index)
    assert "50.0" in table(index)
