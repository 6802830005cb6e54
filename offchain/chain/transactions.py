"""What became of a transaction, and what the ledger holds — read once, for every part (the signer, the web's
transaction lifecycle, the ledger explorer, the faucet).

    tx = chain.transactions
    tx.outcome(tx_hash)              # pending | mined | failed (the contract's error, replayed) | unknown
    tx.failure(tx_hash, receipt)     # the ContractRevertError a failed transaction raised (replayed on the parent)
    tx.replacement(sender, nonce, first_block)   # the mined transaction that took a nonce (speed-up, cancel)
    tx.name_of(address)              # "OrderBook", or None for an address that is not one of the platform's
    tx.decode_call(to, data)         # Call("OrderBook", "placeOrders", {...})
    tx.decode_logs(receipt)          # [Event("OrderBook", "OrderPlaced", {...}), …]
    tx.block(12) / tx.signer_of(block)           # a block and its clique signer
    tx.fee_per_gas()                 # the one fee formula: 2 × base fee + tip

A failed transaction's reason is recovered by replaying its call with `eth_call` on the state of its block's parent
(the state it was sent against when it was alone in its block); a replay that does not fail means it ran out of gas
or an earlier transaction of the same block changed what it saw — the message says which is likely.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from web3 import Web3
from web3.exceptions import BlockNotFound, TransactionNotFound, Web3Exception

from offchain.chain.errors import exception_revert_data, is_revert
from offchain.exceptions import ChainError, ImseError

if TYPE_CHECKING:
    from offchain.chain.connection import Chain

State = Literal["pending", "mined", "failed", "unknown"]


def fee_cap(base_fee: int, tip: int) -> int:
    """The most a transaction offers per gas: twice the base fee plus the tip (EIP-1559, as MetaMask and `Signer`
    price it) — room for the base fee to rise for several full blocks before the transaction stops being minable."""
    return 2 * base_fee + tip


def plain(value: Any) -> Any:
    """Decoded arguments as JSON values: bytes as 0x-hex, structs as objects, lists as lists."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, Mapping):  # web3's AttributeDict too
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def hex_of(data: Any) -> str:
    """Transaction input / a hash as lower-case 0x-hex, whether web3 gave bytes or text."""
    return data.lower() if isinstance(data, str) else "0x" + bytes(data).hex()


@dataclass(frozen=True)
class Outcome:
    """What became of a transaction: its state, its block once mined, why it failed."""

    hash: str
    state: State
    block: int | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"hash": self.hash, "state": self.state, "block": self.block, "error": self.error}


@dataclass(frozen=True)
class Call:
    """A call decoded: the platform contract it goes to, its function and arguments (JSON values). `function` is
    the 0x-selector when the contract has no such function; `contract` the address when it is not the platform's."""

    contract: str
    function: str
    arguments: dict[str, Any] = field(default_factory=dict)
    ours: bool = True
    """`contract` is one of the platform's."""
    known: bool = True
    """… and `function` one of its functions."""

    @property
    def label(self) -> str:
        """ "OrderBook.placeOrders"; "(unknown function)" for a selector a platform contract lacks; "" else."""
        if not self.ours:
            return ""
        return f"{self.contract}.{self.function}" if self.known else "(unknown function)"


@dataclass(frozen=True)
class Event:
    """A log decoded with the ABI of the platform contract that emitted it."""

    contract: str
    event: str
    args: dict[str, Any]


NOT_OURS = "(not a platform contract)"


