"""Gas report of every state-changing function, against the issue's targets.

    ape run gas                  on ape's in-process test chain (deterministic figures)
    ape run gas --csv FILE       also write the rows as CSV

ape's own `ape test --gas` needs a provider that traces transactions; the in-process test provider does not, so
this script measures the receipts of one representative scenario instead (first-ever and typical calls, a cart of
10 orders, a batch of 10 matches). Each row with a target fails the run when it is exceeded.
"""

from __future__ import annotations

import csv
from pathlib import Path

import click
from ape import accounts, chain, project
from ape.cli import ConnectedProviderCommand, ape_cli_context

from offchain.chain.gas import measure, render


@click.command(cls=ConnectedProviderCommand)
@ape_cli_context()
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), help="also write rows as CSV")
def cli(cli_ctx, csv_path: Path | None) -> None:  # type: ignore[no-untyped-def]
    """Measure the gas of every state-changing function and compare with the targets."""
    if chain.provider.network.name != "local":
        raise click.UsageError("run the gas report on the local test network (the default)")
    cli_ctx.logger.set_level("WARNING")  # not one "Confirmed" line per measured transaction
    rows = measure(project, accounts.test_accounts, chain)
    cli_ctx.logger.set_level("INFO")
    click.echo(render(rows))
    if csv_path:
        with csv_path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["contract", "function", "case", "gas", "items", "per_item", "target"])
            writer.writerows([r.contract, r.function, r.case, r.gas, r.items, r.per_item, r.target or ""] for r in rows)
        cli_ctx.logger.success(f"wrote {csv_path}")
    if failed := [r for r in rows if not r.ok]:
        raise click.ClickException(
            f"{len(failed)} call(s) over target: " + ", ".join(f"{r.function} ({r.case})" for r in failed)
        )
