"""Slicing with PrusaSlicer's command line: STL + profile → G-code and the estimated print time.

A `SlicerProfile` is derived from a printer twin (nozzle, layer heights, bed size, height) and the order's options
(material, infill, layer height). Results are cached by (design digest, profile digest), so the matcher and the bot
slice each design once per printer type. The slicer runs as a separate program with a timeout.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from offchain.exceptions import SlicerError

DEFAULT_TIMEOUT = 300.0
# Nozzle / bed temperatures (°C) per catalogue material the slicer can print (FDM); resin needs an SLA printer.
TEMPERATURES: dict[str, tuple[int, int]] = {
    "PLA": (210, 60),
    "ABS": (245, 100),
    "PETG": (240, 80),
    "TPU": (225, 50),
    "NYLON": (255, 80),
}
# Filament densities (g/cm³) to turn the slicer's filament volume into grams for a quote.
DENSITIES: dict[str, float] = {"PLA": 1.24, "ABS": 1.04, "PETG": 1.27, "TPU": 1.21, "NYLON": 1.14}
_FILAMENT = re.compile(r"^; filament used \[(mm|cm3)\] = ([0-9.]+)$", re.MULTILINE)
_ESTIMATE = re.compile(r"^; estimated printing time \(normal mode\) = (.+)$", re.MULTILINE)
_DURATION_PART = re.compile(r"(\d+)\s*([dhms])")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


@dataclass(frozen=True)
class SlicerProfile:
    """Everything the slicer is told. Lengths in millimetres."""

    nozzle_mm: float = 0.4
    layer_height_mm: float = 0.2
    bed_x_mm: float = 200.0
    bed_y_mm: float = 200.0
    max_height_mm: float = 200.0
    material: str = "PLA"
    infill_percent: int = 20
    nozzle_temp_c: int | None = None
    """The nozzle temperature asked for (°C); None: the material's usual one (`TEMPERATURES`)."""

    def __post_init__(self) -> None:
        problems = []
        if not 0.1 <= self.nozzle_mm <= 2.0:
            problems.append(f"nozzle {self.nozzle_mm} mm is outside 0.1..2.0")
        if not 0.01 <= self.layer_height_mm <= 0.8 * self.nozzle_mm:
            problems.append(
                f"layer height {self.layer_height_mm} mm must be 0.01..{0.8 * self.nozzle_mm:g} (80% of the nozzle)"
            )
        if min(self.bed_x_mm, self.bed_y_mm, self.max_height_mm) <= 0:
            problems.append("bed size and height must be positive")
        if not 0 <= self.infill_percent <= 100:
            problems.append(f"infill {self.infill_percent}% is outside 0..100")
        if self.nozzle_temp_c is not None and not 150 <= self.nozzle_temp_c <= 320:
            problems.append(f"nozzle temperature {self.nozzle_temp_c} °C is outside 150..320")
        if self.material.upper() not in TEMPERATURES:
            problems.append(f"material {self.material!r} cannot be sliced for FDM (known: {', '.join(TEMPERATURES)})")
        if problems:
            raise SlicerError("invalid slicer profile: " + "; ".join(problems))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SlicerProfile:
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise SlicerError(f"unknown slicer profile field(s): {', '.join(sorted(unknown))}")
        try:
            return cls(**data)
        except TypeError as err:
            raise SlicerError(f"invalid slicer profile: {err}") from err

    @classmethod
    def from_twin(
        cls, twin: dict[str, Any], *, material: str, infill_percent: int = 20, layer_height_mm: float | None = None
    ) -> SlicerProfile:
        """The profile of a printer twin (see the printer schema) for one order's options. The layer height defaults
        to the printer's first supported one."""
        try:
            volume = twin["buildVolume"]
            layers = twin["layerHeights"]
            layer = layer_height_mm if layer_height_mm is not None else float(layers[0])
            if layer_height_mm is not None and not any(abs(layer - float(h)) < 1e-9 for h in layers):
                raise SlicerError(f"layer height {layer} mm is not one the printer offers ({layers})")
            return cls(
                nozzle_mm=float(twin["nozzle"]["diameter"]),
                layer_height_mm=layer,
                bed_x_mm=float(volume["x"]),
                bed_y_mm=float(volume["y"]),
                max_height_mm=float(volume["z"]),
                material=material,
                infill_percent=infill_percent,
            )
        except (KeyError, IndexError, TypeError, ValueError) as err:
            raise SlicerError(f"the twin lacks what slicing needs ({err.__class__.__name__}: {err})") from err

    def to_ini(self) -> str:
        """PrusaSlicer config (`--load`)."""
        nozzle_temp, bed_temp = TEMPERATURES[self.material.upper()]
        nozzle_temp = self.nozzle_temp_c if self.nozzle_temp_c is not None else nozzle_temp
        x, y = self.bed_x_mm, self.bed_y_mm
        lines = {
            "nozzle_diameter": f"{self.nozzle_mm:g}",
            "layer_height": f"{self.layer_height_mm:g}",
            "first_layer_height": f"{self.layer_height_mm:g}",
            "fill_density": f"{self.infill_percent}%",
            "bed_shape": f"0x0,{x:g}x0,{x:g}x{y:g},0x{y:g}",
            "max_print_height": f"{self.max_height_mm:g}",
            "filament_type": self.material.upper(),
            "filament_diameter": "1.75",
            "temperature": str(nozzle_temp),
            "first_layer_temperature": str(nozzle_temp),
            "bed_temperature": str(bed_temp),
            "first_layer_bed_temperature": str(bed_temp),
            "gcode_flavor": "marlin2",
        }
        return "".join(f"{key} = {value}\n" for key, value in lines.items())

    def digest(self) -> str:
        return hashlib.sha256(self.to_ini().encode()).hexdigest()

    def with_options(self, **changes: Any) -> SlicerProfile:
        return replace(self, **changes)


