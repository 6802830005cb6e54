"""STL intake: parse binary or ASCII STL, measure it, and refuse what cannot be printed — before anything is
uploaded.

Sizes are the axis-aligned bounding box (after the optional scale factor) in millimetres and in micrometres, the
unit of `OrderRequest` sizes (u, v, w = x, y, z). The volume is reported only for a watertight mesh (otherwise it is
meaningless).
"""

from __future__ import annotations

import hashlib
import io
import math
import struct
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import trimesh

from offchain.exceptions import StlError

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
DEFAULT_MAX_TRIANGLES = 2_000_000
DEFAULT_MAX_SIZE_MM = 2_000.0  # no printer we know of prints a part 2 m long: a likely unit mistake (µm vs mm)
_BINARY_HEADER, _BINARY_TRIANGLE = 84, 50


@dataclass(frozen=True)
class StlLimits:
    """What intake accepts. Every limit is configurable (CLI options, explorer settings)."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_triangles: int = DEFAULT_MAX_TRIANGLES
    max_size_mm: float = DEFAULT_MAX_SIZE_MM


@dataclass(frozen=True)
class StlInfo:
    """Measurements of one STL model."""

    format: str  # "binary" or "ascii"
    triangles: int
    size_mm: tuple[float, float, float]
    size_um: tuple[int, int, int]
    volume_mm3: float | None
    watertight: bool
    scale: float
    sha256: str
    bytes: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def detect_format(data: bytes) -> str:
    """ "binary" when the length matches the binary layout (84-byte header + 50 bytes per triangle), "ascii" when it
    starts with `solid` and has a facet, else StlError."""
    if len(data) >= _BINARY_HEADER:
        (count,) = struct.unpack_from("<I", data, 80)
        if len(data) == _BINARY_HEADER + _BINARY_TRIANGLE * count:
            return "binary"
    head = data[:1024].lstrip().lower()
    if head.startswith(b"solid") and b"facet" in data[:65536].lower():
        return "ascii"
    if head.startswith(b"solid"):
        raise StlError("ASCII STL without any facet (empty model)")
    raise StlError(
        "not an STL file: neither a binary STL (84-byte header + 50 bytes per triangle; the length does not match) "
        "nor an ASCII STL (starting with 'solid')"
    )


def read_stl(source: Path | bytes, *, scale: float = 1.0, limits: StlLimits = StlLimits()) -> StlInfo:
    """Parses and measures an STL given as a path or as bytes. Raises StlError naming the problem when the file is
    missing, empty, over a limit, malformed or degenerate."""
    if not (math.isfinite(scale) and scale > 0):
        raise StlError(f"scale must be a positive number; got {scale}")
    data = _read_bytes(source, limits.max_bytes)
    if not data:
        raise StlError("empty file")
    kind = detect_format(data)
    if kind == "binary":
        (count,) = struct.unpack_from("<I", data, 80)
        if count == 0:
            raise StlError("binary STL with 0 triangles (empty model)")
        if count > limits.max_triangles:
            raise StlError(f"{count:,} triangles is over the limit of {limits.max_triangles:,}")
    if kind == "ascii":
        _check_ascii(data, limits.max_triangles)
    try:
        mesh: Any = trimesh.load(io.BytesIO(data), file_type="stl", process=False, force="mesh")
    except Exception as err:  # trimesh raises many types on malformed input
        raise StlError(f"malformed {kind} STL: {err.__class__.__name__}: {err}") from err
    vertices = np.asarray(mesh.vertices, dtype=float)
    triangles = len(mesh.faces)
    if triangles == 0:
        raise StlError(f"{kind} STL with 0 triangles (empty model)")
    if triangles > limits.max_triangles:
        raise StlError(f"{triangles:,} triangles is over the limit of {limits.max_triangles:,}")
    if not np.isfinite(vertices).all():
        raise StlError("malformed STL: vertex coordinates that are not finite numbers (NaN or infinity)")
    extent = (vertices.max(axis=0) - vertices.min(axis=0)) * scale
    if (flat := [axis for axis, size in zip("xyz", extent, strict=True) if size <= 0]) != []:
        raise StlError(f"degenerate model: zero size along {', '.join(flat)} (a flat or single-point mesh)")
    if float(np.asarray(mesh.area_faces).sum()) <= 0:
        raise StlError("degenerate model: every triangle has zero area")
    if (largest := float(extent.max())) > limits.max_size_mm:
        raise StlError(
            f"model is {largest:,.1f} mm long, over the limit of {limits.max_size_mm:,.0f} mm (wrong unit or scale?)"
        )
    mesh.merge_vertices()
    watertight = bool(mesh.is_watertight)
    volume = round(abs(float(mesh.volume)) * scale**3, 3) if watertight else None
    size_mm = tuple(round(float(v), 4) for v in extent)
    size_um = tuple(round(float(v) * 1000) for v in extent)
    return StlInfo(
        format=kind,
        triangles=triangles,
        size_mm=(size_mm[0], size_mm[1], size_mm[2]),
        size_um=(size_um[0], size_um[1], size_um[2]),
        volume_mm3=volume,
        watertight=watertight,
        scale=scale,
        sha256="0x" + hashlib.sha256(data).hexdigest(),
        bytes=len(data),
    )


def _check_ascii(data: bytes, max_triangles: int) -> None:
    """Every facet of an ASCII STL has exactly three `vertex x y z` lines with numbers (trimesh would silently drop
    a broken facet), and there are at most `max_triangles` facets (counted before any mesh is built)."""
    facets = vertices = 0
    for number, raw in enumerate(data.splitlines(), start=1):
        words = raw.strip().lower().split()
        if words[:1] == [b"facet"]:
            facets += 1
            if facets > max_triangles:
                raise StlError(f"more than {max_triangles:,} triangles: over the limit")
        elif words[:1] == [b"vertex"]:
            vertices += 1
            try:
                if len(words) != 4 or not all(math.isfinite(float(w)) for w in words[1:]):
                    raise ValueError
            except ValueError:
                raise StlError(
                    f"malformed ascii STL: line {number} is not 'vertex x y z' with finite numbers"
                ) from None
    if facets == 0:
        raise StlError("ASCII STL without any facet (empty model)")
    if vertices != 3 * facets:
        raise StlError(f"malformed ascii STL: {facets} facets but {vertices} vertex lines (3 per facet expected)")


def _read_bytes(source: Path | bytes, max_bytes: int) -> bytes:
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
    else:
        try:
            size = source.stat().st_size
            if size > max_bytes:
                raise StlError(f"{source} is {size:,} bytes, over the limit of {max_bytes:,}")
            data = source.read_bytes()
        except FileNotFoundError:
            raise StlError(f"no such file: {source}") from None
        except IsADirectoryError:
            raise StlError(f"{source} is a folder, not an STL file") from None
        except OSError as err:
            raise StlError(f"cannot read {source}: {err.strerror}") from err
    if len(data) > max_bytes:
        raise StlError(f"file is {len(data):,} bytes, over the limit of {max_bytes:,}")
    return data


def scaled_stl(data: bytes, factor: float) -> bytes:
    """The model scaled by `factor` about the origin, as a binary STL (what the customer asked for when their design
    is too large for every printer); StlError when `data` is no STL or the factor is not a positive number."""
    if not (math.isfinite(factor) and factor > 0):
        raise StlError(f"scale must be a positive number; got {factor}")
    read_stl(data, limits=StlLimits(max_size_mm=math.inf))  # the same checks as at intake, before anything is made
    mesh: Any = trimesh.load(io.BytesIO(data), file_type="stl", process=False, force="mesh")
    mesh.apply_scale(factor)
    return bytes(mesh.export(file_type="stl"))
