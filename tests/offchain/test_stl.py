"""STL intake: measurements of good models, a clear error for every kind of bad one."""

from __future__ import annotations

import pytest

from offchain.exceptions import StlError
from offchain.printing.stl import StlLimits, detect_format, read_stl
from tests.offchain.stl_models import binary, box, open_box

NAN = float("nan")


@pytest.mark.parametrize("ascii", [False, True])
def test_read_stl__box__size_triangles_volume_watertight(ascii):
    info = read_stl(box(20, 30, 10, ascii=ascii))

    assert info.format == ("ascii" if ascii else "binary")
    assert info.size_mm == (20.0, 30.0, 10.0)
    assert info.size_um == (20_000, 30_000, 10_000)
    assert info.triangles == 12
    assert info.volume_mm3 == pytest.approx(6000.0)
    assert info.watertight is True


def test_read_stl__scale__applies_to_size_and_volume():
    info = read_stl(box(20, 30, 10), scale=2.5)
    assert info.size_um == (50_000, 75_000, 25_000)
    assert info.volume_mm3 == pytest.approx(6000.0 * 2.5**3)


def test_read_stl__open_mesh__not_watertight_and_no_volume():
    info = read_stl(open_box())
    assert info.watertight is False
    assert info.volume_mm3 is None
    assert info.triangles == 11


def test_read_stl__from_path(tmp_path):
    path = tmp_path / "part.stl"
    path.write_bytes(box())
    assert read_stl(path).bytes == len(box())


def test_detect_format__binary_header_starting_with_solid_is_binary():
    data = box()
    data = b"solid exported by CAD".ljust(80, b" ") + data[80:]
    assert detect_format(data) == "binary"


TRIANGLE = ((0.0, 0.0, 0.0), (1.0, 0.0, 0.0), (0.0, 1.0, 1.0))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file"),
        (b"PK\x03\x04 a zip file, not an STL", "not an STL file"),
        (box()[:-7], "not an STL file"),  # truncated binary
        (b"solid empty\nendsolid empty\n", "ASCII STL without any facet"),
        (binary([]), "binary STL with 0 triangles"),
        (
            b"solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0\nendloop\nendfacet\nendsolid\n",
            "line 4 is not 'vertex",
        ),
        (
            b"solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 1\nendloop\nendfacet\nendsolid\n",
            "1 facets but 1 vertex",
        ),
        (b"solid x\nfacet normal 0 0 1\nvertex 0 0 nan\nendfacet\nendsolid\n", "line 3 is not 'vertex"),
        (binary([((NAN, 0, 0), (1, 0, 0), (0, 1, 0))]), "not finite numbers"),
        (binary([((0, 0, 0), (1, 0, 0), (0, 1, 0))]), "zero size along z"),
        (binary([((0, 0, 0), (0, 0, 0), (0, 0, 0))]), "zero size along x, y, z"),
        (binary([((0, 0, 0), (1, 1, 1), (2, 2, 2))]), "every triangle has zero area"),
        (box(2500, 10, 10), "2,500.0 mm long, over the limit of 2,000 mm"),
    ],
)
def test_read_stl__bad_input__names_the_problem(data, message):
    with pytest.raises(StlError, match=message):
        read_stl(data)


def test_read_stl__over_the_byte_limit(tmp_path):
    path = tmp_path / "big.stl"
    path.write_bytes(box())
    with pytest.raises(StlError, match="over the limit of 100"):
        read_stl(path, limits=StlLimits(max_bytes=100))


def test_read_stl__over_the_triangle_limit():
    with pytest.raises(StlError, match="12 triangles is over the limit of 10"):
        read_stl(box(), limits=StlLimits(max_triangles=10))
    with pytest.raises(StlError, match="more than 10 triangles: over the limit"):  # counted before any mesh
        read_stl(box(ascii=True), limits=StlLimits(max_triangles=10))


@pytest.mark.parametrize("scale", [0, -1, NAN])
def test_read_stl__bad_scale(scale):
    with pytest.raises(StlError, match="scale must be a positive number"):
        read_stl(box(), scale=scale)


def test_read_stl__missing_file_and_folder(tmp_path):
    with pytest.raises(StlError, match="no such file"):
        read_stl(tmp_path / "nope.stl")
    with pytest.raises(StlError, match="is a folder"):
        read_stl(tmp_path)


def test_scaled_stl__half__measures_half_and_is_binary():
    from offchain.printing.samples import box
    from offchain.printing.stl import read_stl, scaled_stl

    scaled = read_stl(scaled_stl(box(40, 20, 10, ascii=True), 0.5))

    assert scaled.size_mm == (20.0, 10.0, 5.0)
    assert scaled.format == "binary"
    assert scaled.watertight


@pytest.mark.parametrize("factor", [0, -1, float("nan"), float("inf")])
def test_scaled_stl__bad_factor__refused(factor):
    from offchain.printing.samples import box
    from offchain.printing.stl import scaled_stl

    with pytest.raises(StlError, match="scale must be a positive number"):
        scaled_stl(box(), factor)


def test_scaled_stl__not_an_stl__refused():
    from offchain.printing.stl import scaled_stl

    with pytest.raises(StlError, match="not an STL file"):
        scaled_stl(b"not an stl at all", 0.5)  # read_stl's refusal
