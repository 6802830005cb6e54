"""Custom errors out of a failed contract call — the one decoder, for web3 (the SDK) and ape (scripts, tests).

`ErrorDecoder` maps revert data to a `ContractRevertError` subclass carrying the error's name and arguments, for
a simulated call (`eth_call`) and for a mined transaction that failed (its call replayed at its block).

ape 0.8 decodes a contract's custom error into an exception class named after it (with `.inputs`) when it can. When
it cannot, the raw revert data is left in `revert_message` — as 0x-hex, or, on the in-process test provider, as the
`str()` of a bytes object: ape turns `b'…'` back into hex but not `b"…"`, which Python prints for data holding the byte
0x27 (`'`) and no 0x22. These functions recover the bytes in every case and decode them against a contract's ABI.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from offchain.exceptions import (
    ConstraintViolatedError,
    ContractRevertError,
    InvalidInputError,
    InvalidStateError,
    NotAuthorisedError,
    NotFoundError,
)


def revert_bytes(revert_data: Any) -> bytes:
    """The raw revert data from bytes, a 0x-hex string or the str() of bytes; b"" when there is none."""
    if isinstance(revert_data, bytes | bytearray):
        return bytes(revert_data)
    text = str(revert_data or "")
    if text.startswith("0x"):
        try:
            return bytes.fromhex(text[2:])
        except ValueError:
            return b""
    if text.startswith(("b'", 'b"')):
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return b""
        if isinstance(value, bytes):
            return value
    return b""


def error_selector(abi: Any) -> bytes:
    """The 4-byte selector of an ethpm-types ErrorABI."""
    from eth_utils.crypto import keccak

    return bytes(keccak(text=abi.selector)[:4])


def decode_error_data(abi: Any, data: bytes) -> dict[str, Any]:
    """The named arguments of custom error `abi` from revert data that starts with its selector."""
    from eth_abi.abi import decode

    values = decode([item.canonical_type for item in abi.inputs], data[4:])
    return {item.name: value for item, value in zip(abi.inputs, values, strict=True)}


def decoded_revert(err: Any, errors: Iterable[Any]) -> tuple[str, dict[str, Any]] | None:
    """(error name, named arguments) of the custom error behind ape exception `err`, or None when it is not one of
    `errors` (ErrorABIs, e.g. `contract.contract_type.errors`)."""
    abis = list(errors)
    name = type(err).__name__
    if hasattr(err, "inputs") and any(abi.name == name for abi in abis):
        return name, dict(err.inputs)
    data = ape_revert_data(err)
    for abi in abis:
        if data[:4] == error_selector(abi):
            return abi.name, decode_error_data(abi, data)
    return None


def ape_revert_data(err: Any) -> bytes:
    """The raw revert data behind an ape exception, whichever test provider raised it: ape's in-process EVM puts it
    in `revert_message` (the str() of the bytes); ape-foundry (anvil) puts a lossy text rendering there ("custom error
    0x…: " and the arguments as characters) but keeps the bytes as the return value of the call's trace."""
    data = revert_bytes(getattr(err, "revert_message", None))
    if data:
        return data
    try:
        traced = getattr(getattr(err, "trace", None), "return_value", None)
    except Exception:  # a provider that cannot trace: no data, not a new error
        return b""
    return revert_bytes(traced) if isinstance(traced, str | bytes | bytearray) else b""


# ---------------------------------------------------------------------------------------------- web3 side

AUTHORISATION = ("AccessControlUnauthorizedAccount", "NotTwinOwner", "NotTwinOwnerOrOperator", "NotCustomer",
                 "NotTaskOperator", "NotTwinOperator", "MatchNotStranded", "NotExecutionLog",
                 "NotMatchLedger")  # fmt: skip
NOT_FOUND = ("OrderNotFound", "TwinNotFound", "RuleNotFound", "RuleVersionNotFound", "CatalogueEntryNotFound")
STATE = ("OrderNotMatchable", "OrderNotMatched", "InvalidOrderStatus", "InvalidTransition", "TwinNotAvailable",
         "TwinRetired", "StaleVersion", "TwinNotPrinter", "CatalogueEntryExists", "TwinNotPrintable",
         "ExecutionLogFixed", "NotStalled")  # fmt: skip


def error_class(name: str) -> type[ContractRevertError]:
    """The exception class for custom error `name` (matched on the part after the contract prefix)."""
    if name.endswith(AUTHORISATION):
        return NotAuthorisedError
    if name.endswith(NOT_FOUND):
        return NotFoundError
    if name.endswith("ConstraintViolated"):
        return ConstraintViolatedError
    if name.endswith(STATE):
        return InvalidStateError
    return InvalidInputError


@dataclass(frozen=True)
class _ErrorAbi:
    name: str
    types: tuple[str, ...]
    names: tuple[str, ...]


def _canonical_type(item: dict[str, Any]) -> str:
    kind = str(item["type"])
    if kind.startswith("tuple"):
        return "(" + ",".join(_canonical_type(c) for c in item["components"]) + ")" + kind[len("tuple") :]
    return kind


class ErrorDecoder:
    """Custom errors of a set of ABIs (JSON lists, as the registry holds them), by 4-byte selector."""

    def __init__(self, abis: Iterable[list[dict[str, Any]]]) -> None:
        from eth_utils.crypto import keccak

        self._by_selector: dict[bytes, _ErrorAbi] = {}
        for abi in abis:
            for entry in abi:
                if entry.get("type") != "error":
                    continue
                types = tuple(_canonical_type(i) for i in entry.get("inputs", []))
                selector = bytes(keccak(text=f"{entry['name']}({','.join(types)})")[:4])
                names = tuple(str(i.get("name") or f"arg{n}") for n, i in enumerate(entry.get("inputs", [])))
                self._by_selector[selector] = _ErrorAbi(str(entry["name"]), types, names)

    def decode(self, data: bytes) -> tuple[str, dict[str, Any]] | None:
        """(name, named arguments) of the custom error `data` encodes, or None when it is not one of ours."""
        from eth_abi.abi import decode
        from eth_abi.exceptions import DecodingError

        abi = self._by_selector.get(bytes(data[:4])) if len(data) >= 4 else None
        if abi is None:
            return None
        try:
            values = decode(list(abi.types), bytes(data[4:]))
        except DecodingError:
            return None
        from eth_utils.address import to_checksum_address

        shown = [to_checksum_address(v) if t == "address" else v for t, v in zip(abi.types, values, strict=True)]
        return abi.name, dict(zip(abi.names, shown, strict=True))

    def error(
        self, contract: str, data: bytes, *, function: str = "", tx_hash: str | None = None
    ) -> ContractRevertError | None:
        """The domain exception for revert `data`, or None when it is not one of our custom errors."""
        decoded = self.decode(data)
        if decoded is None:
            return None
        name, arguments = decoded
        return error_class(name)(contract, name, arguments, function=function, tx_hash=tx_hash)


def exception_revert_data(err: BaseException) -> bytes:
    """The revert data a web3 (or ape) exception carries; b"" when it carries none."""
    for candidate in (getattr(err, "data", None), getattr(err, "revert_message", None)):
        if isinstance(candidate, dict):  # some nodes nest it: {"data": "0x…"}
            candidate = candidate.get("data")
        data = revert_bytes(candidate)
        if data:
            return data
    for arg in getattr(err, "args", ()):
        if isinstance(arg, bytes | bytearray):
            return bytes(arg)
        if isinstance(arg, str):
            # "0x…", or the in-process EVM's "execution reverted: b'…'" (the str() of the data)
            text = arg.removeprefix("execution reverted: ")
            data = revert_bytes(text)
            if data:
                return data
    return b""


def is_revert(err: BaseException) -> bool:
    """Whether `err` reports an EVM revert (web3's ContractLogicError, or the in-process EVM's TransactionFailed)."""
    from web3.exceptions import ContractLogicError

    return isinstance(err, ContractLogicError) or type(err).__name__ == "TransactionFailed"
