"""What happened to a transaction the browser's wallet sent: pending, mined (with its receipt), or failed with the
reason — the call replayed at its block and the custom error decoded with every platform ABI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from web3 import Web3
from web3.exceptions import TransactionNotFound

from offchain.chain.contract import UnsignedTx
from offchain.chain.errors import exception_revert_data
from offchain.exceptions import NeedsGasError
from web.context import platform
from web.faucet.policy import coins


def is_tx_hash(text: str) -> bool:
    """`0x` and 64 hex digits."""
    return len(text) == 66 and text[:2] == "0x" and all(c in "0123456789abcdefABCDEF" for c in text[2:])


def receipt_of(tx_hash: str) -> Any:
    """The receipt, or None while the transaction is pending (or unknown to the node)."""
    try:
        return platform().chain.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
    except TransactionNotFound:
        return None


def known(tx_hash: str) -> bool:
    try:
        platform().chain.w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
    except TransactionNotFound:
        return False
    return True


def failure_reason(tx_hash: str, receipt: Any) -> str:
    """Why a mined transaction failed: its call replayed at its block, the custom error decoded."""
    chain = platform().chain
    tx = chain.w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
    names = {c.address.lower(): name for name, c in chain.registry.contracts.items()}
    contract = names.get(str(tx["to"]).lower(), "")
    try:
        chain.w3.eth.call(
            {"from": tx["from"], "to": tx["to"], "data": tx["input"]}, block_identifier=receipt["blockNumber"]
        )
    except Exception as err:
        decoded = chain.errors.error(contract, exception_revert_data(err), tx_hash=tx_hash) if contract else None
        return str(decoded or err)
    return "reverted (the replay did not fail: out of gas?)"


def outcome(tx_hash: str) -> dict[str, Any]:
    """{"state": pending | mined | failed | unknown, "block", "error"} of a transaction."""
    receipt = receipt_of(tx_hash)
    if receipt is None:
        return {"hash": tx_hash, "state": "pending" if known(tx_hash) else "unknown", "block": None, "error": None}
    if int(receipt["status"]) == 1:
        return {"hash": tx_hash, "state": "mined", "block": int(receipt["blockNumber"]), "error": None}
    return {"hash": tx_hash, "state": "failed", "block": int(receipt["blockNumber"]),
            "error": failure_reason(tx_hash, receipt)}  # fmt: skip


CANNOT_PAY = ("insufficient funds", "cannot afford")
"""How nodes that check the sender's balance while simulating say it (geth's "insufficient funds for gas * price +
value", the in-process EVM's "cannot afford txn gas")."""


def affordable(build: Callable[[], UnsignedTx], sender: str) -> UnsignedTx:
    """The pre-flight gas check around building (and simulating) a call: the transaction when `sender` can pay for
    its gas at today's price; else NeedsGasError ("Not enough to pay for this transaction … — request gas"), so the
    page offers the faucet instead of a wallet error."""
    chain, symbol = platform().chain, platform().settings.currency_symbol
    balance = int(chain.w3.eth.get_balance(Web3.to_checksum_address(sender)))
    try:
        tx = build()
    except Exception as err:
        if any(words in str(err).lower() for words in CANNOT_PAY):
            raise _needs_gas(None, balance, symbol) from None
        raise
    needed = tx.gas * chain.fee_per_gas() + tx.value
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
