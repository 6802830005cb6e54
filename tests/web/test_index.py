"""The live chain index on the real contracts (ape's in-process EVM): orders and their events read into SQLite,
statuses from the contract, a change published to the customer's SSE topic, a reorg replayed, a rebuild from
scratch, and the SSE stream of My orders."""

from __future__ import annotations

import json

import pytest

from offchain.types import OrderStatus
from tests.web.conftest import Browser, match_order, send_as_wallet
from web.platform.events import Broker, sse
from web.platform.index import ChainIndex


@pytest.fixture
def index(sdk, tmp_path) -> ChainIndex:
    built = ChainIndex(sdk, tmp_path / "index.sqlite", Broker())
    built.sync()
    return built


def test_index__placed_then_cancelled__status_from_chain_and_published(index, place, sdk, signer_of, customer):
    with index.broker.subscribe(f"orders:{customer.address.lower()}") as inbox:
        order = place(quantity=3)
        index.sync()
        assert inbox.get_nowait()[0] == f"orders:{customer.address.lower()}"
        signer_of(customer).transact(sdk.order_book.build_cancel(order, sender=customer.address))
        index.sync()
        assert inbox.qsize() == 1

    found = {o.order_id: o for o in index.orders_of(customer.address)}[order]
    assert found.status == OrderStatus.CANCELLED
    assert found.quantity == 3
    assert [e["event"] for e in index.timeline(order)] == ["OrderPlaced", "OrderStatusChanged"]
    assert index.block == sdk.head()


def test_index__other_customers_orders__not_listed(index, place, other_customer):
    place()
    index.sync()

    assert index.orders_of(other_customer.address) == []


def test_index__deleted__rebuilt_from_the_deployment_block(index, place, sdk, customer, tmp_path):
    order = place()
    index.sync()
    (tmp_path / "index.sqlite").unlink()
    for extra in ("-wal", "-shm"):
        (tmp_path / f"index.sqlite{extra}").unlink(missing_ok=True)

    rebuilt = ChainIndex(sdk, tmp_path / "index.sqlite", Broker())
    rebuilt.sync()

    assert order in [o.order_id for o in rebuilt.orders_of(customer.address)]


def test_index__from_another_chain__rebuilt(index, place, sdk, customer, tmp_path):
    order = place()
    index.sync()
    index._meta_set("genesis", "0x" + "ab" * 32)

    again = ChainIndex(sdk, tmp_path / "index.sqlite", Broker())

    assert again.orders_of(customer.address) == []  # wiped, then rebuilt by the next sync
    again.sync()
    assert order in [o.order_id for o in again.orders_of(customer.address)]


@pytest.mark.parametrize("row", ['{"not": "a cursor"', '["0xab", "x", "0x", []]', "[1, 2]", "null"])
def test_index__damaged_cursor_row__rebuilt_and_said(index, place, sdk, customer, tmp_path, caplog, row):
    """A damaged checkpoint row made the web server fail to start with a bare JSONDecodeError."""
    order = place()
    index.sync()
    index._meta_set("cursor", row)

    with caplog.at_level("WARNING", logger="imse.web.platform.index"):
        again = ChainIndex(sdk, tmp_path / "index.sqlite", Broker())
    again.sync()

    assert "checkpoint row is damaged" in caplog.text
    assert "rebuilding the index from the chain" in caplog.text
    assert order in [o.order_id for o in again.orders_of(customer.address)]


def test_index__reorg__orders_of_the_lost_blocks_gone(index, place, chain, customer):
    chain.mine(1)
    index.sync()
    snapshot = chain.snapshot()
    lost = place(quantity=4)
    index.sync()
    assert lost in [o.order_id for o in index.orders_of(customer.address)]

    chain.restore(snapshot)  # the block with the order is replaced by others
    kept = place(quantity=5)
    chain.mine(2)
    index.sync()

    orders = {o.order_id: o for o in index.orders_of(customer.address)}
    assert orders[kept].quantity == 5  # the same id now holds the new chain's order
    assert all(o.quantity != 4 for o in orders.values())


