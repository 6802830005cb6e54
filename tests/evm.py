"""A small EVM bytecode reader for tests: which opcodes does compiled code use?"""

from __future__ import annotations

PUSH0 = 0x5F
PUSH1, PUSH32 = 0x60, 0x7F


def strip_metadata(code: bytes) -> bytes:
    """Code without solc's CBOR metadata trailer (its length is in the last two bytes)."""
    if len(code) < 2:
        return code
    length = int.from_bytes(code[-2:], "big")
    return code[: -(length + 2)] if length + 2 <= len(code) else code


def opcodes(code: bytes) -> list[int]:
    """The opcodes of `code` in order, skipping PUSH immediates."""
    found, i = [], 0
    code = strip_metadata(code)
    while i < len(code):
        op = code[i]
        found.append(op)
        i += 1 + (op - PUSH1 + 1 if PUSH1 <= op <= PUSH32 else 0)
    return found
