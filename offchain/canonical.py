"""Canonical JSON (RFC 8785, JCS) and the digest the chain records for a twin document or patch."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import rfc8785

from offchain.exceptions import TwinValidationError


def canonical_bytes(document: Any) -> bytes:
    """The RFC 8785 serialisation: sorted keys, no whitespace, ECMAScript number formatting, UTF-8."""
    try:
        return rfc8785.dumps(document)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as err:
        raise TwinValidationError([f"(root): cannot be written as canonical JSON: {err}"]) from err


def digest(document: Any) -> bytes:
    """sha-256 of the canonical bytes (the `specDigest` recorded on chain)."""
    return hashlib.sha256(canonical_bytes(document)).digest()


def parse_json(data: bytes | str, what: str) -> Any:
    """JSON text → value; TwinValidationError naming `what` when it is not JSON (or not UTF-8)."""
    try:
        return json.loads(data, parse_constant=_not_a_number)
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as err:
        raise TwinValidationError([f"(root): {what} is not valid JSON: {err}"]) from err


def _not_a_number(token: str) -> Any:
    """Python's json reads NaN and ±Infinity; JSON (RFC 8259) has no such numbers."""
    raise ValueError(f"{token} is not a JSON number")
