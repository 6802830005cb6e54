"""Sample models for demos, benchmarks and tests (generated, so nothing binary lives in the repository)."""

from __future__ import annotations

import trimesh


def box(x: float = 20.0, y: float = 30.0, z: float = 10.0, *, ascii: bool = False) -> bytes:
    """A closed box of x × y × z mm as STL bytes (binary unless `ascii`)."""
    mesh = trimesh.creation.box(extents=(x, y, z))
    data = mesh.export(file_type="stl_ascii" if ascii else "stl")
    return data.encode() if isinstance(data, str) else bytes(data)
