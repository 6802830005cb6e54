"""Custom errors out of a failed contract call, however ape reports them.

ape 0.8 decodes a contract's custom error into an exception class named after it (with `.inputs`) when it can. When
it cannot, the raw revert data is left in `revert_message` — as 0x-hex, or, on the in-process test provider, as the
`str()` of a bytes object: ape turns `b'…'` back into hex but not `b"…"`, which Python prints for data holding the byte
0x27 (`'`) and no 0x22. These functions recover the bytes in every case and decode them against a contract's ABI.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import Any


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
    data = revert_bytes(getattr(err, "revert_message", None))
    for abi in abis:
        if data[:4] == error_selector(abi):
            return abi.name, decode_error_data(abi, data)
    return None
