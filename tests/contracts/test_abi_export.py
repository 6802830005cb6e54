"""interfaces/*.json (generated, checked in) must match the compiled contracts; and the Python mirrors of the
Solidity enums and constants must match the contracts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from offchain import types as t
from offchain.chain import abi
from offchain.exceptions import AbiError

FOLDER = Path(__file__).resolve().parents[2] / "interfaces"


def test_exported_abis__are_current(project):
    stale = abi.stale_files(project, FOLDER)
    assert not stale, f"interfaces/ is stale for {stale}: run `make abi` and commit the result"


def test_check__edited_abi__raises_naming_the_file(project, tmp_path):
    abi.export(project, tmp_path)
    path = tmp_path / "OrderBook.json"
    entries = json.loads(path.read_text())
    path.write_text(json.dumps(entries[1:]))

    with pytest.raises(AbiError, match=r"OrderBook\.json"):
        abi.check(project, tmp_path)


def test_export__into_empty_folder__writes_every_contract(project, tmp_path):
    written = abi.export(project, tmp_path / "out")

    assert sorted(written) == sorted(f"{name}.json" for name in t.CONTRACT_NAMES)
    assert abi.export(project, tmp_path / "out") == []


def _enum_members(project, contract: str, struct_or_error: str, field: str) -> int:
    for entry in getattr(project, contract).contract_type.abi:
        if getattr(entry, "name", None) == struct_or_error:
            return next(i for i in entry.inputs if i.name == field).internal_type
    raise AssertionError(f"{struct_or_error} not in {contract}")


@pytest.mark.parametrize(
    ("contract", "error", "field", "enum"),
    [
        ("OrderBook", "OrderBookInvalidTransition", "from", "IOrderBook.OrderStatus"),
        ("TwinRegistry", "TwinRegistryInvalidStatus", "status", "ITwinRegistry.TwinStatus"),
        ("TwinRegistry", "TwinRegistryCatalogueEntryExists", "kind", "ITwinRegistry.CatalogueKind"),
        ("MatchLedger", "MatchLedgerTwinNotPrinter", "kind", "ITwinRegistry.TwinKind"),
        ("ExecutionLog", "ExecutionLogConstraintViolated", "constraint", "MatchConstraints.Constraint"),
        ("ExecutionLog", "ExecutionLogTwinNotPrintable", "status", "ITwinRegistry.TwinStatus"),
        ("MatchLedger", "MatchSkipped", "reason", "IMatchLedger.SkipReason"),
    ],
)
def test_enum_types__used_in_abi__are_the_mirrored_ones(project, contract, error, field, enum):
    assert _enum_members(project, contract, error, field) == f"enum {enum}"


def test_enum_values__match_solidity_declaration_order():
    sources = {
        path.name: path.read_text()
        for path in (FOLDER.parent / "contracts").rglob("*.sol")
        if ".cache" not in path.parts
    }
    declared = {
        "OrderStatus": ("IOrderBook.sol", t.OrderStatus),
        "TwinStatus": ("ITwinRegistry.sol", t.TwinStatus),
        "TwinKind": ("ITwinRegistry.sol", t.TwinKind),
        "CatalogueKind": ("ITwinRegistry.sol", t.CatalogueKind),
        "Constraint": ("MatchConstraints.sol", t.Constraint),
        "SkipReason": ("IMatchLedger.sol", t.SkipReason),
    }
    for name, (file_name, enum) in declared.items():
        body = sources[file_name].split(f"enum {name} {{", 1)[1].split("}", 1)[0]
        members = [m.strip() for m in body.split(",") if m.strip()]
        python = ["".join(part.capitalize() for part in m.name.split("_")) for m in enum]
        assert python == members, name


def test_constants__match_contracts(order_book, match_ledger):
    assert order_book.MAX_PRIORITY() == t.MAX_PRIORITY
    assert order_book.MAX_QUANTITY() == t.MAX_QUANTITY
    assert order_book.REWORK_PRIORITY() == t.REWORK_PRIORITY
    assert order_book.MAX_CART_SIZE() == t.MAX_CART_SIZE
    assert match_ledger.MAX_BATCH_SIZE() == t.MAX_BATCH_SIZE
    assert match_ledger.MAX_ESTIMATED_SECONDS() == t.MAX_ESTIMATED_SECONDS
    assert match_ledger.START_TOLERANCE() == t.START_TOLERANCE
