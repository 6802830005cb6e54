"""Create the clique network: signer keys, genesis, initialised data dirs of the four nodes.

ape run genesis                         period 2 s, signers boot, printer, matcher
ape run genesis --period 5              the paper's 5 s blocks
ape run genesis --signers boot,printer,matcher,customer --dev-accounts 20 --fund 0xABC… --force
"""

from __future__ import annotations

from pathlib import Path

import click
from ape.cli import ape_cli_context

from offchain.devnet import dev_accounts
from offchain.exceptions import ImseError
from offchain.network import genesis as g
from offchain.network.layout import DEFAULT_BASE_PORT, DEFAULT_SIGNERS, NODE_NAMES
from offchain.network.manager import create_network
from offchain.settings import TEST_MNEMONIC, network_dir


def _signers(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in value.split(",") if n.strip())
    if not names or set(names) - set(NODE_NAMES):
        raise click.BadParameter(f"a comma-separated subset of {', '.join(NODE_NAMES)}")
    return names


@click.command()
@ape_cli_context()
@click.option(
    "--dir",
    "root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="network folder [default: $IMSE_NETWORK_DIR or data/network]",
)
@click.option("--chain-id", type=click.IntRange(1), default=g.DEFAULT_CHAIN_ID, show_default=True)
@click.option(
    "--period",
    type=click.IntRange(0, 3600),
    default=g.DEFAULT_PERIOD,
    show_default=True,
    help="seconds between blocks (the paper used 5)",
)
@click.option(
    "--epoch",
    type=click.IntRange(1),
    default=g.DEFAULT_EPOCH,
    show_default=True,
    help="blocks between clique checkpoints (votes reset)",
)
@click.option(
    "--gas-limit",
    type=click.IntRange(5000),
    default=g.DEFAULT_GAS_LIMIT,
    show_default=True,
    help="block gas limit (also given to --miner.gaslimit, so it never drifts)",
)
@click.option(
    "--signers",
    callback=_signers,
    default=",".join(DEFAULT_SIGNERS),
    show_default=True,
    help="nodes that seal from block 0",
)
@click.option(
    "--base-port",
    type=click.IntRange(1024, 65000),
    default=DEFAULT_BASE_PORT,
    show_default=True,
    help="node i uses base+i (p2p), base+10+i (RPC), base+20+i (engine API)",
)
@click.option(
    "--dev-accounts",
    "dev_count",
    type=click.IntRange(0, 1000),
    default=20,
    show_default=True,
    help="pre-fund this many of ape's test accounts (TEST::0, TEST::1, …) for scripts and benchmarks",
)
@click.option("--fund", multiple=True, help="another address to pre-fund (repeatable)")
@click.option("--force", is_flag=True, help="replace an existing network (its chain data is lost)")
def cli(cli_ctx, root, chain_id, period, epoch, gas_limit, signers, base_port, dev_count, fund, force):  # type: ignore[no-untyped-def]
    """Create a clique network of four geth nodes (boot, customer, printer, matcher) on loopback."""
    root = root or network_dir()
    try:
        for address in fund:
            g.GenesisSpec(signers=(address,))  # validates the address
        config = create_network(
            root,
            chain_id=chain_id,
            period=period,
            epoch=epoch,
            gas_limit=gas_limit,
            base_port=base_port,
            signers=signers,
            funded=[*dev_accounts(TEST_MNEMONIC, dev_count), *fund],
            force=force,
            progress=cli_ctx.logger.info,
        )
    except ImseError as err:
        raise click.ClickException(str(err)) from err
    cli_ctx.logger.success(
        f"network created in {root}: chain id {chain_id}, {period} s blocks, signers {', '.join(signers)}; "
        "start it with `ape run network up`"
    )
    for node in config.nodes:
        click.echo(f"  {node.name:<9} {node.account}  {'signer' if node.genesis_signer else '      '}  {node.rpc_url}")
