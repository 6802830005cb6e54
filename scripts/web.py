"""The web platform as a background service of the local platform (`make up` / `make status` / `make down`).

    ape run web up [--port 30600] [--rpc URL] [--registry FILE] [--faucet-account TEST::19] [--origin URL]
    ape run web status [--json]
    ape run web down

`up` serves the app with waitress on 127.0.0.1 and waits until it answers; the URL is printed last. With
`--faucet-account` the server runs the faucet from that ape account (a genesis-funded test account on the dev network,
a funded keyfile account of the consortium elsewhere); its key reaches the server through the environment. Files:
data/web/ (web.sqlite, secret.key, web.pid, web.log). Settings also from IMSE_WEB_* (see web/platform/settings.py).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from offchain.cli.ape_platform import echo_json, json_option
from offchain.devnet import dev_key
from offchain.exceptions import ImseError
from offchain.network.layout import NetworkConfig
from offchain.network.swarm import SwarmConfig
from offchain.settings import TEST_MNEMONIC, ipfs_dir, network_dir
from offchain.text import table
from web.platform.settings import WebSettings
from web.service import WebService


def _say(text: str) -> None:
    click.echo(text, err=True)


def _settings(
    port: int | None = None,
    rpc: str | None = None,
    registry: Path | None = None,
    ipfs: str | None = None,
    origin: str | None = None,
) -> WebSettings:
    settings = WebSettings.from_env()
    if rpc is None and (network_dir() / "network.json").is_file():
        rpc = NetworkConfig.load(network_dir()).node("boot").rpc_url  # the local network's boot node
    if ipfs is None and (ipfs_dir() / "swarm.json").is_file():
        ipfs = SwarmConfig.load(ipfs_dir()).nodes[0].api_url  # the local swarm's first node
    changes = {"port": port, "rpc_url": rpc, "registry": registry, "ipfs_url": ipfs, "origin": origin}
    try:
        return dataclasses.replace(settings, **{k: v for k, v in changes.items() if v is not None})
    except ImseError as err:
        raise click.BadParameter(str(err), param_hint="--origin / IMSE_WEB_ORIGIN") from None


@click.group()
def cli() -> None:
    """The web platform as a background service: up, status, down."""


@cli.command()
@click.option("--port", type=click.IntRange(1, 65535), help="port on 127.0.0.1 [30600, or IMSE_WEB_PORT]")
@click.option("--rpc", help="node the server reads from and /rpc forwards to [the local network's boot node]")
@click.option(
    "--registry", type=click.Path(dir_okay=False, path_type=Path), help="deployment registry [deployments/imse.json]"
)
@click.option(
    "--faucet-account",
    metavar="ALIAS",
    help="run the faucet from this ape account (TEST::<n> or a keyfile alias) [no faucet]",
)
@click.option(
    "--origin",
    metavar="URL",
    help="the public origin users open, e.g. https://studio.example.com behind a reverse proxy "
    "[http://127.0.0.1:PORT, or IMSE_WEB_ORIGIN]; sign-in is bound to it and other hosts are refused",
)
def up(port, rpc, registry, faucet_account, origin):  # type: ignore[no-untyped-def]
    """Start the web server in the background (nothing happens when it runs already); prints its URL."""
    settings = _settings(port, rpc, registry, origin=origin)
    if faucet_account:
        settings = dataclasses.replace(settings, faucet_key=_key_of(faucet_account))
    service = WebService(settings)
    try:
        service.start(progress=_say)
    except ImseError as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"web: {service.public_url}")


def _key_of(alias: str) -> str:
    """The private key of an ape account: TEST::<n> (ape's test mnemonic, any index the genesis funds) or a keyfile
    account (ape asks for its passphrase)."""
    if alias.startswith("TEST::"):
        index = alias.removeprefix("TEST::")
        if not index.isdigit():
            raise click.BadParameter(f"{alias!r}: TEST:: takes an account number", param_hint="--faucet-account")
        return dev_key(TEST_MNEMONIC, int(index))
    from ape import accounts

    try:
        account = accounts.load(alias)
    except Exception as err:  # ape raises several kinds for an unknown alias
        raise click.BadParameter(f"no ape account {alias!r} ({err})", param_hint="--faucet-account") from None
    key = getattr(account, "private_key", None)
    if not key:
        raise click.BadParameter(f"account {alias!r} does not expose its key", param_hint="--faucet-account")
    return str(key)


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
