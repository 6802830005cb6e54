"""Local drafts: every change validated, an invalid change stores nothing."""

from __future__ import annotations

import pytest

from offchain.exceptions import DraftNotFoundError, PatchError, TwinError, TwinValidationError
from offchain.twins.drafts import DraftStore
from offchain.twins.schema import example_of


@pytest.fixture
def store(tmp_path):
    return DraftStore(tmp_path / "drafts.sqlite")


def test_create__validated_and_listed(store):
    draft = store.create(example_of("printer"))
    assert draft.kind == "printer"
    assert draft.revision == 1
    assert [d.id for d in store.list()] == [draft.id]
    assert store.get(draft.id).document == example_of("printer")


def test_create__invalid__nothing_stored(store):
    document = example_of("printer")
    del document["owner"]
    with pytest.raises(TwinValidationError, match="'owner' is a required property"):
        store.create(document)
    assert store.list() == []


def test_patch__applies_validates_and_bumps_revision(store):
    draft = store.create(example_of("printer"))
    changed = store.patch(draft.id, [{"op": "replace", "path": "/name", "value": "MK4 #2"}])
    assert changed.revision == 2
    assert changed.name == "MK4 #2"


@pytest.mark.parametrize(
    ("patch", "error"),
    [
        ([{"op": "replace", "path": "/accuracy", "value": -1}], TwinValidationError),
        ([{"op": "remove", "path": "/nothing"}], PatchError),
        ([{"op": "replace", "path": "/kind", "value": "tool"}], TwinValidationError),
        ("not a patch", PatchError),
    ],
)
def test_patch__bad__draft_unchanged(store, patch, error):
    draft = store.create(example_of("printer"))
    with pytest.raises(error):
        store.patch(draft.id, patch)
    assert store.get(draft.id) == draft


def test_replace__other_kind__refused(store):
    draft = store.create(example_of("printer"))
    with pytest.raises(TwinError, match="a tool document cannot replace it"):
        store.replace(draft.id, example_of("tool"))
    assert store.get(draft.id) == draft


def test_replace__whole_document(store):
    draft = store.create(example_of("printer"))
    document = example_of("printer") | {"name": "replaced"}
    assert store.replace(draft.id, document).document["name"] == "replaced"


def test_mark_published_and_delete(store):
    draft = store.create(example_of("worker"))
    assert store.mark_published(draft.id, 7).twin_id == 7
    store.delete(draft.id)
    with pytest.raises(DraftNotFoundError, match=f"no draft {draft.id}"):
        store.get(draft.id)
    with pytest.raises(DraftNotFoundError):
        store.delete(draft.id)


def test_store__persists_across_instances(tmp_path):
    DraftStore(tmp_path / "d.sqlite").create(example_of("tool"))
    assert [d.kind for d in DraftStore(tmp_path / "d.sqlite").list()] == ["tool"]
