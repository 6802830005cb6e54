"""Export the contracts' ABIs to interfaces/ (generated, checked in), or check that they are current.

ape run abi export     write interfaces/<Contract>.json for the four contracts
ape run abi check      exit 1 when any of them is missing or stale
"""

from __future__ import annotations

import click
from ape import project
from ape.cli import ape_cli_context

from offchain.chain import abi
from offchain.exceptions import AbiError

FOLDER = project.path / "interfaces"


@click.group()
def cli() -> None:
    """Exported contract ABIs (interfaces/)."""


@cli.command()
@ape_cli_context()
def export(cli_ctx) -> None:  # type: ignore[no-untyped-def]
    """Write interfaces/<Contract>.json for every contract whose ABI changed."""
    written = abi.export(project, FOLDER)
    cli_ctx.logger.success(f"wrote {', '.join(written)}" if written else "all ABIs already current")


@cli.command()
@ape_cli_context()
def check(cli_ctx) -> None:  # type: ignore[no-untyped-def]
    """Fail when an exported ABI is missing or stale."""
    try:
        abi.check(project, FOLDER)
    except AbiError as err:
        raise click.ClickException(str(err)) from err
    cli_ctx.logger.success("interfaces/ ABIs are current")