def test_index__reorg_drops_a_match__order_back_to_placed(index, place, chain, sdk, signer_of, servicer, matcher,
                                                          customer):  # fmt: skip
    """A rewound span re-read only the orders its new events named: a match the reorganisation undid stayed
    Matched in the index (and its printer's owner kept reading the customer's shipping data)."""
    order = place()
    index.sync()
    snapshot = chain.snapshot()
    match_order(sdk, signer_of, servicer, matcher, order)
    index.sync()
    assert {o.order_id: o for o in index.orders_of(customer.address)}[order].status == OrderStatus.MATCHED

    chain.restore(snapshot)  # the blocks with the twin and the match are replaced by empty ones
    chain.mine(4)
    index.sync()

    found = {o.order_id: o for o in index.orders_of(customer.address)}[order]
    assert (found.status, found.twin_id, found.planned_start) == (OrderStatus.PLACED, None, None)
    assert [e["event"] for e in index.timeline(order)] == ["OrderPlaced"]


def test_sse__data_lines_and_event_name():
    assert sse("orders", "<tr>\n<td>1</td>") == "event: orders\ndata: <tr>\ndata: <td>1</td>\n\n"


def test_broker__full_queue_keeps_the_latest():
    broker = Broker()
    with broker.subscribe("t") as inbox:
        for n in range(150):
            broker.publish("t", n)
        items = [inbox.get_nowait()[1] for _ in range(inbox.qsize())]
    assert items[-1] == 149
    assert len(items) == 100
    assert broker.subscribers("t") == 0


def test_events_stream__first_event_is_the_orders_table(app, customer, place):
    browser = Browser(app)
    browser.sign_in(customer)
    order = place()
    app.extensions["imse"].index.sync()

    answer = browser.client.get("/customer/events", base_url=browser.base_url, buffered=False)

    assert answer.mimetype == "text/event-stream"
    retry, first = next(answer.response).decode(), next(answer.response).decode()
    answer.close()
    assert retry == "retry: 500\n\n"  # the browser re-opens the short-lived stream after 0.5 s
    assert first.startswith("event: orders\n")
    assert f'data-order="{order}"' in first


def test_my_orders__bot_left_an_order_out__reason_shown_to_its_customer(sdk, tmp_path, node_rpc, customer, place):
    """The matcher bot reports an order it could not plan (its design unfetchable): My orders says why it waits;
    a damaged report shows nothing and breaks nothing."""
    from web.app import create_app
    from web.platform.settings import WebSettings

    report = tmp_path / "report.json"
    settings = WebSettings(state_dir=tmp_path / "web", secret_key="k", matcher_report=report)
    app = create_app(settings, chain=sdk, node_rpc=node_rpc, follow=False)
    waiting, fine = place(), place()
    app.extensions["imse"].index.sync()
    report.write_text(json.dumps({"block": 1, "unmatched": [
        {"order_id": waiting, "reason": "design unavailable", "details": {"error": "not found"}}]}))  # fmt: skip
    browser = Browser(app)
    browser.sign_in(customer)

    table = browser.get("/customer/orders").get_data(as_text=True)

    row = table.split(f'data-order="{waiting}"', 1)[1].split("</tr>", 1)[0]
    assert "waiting for its design: the file cannot be fetched from the swarm yet" in row
    assert "waiting for" not in table.split(f'data-order="{fine}"', 1)[1].split("</tr>", 1)[0]
    report.write_text('{"unmatched": [{"order_id": "x"')  # half-written / damaged
    damaged = browser.get("/customer/orders")
    assert damaged.status_code == 200
    assert "waiting for" not in damaged.get_data(as_text=True)


def test_events_stream__signed_out__refused(browser):
    assert browser.get("/customer/events").status_code == 401


def test_events_stream__a_publication_being_followed__its_state_sent(app, customer, sdk):
    from tests.web.test_customer import SHIPPING, _design_id, _line

    browser = Browser(app)
    browser.sign_in(customer)
    browser.htmx("/customer/cart", _line(_design_id(browser)))
    browser.htmx("/customer/shipping", SHIPPING)
    built = browser.post("/customer/publish").get_json()
    tx_hash = send_as_wallet(sdk, built["tx"])
    app.extensions["imse"].store.set_submitted(built["publish"], tx_hash, customer.address, None, sdk.head())

    answer = browser.client.get("/customer/events", base_url=browser.base_url, buffered=False)
    chunks = answer.response
    _retry, first, second = next(chunks).decode(), next(chunks).decode(), next(chunks).decode()
    answer.close()

    assert first.startswith("event: orders\n")
    assert second.startswith("event: publish\n")
    assert '"state": "mined"' in second
    assert f'"hash": "{tx_hash}"' in second
