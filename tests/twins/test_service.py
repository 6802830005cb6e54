"""Publishing, patching and status changes through TwinService on the real TwinRegistry."""

from __future__ import annotations

import hashlib
import json

import pytest

from offchain.canonical import canonical_bytes
from offchain.exceptions import (
    IntegrityError,
    NotAuthorisedError,
    PatchError,
    StaleVersionError,
    TwinError,
    TwinNotFoundError,
    TwinValidationError,
)
from offchain.twins.schema import example_of
from offchain.types import Capability, TwinKind, TwinStatus

RENAME = [{"op": "replace", "path": "/name", "value": "MK3S+ renamed"}]


def test_catalogue__rebuilt_from_events(service):
    catalogue = service.catalogue()
    assert catalogue.materials == {0: "PLA", 1: "ABS", 2: "PETG", 3: "TPU", 63: "Resin"}
    assert catalogue.colours == {0: "white", 1: "black", 2: "red", 3: "blue"}


def test_catalogue__removed_entry_is_gone(service, twin_registry, admin):
    twin_registry.removeCatalogueEntry(0, 3, sender=admin)
    assert 3 not in service.catalogue().materials


def test_publish__document_on_ipfs_capability_and_digest_on_chain(service, storage, servicer, printer_doc, signer_of):
    written = service.publish(printer_doc, signer=signer_of(servicer))

    record = service.record(written.twin_id)
    assert record.owner == servicer.address
    assert record.version == 1
    assert record.kind == TwinKind.PRINTER
    assert record.status == TwinStatus.AVAILABLE
    assert record.capability == Capability(250_000, 210_000, 210_000, 100, 0b111, 0b111)
    assert record.spec_digest == hashlib.sha256(canonical_bytes(printer_doc)).digest() == written.digest
    assert storage.stat(written.spec_cid).size == len(canonical_bytes(printer_doc))
    assert service.document(written.twin_id)[1] == printer_doc
    assert service.current_cid(written.twin_id) == written.spec_cid


@pytest.mark.parametrize("kind", ["laser_engraver", "material_spool", "tool", "worker"])
def test_publish__other_kinds(service, servicer, kind, signer_of):
    document = example_of(kind)
    if kind == "material_spool":
        document["colour"] = "red"
    if kind == "tool":
        document["materials"] = ["PLA", "PETG"]
    written = service.publish(document, signer=signer_of(servicer))
    assert service.record(written.twin_id).kind.name.lower() == kind


def test_publish__invalid_document__nothing_written(service, storage, servicer, printer_doc, signer_of):
    del printer_doc["buildVolume"]
    with pytest.raises(TwinValidationError, match="'buildVolume' is a required property"):
        service.publish(printer_doc, signer=signer_of(servicer))
    assert service.count() == 0
    assert storage.pinned == set()


def test_publish__document_over_the_size_limit__nothing_written(
    service, storage, servicer, printer_doc, monkeypatch, signer_of
):
    from offchain.canonical import canonical_bytes
    from offchain.twins import schema

    monkeypatch.setattr(schema, "MAX_DOCUMENT_BYTES", len(canonical_bytes(printer_doc)) - 1)
    with pytest.raises(TwinValidationError, match=r"canonical JSON; the limit is"):
        service.publish(printer_doc, signer=signer_of(servicer))
    assert service.count() == 0
    assert storage.pinned == set()


def test_publish__material_not_in_catalogue__nothing_written(service, storage, servicer, printer_doc, signer_of):
    printer_doc["materials"] = ["PLA", "Wood"]
    with pytest.raises(TwinValidationError, match="'Wood' not in the catalogue"):
        service.publish(printer_doc, signer=signer_of(servicer))
    assert service.count() == 0
    assert storage.pinned == set()


def test_publish__without_servicer_role__refused_before_the_upload(service, storage, stranger, printer_doc, signer_of):
    with pytest.raises(NotAuthorisedError, match="AccessControlUnauthorizedAccount"):
        service.publish(printer_doc, signer=signer_of(stranger))
    assert service.count() == 0
    assert not storage.pinned  # simulated first: nothing went to IPFS either


def test_update__patch_recorded_as_next_version(service, storage, servicer, printer_doc, signer_of):
    twin_id = service.publish(printer_doc, signer=signer_of(servicer)).twin_id

    written = service.update(twin_id, RENAME, signer=signer_of(servicer))

    assert written.version == 2
    assert service.record(twin_id).version == 2
    assert service.document(twin_id)[1]["name"] == "MK3S+ renamed"
    assert json.loads(storage._objects[written.patch_cid]) == RENAME


def test_update__capability_follows_the_document(service, servicer, printer_doc, signer_of):
    twin_id = service.publish(printer_doc, signer=signer_of(servicer)).twin_id
    service.update(twin_id, [{"op": "add", "path": "/materials/-", "value": "TPU"}], signer=signer_of(servicer))
    assert service.record(twin_id).capability.material_mask == 0b1111


