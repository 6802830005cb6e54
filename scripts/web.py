"""The web platform as a background service of the local platform (`make up` / `make status` / `make down`).

    ape run web up [--port 30600] [--rpc URL] [--registry FILE]
    ape run web status [--json]
    ape run web down

`up` serves the app with waitress on 127.0.0.1 and waits until it answers; the URL is printed last. Files:
data/web/ (web.sqlite, secret.key, web.pid, web.log). Settings also from IMSE_WEB_* (see web/settings.py).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from offchain.cli.ape_platform import echo_json, json_option
from offchain.exceptions import ImseError
from offchain.network.layout import NetworkConfig
from offchain.network.swarm import SwarmConfig
from offchain.settings import ipfs_dir, network_dir
from offchain.text import table
from web.service import WebService
from web.settings import WebSettings


def _say(text: str) -> None:
    click.echo(text, err=True)


def _settings(
    port: int | None = None, rpc: str | None = None, registry: Path | None = None, ipfs: str | None = None
) -> WebSettings:
    settings = WebSettings.from_env()
    if rpc is None and (network_dir() / "network.json").is_file():
        rpc = NetworkConfig.load(network_dir()).node("boot").rpc_url  # the local network's boot node
    if ipfs is None and (ipfs_dir() / "swarm.json").is_file():
        ipfs = SwarmConfig.load(ipfs_dir()).nodes[0].api_url  # the local swarm's first node
    changes = {"port": port, "rpc_url": rpc, "registry": registry, "ipfs_url": ipfs}
    return dataclasses.replace(settings, **{k: v for k, v in changes.items() if v is not None})


@click.group()
def cli() -> None:
    """The web platform as a background service: up, status, down."""


@cli.command()
@click.option("--port", type=click.IntRange(1, 65535), help="port on 127.0.0.1 [30600, or IMSE_WEB_PORT]")
@click.option("--rpc", help="node the server reads from and /rpc forwards to [the local network's boot node]")
@click.option(
    "--registry", type=click.Path(dir_okay=False, path_type=Path), help="deployment registry [deployments/imse.json]"
)
def up(port, rpc, registry):  # type: ignore[no-untyped-def]
    """Start the web server in the background (nothing happens when it runs already); prints its URL."""
    service = WebService(_settings(port, rpc, registry))
    try:
        service.start(progress=_say)
    except ImseError as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"web: {service.url}")


@cli.command()
def down() -> None:
    """Stop the web server."""
    if not WebService(_settings()).stop(progress=_say):
        _say("web server not running")


@cli.command()
@json_option
def status(as_json: bool) -> None:
    """Whether the web server runs, its pid and URL."""
    state = WebService(_settings()).status()
    if as_json:
        echo_json({"running": state.running, "pid": state.pid, "url": state.url, "log": str(state.log)})
        return
    row = ("running" if state.running else "stopped", state.pid or "-", state.url, state.log)
    click.echo(table(("web server", "pid", "url", "log"), [row]))
