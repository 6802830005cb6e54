"""Assertion helpers for contract tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ape

ZERO_ADDRESS = "0x" + "00" * 20


@contextmanager
def reverts(error: Any, **inputs: Any) -> Iterator[None]:
    """Expects a revert with custom error `error` and exactly these arguments — every argument must be named, so a
    misspelt or missing name fails instead of being skipped (ape.reverts skips names it does not know)."""
    with ape.reverts(error, **inputs) as info:
        yield
    actual = info.value.inputs
    assert set(actual) == set(inputs), f"error arguments {sorted(actual)} != asserted {sorted(inputs)}"


def role(name: str) -> bytes:
    """keccak256 of a role name, as the contracts define their roles."""
    from eth_utils import keccak

    return keccak(text=name)


def assert_events(tx: Any, expected: list[Any]) -> None:
    """Asserts the transaction's whole event list: same events, same order, every argument of each event given and
    equal (ape's own `==` on events only compares the arguments the test names)."""
    actual = list(tx.events)
    assert len(actual) == len(expected), f"events {actual} != expected {expected}"
    for got, want in zip(actual, expected, strict=True):
        assert got == want, f"{got} != {want}"
        missing = set(got.event_arguments) - set(want.event_arguments)
        assert not missing, f"{got.event_name}: the test does not assert {sorted(missing)}"