class Transactions:
    """Reads of transactions, receipts and blocks through one connected chain (`chain.transactions`)."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self._w3 = chain.w3
        self._names = {Web3.to_checksum_address(c.address): name for name, c in chain.registry.contracts.items()}

    # ------------------------------------------------------------------------------------------ names, decoding

    def name_of(self, address: str | None) -> str | None:
        """The platform contract at `address` (any case), or None."""
        if not address or not Web3.is_address(address):
            return None
        return self._names.get(Web3.to_checksum_address(address))

    def decode_call(self, to: str | None, data: Any) -> Call | None:
        """The call `data` makes to `to`, decoded with the platform's ABIs; None for a contract creation."""
        if not to:
            return None
        text = hex_of(data or b"")
        name = self.name_of(to)
        if name is None:
            return Call(str(to), text[:10], ours=False, known=False)
        try:
            function, arguments = self.chain.contract(name).decode_function_input(text)
        except ValueError:
            return Call(name, text[:10], known=False)
        return Call(name, str(function.fn_name), {k: plain(v) for k, v in arguments.items()})

    def call_of(self, tx: Any) -> Call | None:
        """The call transaction `tx` makes (its input is "input" on geth, "data" on some test EVMs)."""
        return self.decode_call(tx.get("to"), tx.get("input") or tx.get("data"))

    def describe_call(self, to: str, data: str) -> tuple[str, str]:
        """(contract, function) of a call: names when it is the platform's, else the address and the selector."""
        call = self.decode_call(to, data)
        return (to, data[:10].lower()) if call is None else (call.contract, call.function)

    def decode_logs(self, receipt: Any) -> list[Event]:
        """Every log of a receipt, decoded when a platform contract emitted it (others named by address)."""
        decoded = []
        for log in receipt["logs"]:
            name = self.name_of(str(log["address"]))
            entry = Event(name or str(log["address"]), NOT_OURS, {})
            if name:
                for event in self.chain.contract(name).events:
                    try:
                        found = event().process_log(log)
                    except Exception:  # not this event's topic
                        continue
                    entry = Event(name, str(found["event"]), {k: plain(v) for k, v in found["args"].items()})
                    break
            decoded.append(entry)
        return decoded

    # ------------------------------------------------------------------------------------------ transactions

    def transaction(self, tx_hash: str) -> Any:
        """The transaction, or None when the node does not know it."""
        try:
            return self._w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
        except TransactionNotFound:
            return None

    def receipt(self, tx_hash: str) -> Any:
        """The receipt, or None while the transaction is pending (or unknown to the node)."""
        try:
            return self._w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
        except TransactionNotFound:
            return None

    def outcome(self, tx_hash: str) -> Outcome:
        receipt = self.receipt(tx_hash)
        if receipt is None:
            return Outcome(tx_hash, "pending" if self.transaction(tx_hash) is not None else "unknown")
        block = int(receipt["blockNumber"])
        if int(receipt["status"]) == 1:
            return Outcome(tx_hash, "mined", block)
        return Outcome(tx_hash, "failed", block, str(self.failure(tx_hash, receipt)))

    def failure(
        self, tx_hash: str, receipt: Any, *, call: Mapping[str, Any] | None = None, function: str | None = None
    ) -> ImseError:
        """Why mined transaction `tx_hash` failed: the contract's custom error (a ContractRevertError) recovered by
        replaying its call on the parent block's state; a ChainError when the replay does not revert. `call` (from,
        to, data, value, gas) saves reading the transaction when the sender still has it."""
        if call is None:
            tx = self.transaction(tx_hash)
            if tx is None:
                return ChainError(f"transaction {tx_hash} failed on chain and the node no longer knows it")
            call = {"from": tx["from"], "to": tx["to"], "data": hex_of(tx["input"]), "value": int(tx["value"]),
                    "gas": int(tx["gas"])}  # fmt: skip
        contract = self.name_of(str(call.get("to") or ""))
        if function is None and contract is not None:
            function = self.describe_call(str(call["to"]), str(call["data"]))[1]
        try:
            self._w3.eth.call(dict(call), max(0, int(receipt["blockNumber"]) - 1))  # type: ignore[arg-type]
        except Exception as err:
            if not (is_revert(err) or isinstance(err, Web3Exception | OSError)):
                raise
            if contract is not None:
                decoded = self.chain.errors.error(contract, exception_revert_data(err), function=function or "",
                                                  tx_hash=tx_hash)  # fmt: skip
                if decoded is not None:
                    return decoded
        what = f"{contract}.{function}" if contract and function else "the transaction"
        used, gas = int(receipt["gasUsed"]), int(call.get("gas") or 0)
        why = " (it used all its gas)" if gas and used >= gas else ""
        return ChainError(f"{what} failed on chain in transaction {tx_hash}{why}")

    def nonce(self, address: str, block: str = "latest") -> int:
        """How many transactions of `address` are mined (`latest`) or known to the node (`pending`)."""
        try:
            return int(self._w3.eth.get_transaction_count(Web3.to_checksum_address(address), block))  # type: ignore[arg-type]
        except (Web3Exception, OSError) as err:
            raise ChainError(f"cannot read the nonce of {address}: {err}") from err

    def replacement(self, sender: str, nonce: int, first_block: int, last_block: int | None = None) -> Any:
        """The mined transaction of `sender` with `nonce` in blocks first_block … last_block (the head), or None:
        what a wallet's speed-up or cancel mined in place of the transaction it first sent."""
        last = self.chain.head() if last_block is None else last_block
        for number in range(max(0, first_block), last + 1):
            for tx in self._w3.eth.get_block(number, full_transactions=True)["transactions"]:
                found: Any = tx
                if str(found["from"]).lower() == sender.lower() and int(found["nonce"]) == nonce:
                    return found
        return None

    def balance(self, address: str) -> int:
        return int(self._w3.eth.get_balance(Web3.to_checksum_address(address)))

    # ------------------------------------------------------------------------------------------ blocks, fees

    def block(self, key: int | str, *, full: bool = False) -> Any:
        """Block `key` (number, hash, "latest"), or None when the chain has no such block."""
        try:
            return self._w3.eth.get_block(key, full_transactions=full)  # type: ignore[arg-type]
        except (BlockNotFound, ValueError):
            return None

    def signer_of(self, block: Any) -> str:
        """The block's clique signer (a clique block's miner field is empty: the seal is in its extra data); the
        miner field on a chain without clique (ape's in-process EVM)."""
        miner = str(block.get("miner", ""))
        try:
            answer = self._w3.provider.make_request("clique_getSigner", [hex_of(block["hash"])])  # type: ignore[arg-type]
        except Exception:  # not a clique node
            return miner
        signer = answer.get("result") if isinstance(answer, dict) else None
        return str(signer) if signer else miner

    def base_fee(self) -> int:
        return int(self._w3.eth.get_block("latest").get("baseFeePerGas", 0) or 0)

    def fee_per_gas(self, tip: int | None = None) -> int:
        """What a sender's balance must cover per unit of gas now: `fee_cap` of the head's base fee and `tip` (the
        node's suggested tip when None)."""
        return fee_cap(self.base_fee(), int(self._w3.eth.max_priority_fee) if tip is None else tip)
