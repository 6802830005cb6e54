"""What the ape scripts that work on a deployed platform share: the --registry / --ipfs-api options and resolving
them (registry of the connected network, IPFS API of the local swarm), with ImseErrors turned into clean CLI
errors."""

from __future__ import annotations

import os
from pathlib import Path

import click

from offchain.chain.connection import ensure_poa
from offchain.chain.registry import Registry, load_registry, registry_path
from offchain.exceptions import ImseError
from offchain.network.swarm import SwarmConfig
from offchain.settings import PROJECT_ROOT, ipfs_dir
from offchain.storage.kubo import KuboStorage

registry_option = click.option(
    "--registry",
    "registry_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="deployment registry [default: deployments/<network>.json]",
)
ipfs_option = click.option(
    "--ipfs-api", default=None, help="kubo RPC URL [default: $IMSE_IPFS_API, else the swarm's first node]"
)


def connected_registry(registry_file: Path | None) -> Registry:
    """The registry for ape's connected network (PoA middleware added to its web3)."""
    from ape import chain

    ensure_poa(chain.provider.web3)
    try:
        return load_registry(registry_file or registry_path(PROJECT_ROOT, chain.provider.network.name))
    except ImseError as err:
        raise click.ClickException(str(err)) from err


def ipfs_url(explicit: str | None) -> str:
    """--ipfs-api, else $IMSE_IPFS_API, else the local swarm's first node."""
    if explicit or os.environ.get("IMSE_IPFS_API"):
        return str(explicit or os.environ["IMSE_IPFS_API"])
    try:
        return SwarmConfig.load(ipfs_dir()).nodes[0].api_url
    except ImseError as err:
        raise click.ClickException(f"{err} (or pass --ipfs-api)") from err


def storage(explicit: str | None) -> KuboStorage:
    return KuboStorage(ipfs_url(explicit))
