"""The matcher bot as a background service of the local platform (`make up` / `make status` / `make down`).

    ape run bot up --network ethereum:imse:node --account TEST::3 [--rule-id N]
    ape run bot status [--json]
    ape run bot down

`up` registers the shipped 'Rule 1' (importance, then due date) when no rule is registered yet, then starts
`imse matcher run` on the matcher node with the account's key in its environment, and waits until it runs.
Files: data/matcher/bot.pid, bot.log, checkpoint.json (see offchain/bot/service.py).
"""

from __future__ import annotations

import click
from ape.cli import ConnectedProviderCommand, account_option

from offchain.bot.service import BotService
from offchain.chain.ape_logs import logs_to_stderr
from offchain.chain.connection import web3_at
from offchain.chain.registry import registry_path
from offchain.cli.ape_platform import connected_chain, echo_json, guarded, json_option, signer_for
from offchain.cli.script_options import ipfs_option, ipfs_url, registry_option, storage
from offchain.matching.rules import shipped_rule
from offchain.network.layout import NetworkConfig
from offchain.services.rules import register_rule
from offchain.settings import PROJECT_ROOT, data_dir, network_dir
from offchain.text import table

logs_to_stderr()  # stdout carries only results
DEFAULT_RULE = "rule1-importance"


def _service() -> BotService:
    return BotService(data_dir() / "matcher")


def _say(text: str) -> None:
    click.echo(text, err=True)


def _matcher_rpc(connected: str, genesis: str) -> str:
    """The local network's matcher node when it serves the connected chain (the bot reads and sends there, as in
    the paper's layout), else the connected node."""
    try:
        url = NetworkConfig.load(network_dir()).node("matcher").rpc_url
        if "0x" + bytes(web3_at(url, timeout=2).eth.get_block(0)["hash"]).hex() == genesis:
            return url
    except Exception:  # no local network, or it is down or another chain: the connected node it is
        pass
    return connected


@click.group()
def cli() -> None:
    """The matcher bot as a background service: up, status, down."""


@cli.command(cls=ConnectedProviderCommand)
@account_option()
@registry_option
@ipfs_option
@click.option("--rule-id", type=int, help="rule to apply [rule 1; 'Rule 1' is registered when there is none]")
@click.option("--confirmations", type=int, help="blocks to wait before acting [signers // 2 + 1]")
@click.option("--rpc", help="node the bot uses [the local network's matcher node, else the --network node]")
def up(network, account, registry_file, ipfs_api, rule_id, confirmations, rpc):  # type: ignore[no-untyped-def]
    """Start the matcher bot in the background (nothing happens when it runs already)."""
    from ape import chain

    service = _service()
    if (pid := service.pid()) is not None:
        _say(f"matcher bot already running (pid {pid}, log {service.log})")
        return
    key = getattr(account, "private_key", None)
    if not key:
        raise click.ClickException("this account does not expose its key: run `imse matcher run --key-file` instead")
    sdk = connected_chain(registry_file)
    rules = guarded(sdk.match_ledger.rules)
    if rule_id is None and not rules:
        spec = shipped_rule(DEFAULT_RULE)
        rule = guarded(lambda: register_rule(sdk, signer_for(sdk, account), storage(ipfs_api), spec))
        _say(f"registered rule {rule.rule_id} v{rule.version} ({rule.name}): spec {rule.spec_cid}")
        rule_id = rule.rule_id
    elif rule_id is None:
        rule_id = rules[0].rule_id
    elif all(r.rule_id != rule_id for r in rules):
        raise click.ClickException(f"no rule {rule_id} is registered (`ape run matcher rules list`)")
    registry = registry_file or registry_path(PROJECT_ROOT, chain.provider.network.name)
    rpc = rpc or _matcher_rpc(str(getattr(chain.provider, "uri", "")), sdk.genesis_hash())
    guarded(
        lambda: service.start(
            rpc, registry, ipfs_url(ipfs_api), rule_id, key, confirmations=confirmations, progress=_say
        )
    )  # fmt: skip


@cli.command()
def down() -> None:
    """Stop the matcher bot (it finishes the span in hand first)."""
    if not _service().stop(progress=_say):
        _say("matcher bot not running")


@cli.command()
@json_option
def status(as_json: bool) -> None:
    """Whether the bot runs, its checkpoint block against the chain's head, and the orders it holds pending."""
    service = _service()
    state = service.status()
    head = _head(state.rpc)
    if as_json:
        echo_json({"running": state.running, "pid": state.pid, "rpc": state.rpc, "rule": state.rule_id,
                   "checkpoint_block": state.checkpoint_block, "head": head, "pending": state.pending,
                   "log": str(state.log)})  # fmt: skip
        return
    behind = "" if head is None or state.checkpoint_block is None else f" ({head - state.checkpoint_block} behind)"
    row = (
        "running" if state.running else "stopped",
        state.pid or "-",
        state.rule_id or "-",
        "-" if state.checkpoint_block is None else f"{state.checkpoint_block}{behind}",
        "-" if head is None else head,
        "-" if state.pending is None else state.pending,
        state.log,
    )
    click.echo(table(("matcher bot", "pid", "rule", "checkpoint block", "head", "pending orders", "log"), [row]))


def _head(rpc: str | None) -> int | None:
    """The head block of the bot's node, or None when it is not known or not reachable."""
    if not rpc:
        return None
    try:
        return int(web3_at(rpc, timeout=2).eth.block_number)
    except Exception:  # status must answer even with the network down
        return None
