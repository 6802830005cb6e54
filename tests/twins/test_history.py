"""History verification: every revision rebuilt from chain events + the content store and checked."""

from __future__ import annotations

import pytest

from offchain.canonical import canonical_bytes, digest
from offchain.exceptions import TwinError, TwinNotFoundError
from offchain.services.twin_history import verify_history

PATCHES = [
    [{"op": "replace", "path": "/status", "value": "maintenance"}],
    [{"op": "add", "path": "/materials/-", "value": "TPU"}, {"op": "replace", "path": "/accuracy", "value": 0.05}],
    [{"op": "replace", "path": "/name", "value": "MK3S+ v4"}],
]


@pytest.fixture
def twin(service, servicer, printer_doc, signer_of):
    """A twin with four versions; returns (twin id, [what each update wrote])."""
    twin_id = service.publish(printer_doc, signer=signer_of(servicer)).twin_id
    return twin_id, [service.update(twin_id, patch, signer=signer_of(servicer)) for patch in PATCHES]


def test_verify__four_versions__all_ok(service, twin, printer_doc):
    twin_id, _ = twin
    history = verify_history(service, twin_id)

    assert history.ok, [r.problems for r in history.revisions]
    assert [r.version for r in history.revisions] == [1, 2, 3, 4]
    assert [r.summary for r in history.revisions] == [
        "published",
        "replace /status",
        "add /materials/-, replace /accuracy",
        "replace /name",
    ]
    assert all(r.document_ok and r.capability_ok for r in history.revisions)
    assert [r.patch_ok for r in history.revisions] == [None, True, True, True]
    assert history.revision(1).document == printer_doc
    assert history.revision(4).document["name"] == "MK3S+ v4"
    assert history.revision(3).digest == digest(history.revision(3).document)
    assert all(r.timestamp for r in history.revisions)


def test_verify__tampered_document__reported_and_chain_still_rebuilt(service, storage, twin):
    twin_id, writes = twin
    storage.tamper(writes[1].spec_cid, b'{"forged":true}')  # version 3's full document

    history = verify_history(service, twin_id)

    assert not history.ok
    version3 = history.revision(3)
    assert version3.document_ok is False
    assert version3.patch_ok is True  # the patch chain still gives the digest on chain
    assert any("does not match the digest recorded on chain" in p for p in version3.problems)
    assert history.revision(4).ok


def test_verify__tampered_patch__reported_and_later_versions_fall_back_to_stored_documents(service, storage, twin):
    twin_id, writes = twin
    storage.tamper(writes[0].patch_cid, canonical_bytes([{"op": "replace", "path": "/status", "value": "offline"}]))

    history = verify_history(service, twin_id)

    version2 = history.revision(2)
    assert version2.patch_ok is False
    assert any("does not give the digest recorded on chain" in p for p in version2.problems)
    assert version2.document_ok is True
    assert history.revision(3).ok  # rebuilt on top of version 2's verified stored document


def test_verify__missing_and_garbage_patch__reported_not_crashed(service, storage, twin):
    twin_id, writes = twin
    del storage._objects[writes[0].patch_cid]
    storage.tamper(writes[1].patch_cid, b"\xff not json")

    history = verify_history(service, twin_id)

    assert "unreadable" in history.revision(2).problems[0]
    assert "unreadable" in history.revision(3).problems[0]
    assert history.revision(3).summary == "(patch unreadable)"


def test_verify__publisher_recorded_a_wrong_capability(service, twin_registry, storage, servicer, printer_doc):
    """A twin published around the service, with a capability its document does not give."""
    cid = storage.add(canonical_bytes(printer_doc))
    wrong = (1_000_000, 1_000_000, 1_000_000, 1, 0b1, 0b1)
    twin_registry.publishTwin(0, wrong, digest(printer_doc), cid, sender=servicer)

    history = verify_history(service, 1)

    assert history.revision(1).capability_ok is False
    assert any("capability on chain" in p for p in history.revision(1).problems)


def test_verify__unknown_twin_and_version(service, twin):
    with pytest.raises(TwinNotFoundError):
        verify_history(service, 99)
    with pytest.raises(TwinError, match=r"has versions 1\.\.4; no version 5"):
        verify_history(service, twin[0]).revision(5)
