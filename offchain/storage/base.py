"""The content-store interface and its in-memory fake.

Everything that puts files on IPFS or reads them back (twins, designs, G-code, match snapshots) talks to a
`Storage`. Two implementations share it: `offchain.storage.kubo.KuboStorage` (a kubo node's RPC) and `MemoryStorage`
(unit tests). Content read back for a decision is checked with `fetch_verified` against the digest the chain
recorded — an IPFS CID alone proves nothing about which bytes the chain meant when files are chunked.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from offchain.exceptions import ContentNotFoundError, ContentTooLargeError, IntegrityError

DEFAULT_MAX_BYTES = 64 * 1024 * 1024  # reads stop with ContentTooLargeError beyond this unless told otherwise
_RAW_CODEC, _SHA2_256, _CID_V1 = 0x55, 0x12, 0x01


@dataclass(frozen=True)
class ObjectStat:
    """What the store knows about an object without reading it."""

    cid: str
    size: int


@runtime_checkable
class Storage(Protocol):
    """A content-addressed store. CIDs are CIDv1 strings."""

    def add(self, data: bytes, *, pin: bool = True) -> str:
        """Stores `data` and returns its CID (pinned unless told otherwise)."""
        ...

    def stream(self, cid: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[bytes]:
        """Yields the object's bytes in chunks; raises ContentTooLargeError as soon as more than `max_bytes`
        arrive and ContentNotFoundError when the object cannot be found in time."""
        ...

    def pin(self, cid: str) -> None:
        """Keeps the object from garbage collection (fetching it first if needed)."""
        ...

    def stat(self, cid: str) -> ObjectStat:
        """Size of the object."""
        ...


def cat(storage: Storage, cid: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The whole object, read through `stream` (so the size limit holds)."""
    return b"".join(storage.stream(cid, max_bytes=max_bytes))


def fetch_verified(storage: Storage, cid: str, digest: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The object's bytes, after checking their sha-256 equals `digest` (as recorded on chain).

    Raises IntegrityError when they differ — the caller must not use the content then.
    """
    data = cat(storage, cid, max_bytes=max_bytes)
    actual = hashlib.sha256(data).digest()
    if actual != bytes(digest):
        raise IntegrityError(cid, "0x" + bytes(digest).hex(), "0x" + actual.hex())
    return data


def raw_cid(data: bytes) -> str:
    """The CIDv1 (raw codec, sha2-256, base32) of `data` as one block — what kubo's `add --cid-version=1` returns
    for files up to one chunk (256 KiB)."""
    digest = hashlib.sha256(data).digest()
    binary = bytes([_CID_V1, _RAW_CODEC, _SHA2_256, len(digest)]) + digest
    return "b" + base64.b32encode(binary).decode().lower().rstrip("=")


class MemoryStorage:
    """An in-memory `Storage` for unit tests. CIDs are `raw_cid` of the content (equal to kubo's up to 256 KiB).

    `tamper` replaces an object's bytes under the same CID, to test that readers verify what they fetch.
    """

    def __init__(self, chunk_size: int = 64 * 1024) -> None:
        self._objects: dict[str, bytes] = {}
        self.pinned: set[str] = set()
        self._chunk = chunk_size

    def add(self, data: bytes, *, pin: bool = True) -> str:
        cid = raw_cid(data)
        self._objects[cid] = bytes(data)
        if pin:
            self.pinned.add(cid)
        return cid

    def stream(self, cid: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[bytes]:
        data = self._get(cid)
        for start in range(0, len(data), self._chunk):
            if start + self._chunk > max_bytes and len(data) > max_bytes:
                raise ContentTooLargeError(cid, max_bytes)
            yield data[start : start + self._chunk]

    def pin(self, cid: str) -> None:
        self._get(cid)
        self.pinned.add(cid)

    def stat(self, cid: str) -> ObjectStat:
        return ObjectStat(cid, len(self._get(cid)))

    def tamper(self, cid: str, data: bytes) -> None:
        self._get(cid)
        self._objects[cid] = bytes(data)

    def _get(self, cid: str) -> bytes:
        try:
            return self._objects[cid]
        except KeyError:
            raise ContentNotFoundError(cid) from None
