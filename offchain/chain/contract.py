"""What the four contract wrappers share: reads that decode custom errors, `build_…` writes that are simulated
before anything is signed, and event searches since the deployment block.

A write is built, never sent, here: `UnsignedTx` is what a browser wallet signs (`eth_sendTransaction`) or what
`Signer.transact` signs with an agent's key. Building runs the call with `eth_call` from the sender first, so a
refusal surfaces as the contract's decoded custom error (a ContractRevertError subclass) before any wallet opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from web3 import Web3
from web3.exceptions import Web3Exception
from web3.logs import DISCARD

from offchain.chain.errors import exception_revert_data, is_revert
from offchain.exceptions import ChainError, ContractRevertError

if TYPE_CHECKING:
    from offchain.chain.connection import Chain

GAS_MARGIN = 1.25
"""Estimated gas × this: state can change a little between the estimate and the block (e.g. a new storage slot)."""


@dataclass(frozen=True)
class UnsignedTx:
    """A contract call ready to be signed: what a wallet needs, plus what it is for."""

    contract: str
    function: str
    sender: str
    to: str
    data: str
    gas: int
    chain_id: int
    value: int = 0

    def for_wallet(self) -> dict[str, str]:
        """The `eth_sendTransaction` parameters (hex quantities), as EIP-1193 wallets take them."""
        return {
            "from": self.sender,
            "to": self.to,
            "data": self.data,
            "value": hex(self.value),
            "gas": hex(self.gas),
            "chainId": hex(self.chain_id),
        }

    def describe(self) -> str:
        return f"{self.contract}.{self.function}"


class ContractWrapper:
    """Base of TwinRegistry, OrderBook, MatchLedger and ExecutionLog."""

    NAME = ""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self.contract = chain.contract(self.NAME)
        self.address = str(self.contract.address)

    # ------------------------------------------------------------------------------------------ reads

    def _read(self, function: str, *args: Any, block: int | str = "latest") -> Any:
        """A view call; a custom error becomes its ContractRevertError."""
        try:
            return getattr(self.contract.functions, function)(*args).call(block_identifier=block)
        except Exception as err:
            raise self._translated(err, function) from err

    # ------------------------------------------------------------------------------------------ writes

    def _build(self, function: str, *args: Any, sender: str, value: int = 0) -> UnsignedTx:
        """`function(*args)` from `sender` as an unsigned transaction, simulated first (refusals raise)."""
        sender = Web3.to_checksum_address(sender)
        call = getattr(self.contract.functions, function)(*args)
        params = {"from": sender, "value": value}
        try:
            gas = int(call.estimate_gas(params))  # runs the call: a revert raises with its data
        except Exception as err:
            raise self._translated(err, function) from err
        data = call._encode_transaction_data()
        return UnsignedTx(
            self.NAME, function, sender, self.address, data, int(gas * GAS_MARGIN), self.chain.registry.chain_id, value
        )

    def _translated(self, err: Exception, function: str) -> Exception:
        """A revert → its decoded custom error; a node or transport failure → ChainError; anything else as it was."""
        if is_revert(err):
            return self._refusal(err, function)
        if isinstance(err, Web3Exception | OSError):
            return ChainError(f"{self.NAME}.{function}: {err}")
        return err

    def _refusal(self, err: Exception, function: str, tx_hash: str | None = None) -> Exception:
        """The decoded custom error behind `err`, or a ChainError carrying its message."""
        decoded = self.chain.errors.error(self.NAME, exception_revert_data(err), function=function, tx_hash=tx_hash)
        return decoded or ChainError(f"{self.NAME}.{function} reverted: {err}")

    def has_role(self, role: str, account: str) -> bool:
        """Whether `account` holds the role constant named `role` (e.g. "MATCHER_ROLE", "DEFAULT_ADMIN_ROLE")."""
        return bool(self._read("hasRole", self._read(role), Web3.to_checksum_address(account)))

    def build_grant_role(self, role: str, account: str, *, sender: str) -> UnsignedTx:
        """grantRole of the role constant named `role` (e.g. "MATCHER_ROLE") to `account` (an admin's call)."""
        return self._build("grantRole", self._read(role), Web3.to_checksum_address(account), sender=sender)

    # ------------------------------------------------------------------------------------------ events

    def logs(
        self, event: str, *, from_block: int | None = None, to_block: int | str = "latest", **filters: Any
    ) -> list[Any]:
        """Decoded `event` logs (web3 attribute dicts, in chain order) since the deployment block, filtered by
        indexed arguments."""
        try:
            return list(
                getattr(self.contract.events, event).get_logs(
                    from_block=self.chain.from_block if from_block is None else from_block,
                    to_block=to_block,
                    argument_filters=filters or None,
                )
            )
        except (Web3Exception, OSError) as err:
            raise ChainError(f"{self.NAME}.{event} logs: {err}") from err

    def events_of(self, receipt: Any, event: str) -> list[Any]:
        """`event` logs of this contract in a receipt (web3 receipt dict)."""
        processed = getattr(self.contract.events, event)().process_receipt(receipt, errors=DISCARD)
        return [log for log in processed if log["address"] == self.address]


__all__ = ["ContractRevertError", "ContractWrapper", "UnsignedTx"]
