"""Deployment parameters and registry files: valid ones load, malformed ones fail with a clear error."""

from __future__ import annotations

import json

import pytest

from offchain.chain.deploy import well_known_account_warnings
from offchain.chain.registry import DeployedContract, DeployParams, load_params, load_registry, new_registry
from offchain.exceptions import ConfigError, RegistryError
from offchain.settings import DEV_CHAIN_ID, PROJECT_ROOT
from offchain.types import CONTRACT_NAMES, CatalogueKind

ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def test_load_params__shipped_file__is_valid():
    params = load_params(PROJECT_ROOT / "deployments" / "params" / "imse.yaml")

    assert params.admin == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # TEST::0: this is the dev network's file
    assert params.materials[0] == "PLA"
    assert (CatalogueKind.COLOUR, 0, "white") in params.catalogue()
    assert ADDRESS in params.servicers
    assert len(params.matchers) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("admin: [", "not valid YAML"),
        ("- 1\n- 2\n", "mapping at the top level"),
        ("admins: null\n", "unknown keys"),
        ("admin: 0x1234\n", "admin: not an address"),
        ("admin: null\n", "admin: required"),
        ("catalogue: {materials: {64: Unobtainium}}\n", "not within 0..63"),
        ("catalogue: {colours: {1: ''}}\n", "needs a name"),
        ("catalogue: {colours: [red]}\n", "mapping of code"),
        ("roles: {servicers: [nope]}\n", "roles.servicers: not an address"),
        ("roles: {matchers: ['0xZZ97970C51812dc3A010C7d01b50e0d17dc79C8']}\n", "roles.matchers"),
    ],
)
def test_load_params__malformed__raises_naming_the_problem(tmp_path, text, message):
    path = tmp_path / "params.yaml"
    path.write_text(text if text.startswith(("admin", "- ")) else f"admin: '{ADDRESS}'\n{text}")

    with pytest.raises(ConfigError, match=message):
        load_params(path)


def test_load_params__missing_file__raises(tmp_path):
    with pytest.raises(ConfigError, match="no deployment parameters"):
        load_params(tmp_path / "none.yaml")


def _registry():
    contracts = {
        n: DeployedContract(n, ADDRESS, [{"type": "function", "name": "f"}], "0xab", 7) for n in CONTRACT_NAMES
    }
    return new_registry("imse", 4242, ADDRESS, contracts)


def test_registry__save_and_load__round_trips(tmp_path):
    path = tmp_path / "deployments" / "imse.json"
    saved = _registry()
    saved.save(path)

    loaded = load_registry(path)

    assert loaded == saved
    assert loaded.chain_id == 4242
    assert loaded.contracts["OrderBook"].block == 7
    assert not path.with_suffix(".json.tmp").exists()


def test_load_registry__missing__raises_with_hint(tmp_path):
    with pytest.raises(RegistryError, match="ape run deploy"):
        load_registry(tmp_path / "imse.json")


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("chain_id"),
        lambda d: d["contracts"].pop("MatchLedger"),
        lambda d: d["contracts"]["OrderBook"].update(extra=1),
    ],
)
def test_load_registry__malformed__raises(tmp_path, mutate):
    data = json.loads(_registry().to_json())
    mutate(data)
    path = tmp_path / "imse.json"
    path.write_text(json.dumps(data))

    with pytest.raises(RegistryError, match="malformed"):
        load_registry(path)


def test_load_registry__not_json__raises(tmp_path):
    path = tmp_path / "imse.json"
    path.write_text("{not json")

    with pytest.raises(RegistryError, match="malformed"):
        load_registry(path)


# ---------------------------------------------------------------------------------------------- test accounts

TEST_0, TEST_3 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
OWN = "0x1111111111111111111111111111111111111111"


def _params(admin: str, matchers: tuple[str, ...] = ()) -> DeployParams:
    return DeployParams(admin=admin, materials={}, colours={}, servicers=(), matchers=matchers)


def test_well_known_account_warnings__other_chain__names_each_power_given_to_a_test_account():
    lines = well_known_account_warnings(_params(TEST_0, matchers=(OWN, TEST_3.lower())), chain_id=1234)

    assert lines == [
        f"admin (DEFAULT_ADMIN_ROLE of every contract): {TEST_0} is TEST::0 of the public test mnemonic — anyone "
        "can sign as it",
        f"MATCHER_ROLE: {TEST_3.lower()} is TEST::3 of the public test mnemonic — anyone can sign as it",
    ]


def test_well_known_account_warnings__dev_network__none():
    assert well_known_account_warnings(_params(TEST_0, matchers=(TEST_3,)), chain_id=DEV_CHAIN_ID) == []


def test_well_known_account_warnings__own_accounts__none():
    assert well_known_account_warnings(_params(OWN, matchers=(OWN,)), chain_id=1234) == []


def test_load_params__no_admin__raises_asking_for_it(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("catalogue: {materials: {0: PLA}}\n")

    with pytest.raises(ConfigError, match="admin: required — the consortium admin's address"):
        load_params(path)
