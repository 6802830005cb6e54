"""TwinRegistry.publishTwin."""

from __future__ import annotations

import pytest

from offchain.types import TwinKind, TwinStatus
from tests.contracts.helpers import assert_events, reverts
from tests.contracts.values import DEFAULT_CAPABILITY, capability_tuple

DIGEST = b"\x11" * 32


def test_publish_twin__servicer__stores_version_1_available_and_emits(twin_registry, servicer, chain):
    cap = capability_tuple()
    tx = twin_registry.publishTwin(TwinKind.PRINTER, cap, DIGEST, "bafkreispec", sender=servicer)

    assert_events(
        tx,
        [
            twin_registry.TwinPublished(
                twinId=1,
                owner=servicer,
                kind=TwinKind.PRINTER,
                capability=cap,
                specDigest=DIGEST,
                specCid="bafkreispec",
            )
        ],
    )
    twin = twin_registry.getTwin(1)
    assert twin.owner == servicer.address
    assert twin.version == 1
    assert twin.status == TwinStatus.AVAILABLE
    assert twin.kind == TwinKind.PRINTER
    assert twin.updatedAt == chain.blocks.head.timestamp
    assert tuple(twin.capability) == cap
    assert twin.specDigest == DIGEST
    assert twin_registry.twinCount() == 1


@pytest.mark.parametrize("kind", list(TwinKind))
def test_publish_twin__every_kind__is_recorded(twin_registry, create_twin, kind):
    twin_id = create_twin(kind=kind)

    assert twin_registry.getTwin(twin_id).kind == kind


def test_publish_twin__twice__ids_increase(create_twin, other_servicer):
    assert [create_twin(), create_twin(owner=other_servicer), create_twin()] == [1, 2, 3]


def test_publish_twin__not_servicer__reverts(twin_registry, stranger):
    with reverts(
        twin_registry.AccessControlUnauthorizedAccount,
        account=stranger.address,
        neededRole=twin_registry.SERVICER_ROLE(),
    ):
        twin_registry.publishTwin(TwinKind.PRINTER, capability_tuple(), DIGEST, "cid", sender=stranger)


@pytest.mark.parametrize("field", list(DEFAULT_CAPABILITY))
def test_publish_twin__zero_capability_field__reverts(twin_registry, create_twin, field):
    with reverts(twin_registry.TwinRegistryInvalidCapability):
        create_twin(**{field: 0})


def test_publish_twin__material_outside_catalogue__reverts_with_offending_bits(twin_registry, create_twin):
    with reverts(twin_registry.TwinRegistryUnknownMaterials, unknownMask=(1 << 5) | (1 << 6)):
        create_twin(materialMask=0b1100001)


def test_publish_twin__colour_outside_catalogue__reverts_with_offending_bits(twin_registry, create_twin):
    with reverts(twin_registry.TwinRegistryUnknownColours, unknownMask=1 << 63):
        create_twin(colourMask=(1 << 63) | 1)


def test_publish_twin__top_catalogue_code__is_accepted(twin_registry, create_twin):
    twin_id = create_twin(materialMask=1 << 63)  # "Resin" has code 63

    assert twin_registry.getTwin(twin_id).capability.materialMask == 1 << 63


def test_publish_twin__zero_digest__reverts(twin_registry, create_twin):
    with reverts(twin_registry.TwinRegistryEmptyDigest):
        create_twin(digest=b"\x00" * 32)


def test_publish_twin__empty_cid__reverts(twin_registry, create_twin):
    with reverts(twin_registry.TwinRegistryEmptyCid):
        create_twin(cid="")


def test_get_twin__unknown_id__reverts(twin_registry):
    with reverts(twin_registry.TwinRegistryTwinNotFound, twinId=9):
        twin_registry.getTwin(9)


def test_publish_twin__gas__within_target(twin_registry, servicer):
    tx = twin_registry.publishTwin(
        TwinKind.PRINTER,
        capability_tuple(),
        DIGEST,
        "bafkreigk5mnd4p2rcwtqlwbsvjvcpcvaptz6esi7nxlwz3jcqbk7ylkbue",
        sender=servicer,
    )

    assert tx.gas_used <= 150_000
