"""GeoTIFF georeference moved through geometric transforms: exact tie points, pixel scales and
model transformations after crops, resizes, flips, turns and pads; dropped after warps that
are not affine and for sources it cannot move exactly."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tifffile

from synthaug.augment import (
    Affine,
    Compose,
    Crop,
    ElasticTransform,
    HorizontalFlip,
    Pad,
    Perspective,
    RandomResizedCrop,
    Resize,
    Rotate,
    Rotate90,
    Transpose,
)
from synthaug.data.georeference import raster_map, read_georeference
from synthaug.data.images import decode_image, encode_image
from synthaug.engine.job import _georeference_move

ROOT = Path(__file__).resolve().parents[2]
SIZE, PIXEL_M = 32, 10.0


@pytest.fixture(scope="module")
def tile(tmp_path_factory) -> bytes:
    """Tile 0 of ``python examples/multispectral.py DIR --n 2 --size 32``: 13-band uint16,
    10 m pixels, tie point (0, 0) -> (500000, 4000000), UTM 33N."""
    out = tmp_path_factory.mktemp("ms")
    script = ROOT / "examples" / "multispectral.py"
    args = [str(out), "--n", "2", "--size", str(SIZE)]
    subprocess.run([sys.executable, str(script), *args], check=True, capture_output=True)
    return (out / "images" / "tile_000.tif").read_bytes()


def _tags(data: bytes) -> dict[int, object]:
    with tifffile.TiffFile(io.BytesIO(data)) as tif:
        tags = tif.pages[0].tags
        return {code: tags[code].value for code in (33550, 33922, 34264, 34735) if code in tags}


def _moved(tile: bytes, transform, seed: int = 0) -> tuple[dict[int, object], np.ndarray]:
    """Run ``transform`` on the tile and write it as ``synthaug augment`` does."""
    pipe = Compose([transform])
    image = decode_image(tile)
    out = pipe(image=image, seed=seed)
    keep, moved = _georeference_move(pipe, out, image, georeferenced=True)
    data = encode_image(out.image, ".tif", source=tile, keep_georeference=keep, raster_map=moved)
    return _tags(data), out.image


def _model(tags: dict[int, object], i: float, j: float) -> np.ndarray:
    """Map coordinates (x, y) of raster point (i, j) (pixel corners) under ``tags``."""
    if 34264 in tags:
        t = np.asarray(tags[34264]).reshape(4, 4)
        return t[:2, :2] @ [i, j] + t[:2, 3]
    sx, sy, _ = tags[33550]
    ti, tj, _, x, y, _ = tags[33922]
    return np.array([x + (i - ti) * sx, y - (j - tj) * sy])


def test_example_tile_has_the_documented_georeference(tile):
    tags = _tags(tile)
    assert tags[33550] == (PIXEL_M, PIXEL_M, 0.0)
    assert tags[33922] == (0.0, 0.0, 0.0, 500000.0, 4000000.0, 0.0)


@pytest.mark.parametrize("dx, dy", [(2, 3), (7, 0), (0, 11)])
def test_crop_shifts_the_tie_point_by_the_offset_in_map_units(tile, dx, dy):
    tags, _ = _moved(tile, Crop(x_min=dx, y_min=dy, x_max=dx + 10, y_max=dy + 12))
    assert tags[33550] == (PIXEL_M, PIXEL_M, 0.0)
    assert tags[33922] == (0.0, 0.0, 0.0, 500000.0 + dx * PIXEL_M, 4000000.0 - dy * PIXEL_M, 0.0)
    assert 34264 not in tags


def test_resize_by_two_halves_the_pixel_scale_and_keeps_the_corner(tile):
    tags, image = _moved(tile, Resize(2 * SIZE, 2 * SIZE))
    assert image.shape[:2] == (2 * SIZE, 2 * SIZE)
    assert tags[33550] == (PIXEL_M / 2, PIXEL_M / 2, 0.0)
    assert tags[33922] == (0.0, 0.0, 0.0, 500000.0, 4000000.0, 0.0)


def test_horizontal_flip_negates_the_x_column_with_the_origin_at_the_old_right_edge(tile):
    tags, _ = _moved(tile, HorizontalFlip(p=1.0))
    assert 33550 not in tags and 33922 not in tags  # never beside a transformation
    t = np.asarray(tags[34264]).reshape(4, 4)
    assert t[0].tolist() == [-PIXEL_M, 0.0, 0.0, 500000.0 + SIZE * PIXEL_M]
    assert t[1].tolist() == [0.0, -PIXEL_M, 0.0, 4000000.0]
    assert t[3].tolist() == [0.0, 0.0, 0.0, 1.0]


def test_quarter_turn_swaps_the_axes(tile):
    tags, image = _moved(tile, Rotate90(k=1))
    source = decode_image(tile)
    assert np.array_equal(image, np.rot90(source))  # counter-clockwise, as displayed
    t = np.asarray(tags[34264]).reshape(4, 4)
    # output raster (i, j) is source raster (W - j, i)
    assert t[:2, :2].tolist() == [[0.0, -PIXEL_M], [-PIXEL_M, 0.0]]
    assert t[:2, 3].tolist() == [500000.0 + SIZE * PIXEL_M, 4000000.0]
    # the output's top-left pixel is the source's top-right one: same map position
    assert _model(tags, 0.5, 0.5).tolist() == [500000.0 + (SIZE - 0.5) * PIXEL_M, 4000000.0 - 5.0]


def test_transpose_swaps_the_axes_keeping_the_origin(tile):
    tags, _ = _moved(tile, Transpose(p=1.0))
    t = np.asarray(tags[34264]).reshape(4, 4)
    assert t[:2, :2].tolist() == [[0.0, PIXEL_M], [-PIXEL_M, 0.0]]
    assert t[:2, 3].tolist() == [500000.0, 4000000.0]


def test_pad_moves_the_origin_outwards(tile):
    tags, image = _moved(tile, Pad(padding=(3, 5, 1, 2)))
    assert image.shape[:2] == (SIZE + 7, SIZE + 4)
    assert tags[33550] == (PIXEL_M, PIXEL_M, 0.0)
    assert tags[33922] == (0.0, 0.0, 0.0, 500000.0 - 3 * PIXEL_M, 4000000.0 + 5 * PIXEL_M, 0.0)


@pytest.mark.parametrize("transform", [Perspective(p=1.0), ElasticTransform(p=1.0)])
def test_perspective_and_elastic_drop_the_georeference_but_keep_the_crs(tile, transform):
    tags, _ = _moved(tile, transform)
    assert not {33550, 33922, 34264} & set(tags)
    assert 34735 in tags


def test_identity_and_cancelling_flips_keep_the_tags_byte_identical(tile):
    image = decode_image(tile)
    as_today = _tags(encode_image(image, ".tif", source=tile))
    for pipe in (
        Compose([HorizontalFlip(p=0.0)]),
        Compose([HorizontalFlip(p=1.0), HorizontalFlip(p=1.0)]),
    ):
        out = pipe(image=image, seed=0)
        keep, moved = _georeference_move(pipe, out, image, georeferenced=True)
        assert keep and moved is None
        data = encode_image(out.image, ".tif", source=tile, keep_georeference=keep)
        assert _tags(data) == as_today == _tags(tile)


def _with_tags(tile: bytes, replace: dict[int, tuple], keys: tuple | None = None) -> bytes:
    """The tile with its georeference tags replaced (``code: (dtype, values)``), and its
    GeoKeyDirectory replaced by ``keys`` when given."""
    if keys is None:
        with tifffile.TiffFile(io.BytesIO(tile)) as tif:
            keys = tif.pages[0].tags[34735].value
    extratags = [(c, d, len(v), v, True) for c, (d, v) in replace.items()]
    extratags.append((34735, 3, len(keys), keys, True))
    buf = io.BytesIO()
    tifffile.imwrite(
        buf,
        decode_image(tile),
        photometric="minisblack",
        planarconfig="contig",
        extratags=extratags,
    )
    return buf.getvalue()


def test_ground_control_points_are_dropped(tile):
    gcps = (0.0, 0.0, 0.0, 500000.0, 4000000.0, 0.0, 31.0, 31.0, 0.0, 500310.0, 3999690.0, 0.0)
    src = _with_tags(tile, {33922: (12, gcps)})
    assert read_georeference(src) is None
    image = decode_image(src)
    out = Compose([Crop(x_min=2, y_min=3, x_max=12, y_max=13)])(image=image)
    moved = raster_map(Compose([Crop(x_min=2, y_min=3, x_max=12, y_max=13)]), out.applied, image)
    data = encode_image(out.image, ".tif", source=src, keep_georeference=False, raster_map=moved)
    assert not {33550, 33922, 34264} & set(_tags(data))


def test_transformation_with_a_projective_last_row_is_not_understood(tile):
    m = (10.0, 0.0, 0.0, 500000.0, 0.0, -10.0, 0.0, 4000000.0, 0.0, 0.0, 0.0, 0.0)
    src = _with_tags(tile, {34264: (12, (*m, 0.001, 0.0, 0.0, 1.0))})
    assert read_georeference(src) is None
    ok = _with_tags(tile, {34264: (12, (*m, 0.0, 0.0, 0.0, 1.0))})
    assert read_georeference(ok) is not None


def test_transformation_source_cropped_comes_back_as_pixel_scale_and_tie_point(tile):
    m = (10.0, 0.0, 0.0, 500000.0, 0.0, -10.0, 0.0, 4000000.0, 0.0, 0.0, 0.0, 0.0)
    src = _with_tags(tile, {34264: (12, (*m, 0.0, 0.0, 0.0, 1.0))})
    tags, _ = _moved(src, Crop(x_min=2, y_min=3, x_max=12, y_max=13))
    assert tags[33550] == (PIXEL_M, PIXEL_M, 0.0)
    assert tags[33922] == (0.0, 0.0, 0.0, 500020.0, 3999970.0, 0.0)


def test_pixel_is_point_source_keeps_its_pixel_centre_convention(tile):
    # GTRasterTypeGeoKey (1025) = 2: tie point (0, 0) is the centre of the top-left pixel
    keys = (1, 1, 0, 2, 1025, 0, 1, 2, 3072, 0, 1, 32633)
    tie = (0.0, 0.0, 0.0, 500005.0, 3999995.0, 0.0)
    src = _with_tags(tile, {33550: (12, (PIXEL_M, PIXEL_M, 0.0)), 33922: (12, tie)}, keys)
    assert read_georeference(src).raster_type == 2
    tags, _ = _moved(src, HorizontalFlip(p=1.0))
    t = np.asarray(tags[34264]).reshape(4, 4)
    # the new top-left pixel centre is the old top-right one
    assert t[:2, 3].tolist() == [500005.0 + (SIZE - 1) * PIXEL_M, 3999995.0]
    assert t[0, 0] == -PIXEL_M


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    "make",
    [
        lambda: Rotate(limit=40, p=1.0),
        lambda: Affine(scale=(0.7, 1.3), rotate=(-30, 30), shear=(-10, 10), p=1.0),
        lambda: RandomResizedCrop(size=(24, 40), p=1.0),
    ],
    ids=["Rotate", "Affine", "RandomResizedCrop"],
)
def test_probe_map_agrees_with_the_transforms_matrix_at_every_output_pixel_corner(tile, make, seed):
    transform = make()
    tags, image = _moved(tile, transform, seed=seed)
    pipe = Compose([transform])
    out = pipe(image=decode_image(tile), seed=seed)
    step = out.applied[0]
    m, hw = transform.matrix(dict(step.params), (SIZE, SIZE))  # pixel centres, in -> out
    assert hw == image.shape[:2] and not np.allclose(m, np.eye(3))
    inverse = np.linalg.inv(m)
    jj, ii = np.mgrid[0 : hw[0] + 1, 0 : hw[1] + 1].astype(np.float64)
    corners = np.stack([ii.ravel(), jj.ravel()], axis=1)  # raster = pixel-centre + 0.5
    centres = np.c_[corners - 0.5, np.ones(len(corners))] @ inverse.T
    source_raster = centres[:, :2] / centres[:, 2:] + 0.5
    expected = np.stack(
        [500000.0 + source_raster[:, 0] * PIXEL_M, 4000000.0 - source_raster[:, 1] * PIXEL_M], 1
    )
    got = np.array([_model(tags, i, j) for i, j in corners])
    assert np.max(np.abs(got - expected)) < 1e-6  # metres
