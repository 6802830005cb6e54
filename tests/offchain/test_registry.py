"""Deployment parameters and registry files: valid ones load, malformed ones fail with a clear error."""

from __future__ import annotations

import json

import pytest

from offchain.chain.registry import DeployedContract, load_params, load_registry, new_registry
from offchain.exceptions import ConfigError, RegistryError
from offchain.settings import PROJECT_ROOT
from offchain.types import CONTRACT_NAMES, CatalogueKind

ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def test_load_params__shipped_file__is_valid():
    params = load_params(PROJECT_ROOT / "deployments" / "params" / "imse.yaml")

    assert params.admin is None
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
        ("catalogue: {materials: {64: Unobtainium}}\n", "not within 0..63"),
        ("catalogue: {colours: {1: ''}}\n", "needs a name"),
        ("catalogue: {colours: [red]}\n", "mapping of code"),
        ("roles: {servicers: [nope]}\n", "roles.servicers: not an address"),
        ("roles: {matchers: ['0xZZ97970C51812dc3A010C7d01b50e0d17dc79C8']}\n", "roles.matchers"),
    ],
)
def test_load_params__malformed__raises_naming_the_problem(tmp_path, text, message):
    path = tmp_path / "params.yaml"
    path.write_text(text)

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
