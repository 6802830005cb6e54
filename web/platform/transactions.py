"""The web's side of a transaction the browser's wallet sends: the pre-flight gas check before it is built, and its
outcome afterwards (read by the SDK's transaction reader, `offchain.chain.transactions`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from offchain.chain.contract import UnsignedTx
from offchain.exceptions import NeedsGasError
from web.platform.context import platform
from web.platform.faucet_policy import coins


def is_tx_hash(text: str) -> bool:
    """`0x` and 64 hex digits."""
    return len(text) == 66 and text[:2] == "0x" and all(c in "0123456789abcdefABCDEF" for c in text[2:])


def outcome(tx_hash: str) -> dict[str, Any]:
    """{"hash", "state": pending | mined | failed | unknown, "block", "error"} of a transaction."""
    return platform().chain.transactions.outcome(tx_hash).as_dict()


CANNOT_PAY = ("insufficient funds", "cannot afford")
"""How nodes that check the sender's balance while simulating say it (geth's "insufficient funds for gas * price +
value", the in-process EVM's "cannot afford txn gas")."""


def affordable(build: Callable[[], UnsignedTx], sender: str) -> UnsignedTx:
    """The pre-flight gas check around building (and simulating) a call: the transaction when `sender` can pay for
    its gas at today's price; else NeedsGasError ("Not enough to pay for this transaction … — request gas"), so the
    page offers the faucet instead of a wallet error."""
    transactions, symbol = platform().chain.transactions, platform().settings.currency_symbol
    balance = transactions.balance(sender)
    try:
        tx = build()
    except Exception as err:
        if any(words in str(err).lower() for words in CANNOT_PAY):
            raise _needs_gas(None, balance, symbol) from None
        raise
    needed = tx.gas * transactions.fee_per_gas() + tx.value
    if balance < needed:
        raise _needs_gas(needed, balance, symbol)
    return tx


def _needs_gas(needed: int | None, balance: int, symbol: str) -> NeedsGasError:
    cost = "some gas" if needed is None else f"up to {coins(needed, symbol)} of gas"
    return NeedsGasError(
        f"Not enough to pay for this transaction: it needs {cost} and your account holds {coins(balance, symbol)} "
        "— request gas",
        field="gas",
        details={"needed_wei": None if needed is None else str(needed), "balance_wei": str(balance),
                 "faucet": platform().faucet.enabled},
    )  # fmt: skip
