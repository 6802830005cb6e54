"""The Storage interface's in-memory fake, CID computation and verified reads."""

from __future__ import annotations

import hashlib

import pytest

from offchain.exceptions import ContentNotFoundError, ContentTooLargeError, IntegrityError
from offchain.storage.base import MemoryStorage, Storage, cat, fetch_verified, raw_cid

# `echo hello-imse | ipfs add --cid-version=1` on kubo 0.42 (one chunk, raw leaves)
KUBO_CID_OF_HELLO = "bafkreibwcom6itefsjqeexopln7rbd3c33b5xikemdydtioijafec5gxte"


def test_raw_cid__equals_kubo_for_a_single_chunk():
    assert raw_cid(b"hello-imse\n") == KUBO_CID_OF_HELLO


def test_memory_storage__is_a_storage_and_round_trips():
    store = MemoryStorage(chunk_size=4)
    assert isinstance(store, Storage)

    cid = store.add(b"0123456789")

    assert cat(store, cid) == b"0123456789"
    assert list(store.stream(cid)) == [b"0123", b"4567", b"89"]
    assert store.stat(cid).size == 10
    assert cid in store.pinned


def test_memory_storage__unpinned_add_then_pin():
    store = MemoryStorage()
    cid = store.add(b"x", pin=False)
    assert cid not in store.pinned
    store.pin(cid)
    assert cid in store.pinned


@pytest.mark.parametrize("call", [cat, MemoryStorage.stat, MemoryStorage.pin])
def test_memory_storage__unknown_cid__not_found(call):
    with pytest.raises(ContentNotFoundError, match="bafkreiunknown"):
        call(MemoryStorage(), "bafkreiunknown")


def test_cat__over_the_limit__stops_with_content_too_large():
    store = MemoryStorage(chunk_size=10)
    cid = store.add(b"a" * 100)
    with pytest.raises(ContentTooLargeError, match="limit of 50"):
        cat(store, cid, max_bytes=50)
    assert cat(store, cid, max_bytes=100) == b"a" * 100


def test_fetch_verified__matching_digest__returns_bytes():
    store = MemoryStorage()
    cid = store.add(b"document")
    assert fetch_verified(store, cid, hashlib.sha256(b"document").digest()) == b"document"


def test_fetch_verified__tampered_object__integrity_error():
    store = MemoryStorage()
    cid = store.add(b"document")
    store.tamper(cid, b"forged")

    with pytest.raises(IntegrityError) as caught:
        fetch_verified(store, cid, hashlib.sha256(b"document").digest())
    assert caught.value.cid == cid
    assert caught.value.actual == "0x" + hashlib.sha256(b"forged").hexdigest()
