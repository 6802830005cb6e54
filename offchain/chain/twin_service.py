"""Publishing and changing twins: TwinRegistry (through an ape contract instance) + a content `Storage`.

publish  validate → capability (catalogue from the chain) → canonical JSON (RFC 8785) → digest → IPFS → publishTwin
update   read the current version (checked against its on-chain digest) → apply the JSON Patch → validate →
         patch + new document to IPFS → updateTwin with the expected version (optimistic concurrency)
status   setTwinStatus (no new document version: operating status is chain state)

Every check that can fail runs before anything is written; a stale expected version is caught before the upload
and again by the contract (`TwinRegistryStaleVersion`), and reported as StaleVersionError either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from hashlib import sha256
from typing import Any

from offchain.canonical import canonical_bytes, parse_json
from offchain.chain.records import TwinRecord, capability_from
from offchain.exceptions import StaleVersionError, TwinError, TwinNotFoundError
from offchain.storage.base import Storage, fetch_verified
from offchain.twins.capability import Catalogue, capability_of
from offchain.twins.patch import apply_patch, parse_patch
from offchain.twins.schema import KINDS, validate
from offchain.types import Capability, CatalogueKind, TwinKind, TwinStatus


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
    """Twins of one TwinRegistry deployment. `registry` is an ape contract instance; `from_block` the block it was
    deployed in (event searches start there)."""

    def __init__(self, registry: Any, storage: Storage, *, from_block: int = 0) -> None:
        self.registry = registry
        self.storage = storage
        self.from_block = from_block
        self._catalogue: Catalogue | None = None

    # ------------------------------------------------------------------------------------------ reading

    def catalogue(self) -> Catalogue:
        """The material / colour catalogue, rebuilt from CatalogueEntryAdded / Removed events."""
        if self._catalogue is None:
            entries: dict[tuple[int, int], tuple[int, int, str | None]] = {}
            for event_name in ("CatalogueEntryAdded", "CatalogueEntryRemoved"):
                for log in self.logs(event_name):
                    key = (int(log.kind), int(log.code))
                    name = str(log.name) if event_name == "CatalogueEntryAdded" else None
                    position = (int(log.block_number), int(log.log_index))
                    if key not in entries or entries[key][:2] < position:
                        entries[key] = (*position, name)
            materials = {code: e[2] for (kind, code), e in entries.items() if kind == CatalogueKind.MATERIAL and e[2]}
            colours = {code: e[2] for (kind, code), e in entries.items() if kind == CatalogueKind.COLOUR and e[2]}
            self._catalogue = Catalogue(dict(sorted(materials.items())), dict(sorted(colours.items())))
        return self._catalogue

    def record(self, twin_id: int) -> TwinRecord:
        if not 1 <= twin_id <= self.count():
            raise TwinNotFoundError(twin_id)
        return self._record(twin_id)

    def _record(self, twin_id: int) -> TwinRecord:
        twin = self.registry.getTwin(twin_id)
        cap = twin.capability
        return TwinRecord(
            twin_id=twin_id,
            owner=str(twin.owner),
            version=int(twin.version),
            status=TwinStatus(int(twin.status)),
            kind=TwinKind(int(twin.kind)),
            updated_at=int(twin.updatedAt),
            capability=capability_from(cap),
            spec_digest=bytes(twin.specDigest),
        )

    def count(self) -> int:
        return int(self.registry.twinCount())

    def records(self) -> list[TwinRecord]:
        return [self._record(twin_id) for twin_id in range(1, self.count() + 1)]

    def current_cid(self, twin_id: int) -> str:
        """The CID of the twin's current document (from its latest TwinPublished / TwinUpdated event)."""
        latest = None
        for event_name in ("TwinPublished", "TwinUpdated"):
            for log in self.logs(event_name, twinId=twin_id):
                position = (int(log.block_number), int(log.log_index))
                if latest is None or latest[0] < position:
                    latest = (position, str(log.specCid))
        if latest is None:
            raise TwinNotFoundError(twin_id)
        return latest[1]

    def document(self, twin_id: int) -> tuple[TwinRecord, dict[str, Any]]:
        """The twin's record and current document, the document checked against the on-chain digest."""
        record = self.record(twin_id)
        data = fetch_verified(self.storage, self.current_cid(twin_id), record.spec_digest)
        return record, parse_json(data, f"the document of twin {twin_id}")

    # ------------------------------------------------------------------------------------------ writing

    def prepare(self, document: Any) -> Prepared:
        """Validates a document and derives everything publishing needs (nothing is written)."""
        kind = validate(document)
        capability = capability_of(document, self.catalogue())
        canonical = canonical_bytes(document)
        return Prepared(KINDS[kind], capability, canonical, sha256(canonical).digest())

    def publish(self, document: Any, *, sender: Any) -> Written:
        """Publishes a new twin (version 1) owned by `sender`."""
        prepared = self.prepare(document)
        cid = self.storage.add(prepared.canonical)
        receipt = self._transact(
            "publishTwin", prepared.kind, prepared.capability.as_tuple(), prepared.digest, cid, sender=sender
        )
        event = _event(receipt, "TwinPublished")
        return Written(int(event.twinId), 1, cid, prepared.digest, str(receipt.txn_hash), int(receipt.block_number))

    def update(self, twin_id: int, patch: Any, *, sender: Any, expected_version: int | None = None) -> Written:
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
        if str(sender.address).lower() != record.owner.lower():
            raise TwinError(f"only the owner {record.owner} of twin {twin_id} can update it (you are {sender.address})")
        new_document = apply_patch(current, operations)
        prepared = self.prepare(new_document)
        if KINDS[str(new_document["kind"])] != record.kind:
            raise TwinError(f"the patch changes twin {twin_id}'s kind: not allowed")
        if prepared.digest == record.spec_digest:
            raise TwinError(f"the patch leaves twin {twin_id}'s document unchanged: nothing to publish")
        patch_cid = self.storage.add(canonical_bytes(operations))
        spec_cid = self.storage.add(prepared.canonical)
        receipt = self._transact(
            "updateTwin", twin_id, expected, prepared.capability.as_tuple(), prepared.digest, spec_cid, patch_cid,
            sender=sender,
        )  # fmt: skip
        event = _event(receipt, "TwinUpdated")
        return Written(
            twin_id, int(event.version), spec_cid, prepared.digest, str(receipt.txn_hash), int(receipt.block_number),
            patch_cid,
        )  # fmt: skip

    def set_status(self, twin_id: int, status: TwinStatus, *, sender: Any) -> TwinStatus:
        """Sets the operating status; returns the previous one."""
        record = self.record(twin_id)
        if status == TwinStatus.NONE:
            raise TwinError("status NONE cannot be set")
        if status == record.status:
            raise TwinError(f"twin {twin_id} is already {status.name.lower()}")
        self._transact("setTwinStatus", twin_id, status, sender=sender)
        return record.status

    # ------------------------------------------------------------------------------------------ plumbing

    def logs(self, event_name: str, **topics: Any) -> list[Any]:
        """TwinRegistry's `event_name` logs since the deployment block, filtered by indexed `topics`."""
        event = getattr(self.registry, event_name)
        stop = int(self.registry.chain_manager.blocks.height) + 1
        return list(event.range(self.from_block, stop, search_topics=topics or None))

    def _transact(self, method: str, *args: Any, sender: Any) -> Any:
        from ape.exceptions import ContractLogicError

        from offchain.chain.errors import decoded_revert

        try:
            return getattr(self.registry, method)(*args, sender=sender)
        except ContractLogicError as err:
            name, inputs = decoded_revert(err, self.registry.contract_type.errors) or (type(err).__name__, {})
            if name == "TwinRegistryStaleVersion":
                raise StaleVersionError(int(inputs["twinId"]), int(inputs["expected"]), int(inputs["current"])) from err
            detail = ", ".join(f"{k}={v}" for k, v in inputs.items())
            raise TwinError(f"TwinRegistry refused {method}: {name}({detail}) {err}".strip()) from err


def _event(receipt: Any, name: str) -> Any:
    for log in receipt.events:
        if log.event_name == name:
            return log
    raise TwinError(f"transaction {receipt.txn_hash} emitted no {name} event")
