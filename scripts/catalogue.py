"""The material and colour catalogue (codes 0..63; twins' capabilities are bitmasks over them).

ape run catalogue list [--json] --network …
ape run catalogue add material 5 TPU --network … --account ADMIN
ape run catalogue add colour 9 orange --network … --account ADMIN
"""

from __future__ import annotations

import click
from ape.cli import ConnectedProviderCommand, account_option

from offchain.chain.ape_logs import logs_to_stderr
from offchain.cli.ape_platform import connected_chain, echo_json, guarded, json_option, send, signer_for
from offchain.cli.script_options import registry_option
from offchain.text import table
from offchain.types import CATALOGUE_SIZE, CatalogueKind

logs_to_stderr()  # stdout carries only results


@click.group()
def cli() -> None:
    """List the catalogue; add an entry (consortium admin)."""


@cli.command("list", cls=ConnectedProviderCommand)
@registry_option
@json_option
def list_entries(network, registry_file, as_json):  # type: ignore[no-untyped-def]
    """Every material and colour with its code."""
    catalogue = guarded(connected_chain(registry_file).twin_registry.catalogue)
    if as_json:
        echo_json({"materials": catalogue.materials, "colours": catalogue.colours})
        return
    rows = [("material", c, n) for c, n in catalogue.materials.items()]
    rows += [("colour", c, n) for c, n in catalogue.colours.items()]
    click.echo(table(("kind", "code", "name"), rows) if rows else "the catalogue is empty")


@cli.command(cls=ConnectedProviderCommand)
@account_option()
@registry_option
@click.argument("kind", type=click.Choice(["material", "colour"]))
@click.argument("code", type=click.IntRange(0, CATALOGUE_SIZE - 1))
@click.argument("name")
def add(network, account, registry_file, kind, code, name):  # type: ignore[no-untyped-def]
    """Add a material or colour under a free code."""
    if not name.strip():
        raise click.BadParameter("a name is needed", param_hint="NAME")
    chain = connected_chain(registry_file)
    signer = signer_for(chain, account)
    entry = CatalogueKind.MATERIAL if kind == "material" else CatalogueKind.COLOUR
    build = chain.twin_registry.build_add_catalogue_entry
    send(signer, lambda: build(entry, code, name.strip(), sender=signer.address), f"add {kind} {code}")
    click.echo(f"{kind} {code}: {name.strip()}")
