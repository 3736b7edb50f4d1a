"""Geometric kernels: 3x3 matrices and the functions that apply them to each target.

Every matrix maps *input* pixel-centre coordinates ``(x, y, 1)`` to output coordinates, as
OpenCV's ``warpAffine``/``warpPerspective`` do (keypoint ``(c, r)`` is the centre of pixel row
``r``, column ``c``). Boxes describe pixel edges, so :func:`warp_boxes` shifts by half a pixel
before and after applying the same matrix; this makes flips, 90-degree rotations, crops, pads
and integer-factor resizes exact for boxes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import cv2
import numpy as np

__all__ = [
    "INTERPOLATIONS",
    "BORDER_MODES",
    "affine_matrix",
    "box_polygons",
    "all_channels",
    "channel_chunks",
    "copy_bands",
    "float_many_bands",
    "keep_range",
    "clip_polygons",
    "clip_to_frame",
    "crop_image",
    "crop_matrix",
    "frame_relation",
    "in_front",
    "in_convex",
    "map_frame",
    "outside_polygon_mask",
    "hflip_image",
    "hflip_matrix",
    "pad_image",
    "pad_matrix",
    "polygon_areas",
    "polygon_bounds",
    "resize_image",
    "resize_matrix",
    "resized_crop_image",
    "resized_crop_plan",
    "rotate_matrix",
    "rot90_image",
    "rot90_matrix",
    "transpose_image",
    "transpose_matrix",
    "vflip_image",
    "vflip_matrix",
    "warp_boxes",
    "warp_image",
    "warp_keypoints",
    "warp_mask",
    "warp_polygons",
]

INTERPOLATIONS = {
    "nearest": cv2.INTER_NEAREST,
    "linear": cv2.INTER_LINEAR,
    "cubic": cv2.INTER_CUBIC,
    "area": cv2.INTER_AREA,
    "lanczos": cv2.INTER_LANCZOS4,
}
BORDER_MODES = {
    "constant": cv2.BORDER_CONSTANT,
    "reflect": cv2.BORDER_REFLECT_101,
    "reflect_edge": cv2.BORDER_REFLECT,
    "replicate": cv2.BORDER_REPLICATE,
    "wrap": cv2.BORDER_WRAP,
}
_MAX_CV_CHANNELS = 4

#: an OpenCV call on one image (at most 4 channels), as the per-channel helpers take it
ImageFn = Callable[[np.ndarray], np.ndarray]
#: the same with the border value of the channels it receives (OpenCV's 4-value Scalar)
ChunkFn = Callable[[np.ndarray, tuple[float, ...]], np.ndarray]


# --------------------------------------------------------------------------- matrices
def hflip_matrix(width: int) -> np.ndarray:
    """Mirror left-right: ``x' = W - 1 - x``."""
    return np.array([[-1.0, 0.0, width - 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])


def vflip_matrix(height: int) -> np.ndarray:
    """Mirror top-bottom: ``y' = H - 1 - y``."""
    return np.array([[1.0, 0.0, 0.0], [0.0, -1.0, height - 1.0], [0.0, 0.0, 1.0]])


def transpose_matrix() -> np.ndarray:
    """Swap rows and columns: ``(x', y') = (y, x)``."""
    return np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])


