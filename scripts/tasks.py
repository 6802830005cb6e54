"""The shop floor without the web UI: printing tasks of matched orders, operators, Start / Finish / Fault.

    ape run tasks list [--twin N] [--json] --network …
    ape run tasks operator TWIN ADDRESS [--remove] --network … --account OWNER    authorise a worker for a printer
    ape run tasks assign ORDER OPERATOR --network … --account OWNER               give the task to a worker
    ape run tasks start ORDER --network … --account OPERATOR
    ape run tasks finish ORDER --network … --account OPERATOR
    ape run tasks fault ORDER --reason nozzle-clog --network … --account OPERATOR  back to the pool, rework first
    ape run tasks reclaim ORDER --network … --account CUSTOMER   take back an order its printer holds far too long

A fault sends the order back to the pool with the highest priority; the matcher bot re-matches it first.
"""

from __future__ import annotations

from datetime import UTC, datetime

import click
from ape.cli import ConnectedProviderCommand, account_option

from offchain.chain.ape_logs import logs_to_stderr
from offchain.cli.ape_platform import connected_chain, echo_json, guarded, json_option, send, signer_for
from offchain.cli.script_options import registry_option
from offchain.text import table
from offchain.types import OrderStatus

logs_to_stderr()  # stdout carries only results

FAULT_REASONS = {
    "nozzle-clog": 1, "layer-shift": 2, "warping": 3, "filament-runout": 4, "bed-adhesion": 5,
    "power-loss": 6, "dimensions-out-of-tolerance": 7, "other": 99,
}  # fmt: skip
"""Fault reason codes recorded on chain (ExecutionLog.reportFault's reasonCode; 0 is refused)."""

ON_THE_FLOOR = (OrderStatus.MATCHED, OrderStatus.PRINTING)


def _when(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M") if seconds else "-"


@click.group()
def cli() -> None:
    """Printing tasks: operators, assignment, Start / Finish / Fault report."""


@cli.command("list", cls=ConnectedProviderCommand)
@registry_option
@json_option
@click.option("--twin", "twin_id", type=int, help="only this printer's tasks")
def list_tasks(network, registry_file, as_json, twin_id):  # type: ignore[no-untyped-def]
    """Tasks of matched and printing orders, by planned start."""
    chain = connected_chain(registry_file)
    book, ledger, log = chain.order_book, chain.match_ledger, chain.execution_log

    def collect() -> list[dict[str, object]]:
        found = []
        for order_id in range(1, book.count() + 1):
            status = book.status(order_id)
            if status not in ON_THE_FLOOR:
                continue
            match = ledger.match(order_id)
            if twin_id is not None and match.twin_id != twin_id:
                continue
            task = log.task(order_id)
            found.append({
                "order": order_id, "status": status.name.lower(), "twin": match.twin_id,
                "planned_start": match.planned_start, "estimated_seconds": match.estimated_seconds,
                "operator": task.operator if int(task.operator, 16) else None, "started_at": task.started_at,
            })  # fmt: skip
        return sorted(found, key=lambda t: (int(str(t["planned_start"])), int(str(t["order"]))))

    tasks = guarded(collect)
    if as_json:
        echo_json(tasks)
    elif not tasks:
        click.echo("no tasks: no order is matched or printing")
    else:
        rows = [
            (t["order"], t["status"], t["twin"], _when(int(str(t["planned_start"]))),
             f"{int(str(t['estimated_seconds'])) / 60:.0f} min", t["operator"] or "unassigned")
            for t in tasks
        ]  # fmt: skip
        click.echo(table(("order", "status", "twin", "planned start", "estimate", "operator"), rows))


@cli.command(cls=ConnectedProviderCommand)
@account_option()
@registry_option
@click.argument("twin_id", type=int)
@click.argument("address")
@click.option("--remove", is_flag=True, help="withdraw the authorisation")
def operator(network, account, registry_file, twin_id, address, remove):  # type: ignore[no-untyped-def]
    """Authorise (or withdraw) a worker's address as an operator of your printer twin."""
    chain = connected_chain(registry_file)
    signer = signer_for(chain, account)
    guarded(lambda: chain.twin_registry.twin(twin_id))
    build = chain.twin_registry.build_set_operator
    send(signer, lambda: build(twin_id, address, not remove, sender=signer.address), f"operator of twin {twin_id}")
    click.echo(f"{address} {'is no longer' if remove else 'is now'} an operator of twin {twin_id}")


@cli.command(cls=ConnectedProviderCommand)
@account_option()
@registry_option
@click.argument("order_id", type=int)
@click.argument("operator_address")
def assign(network, account, registry_file, order_id, operator_address):  # type: ignore[no-untyped-def]
    """Give a matched order's printing task to one of the printer's operators (printer owner)."""
    chain = connected_chain(registry_file)
    signer = signer_for(chain, account)
    guarded(lambda: chain.order_book.order(order_id))
    build = chain.execution_log.build_assign
    send(signer, lambda: build(order_id, operator_address, sender=signer.address), f"assign order {order_id}")
    click.echo(f"order {order_id}: assigned to {operator_address}")


def _step(registry_file, account, order_id: int, what: str, builder_name: str, *extra: int) -> None:  # type: ignore[no-untyped-def]
    chain = connected_chain(registry_file)
    signer = signer_for(chain, account)
    guarded(lambda: chain.order_book.order(order_id))
    build = getattr(chain.execution_log, builder_name)
    send(signer, lambda: build(order_id, *extra, sender=signer.address), f"{what} order {order_id}")
    status = guarded(lambda: chain.order_book.status(order_id))
    click.echo(f"order {order_id}: {status.name.lower()}")


@cli.command(cls=ConnectedProviderCommand)
@account_option()
@registry_option
@click.argument("order_id", type=int)
def start(network, account, registry_file, order_id):  # type: ignore[no-untyped-def]
    """Start printing a matched order (its operator or the printer's owner)."""
    _step(registry_file, account, order_id, "start", "build_start")


@cli.command(cls=ConnectedProviderCommand)
@account_option()
@registry_option
@click.argument("order_id", type=int)
def finish(network, account, registry_file, order_id):  # type: ignore[no-untyped-def]
    """Finish printing an order (the duration is recorded from the block timestamps)."""
    _step(registry_file, account, order_id, "finish", "build_finish")


@cli.command(cls=ConnectedProviderCommand)
@account_option()
@registry_option
@click.argument("order_id", type=int)
@click.option("--reason", type=click.Choice(sorted(FAULT_REASONS)), required=True, help="what went wrong")
def fault(network, account, registry_file, order_id, reason):  # type: ignore[no-untyped-def]
    """Report a fault while printing: the order goes back to the pool as rework, matched first."""
    _step(registry_file, account, order_id, "fault on", "build_fault", FAULT_REASONS[reason])


@cli.command(cls=ConnectedProviderCommand)
@account_option()
@registry_option
@click.argument("order_id", type=int)
def reclaim(network, account, registry_file, order_id):  # type: ignore[no-untyped-def]
    """Take back your order from a printer that holds it in Printing far past its estimate (the customer, from
    3 × the estimate after the start, an hour at least): it goes back to the pool as rework, matched first."""
    _step(registry_file, account, order_id, "reclaim", "build_reclaim")
