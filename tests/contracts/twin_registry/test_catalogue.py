"""TwinRegistry's material / colour catalogue."""

from __future__ import annotations

import pytest

from offchain.types import CatalogueKind
from tests.contracts.helpers import assert_events, reverts
from tests.contracts.values import COLOURS, MATERIALS


def _mask(codes) -> int:
    return sum(1 << code for code in codes)


def test_catalogue_masks__after_setup__hold_every_added_code(twin_registry):
    assert twin_registry.catalogueMasks() == (_mask(MATERIALS), _mask(COLOURS))


@pytest.mark.parametrize("kind", list(CatalogueKind))
def test_add_catalogue_entry__new_code__sets_bit_and_emits(twin_registry, admin, kind):
    tx = twin_registry.addCatalogueEntry(kind, 10, "Nylon", sender=admin)

    assert_events(tx, [twin_registry.CatalogueEntryAdded(kind=kind, code=10, name="Nylon")])
    materials, colours = twin_registry.catalogueMasks()
    assert (materials if kind == CatalogueKind.MATERIAL else colours) >> 10 & 1 == 1


def test_add_catalogue_entry__existing_code__reverts(twin_registry, admin):
    with reverts(twin_registry.TwinRegistryCatalogueEntryExists, kind=CatalogueKind.MATERIAL, code=0):
        twin_registry.addCatalogueEntry(CatalogueKind.MATERIAL, 0, "PLA again", sender=admin)


def test_add_catalogue_entry__code_64__reverts(twin_registry, admin):
    with reverts(twin_registry.TwinRegistryCatalogueCodeOutOfRange, code=64):
        twin_registry.addCatalogueEntry(CatalogueKind.COLOUR, 64, "ultraviolet", sender=admin)


def test_add_catalogue_entry__empty_name__reverts(twin_registry, admin):
    with reverts(twin_registry.TwinRegistryEmptyName):
        twin_registry.addCatalogueEntry(CatalogueKind.COLOUR, 9, "", sender=admin)


def test_add_catalogue_entry__not_admin__reverts(twin_registry, servicer):
    with reverts(
        twin_registry.AccessControlUnauthorizedAccount,
        account=servicer.address,
        neededRole=twin_registry.DEFAULT_ADMIN_ROLE(),
    ):
        twin_registry.addCatalogueEntry(CatalogueKind.MATERIAL, 10, "Nylon", sender=servicer)


def test_remove_catalogue_entry__existing__clears_bit_and_emits(twin_registry, admin):
    tx = twin_registry.removeCatalogueEntry(CatalogueKind.COLOUR, 3, sender=admin)

    assert_events(tx, [twin_registry.CatalogueEntryRemoved(kind=CatalogueKind.COLOUR, code=3)])
    assert twin_registry.catalogueMasks()[1] == _mask(COLOURS) & ~(1 << 3)


def test_remove_catalogue_entry__missing_code__reverts(twin_registry, admin):
    with reverts(twin_registry.TwinRegistryCatalogueEntryNotFound, kind=CatalogueKind.MATERIAL, code=40):
        twin_registry.removeCatalogueEntry(CatalogueKind.MATERIAL, 40, sender=admin)


def test_remove_catalogue_entry__code_out_of_range__reverts(twin_registry, admin):
    with reverts(twin_registry.TwinRegistryCatalogueCodeOutOfRange, code=200):
        twin_registry.removeCatalogueEntry(CatalogueKind.MATERIAL, 200, sender=admin)


def test_remove_catalogue_entry__not_admin__reverts(twin_registry, stranger):
    with reverts(
        twin_registry.AccessControlUnauthorizedAccount,
        account=stranger.address,
        neededRole=twin_registry.DEFAULT_ADMIN_ROLE(),
    ):
        twin_registry.removeCatalogueEntry(CatalogueKind.MATERIAL, 0, sender=stranger)


def test_remove_catalogue_entry__then_publish_with_it__reverts(twin_registry, admin, create_twin):
    twin_registry.removeCatalogueEntry(CatalogueKind.MATERIAL, 1, sender=admin)

    with reverts(twin_registry.TwinRegistryUnknownMaterials, unknownMask=1 << 1):
        create_twin(materialMask=0b011)
