"""Slicer profiles, placement and estimate parsing (no slicer run: see tests/integration/test_slicer.py)."""

from __future__ import annotations

import pytest

from offchain.exceptions import SlicerError
from offchain.printing.slicer import SlicerProfile, _placement, parse_duration, parse_estimate
from offchain.twins.schema import example_of


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("45s", 45), ("11m 6s", 666), ("2h 0m 1s", 7201), ("1d 2h 3m 4s", 93784)],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "3 hours", "1x 2s"])
def test_parse_duration__unreadable(text):
    with pytest.raises(SlicerError, match="unreadable print-time estimate"):
        parse_duration(text)


def test_parse_estimate__normal_mode_line():
    gcode = "G1 X0\n; estimated printing time (silent mode) = 9m\n; estimated printing time (normal mode) = 1h 2m 3s\n"
    assert parse_estimate(gcode) == 3723


def test_parse_estimate__missing():
    with pytest.raises(SlicerError, match="no '; estimated printing time"):
        parse_estimate("G1 X0\n")


def test_from_twin__printer_example():
    profile = SlicerProfile.from_twin(example_of("printer"), material="PETG", infill_percent=30)
    assert profile == SlicerProfile(0.4, 0.2, 250.0, 210.0, 210.0, "PETG", 30)
    assert "bed_shape = 0x0,250x0,250x210,0x210" in profile.to_ini()
    assert "temperature = 240" in profile.to_ini()


def test_from_twin__layer_height_the_printer_does_not_offer():
    with pytest.raises(SlicerError, match=r"layer height 0\.25 mm is not one the printer offers"):
        SlicerProfile.from_twin(example_of("printer"), material="PLA", layer_height_mm=0.25)


def test_from_twin__not_a_printer():
    with pytest.raises(SlicerError, match="the twin lacks what slicing needs"):
        SlicerProfile.from_twin(example_of("worker"), material="PLA")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"nozzle_mm": 5}, "nozzle 5 mm is outside"),
        ({"layer_height_mm": 0.4}, "layer height 0.4 mm must be"),
        ({"infill_percent": 120}, "infill 120% is outside"),
        ({"material": "Resin"}, "material 'Resin' cannot be sliced for FDM"),
        ({"bed_x_mm": 0}, "bed size and height must be positive"),
    ],
)
def test_profile__invalid(fields, message):
    with pytest.raises(SlicerError, match=message):
        SlicerProfile(**fields)


def test_profile__from_json_unknown_field():
    with pytest.raises(SlicerError, match="unknown slicer profile field"):
        SlicerProfile.from_json({"speed": 1})


def test_profile__digest_changes_with_any_option():
    base = SlicerProfile()
    assert base.digest() == SlicerProfile().digest()
    assert base.digest() != base.with_options(infill_percent=21).digest()


@pytest.mark.parametrize(
    ("size", "rotate"),
    [((100, 50, 10), False), ((250, 50, 10), True), ((200, 200, 200), False)],
)
def test_placement__turns_only_when_needed(size, rotate):
    assert _placement(size, SlicerProfile(bed_x_mm=200, bed_y_mm=300)) is rotate


@pytest.mark.parametrize(
    ("size", "message"),
    [((350, 50, 10), "does not fit the 200 × 300 mm bed, even turned"), ((10, 10, 201), "201 mm tall")],
)
def test_placement__does_not_fit(size, message):
    with pytest.raises(SlicerError, match=message):
        _placement(size, SlicerProfile(bed_x_mm=200, bed_y_mm=300))
