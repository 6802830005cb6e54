"""Publishing and changing twins: the TwinRegistry wrapper + a content `Storage`, sent by a `Signer`.

publish  validate → capability (catalogue from the chain) → canonical JSON (RFC 8785) → digest → IPFS → publishTwin
update   read the current version (checked against its on-chain digest) → apply the JSON Patch → validate →
         patch + new document to IPFS → updateTwin with the expected version (optimistic concurrency)
status   setTwinStatus (no new document version: operating status is chain state)

Every check that can fail runs before anything is written — including the contract's own, by simulating the call
before the upload; a stale expected version is caught before the upload and again by the contract
(`TwinRegistryStaleVersion`), and reported as StaleVersionError either way. Other refusals are the SDK's decoded
ContractRevertErrors (NotAuthorisedError for a caller without SERVICER_ROLE, …).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from hashlib import sha256
from typing import Any, TypeVar

from offchain.canonical import canonical_bytes, parse_json
from offchain.chain.connection import Chain
from offchain.chain.contract import UnsignedTx
from offchain.chain.records import TwinRecord
from offchain.chain.signer import Signer
from offchain.exceptions import ContractRevertError, StaleVersionError, TwinError
from offchain.storage.base import Storage, fetch_verified
from offchain.twins.capability import capability_of
from offchain.twins.patch import apply_patch, parse_patch
from offchain.twins.schema import KINDS, validate
from offchain.types import Capability, Catalogue, TwinKind, TwinStatus

T = TypeVar("T")
PROBE_CID = "bafkreiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
"""A stand-in CID for simulating a write before its document is uploaded (the contract checks only its presence)."""


@dataclass(frozen=True)
class Prepared:
    """A validated document ready to go on chain."""

    kind: TwinKind
    capability: Capability
    canonical: bytes
    digest: bytes


@dataclass(frozen=True)
class Written:
    """What a publish or update wrote."""

    twin_id: int
    version: int
    spec_cid: str
    digest: bytes
    tx_hash: str
    block: int
    patch_cid: str | None = None


class TwinService:
    """Twins of one deployment (`chain`); documents, patches in `storage`."""

    def __init__(self, chain: Chain, storage: Storage) -> None:
        self.chain = chain
        self.registry = chain.twin_registry
        self.storage = storage
        self._catalogue: Catalogue | None = None

    # ------------------------------------------------------------------------------------------ reading

    def catalogue(self) -> Catalogue:
        """The material / colour catalogue (read once per service)."""
        if self._catalogue is None:
            self._catalogue = self.registry.catalogue()
        return self._catalogue

    def record(self, twin_id: int) -> TwinRecord:
        return self.registry.twin(twin_id)

    def count(self) -> int:
        return self.registry.count()

    def records(self) -> list[TwinRecord]:
        return self.registry.twins()

    def current_cid(self, twin_id: int) -> str:
        """The CID of the twin's current document."""
        return self.registry.current_cid(twin_id)

    def document(self, twin_id: int) -> tuple[TwinRecord, dict[str, Any]]:
        """The twin's record and current document, the document checked against the on-chain digest."""
        record = self.record(twin_id)
        data = fetch_verified(self.storage, self.registry.current_cid(twin_id, record.spec_digest), record.spec_digest)
        return record, parse_json(data, f"the document of twin {twin_id}")

    # ------------------------------------------------------------------------------------------ writing

    def prepare(self, document: Any) -> Prepared:
        """Validates a document and derives everything publishing needs (nothing is written)."""
        kind = validate(document)
        capability = capability_of(document, self.catalogue())
        canonical = canonical_bytes(document)
        return Prepared(KINDS[kind], capability, canonical, sha256(canonical).digest())

    def publish(self, document: Any, *, signer: Signer) -> Written:
        """Publishes a new twin (version 1) owned by the signer."""
        prepared = self.prepare(document)

        def build(cid: str) -> UnsignedTx:
            return self.registry.build_publish(
                prepared.kind, prepared.capability, prepared.digest, cid, sender=signer.address
            )

        build(PROBE_CID)  # the contract's checks (role, capability, catalogue) before anything is uploaded
        cid = self.storage.add(prepared.canonical)
        sent = signer.transact(build(cid))
        return Written(self.registry.published_id(sent.receipt), 1, cid, prepared.digest, sent.tx_hash, sent.block)

    def update(self, twin_id: int, patch: Any, *, signer: Signer, expected_version: int | None = None) -> Written:
        """Applies a JSON Patch to the twin's current document and records the result as the next version.

        `expected_version` is the version the patch was written against (default: the current one). When the twin
        has moved on, StaleVersionError — nothing is uploaded or written.
        """
        operations = parse_patch(patch)
        record, current = self.document(twin_id)
        expected = record.version if expected_version is None else expected_version
        if expected != record.version:
            raise StaleVersionError(twin_id, expected, record.version)
        if record.status == TwinStatus.RETIRED:
            raise TwinError(f"twin {twin_id} is retired: it can no longer change")
        if signer.address.lower() != record.owner.lower():
            raise TwinError(f"only the owner {record.owner} of twin {twin_id} can update it (you are {signer.address})")
        new_document = apply_patch(current, operations)
        prepared = self.prepare(new_document)
        if KINDS[str(new_document["kind"])] != record.kind:
            raise TwinError(f"the patch changes twin {twin_id}'s kind: not allowed")
        if prepared.digest == record.spec_digest:
            raise TwinError(f"the patch leaves twin {twin_id}'s document unchanged: nothing to publish")

        def build(spec_cid: str, patch_cid: str) -> UnsignedTx:
            return self.registry.build_update(
                twin_id, expected, prepared.capability, prepared.digest, spec_cid, patch_cid, sender=signer.address
            )

        self.checked(lambda: build(PROBE_CID, PROBE_CID))  # the contract's checks before anything is uploaded
        patch_cid = self.storage.add(canonical_bytes(operations))
        spec_cid = self.storage.add(prepared.canonical)
        sent = self.checked(lambda: signer.transact(build(spec_cid, patch_cid)))
        version = int(self.registry.events_of(sent.receipt, "TwinUpdated")[0]["args"]["version"])
        return Written(twin_id, version, spec_cid, prepared.digest, sent.tx_hash, sent.block, patch_cid)

    def set_status(self, twin_id: int, status: TwinStatus, *, signer: Signer) -> TwinStatus:
        """Sets the operating status; returns the previous one."""
        record = self.record(twin_id)
        if status == TwinStatus.NONE:
            raise TwinError("status NONE cannot be set")
        if status == record.status:
            raise TwinError(f"twin {twin_id} is already {status.name.lower()}")
        signer.transact(self.registry.build_set_status(twin_id, status, sender=signer.address))
        return record.status

    @staticmethod
    def checked(action: Callable[[], T]) -> T:
        """Runs a build or send; the contract's TwinRegistryStaleVersion (another update landed first) becomes
        StaleVersionError."""
        try:
            return action()
        except ContractRevertError as err:
            if err.error == "TwinRegistryStaleVersion":
                a = err.arguments
                raise StaleVersionError(int(str(a["twinId"])), int(str(a["expected"])), int(str(a["current"]))) from err
            raise
