"""Operate the private IPFS swarm (kubo) that holds twin documents, designs and G-code.

ape run ipfs up [--nodes 2] [--base-port 30500]   create the swarm if there is none, start it, wait until connected
ape run ipfs down                                  stop every node (files are kept)
ape run ipfs status [--json]                       table: node, running, peers, API, gateway, peer id
ape run ipfs logs NODE [-n 50]
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path

import click
from ape.cli import ape_cli_context

from offchain.chain.ape_logs import logs_to_stderr
from offchain.exceptions import ImseError
from offchain.network import swarm
from offchain.settings import ipfs_dir
from offchain.text import table

dir_option = click.option(
    "--dir",
    "root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="swarm folder [default: $IMSE_IPFS_DIR or data/ipfs]",
)

logs_to_stderr()  # stdout carries only results


def _load(root: Path | None) -> swarm.SwarmConfig:
    try:
        return swarm.SwarmConfig.load(root or ipfs_dir())
    except ImseError as err:
        raise click.ClickException(str(err)) from err


@click.group()
def cli() -> None:
    """The private IPFS swarm: up, down, status, logs."""


@cli.command()
@ape_cli_context()
@dir_option
@click.option(
    "--nodes",
    type=click.IntRange(2, 10),
    default=swarm.DEFAULT_NODES,
    show_default=True,
    help="nodes of a new swarm (ignored when one exists)",
)
@click.option(
    "--base-port",
    type=click.IntRange(1024, 65000),
    default=swarm.DEFAULT_BASE_PORT,
    show_default=True,
    help="node i: swarm base+i, API base+10+i, gateway base+20+i (new swarm only)",
)
@click.option("--timeout", type=float, default=60.0, show_default=True, help="seconds to wait for readiness")
def up(cli_ctx, root, nodes, base_port, timeout):  # type: ignore[no-untyped-def]
    """Create the swarm (key, repos) if there is none, start its nodes and connect them."""
    root = root or ipfs_dir()
    try:
        if not (root / "swarm.json").is_file():
            cli_ctx.logger.info(f"creating a private swarm of {nodes} nodes in {root}")
            swarm.create_swarm(root, nodes=nodes, base_port=base_port, progress=cli_ctx.logger.info)
        config = swarm.SwarmConfig.load(root)
        started = swarm.start_swarm(config, timeout=timeout, progress=cli_ctx.logger.info)
    except ImseError as err:
        raise click.ClickException(str(err)) from err
    cli_ctx.logger.success(f"started {', '.join(started)}" if started else "every IPFS node was already running")
    _print_status(config)


@cli.command()
@ape_cli_context()
@dir_option
def down(cli_ctx, root):  # type: ignore[no-untyped-def]
    """Stop every node gracefully; stored files are kept."""
    stopped = swarm.stop_swarm(_load(root), progress=cli_ctx.logger.info)
    cli_ctx.logger.success(f"stopped {', '.join(stopped)}" if stopped else "no IPFS node was running")


@cli.command()
@dir_option
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def status(root, as_json):  # type: ignore[no-untyped-def]
    """Show every node of the swarm."""
    config = _load(root)
    if as_json:
        rows = [dataclasses.asdict(s) for s in swarm.swarm_status(config)]
        click.echo(json.dumps({"root": str(config.root), "nodes": rows}, indent=2))
        return
    _print_status(config)


def _print_status(config: swarm.SwarmConfig) -> None:
    states = swarm.swarm_status(config)
    header = ("node", "running", "peers", "API", "gateway", "kubo", "peer id")
    rows = [
        (
            s.name,
            "yes" if s.running else "no",
            "-" if s.peers is None else s.peers,
            s.api_url,
            s.gateway_url,
            s.version or "-",
            s.peer_id,
        )
        for s in states
    ]
    click.echo(table(header, rows))
    running = sum(s.running for s in states)
    connected = all(s.peers == len(states) - 1 for s in states if s.running)
    state = "connected" if running == len(states) and connected else "NOT fully connected"
    click.echo(f"{running}/{len(states)} nodes running, private swarm (key {config.root / 'swarm.key'}), {state}")


@cli.command()
@dir_option
@click.argument("node")
@click.option("-n", "--lines", type=int, default=50, show_default=True)
def logs(root, node, lines):  # type: ignore[no-untyped-def]
    """Print the tail of a node's kubo log."""
    config = _load(root)
    try:
        path = config.log_file(config.node(node).name)
    except ImseError as err:
        raise click.ClickException(str(err)) from err
    if not path.is_file():
        raise click.ClickException(f"node {node} has no log yet ({path})")
    subprocess.run(["tail", f"-n{lines}", str(path)], check=False)
