"""Shipping data at rest (issue 19, point 11): sealed under a key outside the database, one copy per publication
besides the customer's own saved form, deleted a documented time after the orders are printed or cancelled."""

from __future__ import annotations

import sqlite3

import pytest

from offchain.exceptions import ConfigError
from tests.web.test_customer import SHIPPING, _published, signed_in  # noqa: F401 — the fixture
from web.platform.housekeeping import purge_shipping
from web.platform.shipping import RETENTION_DAYS, ShippingVault
from web.platform.store import Store

DAY = 86400


def test_database__holds_no_shipping_in_plain_text(app, signed_in, sdk):  # noqa: F811
    _published(signed_in, sdk)
    database = app.extensions["imse"].settings.database

    raw = database.read_bytes() + database.with_name("web.sqlite-wal").read_bytes()

    for value in SHIPPING.values():
        if len(value) >= 6:  # shorter ones ("UK") turn up by chance in the sealed base64 and in SQLite's pages
            assert value.encode() not in raw
    with sqlite3.connect(database) as db:
        assert all(r[0].startswith("v1:") for r in db.execute("SELECT shipping FROM publish"))
        assert all(r[0].startswith("v1:") for r in db.execute("SELECT data FROM shipping"))
    assert signed_in.get("/customer/").status_code == 200
    assert SHIPPING["postcode"] in signed_in.get("/customer/").get_data(as_text=True)  # read back through the key


def test_vault__another_key_or_altered__refused_plainly(tmp_path):
    sealed = ShippingVault(tmp_path / "a.key").seal({"name": "Ada"})

    with pytest.raises(ConfigError, match="another key"):
        ShippingVault(tmp_path / "b.key").open(sealed)
    altered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    with pytest.raises(ConfigError, match="altered"):
        ShippingVault(tmp_path / "a.key").open(altered)
    (tmp_path / "bad.key").write_text("not hex")
    with pytest.raises(ConfigError, match="not a hex key"):
        ShippingVault(tmp_path / "bad.key")


def test_vault__key_file_owner_only(tmp_path):
    ShippingVault(tmp_path / "k.key")

    assert (tmp_path / "k.key").stat().st_mode & 0o777 == 0o600


def test_store__plain_rows_of_an_older_version__sealed_at_start(tmp_path):
    path = tmp_path / "web.sqlite"
    Store(path).set_shipping("0xa", {"name": "Ada"})
    with sqlite3.connect(path) as db:
        db.execute("UPDATE shipping SET data = ?", ('{"name": "Ada"}',))  # as an earlier version wrote it

    store = Store(path)

    assert store.shipping("0xa") == {"name": "Ada"}
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT data FROM shipping").fetchone()[0].startswith("v1:")


def test_purge__printed_orders__shipping_deleted_after_the_retention(app, signed_in, sdk, signer_of, customer):  # noqa: F811
    platform = app.extensions["imse"]
    order, _ = _published(signed_in, sdk)
    signer_of(customer).transact(sdk.order_book.build_cancel(order, sender=customer.address))
    platform.index.sync()
    assert signed_in.get(f"/api/orders/{order}/shipping").status_code == 200
    now = 1_900_000_000.0

    assert purge_shipping(platform.store, platform.index, now) == 0  # first seen final: the clock starts
    assert purge_shipping(platform.store, platform.index, now + (RETENTION_DAYS - 1) * DAY) == 0
    assert purge_shipping(platform.store, platform.index, now + RETENTION_DAYS * DAY) == 1

    answer = signed_in.get(f"/api/orders/{order}/shipping")
    assert answer.status_code == 400
    assert f"deleted {RETENTION_DAYS} days after it was printed or cancelled" in answer.get_json()["message"]


def test_purge__order_still_open__kept(app, signed_in, sdk):  # noqa: F811
    platform = app.extensions["imse"]
    order, _ = _published(signed_in, sdk)
    platform.index.sync()

    assert purge_shipping(platform.store, platform.index, 4_000_000_000.0) == 0
    assert signed_in.get(f"/api/orders/{order}/shipping").get_json()["shipping"] == SHIPPING


def test_forget__saved_form_deleted(signed_in):  # noqa: F811
    signed_in.htmx("/customer/shipping", SHIPPING)

    page = signed_in.htmx("/customer/shipping/forget").get_data(as_text=True)

    assert SHIPPING["postcode"] not in page
    assert signed_in.client.application.extensions["imse"].store.shipping(
        signed_in.get("/auth/me").get_json()["address"]) is None  # fmt: skip
