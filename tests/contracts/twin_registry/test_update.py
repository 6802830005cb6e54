"""TwinRegistry.updateTwin: new versions with an expected-version check."""

from __future__ import annotations

from offchain.types import TwinStatus
from tests.contracts.helpers import assert_events, reverts
from tests.contracts.values import capability_tuple

NEW_DIGEST = b"\x44" * 32


def _update(twin_registry, twin_id, sender, *, expected=1, cap=None, digest=NEW_DIGEST, cid="bafkv2", patch="bafkp2"):
    return twin_registry.updateTwin(
        twin_id, expected, cap or capability_tuple(accuracy=50), digest, cid, patch, sender=sender
    )


def test_update_twin__owner_with_current_version__bumps_version_and_emits(twin_registry, twin_id, servicer, chain):
    cap = capability_tuple(accuracy=50, materialMask=0b1)
    tx = _update(twin_registry, twin_id, servicer, cap=cap)

    assert_events(
        tx,
        [
            twin_registry.TwinUpdated(
                twinId=twin_id, version=2, capability=cap, specDigest=NEW_DIGEST, specCid="bafkv2", patchCid="bafkp2"
            )
        ],
    )
    twin = twin_registry.getTwin(twin_id)
    assert (twin.version, twin.specDigest, tuple(twin.capability)) == (2, NEW_DIGEST, cap)
    assert twin.updatedAt == chain.blocks.head.timestamp


def test_update_twin__successive_versions__each_expects_the_last(twin_registry, twin_id, servicer):
    for expected in (1, 2, 3):
        _update(twin_registry, twin_id, servicer, expected=expected)

    assert twin_registry.getTwin(twin_id).version == 4


def test_update_twin__stale_version__reverts_naming_current(twin_registry, twin_id, servicer):
    _update(twin_registry, twin_id, servicer, expected=1)

    with reverts(twin_registry.TwinRegistryStaleVersion, twinId=twin_id, expected=1, current=2):
        _update(twin_registry, twin_id, servicer, expected=1)
    assert twin_registry.getTwin(twin_id).version == 2


def test_update_twin__future_version__reverts(twin_registry, twin_id, servicer):
    with reverts(twin_registry.TwinRegistryStaleVersion, twinId=twin_id, expected=5, current=1):
        _update(twin_registry, twin_id, servicer, expected=5)


def test_update_twin__not_owner__reverts(twin_registry, twin_id, other_servicer):
    with reverts(twin_registry.TwinRegistryNotTwinOwner, twinId=twin_id, caller=other_servicer.address):
        _update(twin_registry, twin_id, other_servicer)


def test_update_twin__operator__reverts(twin_registry, twin_id, servicer, operator):
    twin_registry.setOperator(twin_id, operator, True, sender=servicer)

    with reverts(twin_registry.TwinRegistryNotTwinOwner, twinId=twin_id, caller=operator.address):
        _update(twin_registry, twin_id, operator)


def test_update_twin__unknown_twin__reverts(twin_registry, servicer):
    with reverts(twin_registry.TwinRegistryTwinNotFound, twinId=42):
        _update(twin_registry, 42, servicer)


def test_update_twin__retired__reverts(twin_registry, twin_id, servicer):
    twin_registry.setTwinStatus(twin_id, TwinStatus.RETIRED, sender=servicer)

    with reverts(twin_registry.TwinRegistryTwinRetired, twinId=twin_id):
        _update(twin_registry, twin_id, servicer)


def test_update_twin__empty_patch_cid__reverts(twin_registry, twin_id, servicer):
    with reverts(twin_registry.TwinRegistryEmptyCid):
        _update(twin_registry, twin_id, servicer, patch="")


def test_update_twin__empty_spec_cid__reverts(twin_registry, twin_id, servicer):
    with reverts(twin_registry.TwinRegistryEmptyCid):
        _update(twin_registry, twin_id, servicer, cid="")


def test_update_twin__zero_digest__reverts(twin_registry, twin_id, servicer):
    with reverts(twin_registry.TwinRegistryEmptyDigest):
        _update(twin_registry, twin_id, servicer, digest=b"\x00" * 32)


def test_update_twin__invalid_capability__reverts(twin_registry, twin_id, servicer):
    with reverts(twin_registry.TwinRegistryInvalidCapability):
        _update(twin_registry, twin_id, servicer, cap=capability_tuple(buildZ=0))


def test_update_twin__unknown_colour__reverts(twin_registry, twin_id, servicer):
    with reverts(twin_registry.TwinRegistryUnknownColours, unknownMask=1 << 20):
        _update(twin_registry, twin_id, servicer, cap=capability_tuple(colourMask=(1 << 20) | 1))
