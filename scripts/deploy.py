"""Deploy the four contracts to a network, wire their roles and write the registry.

    ape run deploy --network ethereum:imse:node --account TEST::0
    ape run deploy --network ethereum:imse:node --account TEST::0 --params deployments/params/imse.yaml --force

Re-running with a live registry (same chain id, code at every address) does nothing unless --force.
"""

from __future__ import annotations

from pathlib import Path

import click
from ape import chain, project
from ape.cli import ConnectedProviderCommand, account_option, ape_cli_context

from offchain.chain.connection import ensure_poa
from offchain.chain.deploy import apply_params, deploy_platform, to_registry
from offchain.chain.registry import load_params, load_registry, registry_path
from offchain.exceptions import ImseError


def _live(path: Path) -> str | None:
    """Why the registry at `path` is live on the connected chain, or None when it is not."""
    try:
        registry = load_registry(path)
    except ImseError:
        return None
    if registry.chain_id != chain.chain_id:
        return None
    if all(chain.provider.get_code(c.address) for c in registry.contracts.values()):
        return f"deployed at block {registry.contracts['TwinRegistry'].block} on {registry.deployed_at}"
    return None


@click.command(cls=ConnectedProviderCommand)
@ape_cli_context()
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
def cli(cli_ctx, network, account, params_path, registry_file, force):  # type: ignore[no-untyped-def]
    """Deploy TwinRegistry, OrderBook, MatchLedger and ExecutionLog, grant roles, write the registry."""
    ensure_poa(chain.provider.web3)
    name = chain.provider.network.name
    path = (registry_file or registry_path(project.path, name)).resolve()
    if (reason := _live(path)) and not force:
        cli_ctx.logger.success(f"{path} is live ({reason}); nothing to do (--force redeploys)")
        return
    try:
        params = load_params(params_path or project.path / "deployments" / "params" / f"{name}.yaml")
    except ImseError as err:
        raise click.ClickException(str(err)) from err
    cli_ctx.logger.info(f"deploying to {name} (chain id {chain.chain_id}) from {account.address}")
    platform = deploy_platform(project, account, progress=cli_ctx.logger.info)
    apply_params(platform, params, account, progress=cli_ctx.logger.info)
    registry = to_registry(platform, name, chain.chain_id, account.address, chain)
    registry.save(path)
    for contract in registry.contracts.values():
        click.echo(f"  {contract.name:<13} {contract.address}  block {contract.block}")
    cli_ctx.logger.success(f"wrote {path}")
