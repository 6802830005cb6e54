"""Twin documents: schemas, cross-field rules, canonical digests, capability mapping, JSON Patch."""

from __future__ import annotations

import copy
import hashlib

import pytest

from offchain.canonical import canonical_bytes, digest, parse_json
from offchain.exceptions import PatchError, TwinValidationError
from offchain.twins.capability import capability_of
from offchain.twins.patch import apply_patch, diff, parse_patch, summarise
from offchain.twins.schema import KINDS, example_of, kind_of, schema_of, validate
from offchain.types import Capability, Catalogue

CATALOGUE = Catalogue(
    materials={0: "PLA", 1: "ABS", 2: "PETG", 3: "TPU", 4: "Nylon"},
    colours={0: "white", 1: "black", 2: "grey", 3: "red"},
)


@pytest.fixture
def printer():
    return example_of("printer")


@pytest.mark.parametrize("kind", list(KINDS))
def test_examples__valid_for_their_kind(kind):
    document = example_of(kind)
    assert validate(document) == kind
    assert schema_of(kind)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("printer", Capability(250_000, 210_000, 210_000, 100, 0b111, 0b1111)),
        ("laser_engraver", Capability(430_000, 390_000, 10_000, 80, 0b11, 0b1111)),
        ("material_spool", Capability(200_000, 200_000, 65_000, 20, 0b100, 0b10)),
        ("tool", Capability(250_000, 210_000, 210_000, 150, 0b10101, 0b1111)),
        ("worker", Capability(400_000, 400_000, 400_000, 50, 0b1111, 0b1111)),
    ],
)
def test_capability_of__each_kind__documented_mapping(kind, expected):
    assert capability_of(example_of(kind), CATALOGUE) == expected


def test_capability_of__names_are_case_insensitive(printer):
    printer["materials"] = ["pla", "Petg"]
    assert capability_of(printer, CATALOGUE).material_mask == 0b101


def test_capability_of__name_not_in_catalogue__names_it(printer):
    printer["colours"] = ["white", "mauve"]
    with pytest.raises(TwinValidationError, match=r"colours: colour\(s\) 'mauve' not in the catalogue"):
        capability_of(printer, CATALOGUE)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("brand"), "(root): 'brand' is a required property"),
        (lambda d: d.update(extra=1), "(root): Additional properties are not allowed ('extra' was unexpected)"),
        (lambda d: d["buildVolume"].update(x=0), "buildVolume.x: 0 is less than or equal to the minimum of 0"),
        (lambda d: d["nozzle"].update(diameter="0.4"), "nozzle.diameter: '0.4' is not of type 'number'"),
        (lambda d: d.update(status="asleep"), "status: 'asleep' is not one of"),
        (lambda d: d.update(materials=[]), "materials: [] should be non-empty"),
        (lambda d: d.update(api={"kind": "octoprint"}), "api: 'url' is a required property"),
        (
            lambda d: d["capacity"]["shifts"][0].update(start="25:00"),
            "capacity.shifts[0].start: '25:00' does not match",
        ),
        (lambda d: d["owner"].update(account="0x12"), "owner.account: '0x12' does not match"),
        (lambda d: d.update(layerHeights=[0.2, 0.35]), "layerHeights[1]: 0.35 mm is over 80% of the 0.4 mm nozzle"),
    ],
)
def test_validate__invalid_printer__names_path_and_problem(printer, change, message):
    change(printer)
    with pytest.raises(TwinValidationError) as caught:
        validate(printer)
    assert any(problem.startswith(message) for problem in caught.value.problems), caught.value.problems


def test_validate__every_problem_reported_at_once(printer):
    printer.pop("brand")
    printer["accuracy"] = -1
    with pytest.raises(TwinValidationError) as caught:
        validate(printer)
    assert len(caught.value.problems) == 2


def test_validate__spool_with_more_left_than_it_holds():
    spool = example_of("material_spool")
    spool["remaining"] = spool["netWeight"] + 1
    with pytest.raises(TwinValidationError, match="remaining: 1001 g is more than the spool's net weight"):
        validate(spool)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([1, 2], "a twin document is a JSON object, not list"),
        ({"kind": "robot"}, "kind: must be one of printer, laser_engraver"),
        ({}, "kind: must be one of"),
    ],
)
def test_kind_of__not_a_twin(document, message):
    with pytest.raises(TwinValidationError, match=message):
        kind_of(document)


def test_canonical__key_order_and_whitespace_do_not_matter(printer):
    shuffled = dict(reversed(list(printer.items())))
    assert canonical_bytes(shuffled) == canonical_bytes(printer)
    assert digest(printer) == hashlib.sha256(canonical_bytes(printer)).digest()


def test_canonical__rfc8785_number_and_string_forms():
    assert canonical_bytes({"b": 1.0, "a": [1e21, 0.1, "é"]}) == '{"a":[1e+21,0.1,"é"],"b":1}'.encode()


def test_canonical__not_serialisable__validation_error():
    with pytest.raises(TwinValidationError, match="canonical JSON"):
        canonical_bytes({"x": float("nan")})


def test_parse_json__malformed__names_what():
    with pytest.raises(TwinValidationError, match=r"patch p\.json is not valid JSON"):
        parse_json(b"{nope", "patch p.json")


def test_patch__apply_does_not_touch_the_input(printer):
    before = copy.deepcopy(printer)
    after = apply_patch(printer, [{"op": "replace", "path": "/status", "value": "maintenance"}])
    assert after["status"] == "maintenance"
    assert printer == before


def test_patch__diff_then_apply_round_trips(printer):
    changed = copy.deepcopy(printer)
    changed["materials"].append("TPU")
    changed["accuracy"] = 0.05
    assert apply_patch(printer, diff(printer, changed)) == changed


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"op": "add"}, "a JSON Patch is a list of operations, not dict"),
        ([], "the patch is empty"),
        (["x"], "operation 0 is not an object"),
        ([{"op": "frobnicate", "path": "/a"}], "operation 0: 'op' must be one of"),
        ([{"op": "remove", "path": "status"}], "operation 0: 'path' must be a JSON Pointer"),
        ([{"op": "replace", "path": "/status"}], "operation 0: a 'replace' operation needs a 'value'"),
        ([{"op": "move", "path": "/a"}], "operation 0: 'from' must be a JSON Pointer"),
    ],
)
def test_parse_patch__malformed__names_the_operation(patch, message):
    with pytest.raises(PatchError, match=message):
        parse_patch(patch)


@pytest.mark.parametrize(
    "patch",
    [
        [{"op": "remove", "path": "/no/such/member"}],
        [{"op": "test", "path": "/status", "value": "offline"}],
        [{"op": "replace", "path": "/materials/9", "value": "PLA"}],
    ],
)
def test_apply_patch__does_not_apply__patch_error(printer, patch):
    with pytest.raises(PatchError, match="the patch does not apply"):
        apply_patch(printer, patch)


def test_summarise__first_operations_and_count():
    patch = [{"op": "replace", "path": f"/p{i}", "value": i} for i in range(5)]
    assert summarise(patch) == "replace /p0, replace /p1, replace /p2 (+2 more)"
