"""Sending transactions with an agent's own key (bots, the gateway, scripts) — the one place that signs.

`Signer.transact(tx)` signs an `UnsignedTx` (built and simulated by a contract wrapper), sends it and waits for its
receipt until a deadline. Nonces are managed here (the next nonce is remembered, so several transactions can be in
flight, and refreshed from the node's pending count). A transaction not mined within `stuck_seconds` is replaced
with the same nonce and fees raised by 25 % (nodes want ≥ 10 % to accept a replacement); every hash sent for that
nonce is watched, since the original may still be the one mined. A mined transaction that failed is replayed with
`eth_call` at its block's parent to recover the contract's custom error, raised as its ContractRevertError.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from web3 import Web3
from web3.exceptions import Web3Exception

from offchain.chain.contract import UnsignedTx
from offchain.chain.transactions import fee_cap, hex_of
from offchain.exceptions import ChainError, ContractRevertError, ImseError, TransactionTimeoutError

if TYPE_CHECKING:
    from offchain.chain.connection import Chain

GWEI = 10**9


class SigningAccount(Protocol):
    """An eth-account LocalAccount, or anything with an address that signs transaction dicts the same way."""

    @property
    def address(self) -> str: ...

    def sign_transaction(self, transaction_dict: dict[str, Any]) -> Any: ...


@dataclass(frozen=True)
class Sent:
    """A mined, successful transaction."""

    tx_hash: str
    block: int
    gas_used: int
    receipt: Any  # the web3 receipt (logs decoded by the wrappers' `events_of`)


class Signer:
    def __init__(
        self,
        chain: Chain,
        account: SigningAccount,
        *,
        tip_wei: int = GWEI,
        stuck_seconds: float | None = None,
        poll_seconds: float = 0.25,
    ) -> None:
        self.chain = chain
        self.account = account
        self.address = str(account.address)
        self.tip_wei = tip_wei
        self.poll_seconds = poll_seconds
        self._stuck_seconds = stuck_seconds
        self._next_nonce: int | None = None

    # ------------------------------------------------------------------------------------------ sending

    def transact(self, tx: UnsignedTx, *, deadline_seconds: float = 120.0) -> Sent:
        """Signs, sends and waits for `tx`; returns the mined receipt. ContractRevertError when it failed on chain,
        TransactionTimeoutError when it was not mined before the deadline (nothing else is sent for it)."""
        self._check_sender(tx)
        nonce = self._take_nonce()
        return self._until_mined(tx, nonce, self.tip_wei, fee_cap(self._base_fee(), self.tip_wei), [], deadline_seconds)

    def _until_mined(
        self, tx: UnsignedTx, nonce: int, tip: int, max_fee: int, hashes: list[bytes], deadline_seconds: float
    ) -> Sent:
        """Sends `tx` at `nonce` with these fees, raising them while it is not mined; any hash in `hashes` (sent
        earlier for the nonce) may be the one that lands."""
        give_up = time.monotonic() + deadline_seconds
        while True:
            hashes.append(self._sign_and_send(tx, nonce, tip, max_fee))
            bump_at = min(give_up, time.monotonic() + self.stuck_seconds())
            while time.monotonic() < bump_at:
                receipt = self._any_receipt(hashes)
                if receipt is not None:
                    return self._outcome(tx, receipt)
                time.sleep(self.poll_seconds)
            if time.monotonic() >= give_up:
                self._next_nonce = None  # the nonce may or may not be used in the end: ask the node next time
                raise TransactionTimeoutError(
                    f"{tx.describe()} from {self.address} (nonce {nonce}) was not mined within {deadline_seconds:.0f} s"
                    f" ({len(hashes)} fee level(s) tried; last hash 0x{hashes[-1].hex()})"
                )
            tip, max_fee = math.ceil(tip * 1.25), math.ceil(max(max_fee, fee_cap(self._base_fee(), tip)) * 1.25)

    def transact_all(
        self,
        txs: Sequence[UnsignedTx],
        *,
        deadline_seconds: float = 120.0,
        progress: Callable[[UnsignedTx], None] | None = None,
    ) -> list[Sent]:
        """Sends independent transactions at once (consecutive nonces, so they land in the same few blocks instead
        of one block each), then waits for every receipt; `progress` is called as each one is mined. The first
        failure (decoded) or TransactionTimeoutError is raised once every receipt is in or the deadline passed."""
        base = self._base_fee()
        sent: list[tuple[UnsignedTx, bytes]] = []
        for tx in txs:
            self._check_sender(tx)
            sent.append((tx, self._sign_and_send(tx, self._take_nonce(), self.tip_wei, fee_cap(base, self.tip_wei))))
        receipts: dict[int, Any] = {}
        give_up = time.monotonic() + deadline_seconds
        while len(receipts) < len(sent) and time.monotonic() < give_up:
            for index, (tx, tx_hash) in enumerate(sent):
                if index not in receipts and (receipt := self._any_receipt([tx_hash])) is not None:
                    receipts[index] = receipt
                    if progress is not None:
                        progress(tx)
            time.sleep(self.poll_seconds)
        if len(receipts) < len(sent):
            self._next_nonce = None
            missing = [sent[i][0].describe() for i in range(len(sent)) if i not in receipts]
            raise TransactionTimeoutError(
                f"{len(missing)} of {len(sent)} transactions from {self.address} not mined within "
                f"{deadline_seconds:.0f} s (first: {missing[0]})"
            )
        return [self._outcome(tx, receipts[i]) for i, (tx, _hash) in enumerate(sent)]

    def resume_pending(self, *, deadline_seconds: float = 120.0) -> list[Sent | ImseError]:
        """Finishes the transactions of this account that the node holds but has not mined — left by a crash, a
        kill, or fees that fell behind the base fee. Each is read back from the node's transaction pool
        (`txpool_contentFrom`), sent again as the same call with fees raised by 25 % and at least today's (a
        replacement every node accepts), and waited for like `transact`, raising fees further while it is stuck.
        Returns, in nonce order, each one's outcome: its receipt, or the error it failed with (decoded), so the
        caller can log it and go on. ChainError when the node cannot show a pending transaction."""
        latest, pending = self._nonce("latest"), self._nonce("pending")
        if pending <= latest:
            return []
        pooled = self._pooled()
        outcomes: list[Sent | ImseError] = []
        for nonce in range(latest, pending):
            found = pooled.get(nonce)
            if found is None:
                raise ChainError(
                    f"nonce {nonce} of {self.address} is pending but the node's transaction pool does not show it "
                    "(is the txpool API enabled on this node?)"
                )
            tx, old_tip, old_cap = self._pooled_call(found)
            tip = max(math.ceil(old_tip * 1.25), self.tip_wei)
            cap = max(math.ceil(old_cap * 1.25), fee_cap(self._base_fee(), tip))
            try:
                outcomes.append(self._until_mined(tx, nonce, tip, cap, [bytes.fromhex(found["hash"][2:])],
                                                  deadline_seconds))  # fmt: skip
            except (ContractRevertError, TransactionTimeoutError) as err:
                outcomes.append(err)
        self._next_nonce = None
        return outcomes

    def _pooled(self) -> dict[int, dict[str, Any]]:
        """This account's pending transactions in the node's pool, by nonce."""
        try:
            answer = self.chain.w3.provider.make_request("txpool_contentFrom", [self.address])  # type: ignore[arg-type]
        except (Web3Exception, OSError) as err:
            raise ChainError(f"cannot read the node's transaction pool: {err}") from err
        if not isinstance(answer, dict) or "result" not in answer:
            raise ChainError(f"the node does not show its transaction pool (txpool_contentFrom): {answer}")
        return {int(nonce): tx for nonce, tx in (answer["result"].get("pending") or {}).items()}

    def _pooled_call(self, found: dict[str, Any]) -> tuple[UnsignedTx, int, int]:
        """A pooled transaction as the call it makes (contract and function named from the registry when it is one
        of ours), with its tip and fee cap."""
        if not found.get("to"):
            raise ChainError(f"the pending transaction {found.get('hash')} of {self.address} creates a contract: "
                             "not one an agent sends; replace it by hand")  # fmt: skip
        to = Web3.to_checksum_address(str(found["to"]))
        data = str(found.get("input") or "0x")
        contract, function = self.chain.transactions.describe_call(to, data)
        tx = UnsignedTx(contract, function, self.address, to, data, int(found["gas"], 16), self.chain.registry.chain_id,
                        int(found.get("value") or "0x0", 16))  # fmt: skip
        legacy = int(found.get("gasPrice") or "0x0", 16)
        tip = int(found.get("maxPriorityFeePerGas") or hex(legacy), 16)
        cap = int(found.get("maxFeePerGas") or hex(legacy), 16)
        return tx, tip, cap

    def _check_sender(self, tx: UnsignedTx) -> None:
        if tx.sender.lower() != self.address.lower():
            raise ChainError(f"{tx.describe()} was built for {tx.sender}, not for this signer ({self.address})")

    def _sign_and_send(self, tx: UnsignedTx, nonce: int, tip: int, max_fee: int) -> bytes:
        """Signs `tx` with the given nonce and fees and sends it; its hash."""
        signed = self.account.sign_transaction(
            {
                "from": self.address, "to": tx.to, "data": tx.data, "value": tx.value, "gas": tx.gas,
                "nonce": nonce, "chainId": tx.chain_id, "maxPriorityFeePerGas": tip, "maxFeePerGas": max_fee,
            }
        )  # fmt: skip
        raw = signed if isinstance(signed, bytes) else signed.raw_transaction
        return self._send_raw(bytes(raw), bytes(signed.hash) if hasattr(signed, "hash") else None)

    def _send_raw(self, raw: bytes, known_hash: bytes | None) -> bytes:
        try:
            return bytes(self.chain.w3.eth.send_raw_transaction(raw))
        except (Web3Exception, ValueError) as err:
            text = str(err)
            if "already known" in text and known_hash is not None:
                return known_hash  # the node has it from an earlier attempt
            if "nonce too low" in text:
                self._next_nonce = None
            raise ChainError(f"the node refused the transaction: {text}") from err
        except OSError as err:
            raise ChainError(f"cannot reach the node: {err}") from err

    def _any_receipt(self, hashes: list[bytes]) -> Any:
        for tx_hash in hashes:
            try:
                receipt = self.chain.transactions.receipt(hex_of(tx_hash))
            except (Web3Exception, OSError):
                return None  # a hiccup: look again on the next poll
            if receipt is not None:
                return receipt
        return None

    def _outcome(self, tx: UnsignedTx, receipt: Any) -> Sent:
        tx_hash = hex_of(receipt["transactionHash"])
        if int(receipt["status"]) == 1:
            return Sent(tx_hash, int(receipt["blockNumber"]), int(receipt["gasUsed"]), receipt)
        call = {"from": tx.sender, "to": tx.to, "data": tx.data, "value": tx.value, "gas": tx.gas}
        raise self.chain.transactions.failure(tx_hash, receipt, call=call, function=tx.function)

    # ------------------------------------------------------------------------------------------ nonce and fees

    def _take_nonce(self) -> int:
        nonce = max(self._nonce("pending"), self._next_nonce or 0)
        self._next_nonce = nonce + 1
        return nonce

    def _base_fee(self) -> int:
        return self.chain.transactions.base_fee()

    def stuck_seconds(self) -> float:
        """How long to wait before replacing: 8 block periods (measured once from the last two blocks), ≥ 4 s."""
        if self._stuck_seconds is None:
            head = self.chain.head()
            period = self.chain.timestamp(head) - self.chain.timestamp(head - 1) if head >= 1 else 5
            self._stuck_seconds = max(4.0, 8.0 * max(1, period))
        return self._stuck_seconds

    def _nonce(self, block: str) -> int:
        return self.chain.transactions.nonce(self.address, block)
