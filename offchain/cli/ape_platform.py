"""What the ape scripts that act on a deployed platform share: the SDK on ape's connected provider, a Signer for
the `--account`, sending with one progress line, `--json`, and errors as one-line click errors (never a traceback;
nothing is sent when a check fails)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from offchain.chain.connection import Chain, attach
from offchain.chain.contract import UnsignedTx
from offchain.chain.signer import Sent, Signer
from offchain.cli.messages import message
from offchain.cli.script_options import connected_registry
from offchain.exceptions import ImseError

T = TypeVar("T")

json_option = click.option("--json", "as_json", is_flag=True, help="machine-readable output (JSON)")


def connected_chain(registry_file: Path | None) -> Chain:
    """The platform of the registry on ape's connected network, through the SDK."""
    from ape import chain

    registry = connected_registry(registry_file)
    return guarded(lambda: attach(chain.provider.web3, registry))


class ApeAccountSigner:
    """An ape account that does not expose its key (keyfile, hardware): ape signs, the SDK sends."""

    def __init__(self, account: Any) -> None:
        self._account = account
        self.address = str(account.address)

    def sign_transaction(self, transaction_dict: dict[str, Any]) -> bytes:
        from ape import networks

        fields = {k: v for k, v in transaction_dict.items() if k != "from"}
        fields["sender"] = self.address
        txn = networks.provider.network.ecosystem.create_transaction(**fields)
        signed = self._account.sign_transaction(txn)
        if signed is None:
            raise click.ClickException("the account did not sign the transaction")
        return bytes(signed.serialize_transaction())


def signer_for(chain: Chain, account: Any) -> Signer:
    """A Signer for ape's `--account` (its key when it exposes one, as test accounts do; else ape signs)."""
    key = getattr(account, "private_key", None)
    if key:
        from eth_account import Account

        return Signer(chain, Account.from_key(key))
    return Signer(chain, ApeAccountSigner(account))


def guarded(action: Callable[[], T]) -> T:
    """Runs `action`; an ImseError or OSError becomes a one-line click error (exit status 1)."""
    try:
        return action()
    except (ImseError, OSError) as err:
        raise click.ClickException(message(err)) from err


def send(signer: Signer, build: Callable[[], UnsignedTx], what: str) -> Sent:
    """Builds (simulating: a refusal stops here, nothing sent), signs, sends and waits; one line on stderr."""
    tx = guarded(build)
    click.echo(f"{what}: sending {tx.describe()} from {signer.address} …", err=True)
    sent = guarded(lambda: signer.transact(tx))
    click.echo(f"{what}: mined in block {sent.block} ({sent.tx_hash}, {sent.gas_used:,} gas)", err=True)
    return sent


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))