def test_update__stale_expected_version__nothing_written(service, storage, servicer, printer_doc, signer_of):
    twin_id = service.publish(printer_doc, signer=signer_of(servicer)).twin_id
    service.update(twin_id, RENAME, signer=signer_of(servicer))  # someone else, first
    objects = set(storage.pinned)

    with pytest.raises(StaleVersionError, match=f"someone else updated twin {twin_id} to version 2") as caught:
        service.update(
            twin_id,
            [{"op": "replace", "path": "/accuracy", "value": 0.05}],
            signer=signer_of(servicer),
            expected_version=1,
        )

    assert (caught.value.expected, caught.value.current) == (1, 2)
    assert service.record(twin_id).version == 2
    assert storage.pinned == objects


def test_update__contract_refuses_a_stale_version_as_stale_version_error(
    service, sdk, signer_of, servicer, printer_doc
):
    """The race the pre-check cannot see: the contract's TwinRegistryStaleVersion maps to StaleVersionError."""
    signer = signer_of(servicer)
    written = service.publish(printer_doc, signer=signer)
    service.update(written.twin_id, RENAME, signer=signer)
    capability = service.record(written.twin_id).capability

    def stale_update():
        tx = sdk.twin_registry.build_update(
            written.twin_id, 1, capability, b"\x01" * 32, "bafkreix", "bafkreiy", sender=servicer.address
        )
        return signer.transact(tx)

    with pytest.raises(StaleVersionError) as caught:
        service.checked(stale_update)
    assert (caught.value.twin_id, caught.value.expected, caught.value.current) == (written.twin_id, 1, 2)


@pytest.mark.parametrize(
    ("patch", "error", "message"),
    [
        ([{"op": "replace", "path": "/accuracy", "value": "fine"}], TwinValidationError, "accuracy: 'fine'"),
        ([{"op": "remove", "path": "/nope"}], PatchError, "does not apply"),
        ([{"op": "replace", "path": "/name", "value": "Prusa MK3S+ #1"}], TwinError, "unchanged"),
        ([{"op": "replace", "path": "/kind", "value": "tool"}], TwinValidationError, "invalid twin document"),
        ({"op": "replace"}, PatchError, "list of operations"),
    ],
)
def test_update__bad_patch__nothing_written(service, storage, servicer, printer_doc, patch, error, message, signer_of):
    twin_id = service.publish(printer_doc, signer=signer_of(servicer)).twin_id
    objects = set(storage.pinned)
    with pytest.raises(error, match=message):
        service.update(twin_id, patch, signer=signer_of(servicer))
    assert service.record(twin_id).version == 1
    assert storage.pinned == objects


def test_update__not_the_owner__refused(service, servicer, other_servicer, printer_doc, signer_of):
    twin_id = service.publish(printer_doc, signer=signer_of(servicer)).twin_id
    with pytest.raises(TwinError, match="only the owner"):
        service.update(twin_id, RENAME, signer=signer_of(other_servicer))


def test_update__tampered_current_document__refused(service, storage, servicer, printer_doc, signer_of):
    written = service.publish(printer_doc, signer=signer_of(servicer))
    storage.tamper(written.spec_cid, b'{"kind":"printer"}')
    with pytest.raises(IntegrityError):
        service.update(written.twin_id, RENAME, signer=signer_of(servicer))


def test_update__unknown_twin(service, servicer, signer_of):
    with pytest.raises(TwinNotFoundError, match="no published twin 9"):
        service.update(9, RENAME, signer=signer_of(servicer))


def test_set_status__owner_and_operator(service, twin_registry, servicer, operator, printer_doc, signer_of):
    twin_id = service.publish(printer_doc, signer=signer_of(servicer)).twin_id
    assert service.set_status(twin_id, TwinStatus.MAINTENANCE, signer=signer_of(servicer)) == TwinStatus.AVAILABLE
    twin_registry.setOperator(twin_id, operator, True, sender=servicer)
    service.set_status(twin_id, TwinStatus.AVAILABLE, signer=signer_of(operator))
    assert service.record(twin_id).status == TwinStatus.AVAILABLE


def test_set_status__same_or_none_or_stranger__refused(service, servicer, stranger, printer_doc, signer_of):
    twin_id = service.publish(printer_doc, signer=signer_of(servicer)).twin_id
    with pytest.raises(TwinError, match="already available"):
        service.set_status(twin_id, TwinStatus.AVAILABLE, signer=signer_of(servicer))
    with pytest.raises(TwinError, match="status NONE cannot be set"):
        service.set_status(twin_id, TwinStatus.NONE, signer=signer_of(servicer))
    with pytest.raises(NotAuthorisedError, match="TwinRegistryNotTwinOwnerOrOperator"):
        service.set_status(twin_id, TwinStatus.OFFLINE, signer=signer_of(stranger))


def test_records__every_twin(service, servicer, other_servicer, printer_doc, signer_of):
    service.publish(printer_doc, signer=signer_of(servicer))
    service.publish(example_of("tool") | {"materials": ["ABS"]}, signer=signer_of(other_servicer))
    assert [(r.twin_id, r.kind) for r in service.records()] == [(1, TwinKind.PRINTER), (2, TwinKind.TOOL)]
