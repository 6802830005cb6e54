"""Deploy the four contracts to a network, wire their roles and write the registry.

    ape run deploy --network ethereum:imse:node --account TEST::0
    ape run deploy --network ethereum:imse:node --account TEST::0 --params deployments/params/imse.yaml --force

Re-running with a live registry (same chain id, code at every address, the ABIs of the compiled contracts) does
nothing unless --force; a registry of an older version of the contracts is replaced by a new deployment.
Output: one line per step and a progress bar over the catalogue / role transactions; --verbose shows every transaction.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import click
from ape import chain, project
from ape.cli import ConnectedProviderCommand, account_option
from ape.logging import LogLevel, logger

from offchain.chain.abi import render_abi
from offchain.chain.connection import attach, ensure_poa
from offchain.chain.contract import UnsignedTx
from offchain.chain.deploy import (
    deploy_platform,
    hand_over_admin,
    param_transactions,
    to_registry,
    well_known_account_warnings,
)
from offchain.chain.registry import load_params, load_registry, registry_path
from offchain.cli.ape_platform import guarded, signer_for
from offchain.exceptions import ImseError


def _live(path: Path) -> str | None:
    """Why the registry at `path` is live on the connected chain, or None when it is not."""
    try:
        registry = load_registry(path)
    except ImseError:
        return None
    if registry.chain_id != chain.chain_id:
        return None
    if not all(chain.provider.get_code(c.address) for c in registry.contracts.values()):
        return None
    changed = [
        name for name, c in registry.contracts.items()
        if c.abi != json.loads(render_abi(getattr(project, name).contract_type))
    ]  # fmt: skip
    if changed:  # an older version of the contracts: the off-chain code would call functions they lack
        _say(f"the contracts changed since {path.name} was deployed ({', '.join(changed)}): deploying the new ones")
        return None
    return f"deployed at block {registry.contracts['TwinRegistry'].block} on {registry.deployed_at}"


def _say(text: str) -> None:
    click.echo(text, err=True)


def _warn_test_accounts(lines: list[str], chain_id: int) -> None:
    """A banner nobody can miss when a deployment outside the dev network trusts a well-known test account."""
    if not lines:
        return
    rule = "!" * 100
    banner = [
        rule,
        f"WARNING: chain {chain_id} is not the dev network, but the deployment parameters trust well-known test",
        "accounts, whose private keys are published with every Ethereum toolkit:",
        *(f"  - {line}" for line in lines),
        "Put your consortium's own addresses in the parameter file (admin:, roles:) unless this chain is a throw-away.",
        rule,
    ]
    click.secho("\n".join(banner), err=True, fg="red", bold=True)


@contextlib.contextmanager
def _transaction_lines(verbose: bool) -> Iterator[None]:
    """ape logs every transaction it sends; only with -v."""
    before = logger.level
    if not verbose:
        logger.set_level(LogLevel.WARNING)
    try:
        yield
    finally:
        logger.set_level(before)


@click.command(cls=ConnectedProviderCommand)
@account_option()
@click.option(
    "--params",
    "params_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="parameter file [default: deployments/params/<network>.yaml]",
)
@click.option(
    "--registry",
    "registry_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="registry file to write [default: deployments/<network>.json]",
)
@click.option("--force", is_flag=True, help="deploy again even when the registry is live")
@click.option("--verbose", is_flag=True, help="a line per transaction (ape's own, and ours as each is mined)")
def cli(network, account, params_path, registry_file, force, verbose):  # type: ignore[no-untyped-def]
    """Deploy TwinRegistry, OrderBook, MatchLedger and ExecutionLog, grant roles, write the registry."""
    ensure_poa(chain.provider.web3)
    name = chain.provider.network.name
    path = (registry_file or registry_path(project.path, name)).resolve()
    if (reason := _live(path)) and not force:
        _say(f"{path} is live ({reason}); nothing to do (--force redeploys)")
        return
    try:
        params = load_params(params_path or project.path / "deployments" / "params" / f"{name}.yaml")
    except ImseError as err:
        raise click.ClickException(str(err)) from err
    _warn_test_accounts(well_known_account_warnings(params, chain.chain_id), chain.chain_id)
    started = time.monotonic()
    _say(f"deploying to {name} (chain id {chain.chain_id}) from {account.address}; admin {params.admin}")
    with _transaction_lines(verbose):
        platform = deploy_platform(project, account, progress=lambda step: _say(f"  {step}"))
        registry = to_registry(platform, name, chain.chain_id, account.address, chain)
        sdk = attach(chain.provider.web3, registry)
        steps = guarded(lambda: param_transactions(sdk, params, account.address))
        catalogue = sum(label.startswith("catalogue") for label, _ in steps)
        _say(f"  catalogue ({catalogue} entries) and roles ({len(steps) - catalogue} grants), sent at once")
        labels = {id(tx): label for label, tx in steps}
        with click.progressbar(length=len(steps), label=f"  {len(steps)} transactions", file=sys.stderr) as bar:

            def mined(tx: UnsignedTx) -> None:
                bar.update(1)
                if verbose:
                    _say(f"    mined: {labels[id(tx)]}")

            guarded(lambda: signer_for(sdk, account).transact_all([tx for _, tx in steps], progress=mined))
        hand_over_admin(platform, account, params.admin, progress=lambda step: _say(f"  {step}"))
    registry.save(path)
    for contract in registry.contracts.values():
        click.echo(f"  {contract.name:<13} {contract.address}  block {contract.block}")
    _say(f"wrote {path} in {time.monotonic() - started:.0f} s")
