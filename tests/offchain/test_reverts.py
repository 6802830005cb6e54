"""Recovering custom errors from ape's exceptions, whatever form the revert data arrives in."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from eth_abi.abi import encode
from ethpm_types.abi import ErrorABI

from offchain.chain.errors import decoded_revert, error_selector, revert_bytes

STALE = ErrorABI.model_validate(
    {
        "type": "error",
        "name": "TwinRegistryStaleVersion",
        "inputs": [
            {"name": "twinId", "type": "uint256"},
            {"name": "expected", "type": "uint32"},
            {"name": "current", "type": "uint32"},
        ],
    }
)
NOT_FOUND = ErrorABI.model_validate(
    {"type": "error", "name": "TwinRegistryTwinNotFound", "inputs": [{"name": "twinId", "type": "uint256"}]}
)


def stale_data(twin_id: int, expected: int, current: int) -> bytes:
    return error_selector(STALE) + encode(["uint256", "uint32", "uint32"], [twin_id, expected, current])


def test_error_selector__is_keccak_of_signature():
    assert STALE.selector == "TwinRegistryStaleVersion(uint256,uint32,uint32)"
    assert len(error_selector(STALE)) == 4
    assert error_selector(STALE) != error_selector(NOT_FOUND)


@pytest.mark.parametrize(
    "form",
    [lambda d: d, lambda d: "0x" + d.hex(), lambda d: str(d)],
    ids=["bytes", "hex", "str-of-bytes"],
)
@pytest.mark.parametrize("twin_id", [1, 0x27, 0x22, 0x2722], ids=["plain", "single-quote", "double-quote", "both"])
def test_revert_bytes__every_form__same_bytes(form: Any, twin_id: int):
    data = stale_data(twin_id, 1, 2)

    assert revert_bytes(form(data)) == data


@pytest.mark.parametrize("junk", [None, "", "0x", "0xzz", "execution reverted", "b'unterminated", "b'x' + 1", 42])
def test_revert_bytes__not_revert_data__empty(junk: Any):
    assert revert_bytes(junk) == b""


def test_decoded_revert__raw_str_of_bytes__decoded_by_selector():
    err = SimpleNamespace(revert_message=str(stale_data(0x27, 1, 3)))

    assert decoded_revert(err, [NOT_FOUND, STALE]) == (
        "TwinRegistryStaleVersion",
        {"twinId": 0x27, "expected": 1, "current": 3},
    )


def test_decoded_revert__ape_decoded_exception__inputs_used():
    # ape builds a class named after the error, carrying the decoded arguments
    decoded_class = type("TwinRegistryStaleVersion", (Exception,), {})
    err = decoded_class()
    err.inputs = {"twinId": 4, "expected": 1, "current": 2}

    assert decoded_revert(err, [STALE]) == (
        "TwinRegistryStaleVersion",
        {"twinId": 4, "expected": 1, "current": 2},
    )


def test_decoded_revert__other_error__none():
    err = SimpleNamespace(revert_message="0x" + stale_data(1, 1, 2).hex())

    assert decoded_revert(err, [NOT_FOUND]) is None
    assert decoded_revert(SimpleNamespace(revert_message="Transaction failed."), [STALE]) is None
