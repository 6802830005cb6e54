"""Generated STL models for the tests (binary and ASCII, good and broken)."""

from __future__ import annotations

import struct

import trimesh

from offchain.printing.samples import box

__all__ = ["binary", "box", "open_box"]


def open_box() -> bytes:
    """A box with one triangle missing (not watertight)."""
    mesh = trimesh.creation.box(extents=(10, 10, 10))
    mesh.update_faces([i != 0 for i in range(len(mesh.faces))])
    return bytes(mesh.export(file_type="stl"))


def binary(triangles: list[tuple[tuple[float, float, float], ...]]) -> bytes:
    """A binary STL of raw triangles (three vertices each)."""
    body = b"".join(struct.pack("<12fH", 0, 0, 0, *[c for vertex in t for c in vertex], 0) for t in triangles)
    return b"\0" * 80 + struct.pack("<I", len(triangles)) + body