def rot90_matrix(k: int, hw: tuple[int, int]) -> np.ndarray:
    """Rotate by ``k`` quarter turns counter-clockwise as displayed (``numpy.rot90``)."""
    h, w = hw
    k %= 4
    if k == 0:
        return np.eye(3)
    if k == 1:  # (x, y) -> (y, W - 1 - x)
        return np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, w - 1.0], [0.0, 0.0, 1.0]])
    if k == 2:
        return np.array([[-1.0, 0.0, w - 1.0], [0.0, -1.0, h - 1.0], [0.0, 0.0, 1.0]])
    return np.array([[0.0, -1.0, h - 1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])


def crop_matrix(x_min: int, y_min: int) -> np.ndarray:
    """Crop whose top-left corner is at pixel ``(x_min, y_min)`` (edges)."""
    return np.array([[1.0, 0.0, -float(x_min)], [0.0, 1.0, -float(y_min)], [0.0, 0.0, 1.0]])


def pad_matrix(left: int, top: int) -> np.ndarray:
    """Padding by ``left`` columns and ``top`` rows."""
    return crop_matrix(-left, -top)


def resize_matrix(in_hw: tuple[int, int], out_hw: tuple[int, int]) -> np.ndarray:
    """Resize with pixel-area alignment (edges map to edges), as ``cv2.resize`` does."""
    sy, sx = out_hw[0] / in_hw[0], out_hw[1] / in_hw[1]
    return np.array([[sx, 0.0, 0.5 * sx - 0.5], [0.0, sy, 0.5 * sy - 0.5], [0.0, 0.0, 1.0]])


def rotate_matrix(angle_deg: float, center: tuple[float, float], scale: float = 1.0) -> np.ndarray:
    """Rotation by ``angle_deg`` counter-clockwise as displayed, about ``center`` (x, y)."""
    m = cv2.getRotationMatrix2D(
        (float(center[0]), float(center[1])), float(angle_deg), float(scale)
    )
    return np.vstack([m, [0.0, 0.0, 1.0]])


def affine_matrix(
    hw: tuple[int, int],
    angle_deg: float = 0.0,
    scale: tuple[float, float] = (1.0, 1.0),
    translate_px: tuple[float, float] = (0.0, 0.0),
    shear_deg: tuple[float, float] = (0.0, 0.0),
) -> np.ndarray:
    """Affine map about the image centre: shear, then scale, rotate, then translate.

    ``scale`` is (x, y); ``shear_deg`` is (x, y) in degrees; ``translate_px`` in pixels (x, y).
    """
    h, w = hw
    cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
    to_origin = np.array([[1.0, 0, -cx], [0, 1.0, -cy], [0, 0, 1.0]])
    back = np.array([[1.0, 0, cx + translate_px[0]], [0, 1.0, cy + translate_px[1]], [0, 0, 1.0]])
    shx, shy = (math.tan(math.radians(s)) for s in shear_deg)
    shear = np.array([[1.0, shx, 0], [shy, 1.0, 0], [0, 0, 1.0]])
    sc = np.diag([scale[0], scale[1], 1.0])
    a = math.radians(angle_deg)
    # y points down, so counter-clockwise as displayed is a negative angle in image axes
    rot = np.array([[math.cos(a), math.sin(a), 0], [-math.sin(a), math.cos(a), 0], [0, 0, 1.0]])
    result: np.ndarray = back @ rot @ sc @ shear @ to_origin
    return result


# --------------------------------------------------------------------------- images
def _per_channel_chunks(image: np.ndarray, fn: ImageFn) -> np.ndarray:
    """Apply an OpenCV function that handles <= 4 channels to any number of channels."""
    return channel_chunks(image, lambda im, _value: fn(im))


def _band_items(image: np.ndarray, start: int, k: int) -> np.ndarray:
    """Bands ``start .. start + k`` of an ``H x W x C`` image whose bands are contiguous as an
    ``H x W`` array of opaque ``k``-value items (a strided view: reading or assigning it
    moves whole items)."""
    c = image.shape[2]
    size = image.dtype.itemsize
    item = np.dtype(
        {
            "names": ["v"],
            "formats": [f"V{k * size}"],
            "offsets": [start * size],
            "itemsize": c * size,
        }
    )
    items: np.ndarray = image.view(item)[:, :, 0]["v"]
    return items


def copy_bands(dst: np.ndarray, dst_start: int, src: np.ndarray, src_start: int, k: int) -> None:
    """``dst[:, :, dst_start : dst_start + k] = src[:, :, src_start : src_start + k]`` for
    ``H x W x C`` arrays of one dtype whose bands are contiguous, moving whole pixel items.

    Fast (about a plain copy of those bytes) when an item is 1, 2, 4, 8 or 16 bytes and
    ``src`` or ``dst`` holds only those bands: far faster than copying 4 of 13 interleaved
    values with strides, or ``cv2.mixChannels``. Other item sizes (3 float32 bands) and
    copies between two strided arrays move item by item, several times slower.
    """
    np.copyto(_band_items(dst, dst_start, k), _band_items(src, src_start, k))


def _chunk_starts(c: int) -> list[tuple[int, int]]:
    """``(start, k)`` of the 4-band chunks of ``c > 4`` bands; a rest of 3 bands becomes the
    last 4 (one band done twice, to the same values: channels are resampled independently),
    as a 3-band item is slow to move (:func:`copy_bands`)."""
    chunks = [(s, min(_MAX_CV_CHANNELS, c - s)) for s in range(0, c, _MAX_CV_CHANNELS)]
    if chunks[-1][1] == 3:
        chunks[-1] = (c - _MAX_CV_CHANNELS, _MAX_CV_CHANNELS)
    return chunks


def channel_chunks(image: np.ndarray, fn: ChunkFn, fill: float | Sequence[float] = 0) -> np.ndarray:
    """Apply an OpenCV call that takes at most 4 channels to an image with any number.

    OpenCV's warps and resizes of integer images vectorise up to 4 channels and fall back
    to a slow generic loop above 4, so the image is cut into 4-channel chunks (and a rest),
    each resampled by one call and written straight into the output; chunks are cut and
    written back by :func:`copy_bands`, and one buffer holds every chunk in turn.
    ``fn(chunk, value)`` gets the border value of the chunk's own channels, so a per-channel
    ``fill`` reaches channels past the fourth (OpenCV's Scalar holds 4 values). Any maps or
    matrices ``fn`` closes over are computed once, by the caller, for all chunks.
    """
    c = 1 if image.ndim == 2 else image.shape[2]
    if c <= _MAX_CV_CHANNELS:
        out: np.ndarray = fn(image, _fill_value(fill, image))
        if image.ndim == 3 and out.ndim == 2:
            out = out[:, :, None]
        return out
    # a crop's view is cut as it is (its bands stay contiguous), without a copy first
    src = image if image.strides[2] == image.itemsize else np.ascontiguousarray(image)
    h, w = src.shape[:2]
    buffer = np.empty(h * w * _MAX_CV_CHANNELS, src.dtype)
    result: np.ndarray | None = None
    for start, k in _chunk_starts(c):
        chunk = buffer[: h * w * k].reshape(h, w, k)
        copy_bands(chunk, 0, src, start, k)
        done = np.ascontiguousarray(
            fn(chunk if k > 1 else chunk[:, :, 0], _fill_value(fill, image, start))
        )
        oh, ow = int(done.shape[0]), int(done.shape[1])
        if result is None:
            result = np.empty((oh, ow, c), done.dtype)
        copy_bands(result, start, done.reshape(oh, ow, k), 0, k)
    assert result is not None  # c > 4: the loop ran
    return result


def all_channels(image: np.ndarray, fn: ImageFn) -> np.ndarray:
    """``fn(image)`` with the channel axis kept: for OpenCV calls that take any number of
    channels in one call at full speed (resize, filters, median, flips), unlike its warps."""
    out: np.ndarray = fn(image)
    if image.ndim == 3 and out.ndim == 2:
        out = out[:, :, None]
    return out


def rgba_faster(image: np.ndarray, flags: int) -> bool:
    """True when a bilinear OpenCV warp of ``image`` is faster through 4 channels.

    OpenCV's bilinear ``warpAffine``, ``warpPerspective`` and float-map ``remap`` vectorise
    4-channel uint8 pixels but not 3-channel ones: RGB -> RGBA, warp, RGBA -> RGB measured
    1.8-2.1x faster than the 3-channel call at 256x256 to 512x512 (OpenCV 5.0, one thread),
    with the same bytes (channels are resampled independently). Nearest and cubic
    interpolation, blurs and resizes are not faster that way.
    """
    return (
        flags == cv2.INTER_LINEAR
        and image.ndim == 3
        and image.shape[2] == 3
        and image.dtype == np.uint8
    )


def via_rgba(image: np.ndarray, fn: ImageFn) -> np.ndarray:
    """``fn`` applied to ``image`` with a fourth channel added, which is then dropped."""
    result: np.ndarray = cv2.cvtColor(
        fn(cv2.cvtColor(image, cv2.COLOR_RGB2RGBA)), cv2.COLOR_RGBA2RGB
    )
    return result


#: kernels with negative lobes: the only ones whose result leaves the input's range (linear
#: and area weights are convex: at most a rounding of one ulp beyond it)
_OVERSHOOTING = frozenset((cv2.INTER_CUBIC, cv2.INTER_LANCZOS4))


def keep_range(
    out: np.ndarray, image: np.ndarray, flags: int, fill: float | Sequence[float] = ()
) -> np.ndarray:
    """Clip a float32 resampling result to the range of each band of its input ``image`` and
    the border ``fill`` values (in place).

    Cubic and Lanczos kernels have negative lobes: next to a sharp edge the result
    overshoots the input's range. A float image keeps its *own* range (depth in metres is
    not clipped to [0, 1]), and no resampling widens it. Only those two kernels are clipped:
    linear and area weights are convex (nothing to clip, and the per-band range would cost
    more than their warp); integer images saturate in OpenCV; nearest copies values.
    """
    if out.dtype == np.float32 and flags in _OVERSHOOTING and image.size:
        c = 1 if image.ndim == 2 else image.shape[2]
        flat = image.reshape(-1, c)
        lo, hi = flat.min(axis=0), flat.max(axis=0)
        values = [float(v) for v in fill] if isinstance(fill, Sequence) else [float(fill)]
        if values:  # a scalar fills every band; a sequence one value per band (0 beyond)
            per_band = np.array((values * c)[:c] if len(values) == 1 else (values + [0.0] * c)[:c])
            lo, hi = np.minimum(lo, per_band), np.maximum(hi, per_band)
        if image.ndim == 2:
            np.clip(out, float(lo[0]), float(hi[0]), out=out)
        else:
            np.clip(out, lo.astype(np.float32), hi.astype(np.float32), out=out)
    return out


def float_many_bands(
    image: np.ndarray, fill: float | Sequence[float], flags: int
) -> tuple[float, ...] | None:
    """The border value for one OpenCV warp of every band, or ``None`` to chunk by 4.

    For float32 images with more than 4 bands OpenCV's own many-channel warp (fixed-point
    coordinates, 1/32 px, as OpenCV 4 warps all images) is 2-3x faster than four-band chunks;
    for integer images it is several times slower. It takes one border value for every band,
    and no cubic or Lanczos kernel above 4 channels.
    """
    if image.ndim != 3 or image.shape[2] <= _MAX_CV_CHANNELS or image.dtype != np.float32:
        return None
    if flags in _OVERSHOOTING:
        return None
    values = {float(v) for v in fill} if isinstance(fill, Sequence) else {float(fill)}
    if len(values) != 1 or (isinstance(fill, Sequence) and len(fill) < image.shape[2]):
        return None
    return (values.pop(),) * 4


def _fill_value(
    fill: float | Sequence[float], image: np.ndarray, start: int = 0
) -> tuple[float, ...]:
    """OpenCV's 4-value border Scalar for channels ``start .. start + 4`` of ``image``: a
    number fills every channel, a sequence one value per channel (missing ones 0)."""
    if isinstance(fill, Sequence):
        vals = tuple(float(v) for v in fill[start : start + _MAX_CV_CHANNELS])
    else:
        vals = (float(fill),) * _MAX_CV_CHANNELS
    return (vals + (0.0,) * 4)[:4]


def is_affine(matrix: np.ndarray) -> bool:
    """True when the last row of ``matrix`` is ``[0, 0, 1]``."""
    a, b, c = matrix[2].tolist()
    result: bool = abs(a) <= 1e-12 and abs(b) <= 1e-12 and abs(c - 1.0) <= 1e-12
    return result


def warp_image(
    image: np.ndarray,
    matrix: np.ndarray,
    out_hw: tuple[int, int],
    interpolation: str = "linear",
    border_mode: str = "constant",
    fill: float | tuple[float, ...] = 0,
) -> np.ndarray:
    """Resample ``image`` through ``matrix`` into an ``out_hw`` canvas (one resampling).

    Any pixel type OpenCV warps and any number of channels (4 per call, see
    :func:`channel_chunks`); float values are not clipped (a cubic kernel may overshoot the
    input's range next to an edge, as in every library).
    """
    flags = INTERPOLATIONS[interpolation]
    border = BORDER_MODES[border_mode]
    size = (int(out_hw[1]), int(out_hw[0]))
    if is_affine(matrix):
        m = np.ascontiguousarray(matrix[:2], dtype=np.float64)

        def fn(im: np.ndarray, value: tuple[float, ...]) -> np.ndarray:
            return cv2.warpAffine(im, m, size, flags=flags, borderMode=border, borderValue=value)
    else:

        def fn(im: np.ndarray, value: tuple[float, ...]) -> np.ndarray:
            return cv2.warpPerspective(
                im, matrix, size, flags=flags, borderMode=border, borderValue=value
            )

    if rgba_faster(image, flags):
        return via_rgba(image, lambda im: fn(im, _fill_value(fill, im)))
    shown = fill if border_mode == "constant" else ()  # the fill is only seen on a constant border
    whole = float_many_bands(image, fill, flags)
    out = fn(image, whole) if whole is not None else channel_chunks(image, fn, fill)
    return keep_range(out, image, flags, shown)


def warp_mask(
    mask: np.ndarray,
    matrix: np.ndarray,
    out_hw: tuple[int, int],
    border_mode: str = "constant",
    fill: float = 0,
) -> np.ndarray:
    """Warp a mask with nearest-neighbour sampling: no new values appear."""
    dtype = mask.dtype
    work = mask.astype(np.int32) if dtype in (np.int64, np.uint32, np.bool_) else mask
    out = warp_image(work, matrix, out_hw, "nearest", border_mode, fill)
    return out.astype(dtype, copy=False)


# dtypes OpenCV's pixel-copying functions (flip, transpose, rotate) take; others use numpy
_CV_COPY_DTYPES = frozenset(
    np.dtype(t) for t in (np.uint8, np.int8, np.uint16, np.int16, np.int32, np.float32, np.float64)
)


def _cv_copyable(image: np.ndarray) -> bool:
    return image.dtype in _CV_COPY_DTYPES and (
        image.ndim == 2 or image.shape[2] <= _MAX_CV_CHANNELS
    )


def _pixel_items(image: np.ndarray) -> np.ndarray:
    """An ``H x W x C`` image as an ``H x W`` array of opaque C-value items (a view).

    Moving whole pixels instead of values makes numpy's flips, transposes and quarter turns
    of many-band images one strided copy of C * itemsize bytes per pixel (4-7x faster than
    moving 13 separate values), and OpenCV's copies take only 4 channels.
    """
    src = np.ascontiguousarray(image)
    item = np.dtype((np.void, src.dtype.itemsize * src.shape[2]))
    return src.view(item).reshape(src.shape[:2])


def _from_items(items: np.ndarray, like: np.ndarray) -> np.ndarray:
    """The ``H' x W' x C`` image of a (possibly strided) array of pixel items."""
    out: np.ndarray = np.ascontiguousarray(items).view(like.dtype)
    return out.reshape(items.shape + like.shape[2:])


def hflip_image(image: np.ndarray) -> np.ndarray:
    """Mirror left-right (exact)."""
    if _cv_copyable(image):  # one pass, vectorised; numpy's reversed-stride copy is far slower
        out = cv2.flip(image, 1)
        return out if out.ndim == image.ndim else out.reshape(image.shape)
    if image.ndim == 3:
        return _from_items(_pixel_items(image)[:, ::-1], image)
    return np.ascontiguousarray(image[:, ::-1])


def vflip_image(image: np.ndarray) -> np.ndarray:
    """Mirror top-bottom (exact)."""
    if _cv_copyable(image):
        out = cv2.flip(image, 0)
        return out if out.ndim == image.ndim else out.reshape(image.shape)
    return np.ascontiguousarray(image[::-1])  # whole rows: one contiguous block each


def transpose_image(image: np.ndarray) -> np.ndarray:
    """Swap rows and columns (exact)."""
    if _cv_copyable(image):
        out = cv2.transpose(image)
        return out.reshape((image.shape[1], image.shape[0]) + image.shape[2:])
    if image.ndim == 3:
        return _from_items(_pixel_items(image).T, image)
    return np.ascontiguousarray(image.transpose(1, 0))


_CV_ROTATE = {1: cv2.ROTATE_90_COUNTERCLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_CLOCKWISE}


def rot90_image(image: np.ndarray, k: int) -> np.ndarray:
    """Rotate by ``k`` quarter turns counter-clockwise as displayed (exact)."""
    k %= 4
    if k and _cv_copyable(image):
        out = cv2.rotate(image, _CV_ROTATE[k])
        hw = (image.shape[1], image.shape[0]) if k % 2 else image.shape[:2]
        return out.reshape(hw + image.shape[2:])
    if image.ndim == 3:
        return _from_items(np.rot90(_pixel_items(image), k), image)
    return np.ascontiguousarray(np.rot90(image, k))


def crop_image(image: np.ndarray, x_min: int, y_min: int, x_max: int, y_max: int) -> np.ndarray:
    """Crop ``[x_min, x_max) x [y_min, y_max)``; the region must lie inside the image."""
    return np.ascontiguousarray(image[y_min:y_max, x_min:x_max])


def pad_image(
    image: np.ndarray,
    top: int,
    bottom: int,
    left: int,
    right: int,
    border_mode: str = "constant",
    fill: float | tuple[float, ...] = 0,
) -> np.ndarray:
    """Pad with ``cv2.copyMakeBorder``."""
    border = BORDER_MODES[border_mode]

    def fn(im: np.ndarray, value: tuple[float, ...]) -> np.ndarray:
        return cv2.copyMakeBorder(im, top, bottom, left, right, border, value=value)

    if image.ndim == 2 or image.shape[2] <= _MAX_CV_CHANNELS:
        return channel_chunks(image, fn, fill)
    values = [float(v) for v in fill] if isinstance(fill, Sequence) else [float(fill)]
    if border_mode != "constant" or len(set(values)) == 1:
        # one call for every band: no fill, or one value OpenCV writes into every band
        return all_channels(image, lambda im: fn(im, (values[0],) * 4))
    # one value per band: the frame is written by numpy, band by band in one assignment
    h, w, c = image.shape
    out = np.empty((h + top + bottom, w + left + right, c), image.dtype)
    out[...] = np.asarray((values + [0.0] * c)[:c], image.dtype)
    out[top : top + h, left : left + w] = image
    return out


def _resize(image: np.ndarray, size: tuple[int, int], flags: int) -> np.ndarray:
    """``cv2.resize`` to ``size`` (width, height) for any number of channels.

    One call, except in 4-channel chunks (:func:`channel_chunks`) for area interpolation
    (OpenCV's area shrink takes at most 4) and for the bilinear resize of integer images:
    above 4 channels OpenCV's generic bilinear loop is slower than the chunks, cutting
    included, and for ``uint16`` it does not always round to the nearest level, while the
    chunks give the bytes of a resize of each band alone. Float bilinear, nearest and
    Lanczos resizes are faster in one call; cubic ones are faster in chunks, but OpenCV's
    4-channel cubic rounds differently from its many-channel one (worse for uint16 and
    float32), so they stay one call and keep their bytes.
    """

    def fn(im: np.ndarray) -> np.ndarray:
        return cv2.resize(im, size, interpolation=flags)

    if flags == cv2.INTER_AREA or (flags == cv2.INTER_LINEAR and image.dtype.kind in "ui"):
        return _per_channel_chunks(image, fn)
    return all_channels(image, fn)


def _resize_flags(interpolation: str) -> int:
    """OpenCV flags of a resize: nearest is pixel-centre exact.

    ``cv2.INTER_NEAREST`` in ``cv2.resize`` reads source pixel ``floor(x' * in / out)``, half
    a pixel off the centre convention of :func:`resize_matrix` (which ``warpAffine``'s
    nearest and the linear resize follow): a mask resized that way drifts against its image
    under non-integer factors. ``INTER_NEAREST_EXACT`` reads ``floor((x' + 0.5) * in / out)``,
    the pixel under the mapped centre.
    """
    return cv2.INTER_NEAREST_EXACT if interpolation == "nearest" else INTERPOLATIONS[interpolation]


def resize_image(
    image: np.ndarray, out_hw: tuple[int, int], interpolation: str = "linear"
) -> np.ndarray:
    """Resize to ``out_hw`` (height, width); nearest samples the pixel under each mapped
    centre (the convention of :func:`resize_matrix`)."""
    if image.shape[:2] == tuple(out_hw):
        result: np.ndarray = image.copy()
        return result
    flags = _resize_flags(interpolation)
    size = (int(out_hw[1]), int(out_hw[0]))
    return keep_range(_resize(image, size, flags), image, flags)


def resized_crop_image(
    image: np.ndarray,
    x_min: int,
    y_min: int,
    x_max: int,
    y_max: int,
    flip_code: int | None,
    out_hw: tuple[int, int],
    interpolation: str = "linear",
) -> np.ndarray:
    """Resize the crop ``[x_min, x_max) x [y_min, y_max)`` to ``out_hw``, then flip.

    The crop is a view (never copied); ``flip_code`` is OpenCV's (1 left-right, 0 top-bottom,
    -1 both) or None.
    """
    view = image[y_min:y_max, x_min:x_max]
    if view.shape[:2] == tuple(out_hw):
        out = np.ascontiguousarray(view)
    else:
        flags = _resize_flags(interpolation)
        size = (int(out_hw[1]), int(out_hw[0]))
        out = keep_range(_resize(view, size, flags), view, flags)
    if flip_code is not None:
        out = (
            hflip_image(out)
            if flip_code == 1
            else vflip_image(out)
            if flip_code == 0
            else (hflip_image(vflip_image(out)))
        )
    return out


def _axis_plan(a: float, c: float, n_in: int, n_out: int) -> tuple[int, int, bool] | None:
    flip = a < 0
    if flip:  # x' = n_out - 1 - (|a| x + c')
        a, c = -a, n_out - 1.0 - c
    if a <= 0:
        return None
    lo, size = (0.5 * a - 0.5 - c) / a, n_out / a
    rl, rs = round(lo), round(size)
    if abs(lo - rl) > 1e-6 or abs(size - rs) > 1e-6 or rl < 0 or rs < 1 or rl + rs > n_in:
        return None
    return rl, rl + rs, flip


def resized_crop_plan(
    matrix: np.ndarray, in_hw: tuple[int, int], out_hw: tuple[int, int]
) -> tuple[int, int, int, int, int | None] | None:
    """``(x_min, y_min, x_max, y_max, flip_code)`` when ``matrix`` is a crop of whole pixels
    resized edge-to-edge onto ``out_hw`` and possibly flipped (what a run of crops, resizes and
    flips composes to), else None. :func:`resized_crop_image` then does it without a warp.
    """
    m = matrix
    if abs(m[0, 1]) > 1e-12 or abs(m[1, 0]) > 1e-12 or not is_affine(m):
        return None
    px = _axis_plan(float(m[0, 0]), float(m[0, 2]), in_hw[1], out_hw[1])
    py = _axis_plan(float(m[1, 1]), float(m[1, 2]), in_hw[0], out_hw[0])
    if px is None or py is None:
        return None
    flip = {(True, False): 1, (False, True): 0, (True, True): -1}.get((px[2], py[2]))
    return px[0], py[0], px[1], py[1], flip


# --------------------------------------------------------------------------- points
def _apply_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    homo = np.c_[points, np.ones(len(points))] @ matrix.T
    w = homo[:, 2:3]
    w = np.where(np.abs(w) < 1e-12, 1e-12, w)
    result: np.ndarray = homo[:, :2] / w
    return result


_HALF = np.array([[1.0, 0, 0.5], [0, 1.0, 0.5], [0, 0, 1.0]])
_MINUS_HALF = np.array([[1.0, 0, -0.5], [0, 1.0, -0.5], [0, 0, 1.0]])


def warp_boxes(boxes: np.ndarray, matrix: np.ndarray, method: str = "corners") -> np.ndarray:
    """Transform ``xyxy`` pixel boxes; returns the tight box of the transformed outline.

    ``method="corners"`` transforms the four corners (exact for flips, quarter turns, crops,
    pads and resizes); ``"ellipse"`` transforms the inscribed ellipse, a tighter estimate of
    the object's extent under rotation. The result is not clipped.
    """
    if len(boxes) == 0:
        return np.zeros((0, 4))
    m = _HALF @ matrix @ _MINUS_HALF
    b = np.asarray(boxes, dtype=np.float64)
    if method == "corners":
        pts = np.stack(
            [b[:, [0, 1]], b[:, [2, 1]], b[:, [2, 3]], b[:, [0, 3]]], axis=1
        )  # N x 4 x 2
    elif method == "ellipse":
        t = np.linspace(0, 2 * np.pi, 32, endpoint=False)
        cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
        rx, ry = (b[:, 2] - b[:, 0]) / 2, (b[:, 3] - b[:, 1]) / 2
        pts = np.stack(
            [cx[:, None] + rx[:, None] * np.cos(t), cy[:, None] + ry[:, None] * np.sin(t)], axis=2
        )
    else:
        raise ValueError(f"box method: expected 'corners' or 'ellipse', got {method!r}")
    n, k = pts.shape[:2]
    out = _apply_points(pts.reshape(-1, 2), m).reshape(n, k, 2)
    return np.concatenate([out.min(axis=1), out.max(axis=1)], axis=1)


def warp_keypoints(keypoints: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Transform ``N x 2`` or ``N x 4`` keypoints (x, y, angle_deg, scale).

    Angles are counter-clockwise as displayed; the angle follows the direction the matrix's
    local Jacobian at the keypoint gives its unit vector, and the scale the square root of
    the local area change (exact for homographies too, where both vary over the image).
    """
    kp = np.asarray(keypoints, dtype=np.float64)
    if len(kp) == 0:
        return kp.reshape(0, kp.shape[1] if kp.ndim == 2 else 2)
    out: np.ndarray = kp.copy()
    out[:, :2] = _apply_points(kp[:, :2], matrix)
    if kp.shape[1] >= 3:
        # Jacobian of (x, y) -> ((a x + b y + c) / w, (d x + e y + f) / w) at each keypoint
        (a, b, _), (d, e, _), (g, h, _) = matrix.tolist()
        w = kp[:, 0] * g + kp[:, 1] * h + matrix[2, 2]
        w = np.where(np.abs(w) < 1e-12, 1e-12, w)
        x, y = out[:, 0], out[:, 1]
        j11, j12 = (a - x * g) / w, (b - x * h) / w
        j21, j22 = (d - y * g) / w, (e - y * h) / w
        ang = np.radians(kp[:, 2])
        ux, uy = np.cos(ang), -np.sin(ang)
        dx, dy = j11 * ux + j12 * uy, j21 * ux + j22 * uy
        out[:, 2] = np.degrees(np.arctan2(-dy, dx)) % 360.0
        if kp.shape[1] >= 4:
            out[:, 3] = kp[:, 3] * np.sqrt(np.abs(j11 * j22 - j12 * j21))
    return out


# --------------------------------------------------------------------------- box outlines
# A box travels through a chain as a polygon in pixel-edge coordinates (``N x K x 2``; the
# whole image is ``[0, W] x [0, H]``), clipped to every frame it passes through, and becomes
# axis-aligned only at the end. Polygons of one array share ``K``: a shorter one repeats its
# last vertex (a repeated vertex adds nothing to the area or the bounds); an empty one is K
# copies of one point.
def box_polygons(boxes: np.ndarray, method: str = "corners") -> np.ndarray:
    """The outline of each ``xyxy`` box: its 4 corners, or 32 points of its inscribed ellipse.

    ``"ellipse"`` models an object filling its box as an ellipse: tighter boxes after a
    rotation, and a clipped ellipse where a crop cuts the box.
    """
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if method == "corners":
        return np.stack([b[:, [0, 1]], b[:, [2, 1]], b[:, [2, 3]], b[:, [0, 3]]], axis=1)
    if method == "ellipse":
        t = np.linspace(0, 2 * np.pi, 32, endpoint=False)
        cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
        rx, ry = (b[:, 2] - b[:, 0]) / 2, (b[:, 3] - b[:, 1]) / 2
        return np.stack(
            [cx[:, None] + rx[:, None] * np.cos(t), cy[:, None] + ry[:, None] * np.sin(t)], axis=2
        )
    raise ValueError(f"box method: expected 'corners' or 'ellipse', got {method!r}")


def _front(matrix: np.ndarray, out_hw: tuple[int, int]) -> float:
    """+1 or -1: the sign of the projective weight on the side of a homography's horizon
    that has an image (``H`` and ``-H`` are the same map): the side holding the pre-image
    of the output frame's centre."""
    cx, cy = out_hw[1] / 2.0 - 0.5, out_hw[0] / 2.0 - 0.5
    z = float((np.linalg.inv(matrix) @ np.array([cx, cy, 1.0]))[2])
    return 1.0 if z >= 0 else -1.0


def warp_polygons(
    polygons: np.ndarray, matrix: np.ndarray, out_hw: tuple[int, int] | None = None
) -> np.ndarray:
    """Move ``N x K x 2`` pixel-edge polygons through a pixel-centre ``matrix``.

    Under a homography the part of a polygon behind the horizon (the side of the line
    where the projective weight vanishes that does not face the output frame ``out_hw``)
    has no image: it is cut off first, so only what appears in front is projected.
    """
    n = polygons.shape[0]
    if n == 0:
        return polygons
    m = _HALF @ matrix @ _MINUS_HALF
    if out_hw is not None and not is_affine(m):
        g, h, i = (_front(matrix, out_hw) * m[2]).tolist()
        polygons = _clip_line(polygons, g, h, i - 1e-6 * (abs(g) + abs(h) + abs(i)))
    k = polygons.shape[1]
    return _apply_points(polygons.reshape(-1, 2), m).reshape(n, k, 2)


def in_front(points: np.ndarray, matrix: np.ndarray, out_hw: tuple[int, int]) -> np.ndarray:
    """True for each ``N x 2`` pixel-centre point that a homography maps in front of its
    horizon (the output frame ``out_hw``'s side): the others have no image."""
    w = points[:, 0] * matrix[2, 0] + points[:, 1] * matrix[2, 1] + matrix[2, 2]
    result: np.ndarray = _front(matrix, out_hw) * w > 0
    return result


def _compact(cand: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Each row's kept vertices in order, without consecutive repeats, padded by its last."""
    n = len(cand)
    prev = np.roll(cand, 1, axis=1)
    same = np.all(np.abs(cand - prev) <= 1e-9, axis=2)
    # a vertex equal to the one before it adds nothing (the first slot compares to the last)
    keep = keep & ~(same & np.roll(keep, 1, axis=1))
    counts = keep.sum(axis=1)
    k = max(int(counts.max()), 1)
    order = np.argsort(~keep, axis=1, kind="stable")[:, :k]
    idx = np.minimum(np.arange(k)[None, :], np.maximum(counts - 1, 0)[:, None])
    out = np.take_along_axis(cand, np.take_along_axis(order, idx, axis=1)[..., None], axis=1)
    out[counts == 0] = 0.0
    return out.reshape(n, k, 2)


def _clip_line(polygons: np.ndarray, a: float, b: float, c: float) -> np.ndarray:
    """Sutherland-Hodgman step: keep the part of each polygon where ``a x + b y + c >= 0``,
    vectorised over polygons."""
    v = a * polygons[..., 0] + b * polygons[..., 1] + c
    inside = v >= 0
    if inside.all():
        return polygons
    nxt = np.roll(polygons, -1, axis=1)
    nxt_in = np.roll(inside, -1, axis=1)
    dv = np.roll(v, -1, axis=1) - v
    t = -v / np.where(dv == 0, 1.0, dv)
    cross = polygons + t[..., None] * (nxt - polygons)
    n, k = inside.shape
    cand = np.stack([polygons, cross], axis=2).reshape(n, 2 * k, 2)
    keep = np.stack([inside, inside != nxt_in], axis=2).reshape(n, 2 * k)
    return _compact(cand, keep)


def _clip_half(polygons: np.ndarray, axis: int, bound: float, upper: bool) -> np.ndarray:
    """Keep the part of each polygon with ``coord <= bound`` (``upper``) or ``>= bound``,
    with crossings placed exactly on the bound."""
    v = polygons[..., axis]
    if (v <= bound).all() if upper else (v >= bound).all():
        return polygons
    a, b = (1.0, 0.0) if axis == 0 else (0.0, 1.0)
    sign = -1.0 if upper else 1.0
    out = _clip_line(polygons, sign * a, sign * b, -sign * bound)
    # the crossings lie on the line up to rounding: put them on it
    on = np.abs(out[..., axis] - bound) < 1e-9
    out[..., axis] = np.where(on, bound, out[..., axis])
    return out


def clip_polygons(polygons: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """Clip ``N x K x 2`` pixel-edge polygons to the frame ``[0, W] x [0, H]``.

    Exact for convex polygons (box corners through any matrix); for others the result has
    the right area, and may keep slivers along the frame edge. Polygons entirely outside
    become empty (zero area).
    """
    if len(polygons) == 0:
        return polygons
    h, w = hw
    p = _clip_half(polygons, 0, 0.0, False)
    p = _clip_half(p, 0, float(w), True)
    p = _clip_half(p, 1, 0.0, False)
    return _clip_half(p, 1, float(h), True)


def polygon_areas(polygons: np.ndarray) -> np.ndarray:
    """Area of each ``N x K x 2`` polygon (shoelace formula, either orientation)."""
    if len(polygons) == 0:
        return np.zeros(0)
    x, y = polygons[..., 0], polygons[..., 1]
    xn, yn = np.roll(x, -1, axis=1), np.roll(y, -1, axis=1)
    result: np.ndarray = 0.5 * np.abs(np.sum(x * yn - xn * y, axis=1))
    return result


def polygon_bounds(polygons: np.ndarray) -> np.ndarray:
    """The ``xyxy`` box of each polygon (``N x 4``)."""
    if len(polygons) == 0:
        return np.zeros((0, 4))
    return np.concatenate([polygons.min(axis=1), polygons.max(axis=1)], axis=1)


def map_frame(matrix: np.ndarray, hw: tuple[int, int]) -> list[tuple[float, float]] | None:
    """The corners of the frame ``[0, W] x [0, H]`` (pixel edges) moved by a pixel-centre
    ``matrix``: a convex quadrilateral, as four (x, y) pairs; None when a homography's
    horizon crosses the frame (its image is then not a quadrilateral). Plain Python: called
    for every step of a fused run."""
    (a, b, c), (d, e, f), (g, hh, i) = matrix.tolist()
    h, w = hw
    q = []
    sign = 0.0
    for x, y in ((-0.5, -0.5), (w - 0.5, -0.5), (w - 0.5, h - 0.5), (-0.5, h - 0.5)):
        z = g * x + hh * y + i
        if abs(z) < 1e-12 or z * sign < 0:
            return None
        sign = z
        q.append(((a * x + b * y + c) / z + 0.5, (d * x + e * y + f) / z + 0.5))
    return q


def in_convex(
    quad: list[tuple[float, float]], points: list[tuple[float, float]], eps: float = 1e-6
) -> bool:
    """True when every point lies inside (or within ``eps`` of) a convex polygon."""
    n = len(quad)
    area2 = sum(quad[k][0] * quad[k - n + 1][1] - quad[k - n + 1][0] * quad[k][1] for k in range(n))
    orient = 1.0 if area2 >= 0 else -1.0
    for px, py in points:
        for k in range(n):
            (ax, ay), (bx, by) = quad[k], quad[k - n + 1]
            cross = (bx - ax) * (py - ay) - (by - ay) * (px - ax)
            if cross * orient < -eps * (abs(bx - ax) + abs(by - ay) + 1.0):
                return False
    return True


def clip_to_frame(
    polygon: list[tuple[float, float]], hw: tuple[int, int]
) -> list[tuple[float, float]]:
    """One convex polygon (a list of (x, y)) clipped to ``[0, W] x [0, H]`` (Sutherland-Hodgman
    in plain Python, for the few polygons a fused run needs)."""
    h, w = hw
    pts = polygon
    for axis, bound, upper in (
        (0, 0.0, False),
        (0, float(w), True),
        (1, 0.0, False),
        (1, float(h), True),
    ):
        out: list[tuple[float, float]] = []
        n = len(pts)
        for k in range(n):
            p, q = pts[k], pts[(k + 1) % n]
            pin = p[axis] <= bound if upper else p[axis] >= bound
            qin = q[axis] <= bound if upper else q[axis] >= bound
            if pin:
                out.append(p)
            if pin != qin:
                t = (bound - p[axis]) / (q[axis] - p[axis])
                x, y = p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])
                out.append((bound, y) if axis == 0 else (x, bound))
        pts = out
        if not pts:
            break
    return pts


def frame_relation(
    matrix: np.ndarray, in_hw: tuple[int, int], out_hw: tuple[int, int]
) -> tuple[bool, bool] | None:
    """``(covers, within)``: does the input frame, mapped by ``matrix``, cover the whole
    output frame (no border shows), and does it lie inside it (no pixel leaves)?

    Both hold for flips, quarter turns and resizes (a bijection of frames); a crop covers but
    is not within, a pad is within but does not cover, a rotation is neither. None when a
    homography's horizon crosses the input frame.
    """
    oh, ow = out_hw
    eps = 1e-6
    (a, b, c), (d, e, f), (g, hh, i) = matrix.tolist()
    if b == 0.0 and d == 0.0 and g == 0.0 and hh == 0.0 and i == 1.0:
        # axis-aligned (flips, crops, pads, resizes): the mapped frame is a rectangle
        h, w = in_hw
        xs = sorted((a * -0.5 + c + 0.5, a * (w - 0.5) + c + 0.5))
        ys = sorted((e * -0.5 + f + 0.5, e * (h - 0.5) + f + 0.5))
        covers = xs[0] <= eps and ys[0] <= eps and xs[1] >= ow - eps and ys[1] >= oh - eps
        within = xs[0] >= -eps and ys[0] >= -eps and xs[1] <= ow + eps and ys[1] <= oh + eps
        return covers, within
    q = map_frame(matrix, in_hw)
    if q is None:
        return None
    within = all(-eps <= x <= ow + eps and -eps <= y <= oh + eps for x, y in q)
    covers = in_convex(q, [(0.0, 0.0), (ow, 0.0), (ow, oh), (0.0, oh)], eps)
    return covers, within


def outside_polygon_mask(polygon: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """``H x W`` uint8 array: 1 where the pixel centre lies outside a convex pixel-edge
    polygon (``K x 2``), else 0. Axis-aligned rectangles are exact (whole rows and columns);
    other polygons are rasterised by ``cv2.fillConvexPoly`` (which also counts as inside
    pixels its edges touch: at most one pixel along an edge)."""
    h, w = hw
    pts = np.asarray(polygon, dtype=np.float64).tolist()
    x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
    y0, y1 = min(p[1] for p in pts), max(p[1] for p in pts)
    on_edges = all(
        min(abs(x - x0), abs(x - x1)) < 1e-9 and min(abs(y - y0), abs(y - y1)) < 1e-9
        for x, y in pts
    )
    out = np.ones((h, w), dtype=np.uint8)
    if on_edges:  # centre c + 0.5 inside [x0, x1): columns ceil(x0 - 0.5) .. ceil(x1 - 0.5) - 1
        c0, c1 = (min(max(math.ceil(v - 0.5), 0), w) for v in (x0, x1))
        r0, r1 = (min(max(math.ceil(v - 0.5), 0), h) for v in (y0, y1))
        out[r0:r1, c0:c1] = 0
        return out
    # pixel (r, c) has its centre at edge coordinates (c + 0.5, r + 0.5): shift by half a
    # pixel and rasterise with 8 bits of sub-pixel precision
    q = np.round((np.asarray(polygon, dtype=np.float64) - 0.5) * 256.0).astype(np.int32)
    cv2.fillConvexPoly(out, q, 0, lineType=cv2.LINE_8, shift=8)
    return out


def clipped_share(polygons: np.ndarray, hw: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """``polygons`` clipped to an ``hw`` frame, and the share of each one's area left inside
    (0 for a polygon without area)."""
    clipped = clip_polygons(polygons, hw)
    full = polygon_areas(polygons)
    kept = polygon_areas(clipped)
    return clipped, np.where(full > 0, kept / np.where(full > 0, full, 1.0), 0.0)


def outline_window(outline: np.ndarray, hw: tuple[int, int]) -> tuple[int, int, int, int] | None:
    """``(x0, y0, x1, y1)``: the pixels of an ``hw`` image within 2 px of a pixel-edge
    ``outline``'s bounds (farther pixels cannot belong to the outlined object), or None when
    that window is empty."""
    h, w = hw
    x0, y0 = (max(int(np.floor(v)) - 2, 0) for v in outline.min(axis=0))
    x1, y1 = (int(np.ceil(v)) + 2 for v in outline.max(axis=0))
    x1, y1 = min(x1, w), min(y1, h)
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1, y1
