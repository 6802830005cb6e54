"""Signer.transact_all (independent transactions sent at once, as `ape run deploy` applies its parameters), the
wrappers' build_grant_role, and reading back a pending transaction to resume it, on the real contracts."""

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


# ---------------------------------------------------------------------------------------------- resuming


def test_resume_pending__nothing_pending__nothing_sent(sdk, signer_of, matcher):
    assert signer_of(matcher).resume_pending() == []


def test_pooled_call__ours__named_from_the_registry_with_its_fees(sdk, signer_of, matcher):
    """A transaction read back from a node's pool (lower-case address, hex quantities) becomes the same call."""
    ledger = sdk.registry.contracts["MatchLedger"].address
    data = sdk.contract("MatchLedger").encode_abi("setCustomerImportance", [matcher.address, 1])
    pooled = {"hash": "0x" + "ab" * 32, "to": ledger.lower(), "input": data, "gas": "0x30d40", "value": "0x0"}

    tx, tip, cap = signer_of(matcher)._pooled_call({**pooled, "maxFeePerGas": "0x1", "maxPriorityFeePerGas": "0x0"})
    _legacy, legacy_tip, legacy_cap = signer_of(matcher)._pooled_call({**pooled, "gasPrice": "0x3b9aca00"})

    assert (tx.contract, tx.function, tx.to, tx.data, tx.gas, tip, cap) == (
        "MatchLedger",
        "setCustomerImportance",
        ledger,
        data,
        200_000,
        0,
        1,
    )
    assert (legacy_tip, legacy_cap) == (10**9, 10**9)


def test_pooled_call__not_ours_or_a_creation__described_or_refused(sdk, signer_of, matcher):
    signer = signer_of(matcher)
    other = "0x" + "12" * 20
    pooled = {"hash": "0x" + "ab" * 32, "input": "0xdeadbeef00", "gas": "0x5208", "gasPrice": "0x1"}

    tx, _tip, _cap = signer._pooled_call({**pooled, "to": other})

    assert (tx.contract, tx.function) == (other, "0xdeadbeef")
    with pytest.raises(ChainError, match="creates a contract"):
        signer._pooled_call({**pooled, "to": None})