@dataclass(frozen=True)
class SliceResult:
    gcode_path: Path
    estimated_seconds: int
    cached: bool
    profile: SlicerProfile

    def to_json(self) -> dict[str, Any]:
        return {
            "gcode": str(self.gcode_path),
            "estimated_seconds": self.estimated_seconds,
            "cached": self.cached,
            "profile": asdict(self.profile),
        }


def parse_duration(text: str) -> int:
    """Seconds of a PrusaSlicer duration such as "1d 2h 3m 4s", "11m 6s" or "45s"."""
    parts = _DURATION_PART.findall(text)
    rest = _DURATION_PART.sub("", text).strip()
    if not parts or rest:
        raise SlicerError(f"unreadable print-time estimate {text!r}")
    return sum(int(value) * _UNIT_SECONDS[unit] for value, unit in parts)


def parse_estimate(gcode: str) -> int:
    """The normal-mode print-time estimate (seconds) from PrusaSlicer's G-code comments."""
    found = _ESTIMATE.search(gcode)
    if not found:
        raise SlicerError("the G-code has no '; estimated printing time (normal mode) = …' line")
    return parse_duration(found.group(1))


@dataclass(frozen=True)
class Quote:
    """What a slicer run says a print takes: time and filament."""

    seconds: int
    filament_m: float
    filament_cm3: float
    grams: float
    profile: SlicerProfile
    cached: bool

    def to_json(self) -> dict[str, Any]:
        return {"seconds": self.seconds, "filament_m": self.filament_m, "filament_cm3": self.filament_cm3,
                "grams": self.grams, "profile": asdict(self.profile), "cached": self.cached}  # fmt: skip


def quote(slicer: Slicer, stl: bytes, profile: SlicerProfile, *, size_mm: tuple[float, float, float]) -> Quote:
    """A real slicer run (cached per design and profile): the estimated time and the filament it uses."""
    result = slicer.slice(stl, profile, size_mm=size_mm)
    used = dict(_FILAMENT.findall(result.gcode_path.read_text(errors="replace")))
    millimetres, volume = float(used.get("mm", 0.0)), float(used.get("cm3", 0.0))
    grams = volume * DENSITIES.get(profile.material.upper(), 1.2)
    return Quote(
        result.estimated_seconds, round(millimetres / 1000, 2), volume, round(grams, 1), profile, result.cached
    )


