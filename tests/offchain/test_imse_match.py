"""`imse match`: the what-if planner on JSON files, its snapshot round trip, and bad input."""

from __future__ import annotations

import dataclasses
import json

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
