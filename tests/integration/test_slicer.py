"""Slicing with the real PrusaSlicer, and the `imse` console command end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from offchain.exceptions import SlicerError
from offchain.printing.slicer import Slicer, SlicerProfile, parse_estimate
from offchain.printing.stl import read_stl
from offchain.twins.schema import example_of
from tests.offchain.stl_models import box

IMSE = str(Path(sys.executable).with_name("imse"))


def imse(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([IMSE, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture
def slicer(tmp_path):
    return Slicer(tmp_path / "cache", timeout=120)


def test_slice__box__gcode_and_estimate_then_cached(slicer):
    model = box(20, 20, 10)
    profile = SlicerProfile.from_twin(example_of("printer"), material="PLA")

    first = slicer.slice(model, profile, size_mm=read_stl(model).size_mm)
    again = slicer.slice(model, profile, size_mm=read_stl(model).size_mm)

    assert first.cached is False
    assert again.cached is True
    assert again.gcode_path == first.gcode_path
    gcode = first.gcode_path.read_text()
    assert "; filament_type = PLA" in gcode
    assert "; layer_height = 0.2" in gcode
    assert 60 < first.estimated_seconds < 7200
    assert parse_estimate(gcode) == first.estimated_seconds == again.estimated_seconds


def test_slice__more_infill_takes_longer(slicer):
    model = box(40, 40, 20)
    size = read_stl(model).size_mm
    sparse = slicer.slice(model, SlicerProfile(infill_percent=10), size_mm=size)
    dense = slicer.slice(model, SlicerProfile(infill_percent=80), size_mm=size)
    assert dense.estimated_seconds > sparse.estimated_seconds
    assert dense.gcode_path != sparse.gcode_path


def test_slice__part_fits_only_turned__sliced_turned(slicer):
    model = box(180, 20, 5)
    result = slicer.slice(model, SlicerProfile(bed_x_mm=100, bed_y_mm=200), size_mm=read_stl(model).size_mm)
    assert result.estimated_seconds > 0


def test_slice__slicer_fails__clear_error_and_nothing_cached(slicer):
    with pytest.raises(SlicerError, match="prusa-slicer failed"):
        slicer.slice(b"solid broken\nendsolid\n", SlicerProfile(), size_mm=(1, 1, 1))
    assert not list(slicer.cache_dir.glob("*.gcode"))


def test_slice__timeout__clear_error(tmp_path):
    model = box(150, 150, 150)
    with pytest.raises(SlicerError, match=r"did not finish within 0\.05 s"):
        Slicer(tmp_path, timeout=0.05).slice(model, SlicerProfile(), size_mm=read_stl(model).size_mm)


def test_slice__missing_binary__clear_error(tmp_path):
    slicer = Slicer(tmp_path, binary=str(tmp_path / "nope"))
    with pytest.raises(SlicerError, match=r"cannot run the slicer .*nope: No such file"):
        slicer.slice(box(), SlicerProfile(), size_mm=(20, 30, 10))


# ---------------------------------------------------------------------------------------------- imse command


def test_imse_stl_info__json(tmp_path):
    (tmp_path / "part.stl").write_bytes(box(20, 30, 10, ascii=True))
    done = imse("stl", "info", "part.stl", "--scale", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    assert info["size_um"] == [40_000, 60_000, 20_000]
    assert (info["triangles"], info["watertight"], info["format"]) == (12, True, "ascii")


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty file"), (b"not an stl at all", "not an STL file"), (None, "no such file")],
)
def test_imse_stl_info__bad_input__one_line_error_and_nonzero_exit(tmp_path, content, message):
    if content is not None:
        (tmp_path / "bad.stl").write_bytes(content)
    done = imse("stl", "info", "bad.stl", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert message in done.stderr


def test_imse_slice__twin_profile__gcode_and_seconds(tmp_path):
    (tmp_path / "part.stl").write_bytes(box(20, 20, 10))
    (tmp_path / "printer.json").write_text(json.dumps(example_of("printer")))
    done = imse(
        "slice",
        "part.stl",
        "--twin",
        "printer.json",
        "--material",
        "PETG",
        "--infill",
        "15",
        "--cache-dir",
        "cache",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert Path(result["gcode"]).is_file()
    assert result["estimated_seconds"] > 0
    assert result["profile"]["material"] == "PETG"
    assert result["profile"]["infill_percent"] == 15


def test_imse_slice__part_too_big__one_line_error(tmp_path):
    (tmp_path / "part.stl").write_bytes(box(400, 20, 10))
    (tmp_path / "profile.json").write_text(json.dumps({"bed_x_mm": 200, "bed_y_mm": 200}))
    done = imse("slice", "part.stl", "--profile", "profile.json", "--cache-dir", "cache", cwd=tmp_path)
    assert done.returncode == 1
    assert "does not fit the 200 × 200 mm bed" in done.stderr


def test_imse_usage_error__exit_2(tmp_path):
    assert imse("slice", "part.stl", cwd=tmp_path).returncode == 2
