"""Operate the clique network's geth nodes.

ape run network up [NODE…]            start (all) nodes, wait until they peer and blocks advance
ape run network down [NODE…]          stop them gracefully; the chain resumes on the next `up`
ape run network status [--json]       table: node, role, signer?, peers, head block, head hash, RPC URL
ape run network logs NODE [-n 50] [-f]
ape run network vote add|remove ADDRESS_OR_NODE
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path

import click
from ape.cli import ape_cli_context

from offchain.exceptions import ImseError
from offchain.network import manager
from offchain.network.layout import NODE_NAMES, NetworkConfig
from offchain.settings import network_dir
from offchain.text import table

ROLES = {"boot": "boot node", "customer": "customer explorer", "printer": "printer / executer", "matcher": "matcher"}
dir_option = click.option(
    "--dir",
    "root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="network folder [default: $IMSE_NETWORK_DIR or data/network]",
)


def _load(root: Path | None) -> NetworkConfig:
    try:
        return NetworkConfig.load(root or network_dir())
    except ImseError as err:
        raise click.ClickException(str(err)) from err


def _nodes(_ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    if bad := [v for v in value if v not in NODE_NAMES]:
        raise click.BadParameter(f"unknown node(s) {', '.join(bad)}; nodes: {', '.join(NODE_NAMES)}")
    return value


@click.group()
def cli() -> None:
    """The clique network: up, down, status, logs, vote."""


@cli.command()
@ape_cli_context()
@dir_option
@click.option("--timeout", type=float, default=90.0, show_default=True, help="seconds to wait for readiness")
@click.argument("nodes", nargs=-1, callback=_nodes)
def up(cli_ctx, root, timeout, nodes):  # type: ignore[no-untyped-def]
    """Start the nodes (all by default) and wait until they peer and blocks advance."""
    config = _load(root)
    try:
        started = manager.start_nodes(config, nodes, timeout=timeout, progress=cli_ctx.logger.info)
        cli_ctx.logger.info("waiting for blocks")
        manager.wait_for_blocks(config, 2, timeout=max(30.0, 6 * config.period))
        head = manager.wait_for_sync(config, timeout=timeout)
    except ImseError as err:
        raise click.ClickException(str(err)) from err
    what = f"started {', '.join(started)}" if started else "all requested nodes were already running"
    cli_ctx.logger.success(f"{what}; head block {head}")
    _print_status(config)


@cli.command()
@ape_cli_context()
@dir_option
@click.argument("nodes", nargs=-1, callback=_nodes)
def down(cli_ctx, root, nodes):  # type: ignore[no-untyped-def]
    """Stop the nodes (all by default) gracefully; chain data is kept."""
    config = _load(root)
    stopped = manager.stop_nodes(config, nodes, progress=cli_ctx.logger.info)
    cli_ctx.logger.success(f"stopped {', '.join(stopped)}" if stopped else "no node was running")


@cli.command()
@dir_option
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def status(root, as_json):  # type: ignore[no-untyped-def]
    """Show every node and the signer set."""
    config = _load(root)
    if as_json:
        state = manager.network_status(config)
        click.echo(
            json.dumps(
                {
                    "chain_id": config.chain_id,
                    "period": config.period,
                    "advancing": state.advancing,
                    "signers": list(state.signers),
                    "nodes": [dataclasses.asdict(n) for n in state.nodes],
                },
                indent=2,
            )
        )
        return
    _print_status(config)


def _print_status(config: NetworkConfig) -> None:
    state = manager.network_status(config)
    header = ("node", "role", "signer", "peers", "head", "head hash", "age", "RPC URL")
    rows = [
        (
            n.name,
            ROLES.get(n.name, ""),
            "yes" if n.signer else "no",
            "-" if n.peers is None else str(n.peers),
            "-" if n.head is None else str(n.head),
            (n.head_hash[:12] + "…") if n.head_hash else "-",
            "-" if n.head_age is None else "genesis" if n.head == 0 else f"{n.head_age:.0f}s",
            n.rpc_url if n.running else "(stopped)",
        )
        for n in state.nodes
    ]
    click.echo(table(header, rows))
    click.echo(f"chain id {config.chain_id}, {config.period} s blocks; signers: {', '.join(state.signers)}")
    click.echo(state.summary)


@cli.command()
@dir_option
@click.argument("node", type=click.Choice(NODE_NAMES))
@click.option("-n", "--lines", type=int, default=50, show_default=True)
@click.option("-f", "--follow", is_flag=True, help="keep printing new lines (Ctrl-C to stop)")
def logs(root, node, lines, follow):  # type: ignore[no-untyped-def]
    """Print the tail of a node's geth log."""
    path = _load(root).log_file(node)
    if not path.is_file():
        raise click.ClickException(f"node {node} has no log yet ({path})")
    subprocess.run(["tail", f"-n{lines}", *(["-F"] if follow else []), str(path)], check=False)


@cli.command()
@ape_cli_context()
@dir_option
@click.argument("action", type=click.Choice(["add", "remove"]))
@click.argument("who")
@click.option("--timeout", type=float, default=120.0, show_default=True)
def vote(cli_ctx, root, action, who, timeout):  # type: ignore[no-untyped-def]
    """Propose adding or removing a signer (an address, or one of our node names) on every current signer."""
    config = _load(root)
    address = config.node(who).account if who in NODE_NAMES else who
    if not (address.startswith("0x") and len(address) == 42):
        raise click.BadParameter(f"{who!r} is neither a node name nor an address", param_hint="WHO")
    try:
        signers = manager.propose(config, address, action == "add", timeout=timeout, progress=cli_ctx.logger.info)
    except ImseError as err:
        raise click.ClickException(str(err)) from err
    cli_ctx.logger.success(f"vote passed; signers now: {', '.join(signers)}")
