"""The publish benchmark's arithmetic and table (the measurement itself runs on a real network)."""

from __future__ import annotations

import math

from offchain.bench.publish import RoundResult, Sample, render_table


def _round() -> RoundResult:
    samples = [
        Sample(0, 0, "0xa", submitted=100.0, confirmed=102.0, block=1, ok=True),
        Sample(0, 1, "0xb", submitted=101.0, confirmed=104.0, block=2, ok=True),
        Sample(1, 0, "0xc", submitted=102.0, confirmed=None, block=None, ok=None),  # never confirmed
        Sample(1, 1, "0xd", submitted=104.0, confirmed=108.0, block=2, ok=False),  # reverted
    ]
    return RoundResult("r", 5, "fixed", 10.0, samples, [(1, 15, 30), (2, 30, 30), (3, 0, 30)])


def test_round__counts_only_successes():
    r = _round()

    assert [s.tx_hash for s in r.ok] == ["0xa", "0xb"]
    assert r.send_rate == 4 / 4.0
    assert r.throughput == 2 / (104.0 - 100.0)  # successes / (last confirmation - first submit)
    assert r.blocks == 2


def test_round__latency_quantiles_and_gas_share():
    r = _round()

    assert r.latency_quantile(0.5) == 3.0
    assert r.latency_quantile(0.0) == 2.0
    assert r.gas_used_pct == 75.0  # median of the blocks that carried our transactions (50 %, 100 %)


def test_round__no_success__is_nan_and_zero():
    r = RoundResult("empty", 2, "saturation", 1.0, [Sample(0, 0, "0xe", 1.0)])

    assert math.isnan(r.latency_quantile(0.5))
    assert r.throughput == 0.0
    assert r.gas_used_pct == 0.0


def test_render_table__has_the_paper_row():
    table = render_table([_round()])

    assert "paper: customer explorer" in table
    assert "14.75" in table
    assert table.splitlines()[2].startswith("r ")
