"""From an STL and a customer's choices to an OrderRequest: every bad value refused before anything is uploaded;
shipping data reduced to a salted hash; contract refusals explained in one line."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from offchain.cli.messages import message
from offchain.exceptions import ConfigError, NotAuthorisedError, StlError
from offchain.printing.samples import box
from offchain.services.ordering import OrderChoices, Shipping, check_choices, prepare_order
from offchain.storage.base import MemoryStorage
from offchain.types import Catalogue

NOW = 1_800_000_000
CATALOGUE = Catalogue({0: "PLA", 2: "PETG"}, {0: "white", 3: "red"})
CHOICES = OrderChoices("pla", "Red", accuracy_um=200, quantity=2, priority=10, due_date=NOW + 86400)


def test_prepare__measures_uploads_and_hashes():
    storage, stl = MemoryStorage(), box(20, 15, 8)
    shipping = Shipping.new({"ship_to": "Jane Doe"})
    prepared = prepare_order(stl, CHOICES, shipping, CATALOGUE, storage, now=NOW)
    request = prepared.request
    assert (request.size_u, request.size_v, request.size_w) == (20_000, 15_000, 8_000)
    assert (request.material, request.colour, request.quantity) == (0, 3, 2)
    assert request.design_digest == hashlib.sha256(stl).digest()
    assert storage.pinned == {request.design_cid}
    assert request.shipping_hash == shipping.digest()


def test_shipping__salted__same_address_different_hash():
    assert Shipping.new({"a": 1}).digest() != Shipping.new({"a": 1}).digest()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"quantity": 0}, "quantity 0"),
        ({"quantity": 10_001}, "quantity 10001"),
        ({"accuracy_um": 0}, "accuracy 0 µm"),
        ({"priority": 101}, "priority 101"),
        ({"priority": -1}, "priority -1"),
        ({"due_date": NOW}, "is not in the future"),
    ],
)
def test_check_choices__bad_value__named(change, expected):
    with pytest.raises(ConfigError, match=expected):
        check_choices(replace(CHOICES, **change), NOW)


@pytest.mark.parametrize(("change", "expected"), [({"material": "Unobtainium"}, "material 'Unobtainium'"),
                                                  ({"colour": "mauve"}, "colour 'mauve'")])  # fmt: skip
def test_prepare__unknown_catalogue_name__nothing_uploaded(change, expected):
    storage = MemoryStorage()
    with pytest.raises(ConfigError, match=expected):
        prepare_order(box(), replace(CHOICES, **change), Shipping.new({}), CATALOGUE, storage, now=NOW)
    assert storage.pinned == set()


def test_prepare__malformed_stl__nothing_uploaded():
    storage = MemoryStorage()
    with pytest.raises(StlError):
        prepare_order(b"solid x\nnot really\n", CHOICES, Shipping.new({}), CATALOGUE, storage, now=NOW)
    assert storage.pinned == set()


def test_message__contract_refusal__decoded_with_a_hint():
    err = NotAuthorisedError("OrderBook", "OrderBookNotCustomer", {"orderId": 3}, function="cancelOrder")
    assert message(err) == (
        "OrderBook.cancelOrder refused: OrderBookNotCustomer(orderId=3)"
        " — only the customer who placed the order can do that"
    )


def test_message__os_error__file_and_reason():
    assert (
        message(FileNotFoundError(2, "No such file or directory", "part.stl")) == "part.stl: No such file or directory"
    )
