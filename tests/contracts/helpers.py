"""Assertion helpers for contract tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import ape

from offchain.chain.errors import decoded_revert

ZERO_ADDRESS = "0x" + "00" * 20


@contextmanager
def reverts(error: Any, **inputs: Any) -> Iterator[None]:
    """Expects a revert with custom error `error` and exactly these arguments.

    Stricter than `ape.reverts`, which skips argument names it does not know and passes any revert whose error it
    cannot decode (an error raised by a contract the callee called). Here every argument must be named and equal,
    and undecoded revert data is decoded against `error`'s ABI.
    """
    with ape.reverts() as info:
        yield
    abi = error.abi
    exc = info.value
    if hasattr(exc, "inputs"):
        assert type(exc).__name__ == abi.name, f"reverted with {type(exc).__name__}, expected {abi.name}"
        actual = dict(exc.inputs)
    else:
        decoded = decoded_revert(exc, [abi])
        assert decoded, f"reverted with {exc.revert_message!r}, expected {abi.name}"
        actual = decoded[1]
    assert set(actual) == set(inputs), f"{abi.name} arguments {sorted(actual)} != asserted {sorted(inputs)}"
    for name, value in inputs.items():
        assert _norm(actual[name]) == _norm(value), f"{abi.name}.{name}: {actual[name]!r} != {value!r}"


def role(name: str) -> bytes:
    """keccak256 of a role name, as the contracts define their roles."""
    from eth_utils import keccak

    return keccak(text=name)


@dataclass(frozen=True)
class Expected:
    """An expected event, compared by value after normalising (see `expect`)."""

    contract_address: str
    name: str
    args: dict[str, Any]


def expect(event: Any, **args: Any) -> Expected:
    """Expected event for events with struct arguments, which ape's own event mocks cannot build."""
    return Expected(event.contract.address, event.abi.name, args)


def _norm(value: Any) -> Any:
    if hasattr(value, "address"):
        return str(value.address).lower()
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return value.lower()
    if isinstance(value, bytes):
        return bytes(value)
    if isinstance(value, dict):
        return tuple(_norm(v) for v in value.values())
    if hasattr(value, "__dataclass_fields__"):
        return tuple(_norm(value[name]) for name in value.__dataclass_fields__)
    if isinstance(value, list | tuple):
        return tuple(_norm(v) for v in value)
    return value


def assert_events(tx: Any, expected: list[Any]) -> None:
    """Asserts the transaction's whole event list: same events, same order, every argument of each event given and
    equal (ape's own `==` on events only compares the arguments the test names)."""
    actual = list(tx.events)
    assert len(actual) == len(expected), f"events {actual} != expected {expected}"
    for got, want in zip(actual, expected, strict=True):
        if isinstance(want, Expected):
            assert (got.contract_address, got.event_name) == (want.contract_address, want.name), f"{got} != {want}"
            assert set(got.event_arguments) == set(want.args), f"{got.event_name}: arguments differ from {want}"
            for name, value in want.args.items():
                assert _norm(got.event_arguments[name]) == _norm(value), f"{got.event_name}.{name}: {got} != {want}"
            continue
        assert got == want, f"{got} != {want}"
        missing = set(got.event_arguments) - set(want.event_arguments)
        assert not missing, f"{got.event_name}: the test does not assert {sorted(missing)}"
