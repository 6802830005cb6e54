"""The matcher: versioned rules, customer importance, the bot, batch verification.

    ape run matcher rules register offchain/matching/rules/rule1-importance.json --network … --account TEST::3
    ape run matcher rules register FILE --rule-id 1 …       a new version of rule 1
    ape run matcher rules list --network …
    ape run matcher importance CUSTOMER 1 --network … --account TEST::3     (0 = common, 1 = VIP, …)
    ape run matcher run --rule-id 1 --network … --account TEST::3          the bot (Ctrl-C stops it)
    ape run matcher verify BATCH --network …                               re-run a batch, confirm its decisions
    ape run matcher match --manual ORDER TWIN --estimate MINUTES --network … --account TEST::3   a match by hand
    ape run matcher unmatch ORDER --network … --account TEST::3      withdraw a match (anyone: a stranded one)

The bot is also the console command `imse matcher run` (starts in a second; the key from $IMSE_MATCHER_KEY).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand, account_option

from offchain.bot.run import run_matcher
from offchain.bot.verify import verify_batch
from offchain.canonical import parse_json
from offchain.chain.ape_logs import logs_to_stderr
from offchain.chain.connection import Chain
from offchain.chain.records import MatchInput
from offchain.cli.ape_platform import connected_chain, echo_json, guarded, json_option, send, signer_for
from offchain.cli.script_options import ipfs_option, registry_option, storage
from offchain.exceptions import ImseError
from offchain.matching.constraints import check
from offchain.matching.rules import parse_rule
from offchain.services.rules import register_rule
from offchain.storage.kubo import KuboStorage
from offchain.text import table
from offchain.types import Constraint, OrderStatus, Part, SkipReason, TwinKind, TwinStatus

logs_to_stderr()  # stdout carries only results


def _storage(ipfs_api: str | None) -> KuboStorage:
    return storage(ipfs_api)


@click.group()
def cli() -> None:
    """Rules, customer importance, the matcher bot, batch verification."""


@cli.group()
def rules() -> None:
    """Versioned matching rules (specs on IPFS, digests in MatchLedger)."""


@rules.command("register", cls=ConnectedProviderCommand)
@account_option()
@registry_option
@ipfs_option
@click.argument("spec_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--rule-id", type=int, help="register a new version of this rule instead of a new rule")
def register(network, account, registry_file, ipfs_api, spec_file, rule_id):  # type: ignore[no-untyped-def]
    """Validate a rule spec, put it on IPFS and register its digest (a new rule, or a new version of one).
    Prints {"rule_id", "version", "cid"} as JSON."""
    try:
        spec = parse_json(spec_file.read_bytes(), f"rule {spec_file}")
        parse_rule(spec)
    except ImseError as err:
        raise click.ClickException(str(err)) from err
    sdk = connected_chain(registry_file)
    signer = signer_for(sdk, account)
    rule = guarded(lambda: register_rule(sdk, signer, _storage(ipfs_api), spec, rule_id=rule_id))
    click.echo(f"rule {rule.rule_id} version {rule.version} ({rule.name}): spec {rule.spec_cid}", err=True)
    echo_json({"rule_id": rule.rule_id, "version": rule.version, "cid": rule.spec_cid})


@rules.command("list", cls=ConnectedProviderCommand)
@registry_option
@json_option
def list_rules(network, registry_file, as_json):  # type: ignore[no-untyped-def]
    """Every registered rule version."""
    found = guarded(lambda: connected_chain(registry_file).match_ledger.rules())
    if as_json:
        echo_json([{"rule_id": r.rule_id, "version": r.version, "name": r.name, "cid": r.spec_cid} for r in found])
        return
    rows = [(r.rule_id, r.version, r.name, r.spec_cid) for r in found]
    click.echo(table(("rule", "version", "name", "spec CID"), rows) if rows else "no rules registered yet")


@cli.command(cls=ConnectedProviderCommand)
@account_option()
@registry_option
@click.argument("customer")
@click.argument("level", type=click.IntRange(0, 255))
def importance(network, account, registry_file, customer, level):  # type: ignore[no-untyped-def]
    """Rate a customer's importance (0 = common, higher = more important; 'Rule 1' ranks by it)."""
    sdk = connected_chain(registry_file)
    signer = signer_for(sdk, account)
    build = sdk.match_ledger.build_set_importance
    send(signer, lambda: build(customer, level, sender=signer.address), f"importance of {customer}")
    click.echo(f"{customer}: importance {level}")


@cli.command(cls=ConnectedProviderCommand)
@account_option()
@registry_option
@ipfs_option
@click.option("--rule-id", type=int, required=True, help="registered rule to apply")
@click.option("--rule-version", type=int, help="[its latest version]")
@click.option("--confirmations", type=int, help="blocks to wait before acting [signers // 2 + 1]")
@click.option("--mode", type=click.Choice(["rule", "optimal"]), default="rule", show_default=True)
@click.option("--state", type=click.Path(dir_okay=False, path_type=Path), help="checkpoint file")
def run(network, account, registry_file, ipfs_api, rule_id, rule_version, confirmations, mode, state):  # type: ignore[no-untyped-def]
    """Run the matcher bot with --account's key until Ctrl-C (test accounts; see also `imse matcher run`)."""
    key = getattr(account, "private_key", None)
    if not key:
        raise click.ClickException("this account type does not expose its key: use `imse matcher run --key-file`")
    sdk = connected_chain(registry_file)
    store = _storage(ipfs_api)
    guarded(
        lambda: run_matcher(
            sdk, store, key, rule_id=rule_id, rule_version=rule_version, state=state, confirmations=confirmations,
            mode=mode,
        )
    )  # fmt: skip


