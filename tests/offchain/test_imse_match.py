"""`imse match`: the what-if planner on JSON files, its snapshot round trip, and bad input."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from offchain.cli.main import main
from offchain.matching import generate
from offchain.matching.rules import shipped_rule
from offchain.matching.snapshot import load_inputs

NOW = 1_800_000_000  # Friday 2027-01-15 08:00 UTC


@pytest.fixture
def files(tmp_path):
    orders = {"now": NOW, "orders": [dataclasses.asdict(o) for o in generate.orders(30, now=NOW, seed=3)]}
    printers = [p.to_json() for p in generate.printers(3, now=NOW, seed=4)]
    printers[2] = {**printers[2], "shifts": [{"days": ["fri"], "start": "08:00", "end": "12:00"}], "timezone": "UTC"}
    for name, value in (("orders", orders), ("printers", printers), ("rule", shipped_rule("edd"))):
        (tmp_path / f"{name}.json").write_text(json.dumps(value))
    return tmp_path


def run(capsys, *args):
    code = main(["match", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def run_files(capsys, files, *args):
    """`imse match` on the fixture's orders, printers and rule files."""
    inputs = ("--orders", files / "orders.json", "--printers", files / "printers.json", "--rule", files / "rule.json")
    return run(capsys, *inputs, *args)


@pytest.mark.parametrize("mode", ["rule", "optimal"])
def test_match__plan_and_reasons_for_every_order(files, capsys, mode):
    code, out, _ = run_files(capsys, files, "--mode", mode)
    assert code == 0
    result = json.loads(out)
    planned = [job["order_id"] for p in result["plan"] for job in p["jobs"]]
    assert sorted(planned + [u["order_id"] for u in result["unmatched"]]) == list(range(1, 31))
    assert result["window"] == [NOW, NOW + 24 * 3600]
    assert result["mode"] == mode
    weekly = [job for p in result["plan"] if p["twin_id"] == 3 for job in p["jobs"]]
    assert all(job["start"] >= NOW and job["end"] <= NOW + 4 * 3600 for job in weekly)


def test_match__snapshot_re_runs_to_the_same_plan(files, capsys, tmp_path):
    snapshot = load_inputs(
        json.loads((files / "orders.json").read_text()),
        json.loads((files / "printers.json").read_text()),
        shipped_rule("edd"),
    )
    (tmp_path / "snapshot.json").write_text(json.dumps(snapshot.to_json()))
    _, direct, _ = run_files(capsys, files)
    code, again, _ = run(capsys, "--snapshot", tmp_path / "snapshot.json")
    assert code == 0
    first, second = json.loads(direct), json.loads(again)
    assert second["input_digest"] == first["input_digest"] == "0x" + snapshot.digest().hex()
    assert second["plan"] == first["plan"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("rule", {"name": "x", "keys": [{"key": "eval"}]}, "invalid rule spec: keys[0].key"),
        ("orders", {"orders": "none"}, "orders and printers must be JSON lists"),
        ("orders", [{"order_id": 1}], "order 1:"),
        ("printers", [{"twin_id": 1, "shifts": []}], "printer 1: KeyError"),
        (
            "printers",
            [
                {
                    "twin_id": 1,
                    "capability": [1, 1, 1, 1, 1, 1],
                    "shifts": [{"days": ["fri"], "start": "08:00", "end": "09:00"}],
                    "timezone": "Mars/Base",
                }
            ],
            "unknown timezone",
        ),
    ],
)
def test_match__bad_input__one_line_error(files, capsys, name, content, message):
    (files / f"{name}.json").write_text(json.dumps(content))
    code, out, err = run_files(capsys, files)
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert message in err


def test_match__not_json_and_missing_files(files, capsys):
    (files / "rule.json").write_text("{nope")
    assert "is not valid JSON" in run_files(capsys, files)[2]
    code, _, err = run(capsys, "--orders", files / "orders.json")
    assert code == 1
    assert "give --orders, --printers and --rule" in err


# ---------------------------------------------------------------------------------------------- every field checked


def _edit(files, name, change):
    data = json.loads((files / f"{name}.json").read_text())
    change(data)
    (files / f"{name}.json").write_text(json.dumps(data))


def _one_line_error(capsys, files, *args):
    code, out, err = run_files(capsys, files, *args)
    assert (code, out, err.count("\n")) == (1, "", 1), err
    return err


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("order_id", 0, "order_id 0 is out of range 1.."),
        ("size_u", -5, "size_u -5 is out of range 1..4294967295"),
        ("size_w", 0, "size_w 0 is out of range"),
        ("size_v", 2**40, "size_v 1099511627776 is out of range"),
        ("size_u", 1.5, "size_u must be an integer; got 1.5"),
        ("material", 64, "material 64 is out of range 0..63"),
        ("colour", -1, "colour -1 is out of range 0..63"),
        ("accuracy", "200", "accuracy must be an integer; got '200'"),
        ("quantity", 0, "quantity 0 is out of range"),
        ("priority", 256, "priority 256 is out of range 0..255"),
        ("importance", -1, "importance -1 is out of range 0..255"),
        ("estimated_seconds", 0, "estimated_seconds 0 is out of range"),
        ("estimated_seconds", -3600, "estimated_seconds -3600 is out of range"),
        ("due_date", None, "due_date must be an integer; got None"),
        ("due_date", 10**30, "due_date 1000000000000000000000000000000 is out of range 0..1099511627775"),
        ("placed_at", True, "placed_at must be an integer; got True"),
        ("rework", "yes", "rework must be true or false; got 'yes'"),
        ("customer", 7, "customer must be a string; got 7"),
    ],
)
def test_match__bad_order_field__one_line_naming_order_field_and_value(files, capsys, field, value, message):
    def change(data):
        data["orders"][4][field] = value

    _edit(files, "orders", change)

    err = _one_line_error(capsys, files)
    assert message in err
    assert "order" in err