def slicer_binary() -> str:
    found = os.environ.get("IMSE_SLICER") or shutil.which("prusa-slicer")
    if not found:
        raise SlicerError("prusa-slicer not found: run `make install` (it installs the Debian package)")
    return found


class Slicer:
    """Runs PrusaSlicer with a cache under `cache_dir` (G-code + estimate per (design, profile) pair)."""

    def __init__(self, cache_dir: Path, *, timeout: float = DEFAULT_TIMEOUT, binary: str | None = None) -> None:
        self.cache_dir = cache_dir
        self.timeout = timeout
        self.binary = binary

    def slice(self, stl: bytes, profile: SlicerProfile, *, size_mm: tuple[float, float, float]) -> SliceResult:
        """G-code and estimated seconds for the model `stl` (bytes) measuring `size_mm` (see offchain.printing.stl).

        The part is centred on the bed and turned 90° when only the turned part fits (as the matcher's fit check
        allows). Raises SlicerError when it does not fit at all, the slicer fails or it times out.
        """
        design = hashlib.sha256(stl).hexdigest()
        key = hashlib.sha256(f"{design}:{profile.digest()}".encode()).hexdigest()
        gcode_path = self.cache_dir / f"{key}.gcode"
        meta_path = self.cache_dir / f"{key}.json"
        if gcode_path.is_file() and meta_path.is_file():
            meta = json.loads(meta_path.read_text())
            return SliceResult(gcode_path, int(meta["estimated_seconds"]), True, profile)
        rotate = _placement(size_mm, profile)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="imse-slice-") as work:
            model, config, output = Path(work) / "model.stl", Path(work) / "profile.ini", Path(work) / "out.gcode"
            model.write_bytes(stl)
            config.write_text(profile.to_ini())
            command = [
                self.binary or slicer_binary(),
                "--export-gcode",
                "--loglevel", "1",
                "--load", str(config),
                "--center", f"{profile.bed_x_mm / 2:g},{profile.bed_y_mm / 2:g}",
                *(["--rotate", "90"] if rotate else []),
                "--output", str(output),
                str(model),
            ]  # fmt: skip
            try:
                done = subprocess.run(command, capture_output=True, text=True, timeout=self.timeout, check=False)
            except subprocess.TimeoutExpired:
                raise SlicerError(f"prusa-slicer did not finish within {self.timeout:g} s") from None
            except OSError as err:
                raise SlicerError(f"cannot run the slicer {command[0]}: {err.strerror}") from err
            if done.returncode != 0 or not output.is_file():
                raise SlicerError(f"prusa-slicer failed (exit {done.returncode}): {_error_lines(done)}")
            gcode = output.read_text(errors="replace")
            seconds = parse_estimate(gcode)
            tmp = gcode_path.with_suffix(".tmp")
            shutil.move(str(output), tmp)
            tmp.replace(gcode_path)  # complete files only: the cache never holds a half-written G-code
        meta_path.write_text(json.dumps({"estimated_seconds": seconds, "profile": asdict(profile)}) + "\n")
        return SliceResult(gcode_path, seconds, False, profile)


def _placement(size_mm: tuple[float, float, float], profile: SlicerProfile) -> bool:
    """Whether to turn the part 90°; SlicerError when it does not fit the bed either way or is too tall."""
    x, y, z = size_mm
    if z > profile.max_height_mm:
        raise SlicerError(f"part is {z:g} mm tall; the printer prints at most {profile.max_height_mm:g} mm")
    if x <= profile.bed_x_mm and y <= profile.bed_y_mm:
        return False
    if y <= profile.bed_x_mm and x <= profile.bed_y_mm:
        return True
    raise SlicerError(
        f"part footprint {x:g} × {y:g} mm does not fit the {profile.bed_x_mm:g} × {profile.bed_y_mm:g} mm bed, "
        "even turned 90°"
    )


def _error_lines(done: subprocess.CompletedProcess[str]) -> str:
    lines = [
        line.strip()
        for line in (done.stderr + "\n" + done.stdout).splitlines()
        if line.strip() and "[trace]" not in line and "[debug]" not in line and "=>" not in line
    ]
    return " | ".join(lines[-5:]) or "no message"