@cli.command(cls=ConnectedProviderCommand)
@registry_option
@ipfs_option
@click.argument("batch", type=int)
def verify(network, registry_file, ipfs_api, batch):  # type: ignore[no-untyped-def]
    """Re-run a published batch's input snapshot and confirm every decision (exit 1 when any differs)."""
    try:
        check = verify_batch(connected_chain(registry_file), _storage(ipfs_api), batch)
    except ImseError as err:
        raise click.ClickException(str(err)) from err
    rows = [(d.order_id, *d.on_chain, "same" if d.ok else f"DIFFERS: {d.rerun}") for d in check.decisions]
    click.echo(table(("order", "printer", "planned start", "est. s", "re-run"), rows))
    verdict = "every decision reproduced" if check.ok else "DECISIONS DIFFER"
    click.echo(f"batch {batch} (rule {check.rule[0]} v{check.rule[1]}, input {check.input_cid}): {verdict}")
    if not check.ok:
        sys.exit(1)


def manual_refusal(chain: Chain, order_id: int, twin_id: int) -> str | None:
    """Why MatchLedger would refuse matching the order to the twin (the same checks, in the same order), or None."""
    order = chain.order_book.order(order_id)
    if order.status not in (OrderStatus.PLACED, OrderStatus.REWORK):
        return f"order {order_id} is {order.status.name.lower()}, not waiting for a match"
    twin = chain.twin_registry.twin(twin_id)
    if twin.kind != TwinKind.PRINTER:
        return f"twin {twin_id} is a {twin.kind.name.lower()}, not a printer"
    if twin.status != TwinStatus.AVAILABLE:
        return f"twin {twin_id} is {twin.status.name.lower()}, not available"
    part = Part(order.size_u, order.size_v, order.size_w, order.material, order.colour, order.accuracy)
    failed = check(part, twin.capability)
    if failed != Constraint.NONE:
        return f"order {order_id} does not fit twin {twin_id}: {CONSTRAINT_TEXT[failed]}"
    return None


CONSTRAINT_TEXT = {
    Constraint.FOOTPRINT: "the part's footprint does not fit the build plate (even turned 90°)",
    Constraint.HEIGHT: "the part is taller than the build height",
    Constraint.MATERIAL: "the printer does not take the order's material",
    Constraint.COLOUR: "the printer does not have the order's colour",
    Constraint.ACCURACY: "the printer is not as fine as the tolerance asked",
}


@cli.command(cls=ConnectedProviderCommand)
@account_option()
@registry_option
@click.option("--manual", "pair", nargs=2, type=int, required=True, metavar="ORDER TWIN", help="the match to make")
@click.option("--estimate", "minutes", type=click.IntRange(1, 60 * 24 * 30), required=True, help="print time, minutes")
@click.option("--start", "start_in", type=click.IntRange(0), default=60, show_default=True, help="seconds from now")
@click.option("--gcode", "gcode_cid", default="", help="CID of the G-code on IPFS, if sliced already")
def match(network, account, registry_file, pair, minutes, start_in, gcode_cid):  # type: ignore[no-untyped-def]
    """Match one order to one printer by hand (checked off chain first with the chain's own constraints)."""
    order_id, twin_id = pair
    sdk = connected_chain(registry_file)
    if reason := guarded(lambda: manual_refusal(sdk, order_id, twin_id)):
        raise click.ClickException(f"{reason}; nothing sent")
    signer = signer_for(sdk, account)
    item = MatchInput(order_id, twin_id, 0, 0, sdk.timestamp() + start_in, minutes * 60, gcode_cid)
    build = sdk.match_ledger.build_publish
    sent = send(signer, lambda: build(b"\x00" * 32, "", [item], sender=signer.address), f"match order {order_id}")
    if skipped := sdk.match_ledger.skipped(sent.receipt):
        _order, _twin, why, detail = skipped[0]
        raise click.ClickException(
            f"the chain skipped the match: {SKIP_TEXT[why](detail)} (it changed since the check)"
        )
    click.echo(f"order {order_id} matched to twin {twin_id} by hand")


SKIP_TEXT = {
    SkipReason.ORDER_NOT_MATCHABLE: lambda d: f"the order is {OrderStatus(d).name.lower()}",
    SkipReason.TWIN_NOT_AVAILABLE: lambda d: f"the printer is {TwinStatus(d).name.lower()}",
    SkipReason.CONSTRAINT_VIOLATED: lambda d: CONSTRAINT_TEXT[Constraint(d)],
}


@cli.command(cls=ConnectedProviderCommand)
@account_option()
@registry_option
@click.argument("order_id", type=int)
def unmatch(network, account, registry_file, order_id):  # type: ignore[no-untyped-def]
    """Withdraw a match before printing starts; the order goes back to the pool and the bot re-matches it.
    A matcher may withdraw any match; anyone may withdraw a stranded one (its printer can no longer print it)."""
    sdk = connected_chain(registry_file)
    signer = signer_for(sdk, account)
    twin = guarded(lambda: sdk.match_ledger.match(order_id)).twin_id
    send(signer, lambda: sdk.match_ledger.build_unmatch(order_id, sender=signer.address), f"unmatch order {order_id}")
    click.echo(f"order {order_id} is back in the pool (it was matched to twin {twin})")
