"""The matcher's estimator: a design that cannot be fetched or verified is not fetched again every cycle, but after
a back-off (5 s doubling to 10 min), and the last error is reported meanwhile."""

from __future__ import annotations

import hashlib

import pytest

from offchain.bot.estimator import Estimator
from offchain.bot.view import OrderInfo
from offchain.exceptions import ContentNotFoundError, ImseError, IntegrityError
from offchain.printing.slicer import Slicer
from offchain.storage.base import MemoryStorage


class CountingStorage(MemoryStorage):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def stream(self, cid, *, max_bytes):  # type: ignore[no-untyped-def]
        self.reads += 1
        return super().stream(cid, max_bytes=max_bytes)


@pytest.fixture
def clock():
    now = [1000.0]
    return now


def test_missing_design__backs_off_doubling__error_kept(tmp_path, clock):
    store = CountingStorage()
    estimator = Estimator(store, Slicer(tmp_path), clock=lambda: clock[0])
    missing = OrderInfo("bafkreimissingdesign", b"\x01" * 32)

    with pytest.raises(ContentNotFoundError):
        estimator.seconds_per_copy(missing)
    for _ in range(5):  # every cycle within the back-off: no new fetch, the same error
        with pytest.raises(ImseError, match=r"next try in 5 s"):
            estimator.seconds_per_copy(missing)
    assert store.reads == 1

    clock[0] += 5.0
    with pytest.raises(ContentNotFoundError):
        estimator.seconds_per_copy(missing)  # tried again
    assert store.reads == 2
    clock[0] += 5.0
    with pytest.raises(ImseError, match=r"next try in 5 s"):  # now 10 s after the second failure
        estimator.seconds_per_copy(missing)
    assert store.reads == 2


def test_tampered_design__backs_off_too(tmp_path, clock):
    store = CountingStorage()
    cid = store.add(b"solid not-really-an-stl")
    estimator = Estimator(store, Slicer(tmp_path), clock=lambda: clock[0])
    wrong = OrderInfo(cid, hashlib.sha256(b"something else").digest())

    with pytest.raises(IntegrityError):
        estimator.seconds_per_copy(wrong)
    with pytest.raises(ImseError, match="next try"):
        estimator.seconds_per_copy(wrong)
    assert store.reads == 1
