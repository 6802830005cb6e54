"""Orders without the web UI: place one from an STL, a cart from a JSON file, cancel, list, show.

    ape run orders place PART.stl --material PLA --colour white [--accuracy 200] [--quantity 1] [--priority 10]
                         [--due 2026-12-24 | --due-days 7] [--ship-to "Jane Doe, 1 Main St"] --network … --account …
    ape run orders cart CART.json --network … --account …
    ape run orders cancel ORDER --network … --account …
    ape run orders list [--customer ADDRESS] [--status placed] [--json] --network …
    ape run orders show ORDER [--json] --network …

The design is checked (parse, size limits) and put on the private IPFS swarm before the transaction; its size is
measured from the file. Shipping data stays off chain (data/orders/shipping/, salted); only its hash is recorded.
A cart file is a list of items, each {"stl": "part.stl", "material": "PLA", "colour": "white", "accuracy": 200,
"quantity": 1, "priority": 10, "due_days": 7} (paths relative to the cart file), or {"ship_to": …, "items": [...]}.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from ape.cli import ConnectedProviderCommand, account_option

from offchain.chain.ape_logs import logs_to_stderr
from offchain.chain.connection import Chain
from offchain.cli.ape_platform import connected_chain, echo_json, guarded, json_option, send, signer_for
from offchain.cli.messages import message
from offchain.cli.script_options import ipfs_option, registry_option, storage
from offchain.exceptions import ImseError
from offchain.printing.stl import read_stl
from offchain.services.ordering import OrderChoices, PreparedOrder, Shipping, check_choices, prepare_order
from offchain.settings import data_dir
from offchain.text import table
from offchain.types import OrderStatus

logs_to_stderr()  # stdout carries only results


def _due(due: str | None, due_days: float | None, now: int) -> int:
    if due and due_days is not None:
        raise click.UsageError("give --due or --due-days, not both")
    if due:
        try:
            parsed = datetime.fromisoformat(due)
        except ValueError as err:
            raise click.BadParameter(
                f"{due!r} is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM)", param_hint="--due"
            ) from err
        return int((parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp())
    return now + round((7 if due_days is None else due_days) * 86400)


def _save_shipping(shipping: Shipping) -> Path:
    folder = data_dir() / "orders" / "shipping"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{shipping.digest().hex()}.json"
    path.write_text(json.dumps(shipping.to_json(), indent=1) + "\n")
    return path


def _place(chain: Chain, account: Any, prepared: list[PreparedOrder], shipping: Shipping, as_json: bool) -> None:
    signer = signer_for(chain, account)
    book = chain.order_book
    requests = [p.request for p in prepared]
    if len(requests) == 1:
        sent = send(signer, lambda: book.build_place(requests[0], sender=signer.address), "place order")
    else:
        sent = send(signer, lambda: book.build_place_cart(requests, sender=signer.address), f"cart of {len(requests)}")
    ids = book.placed_ids(sent.receipt)
    path = _save_shipping(shipping)
    rows = [
        {"order": i, "design": p.request.design_cid, "size_mm": list(p.design.size_mm), "quantity": p.request.quantity}
        for i, p in zip(ids, prepared, strict=True)
    ]
    if as_json:
        echo_json({"orders": rows, "tx": sent.tx_hash, "block": sent.block, "shipping_file": str(path)})
        return
    click.echo(table(("order", "design CID", "size (mm)", "qty"), [
        (r["order"], r["design"], " × ".join(f"{s:g}" for s in r["size_mm"]), r["quantity"]) for r in rows
    ]))  # fmt: skip
    click.echo(f"placed {len(ids)} order(s) in block {sent.block}; shipping data kept off chain in {path}")


@click.group()
def cli() -> None:
    """Place, cancel, list and show orders."""


@cli.command(cls=ConnectedProviderCommand)
@account_option()
@registry_option
@ipfs_option
@json_option
@click.argument("stl_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--material", required=True, help="catalogue material name (see `ape run catalogue list`)")
@click.option("--colour", required=True, help="catalogue colour name")
@click.option("--accuracy", type=int, default=200, show_default=True, help="tolerance asked for, µm")
@click.option("--quantity", type=int, default=1, show_default=True)
@click.option("--priority", type=int, default=10, show_default=True, help="0..100")
@click.option("--due", help="due date, YYYY-MM-DD[THH:MM] (UTC)")
@click.option("--due-days", type=float, help="due in this many days [7]")
@click.option("--ship-to", default="", help="shipping address (kept off chain; only its salted hash is recorded)")
def place(network, account, registry_file, ipfs_api, as_json, stl_file, material, colour, accuracy, quantity,  # type: ignore[no-untyped-def]
          priority, due, due_days, ship_to):  # fmt: skip
    """Place one order for an STL design."""
    chain = connected_chain(registry_file)
    now = chain.timestamp()
    choices = OrderChoices(material, colour, accuracy, quantity, priority, _due(due, due_days, now))
    shipping = Shipping.new({"ship_to": ship_to})
    catalogue = guarded(chain.twin_registry.catalogue)
    store = storage(ipfs_api)
    prepared = guarded(lambda: prepare_order(stl_file.read_bytes(), choices, shipping, catalogue, store, now=now))
    _place(chain, account, [prepared], shipping, as_json)


def _cart_items(cart_file: Path) -> tuple[list[dict[str, Any]], str]:
    try:
        data = json.loads(cart_file.read_text())
    except (OSError, ValueError) as err:
        raise click.ClickException(f"{cart_file}: not a readable JSON cart: {err}") from err
    ship_to = ""
    if isinstance(data, dict):
        ship_to, data = str(data.get("ship_to", "")), data.get("items")
    if not isinstance(data, list) or not data or not all(isinstance(i, dict) for i in data):
        raise click.ClickException(f"{cart_file}: expected a non-empty list of items (or {{'items': [...]}})")
    return data, ship_to


ITEM_KEYS = {"stl", "material", "colour", "accuracy", "quantity", "priority", "due", "due_days"}


@cli.command(cls=ConnectedProviderCommand)
@account_option()
@registry_option
@ipfs_option
@json_option
@click.argument("cart_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def cart(network, account, registry_file, ipfs_api, as_json, cart_file):  # type: ignore[no-untyped-def]
    """Place a cart of orders (one transaction) from a JSON file."""
    items, ship_to = _cart_items(cart_file)
    chain = connected_chain(registry_file)
    now = chain.timestamp()
    catalogue = guarded(chain.twin_registry.catalogue)
    shipping = Shipping.new({"ship_to": ship_to})
    store = storage(ipfs_api)
    checked = []
    for n, item in enumerate(items, 1):  # every item is checked before anything is uploaded
        where = f"{cart_file} item {n}"
        if unknown := sorted(set(item) - ITEM_KEYS):
            raise click.ClickException(f"{where}: unknown keys {unknown} (known: {sorted(ITEM_KEYS)})")
        if "stl" not in item or "material" not in item or "colour" not in item:
            raise click.ClickException(f"{where}: needs stl, material and colour")
        path = (cart_file.parent / str(item["stl"])).resolve()
        if not path.is_file():
            raise click.ClickException(f"{where}: no STL file at {path}")
        try:
            choices = OrderChoices(
                str(item["material"]), str(item["colour"]), int(item.get("accuracy", 200)),
                int(item.get("quantity", 1)), int(item.get("priority", 10)),
                _due(item.get("due"), item.get("due_days"), now),
            )  # fmt: skip
        except (TypeError, ValueError) as err:
            raise click.ClickException(f"{where}: {err}") from err
        checked.append((where, path, choices))
    for where, path, choices in checked:
        try:
            check_choices(choices, now)
            read_stl(path)
        except (ImseError, OSError) as err:
            raise click.ClickException(f"{where}: {message(err)}") from err
    prepared = [
        guarded(lambda p=path, c=choices: prepare_order(p.read_bytes(), c, shipping, catalogue, store, now=now))
        for _where, path, choices in checked
    ]
    _place(chain, account, prepared, shipping, as_json)


@cli.command(cls=ConnectedProviderCommand)
@account_option()
@registry_option
@click.argument("order_id", type=int)
def cancel(network, account, registry_file, order_id):  # type: ignore[no-untyped-def]
    """Cancel an order of yours that is not matched yet."""
    chain = connected_chain(registry_file)
    signer = signer_for(chain, account)
    guarded(lambda: chain.order_book.order(order_id))
    send(signer, lambda: chain.order_book.build_cancel(order_id, sender=signer.address), f"cancel order {order_id}")
    click.echo(f"order {order_id} cancelled")


def _when(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M") if seconds else "-"


def _duration(seconds: int) -> str:
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m {seconds % 60:02d}s"


@cli.command("list", cls=ConnectedProviderCommand)
@registry_option
@json_option
@click.option("--customer", help="only this customer's orders")
@click.option(
    "--status", "status_name", type=click.Choice([s.name.lower() for s in OrderStatus if s]), help="only these"
)
def list_orders(network, registry_file, as_json, customer, status_name):  # type: ignore[no-untyped-def]
    """Every order with its status (newest last)."""
    chain = connected_chain(registry_file)
    book = chain.order_book
    orders = guarded(lambda: [book.order(i) for i in range(1, book.count() + 1)])
    if customer:
        orders = [o for o in orders if o.customer.lower() == customer.lower()]
    if status_name:
        orders = [o for o in orders if o.status.name.lower() == status_name]
    if as_json:
        echo_json([{**o.__dict__, "status": o.status.name.lower()} for o in orders])
        return
    if not orders:
        click.echo("no orders")
        return
    catalogue = guarded(chain.twin_registry.catalogue)
    rows = [
        (o.order_id, o.status.name.lower(), o.customer, f"{o.size_u / 1000:g}×{o.size_v / 1000:g}×{o.size_w / 1000:g}",
         catalogue.materials.get(o.material, o.material), catalogue.colours.get(o.colour, o.colour), o.quantity,
         o.priority, _when(o.due_date))
        for o in orders
    ]  # fmt: skip
    click.echo(table(("order", "status", "customer", "size (mm)", "material", "colour", "qty", "prio", "due"), rows))


def order_story(chain: Chain, order_id: int) -> dict[str, Any]:
    """Everything the chain says about an order: record, design, every status change, match, task, faults."""
    book, ledger, log = chain.order_book, chain.match_ledger, chain.execution_log
    order = book.order(order_id)
    placed = book.placed_order(order_id)
    match = ledger.match(order_id)
    task = log.task(order_id)
    events = log.events(order_id)
    starts = [args for _b, name, args in events if name == "TaskStarted"]
    finishes = [args for _b, name, args in events if name == "TaskFinished"]
    faults = [args for _b, name, args in events if name == "FaultReported"]
    reclaims = [args for _b, name, args in events if name == "TaskReclaimed"]
    return {
        "order": order_id,
        "status": order.status.name.lower(),
        "customer": order.customer,
        "design_cid": placed.request.design_cid,
        "size_um": [order.size_u, order.size_v, order.size_w],
        "quantity": order.quantity,
        "priority": order.priority,
        "due_date": order.due_date,
        "placed_at": order.placed_at,
        "rework_count": order.rework_count,
        "history": [{"block": b, "from": f.name.lower(), "to": t.name.lower()} for b, f, t in book.history(order_id)],
        "match": None if match.twin_id == 0 else {
            "twin": match.twin_id, "rule": match.rule_id, "rule_version": match.rule_version,
            "planned_start": match.planned_start, "estimated_seconds": match.estimated_seconds, "batch": match.batch_id,
        },
        "task": {"operator": task.operator, "started_at": task.started_at, "finished_at": task.finished_at},
        "attempts": [
            {"started_at": int(s["startedAt"]), "twin": int(s["twinId"]), "by": str(s["by"])} for s in starts
        ],
        "durations_seconds": [int(f["durationSeconds"]) for f in finishes],
        "faults": [{"reason": int(f["reasonCode"]), "attempt": int(f["attempt"]), "by": str(f["by"])} for f in faults],
        "reclaims": [{"twin": int(r["twinId"]), "deadline": int(r["deadline"])} for r in reclaims],
    }  # fmt: skip


@cli.command(cls=ConnectedProviderCommand)
@registry_option
@json_option
@click.argument("order_id", type=int)
def show(network, registry_file, as_json, order_id):  # type: ignore[no-untyped-def]
    """One order's whole story: status changes, match, operator, start / finish (durations), faults."""
    chain = connected_chain(registry_file)
    story = guarded(lambda: order_story(chain, order_id))
    if as_json:
        echo_json(story)
        return
    click.echo(f"order {order_id}: {story['status']}  (customer {story['customer']}, design {story['design_cid']})")
    size = " × ".join(f"{s / 1000:g}" for s in story["size_um"])
    click.echo(
        f"  {size} mm, quantity {story['quantity']}, priority {story['priority']}, due {_when(story['due_date'])}"
    )
    for step in story["history"]:
        click.echo(f"  block {step['block']:>6}  {step['from']} → {step['to']}")
    if story["match"]:
        m = story["match"]
        click.echo(f"  matched to twin {m['twin']} (rule {m['rule']} v{m['rule_version']}, batch {m['batch']}), "
                   f"planned {_when(m['planned_start'])}, estimated {_duration(m['estimated_seconds'])}")  # fmt: skip
    for fault in story["faults"]:
        click.echo(f"  fault reported by {fault['by']}: reason {fault['reason']} (attempt {fault['attempt']})")
    for taken in story["reclaims"]:
        click.echo(f"  taken back by its customer from twin {taken['twin']}: overdue since {_when(taken['deadline'])}")
    for seconds in story["durations_seconds"]:
        click.echo(f"  printed in {_duration(seconds)}")