def test_match__nan_in_an_order__refused(files, capsys):
    text = re.sub(r'"size_u": \d+', '"size_u": NaN', (files / "orders.json").read_text(), count=1)
    (files / "orders.json").write_text(text)

    assert "is not valid JSON: NaN is not a JSON number" in _one_line_error(capsys, files)


def test_match__same_order_id_twice__refused(files, capsys):
    _edit(files, "orders", lambda data: data["orders"][7].update(order_id=data["orders"][2]["order_id"]))

    assert "order id(s) 3 appear more than once" in _one_line_error(capsys, files)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.update(availability=1.5), "availability must be a number in 0..1; got 1.5"),
        (lambda p: p.update(availability=None), "availability must be a number in 0..1; got None"),
        (lambda p: p.update(busy_until=-1), "busy_until -1 is out of range"),
        (lambda p: p.update(twin_id=0), "twin_id 0 is out of range"),
        (lambda p: p.update(shifts=[[NOW + 3600, NOW]]), "shift 1 ends (1800000000) before it starts (1800003600)"),
        (lambda p: p.update(shifts=[[NOW]]), "shift 1 must be [start, end]"),
        (lambda p: p.update(shifts=[[NOW, 2**41]]), "shift 1 end 2199023255552 is out of range"),
        (lambda p: p["capability"].update(build_x=0), "capability.build_x 0 is out of range"),
        (lambda p: p["capability"].update(material_mask="0xZZ"), "capability.material_mask '0xZZ' is not a hex mask"),
        (lambda p: p["capability"].update(colour_mask=2**64), "capability.colour_mask 18446744073709551616 is out of"),
        (lambda p: p["capability"].update(colour_mask=[1, 64]), "capability.colour_mask code 64 is out of range 0..63"),
        (
            lambda p: p.update(shifts=[{"days": ["fri"], "start": "25:00", "end": "26:00"}]),
            "start '25:00' is not a time",
        ),
        (lambda p: p.update(shifts=[{"days": ["fri"], "start": "8:00", "end": "12:00"}]), "start '8:00' is not a time"),
        (lambda p: p.update(shifts=[{"days": ["funday"], "start": "08:00", "end": "12:00"}]), "days must be a list"),
    ],
)
def test_match__bad_printer_field__one_line_naming_printer_field_and_value(files, capsys, change, message):
    _edit(files, "printers", lambda data: change(data[1]))

    assert message in _one_line_error(capsys, files)


def test_match__now_far_in_the_future__refused(files, capsys):
    assert "now 99999999999999 is out of range" in _one_line_error(capsys, files, "--now", 99999999999999)


def test_match__messy_shifts__merged_and_reversed_refused_zero_length_dropped(files, capsys):
    shifts = [[NOW + 7200, NOW + 10800], [NOW, NOW + 3600], [NOW + 1800, NOW + 7200], [NOW, NOW + 3600], [NOW, NOW]]
    _edit(files, "printers", lambda data: data[0].update(shifts=shifts))
    snapshot = load_inputs(
        json.loads((files / "orders.json").read_text()), json.loads((files / "printers.json").read_text()),
        shipped_rule("edd"),
    )  # fmt: skip

    assert snapshot.printers[0].shifts == ((NOW, NOW + 10800),)  # one stretch, 08:00–11:00


def test_match__top_catalogue_code__masks_as_hex_and_the_digest_canonical(files, capsys, tmp_path):
    """Code 63 (bit 63) does not fit a canonical-JSON integer (≤ 2**53): masks travel as hex strings."""

    def top(data):
        data[0]["capability"].update(material_mask="0x8000000000000001")

    _edit(files, "printers", top)
    _edit(files, "orders", lambda data: data["orders"][0].update(material=63, size_u=1000, size_v=1000, size_w=1000))
    code, out, err = run_files(capsys, files)

    assert code == 0, err
    result = json.loads(out)
    first = json.loads((files / "orders.json").read_text())["orders"][0]["order_id"]
    assert first in [job["order_id"] for p in result["plan"] for job in p["jobs"] if p["twin_id"] == 1]
    snapshot = load_inputs(
        json.loads((files / "orders.json").read_text()), json.loads((files / "printers.json").read_text()),
        shipped_rule("edd"),
    )  # fmt: skip
    assert snapshot.to_json()["printers"][0]["capability"]["material_mask"] == "0x8000000000000001"
    assert len(snapshot.digest()) == 32
