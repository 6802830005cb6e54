"""The gas report's arithmetic and table (the measurement itself runs in `ape run gas`)."""

from __future__ import annotations

from offchain.chain.gas import Row, render


def test_row__per_item_and_target():
    cart = Row("OrderBook", "placeOrders", "cart", gas=700_001, items=10, target=70_000)

    assert cart.per_item == 70_000
    assert cart.ok
    assert not Row("OrderBook", "placeOrder", "x", gas=100_001, target=100_000).ok
    assert Row("OrderBook", "cancelOrder", "x", gas=10**9).ok  # no target, never fails


def test_render__marks_rows_over_target():
    table = render([Row("A", "f", "ok case", 10, target=20), Row("A", "g", "bad case", 30, target=20)])

    lines = table.splitlines()
    assert lines[0].split() == ["contract", "function", "case", "gas", "per", "item", "target", "ok"]
    assert lines[2].endswith("yes")
    assert lines[3].endswith("NO")
