"""Verifiable twin history: rebuild every revision of a twin from chain events + IPFS and check it.

Version 1 is the document published with `TwinPublished`; version k > 1 is version k-1 with the JSON Patch of the
k-th `TwinUpdated` applied. For each revision the rebuilt document's canonical digest must equal the digest the
chain recorded, the stored full document must hash to it too, and the capability summary on chain must be the one
the document gives. Missing or tampered IPFS objects and broken patch chains are reported per revision — the
verification never stops at the first problem.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from offchain.canonical import canonical_bytes, digest
from offchain.chain.records import capability_from
from offchain.exceptions import ImseError, TwinError, TwinNotFoundError
from offchain.services.twin_service import TwinService
from offchain.storage.base import cat
from offchain.twins.capability import capability_of
from offchain.twins.patch import apply_patch, parse_patch, summarise
from offchain.types import Capability

MAX_OBJECT_BYTES = 4 * 1024 * 1024


@dataclass
class Revision:
    version: int
    block: int
    timestamp: int | None
    tx_hash: str
    spec_cid: str
    patch_cid: str | None
    digest: bytes
    capability: Capability
    summary: str = ""
    document_ok: bool = False
    patch_ok: bool | None = None
    capability_ok: bool | None = None
    problems: list[str] = field(default_factory=list)
    document: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def row(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "block": self.block,
            "timestamp": self.timestamp,
            "tx": self.tx_hash,
            "digest": "0x" + self.digest.hex(),
            "spec_cid": self.spec_cid,
            "patch_cid": self.patch_cid,
            "document_ok": self.document_ok,
            "patch_ok": self.patch_ok,
            "capability_ok": self.capability_ok,
            "summary": self.summary,
            "problems": self.problems,
        }


@dataclass
class History:
    twin_id: int
    revisions: list[Revision]
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(r.ok for r in self.revisions)

    def revision(self, version: int) -> Revision:
        for revision in self.revisions:
            if revision.version == version:
                return revision
        raise TwinError(f"twin {self.twin_id} has versions 1..{len(self.revisions)}; no version {version}")


def verify_history(service: TwinService, twin_id: int) -> History:
    """Rebuilds and checks every revision of twin `twin_id`."""
    logs = [(log, "TwinPublished") for log in service.registry.logs("TwinPublished", twinId=twin_id)]
    logs += [(log, "TwinUpdated") for log in service.registry.logs("TwinUpdated", twinId=twin_id)]
    if not logs:
        raise TwinNotFoundError(twin_id)
    logs.sort(key=lambda item: (int(item[0]["blockNumber"]), int(item[0]["logIndex"])))
    history = History(twin_id, [])
    if logs[0][1] != "TwinPublished" or sum(name == "TwinPublished" for _, name in logs) != 1:
        history.problems.append("the chain does not show exactly one TwinPublished before every TwinUpdated")
    previous: dict[str, Any] | None = None
    for index, (log, name) in enumerate(logs):
        args = log["args"]
        revision = Revision(
            version=1 if name == "TwinPublished" else int(args["version"]),
            block=int(log["blockNumber"]),
            timestamp=_timestamp(service, int(log["blockNumber"])),
            tx_hash="0x" + bytes(log["transactionHash"]).hex(),
            spec_cid=str(args["specCid"]),
            patch_cid=str(args["patchCid"]) if name == "TwinUpdated" else None,
            digest=bytes(args["specDigest"]),
            capability=capability_from(args["capability"]),
        )
        if revision.version != index + 1:
            revision.problems.append(f"expected version {index + 1} here, the event says {revision.version}")
        stored = _stored_document(service, revision)
        rebuilt = stored if revision.patch_cid is None else _patched(service, revision, previous)
        if revision.patch_cid is None:
            revision.summary = "published"
        revision.document = rebuilt if rebuilt is not None else stored
        if revision.document is not None:
            _check_capability(service, revision, revision.document)
        history.revisions.append(revision)
        previous = revision.document
    return history


def _stored_document(service: TwinService, revision: Revision) -> dict[str, Any] | None:
    """The full document stored for the revision, if its bytes hash to the on-chain digest."""
    try:
        data = cat(service.storage, revision.spec_cid, max_bytes=MAX_OBJECT_BYTES)
    except ImseError as err:
        revision.problems.append(f"document {revision.spec_cid} unreadable: {err}")
        return None
    if hashlib.sha256(data).digest() != revision.digest:
        revision.problems.append(
            f"document {revision.spec_cid} does not match the digest recorded on chain (tampered or wrong object)"
        )
        return None
    try:
        document = json.loads(data)
    except ValueError as err:
        revision.problems.append(f"document {revision.spec_cid} is not JSON: {err}")
        return None
    if canonical_bytes(document) != data:
        revision.problems.append(f"document {revision.spec_cid} is not in canonical form (RFC 8785)")
    revision.document_ok = not revision.problems
    return dict(document)


def _patched(service: TwinService, revision: Revision, previous: dict[str, Any] | None) -> dict[str, Any] | None:
    """The previous revision with this revision's patch applied, if that gives the on-chain digest."""
    revision.patch_ok = False
    assert revision.patch_cid is not None
    try:
        patch = parse_patch(json.loads(cat(service.storage, revision.patch_cid, max_bytes=MAX_OBJECT_BYTES)))
    except (ImseError, ValueError) as err:
        revision.summary = "(patch unreadable)"
        revision.problems.append(f"patch {revision.patch_cid} unreadable: {err}")
        return None
    revision.summary = summarise(patch)
    if previous is None:
        revision.problems.append("the previous version could not be rebuilt, so this patch cannot be checked")
        return None
    try:
        document = apply_patch(previous, patch)
        matches = digest(document) == revision.digest
    except ImseError as err:
        revision.problems.append(f"patch {revision.patch_cid} does not apply to version {revision.version - 1}: {err}")
        return None
    if not matches:
        revision.problems.append(
            f"version {revision.version - 1} + patch {revision.patch_cid} does not give the digest recorded on chain"
        )
        return None
    revision.patch_ok = True
    return dict(document)


def _check_capability(service: TwinService, revision: Revision, document: dict[str, Any]) -> None:
    try:
        derived = capability_of(document, service.catalogue())
    except ImseError as err:
        revision.problems.append(f"capability cannot be derived from the document: {err}")
        revision.capability_ok = False
        return
    revision.capability_ok = derived == revision.capability
    if not revision.capability_ok:
        revision.problems.append(f"capability on chain {revision.capability} differs from the document's {derived}")


def _timestamp(service: TwinService, block: int) -> int | None:
    try:
        return service.chain.timestamp(block)
    except Exception:  # a node that cannot serve the block right now: the table shows "-"
        return None
