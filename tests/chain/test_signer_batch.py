"""Signer.transact_all (independent transactions sent at once, as `ape run deploy` applies its parameters) and the
wrappers' build_grant_role, on the real contracts."""

from __future__ import annotations

import pytest

from offchain.exceptions import ChainError, ContractRevertError, NotAuthorisedError
from offchain.types import CatalogueKind


def test_transact_all__every_transaction_mined_progress_per_receipt(sdk, signer_of, admin, stranger):
    registry = sdk.twin_registry
    txs = [registry.build_add_catalogue_entry(CatalogueKind.COLOUR, 40 + i, f"c{i}", sender=admin.address)
           for i in range(3)]  # fmt: skip
    txs.append(sdk.match_ledger.build_grant_role("MATCHER_ROLE", stranger.address, sender=admin.address))
    seen = []
    sent = signer_of(admin).transact_all(txs, progress=seen.append)
    assert len(sent) == 4
    assert sorted(map(id, seen)) == sorted(map(id, txs))
    assert {40: "c0", 41: "c1", 42: "c2"}.items() <= registry.catalogue().colours.items()
    role = sdk.match_ledger._read("MATCHER_ROLE")
    assert sdk.match_ledger._read("hasRole", role, stranger.address)


def test_transact_all__a_failure_on_chain_is_decoded_after_the_others_landed(sdk, signer_of, admin):
    registry = sdk.twin_registry
    same = [registry.build_add_catalogue_entry(CatalogueKind.COLOUR, 50, name, sender=admin.address)
            for name in ("first", "again")]  # both simulate fine: neither is mined yet  # fmt: skip
    with pytest.raises(ContractRevertError) as caught:
        signer_of(admin).transact_all(same)
    assert caught.value.error == "TwinRegistryCatalogueEntryExists"
    assert registry.catalogue().colours[50] == "first"


def test_transact_all__transaction_of_another_sender__refused_before_sending(sdk, signer_of, admin, stranger):
    tx = sdk.twin_registry.build_add_catalogue_entry(CatalogueKind.COLOUR, 60, "x", sender=admin.address)
    with pytest.raises(ChainError, match="was built for"):
        signer_of(stranger).transact_all([tx])
    assert 60 not in sdk.twin_registry.catalogue().colours


def test_build_grant_role__wrong_caller__not_authorised(sdk, stranger):
    with pytest.raises(NotAuthorisedError, match="AccessControlUnauthorizedAccount"):
        sdk.twin_registry.build_grant_role("SERVICER_ROLE", stranger.address, sender=stranger.address)
