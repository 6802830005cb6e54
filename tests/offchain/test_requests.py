"""OrderRequest tuples built by name."""

from __future__ import annotations

import pytest

from offchain.chain.requests import ORDER_FIELDS, SAMPLE_ORDER, order_request, sample_order


def test_sample_order__is_in_abi_field_order():
    request = sample_order(1_900_000_000, quantity=3)

    assert len(request) == len(ORDER_FIELDS) == 12
    assert request[ORDER_FIELDS.index("dueDate")] == 1_900_000_000
    assert request[ORDER_FIELDS.index("quantity")] == 3
    assert request[ORDER_FIELDS.index("designCid")] == SAMPLE_ORDER["designCid"]


def test_order_request__missing_field__raises_naming_it():
    fields = dict(SAMPLE_ORDER)  # no dueDate

    with pytest.raises(TypeError, match="dueDate"):
        order_request(**fields)


def test_order_request__unknown_field__raises_naming_it():
    with pytest.raises(TypeError, match="colour_code"):
        sample_order(1, colour_code=2)
