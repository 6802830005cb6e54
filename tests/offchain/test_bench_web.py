"""The web benchmark's table: medians, p95, the paper's figures beside them and the retrieve goal's verdict."""

from __future__ import annotations

from offchain.bench.web import WebBench, render


def _result(retrieve: list[float]) -> WebBench:
    return WebBench(
        publish_s=[5.0, 6.0, 7.0, 8.0, 30.0],
        retrieve_s=retrieve,
        table_s=[0.1, 0.2],
        page_s=[0.3, 0.4],
        indexed_orders=1000,
        period_s=5,
        newcomer_s=[20.0, 30.0, 40.0],
        gas_s=[1.5, 2.0, 2.5],
    )


def test_render__medians_p95_and_the_paper_side_by_side():
    text = render(_result([0.2, 0.3, 0.4]))

    assert "measure (P = 5 s)" in text
    publish = next(line for line in text.splitlines() if line.startswith("publish"))
    assert "7.00" in publish  # median
    assert "30.00" in publish  # p95 of five: the slowest
    assert "14.75" in publish
    assert "2.1× faster" in publish
    assert "goal ≤ 1 s: met" in text
    assert "1,000 orders" in text
    newcomer = next(line for line in text.splitlines() if line.startswith("newcomer"))
    assert "30.0" in newcomer
    assert "share of the 120 s goal: 25%" in newcomer
    assert "2.0" in next(line for line in text.splitlines() if "drip on the page" in line)


def test_render__retrieve_over_a_second__goal_missed():
    assert "goal ≤ 1 s: MISSED" in render(_result([0.5, 1.5, 2.0]))
