"""Safe image reading and atomic writing.

Images are decoded from bytes (``cv2.imdecode``; ``tifffile`` for TIFF; numpy for ``.npy``)
after three checks that the decoders do not make loudly: the pixel count announced by the file header (refused above a limit *before*
decoding, so a 30000 x 30000 PNG of a few kilobytes, or a TIFF declaring 6 GB of pixels,
cannot exhaust memory), a truncated file (OpenCV pads a cut JPEG with grey and only warns,
even when an end-of-image marker was appended after the cut), and bytes that are no image at
all. Header sizes come from a small parser (PNG, JPEG, BMP, GIF, WebP), ``tifffile`` (TIFF,
every page) or PIL's lazy open (anything else PIL knows), none of which decodes pixels.

EXIF orientation is applied on read: a JPEG whose EXIF says "rotate 90 degrees" is returned
as it is displayed, and its annotations are taken to refer to that upright view (the convention
of Ultralytics, CVAT and Label Studio); outputs carry no EXIF, so they need no rotation.

Arrays follow synthaug's convention: ``H x W`` (one band) or ``H x W x C`` (RGB, RGBA, or any
number of bands), ``uint8``, ``uint16`` or ``float32`` (:data:`PIXEL_DTYPES`). Each format holds
what it can: PNG ``uint8``/``uint16`` with 1, 3 or 4 channels; JPEG, BMP and WebP ``uint8``;
TIFF and ``.npy`` every pixel dtype and band count. A TIFF's bands may be stored interleaved
(``H x W x C``), planar (one plane per band) or as one page per band; all read as ``H x W x C``.
``.npy`` files hold an ``H x W`` or ``H x W x C`` array (never pickles). When an image is
written in place of a source TIFF, the source's descriptive tags (resolution, description,
software, GDAL metadata and nodata, GeoTIFF keys) are written back (:func:`encode_image`).

Writes go to a temporary file in the target folder, are flushed and
``fsync``'d, then renamed over the target, so a reader (or a resumed job) never sees half a
file.
"""

from __future__ import annotations

import io
import os
import struct
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from synthaug.errors import DataError

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "GEOREFERENCE_TAGS",
    "IMAGE_SUFFIXES",
    "KEPT_TIFF_TAGS",
    "MAX_BYTES_PER_PIXEL",
    "PIXEL_DTYPES",
    "TMP_PREFIX",
    "atomic_write_bytes",
    "apply_exif_orientation",
    "decode_image",
    "encode_image",
    "engine_gap",
    "exif_orientation",
    "header_size",
    "read_image",
]

#: File suffixes treated as images when scanning a dataset.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".npy")
#: Default pixel limit (width x height): 64 megapixels.
DEFAULT_MAX_PIXELS = 64_000_000
#: Decoded bytes allowed per pixel of the limit (all bands together): 32, so at the default
#: limit an image may decode to at most 2 GB (64 Mpx of 8 float32 bands, or of 16 uint16 ones).
MAX_BYTES_PER_PIXEL = 32
#: Pixel types read and written: any other is refused as ``unsupported_image``.
PIXEL_DTYPES = (np.dtype(np.uint8), np.dtype(np.uint16), np.dtype(np.float32))
#: TIFF tags copied from a source TIFF to the image written in its place: description,
#: software, artist, copyright, GDAL metadata and nodata, and the GeoTIFF tags. Resolution
#: (282, 283, 296) is copied too, through tifffile's own arguments.
KEPT_TIFF_TAGS = (270, 305, 315, 33432, 33550, 33922, 34264, 34735, 34736, 34737, 42112, 42113)
#: The GeoTIFF tags tying pixels to map coordinates (pixel scale, tie points, transformation):
#: not copied when the pixel grid moved (they would then lie); recomputed for affine moves.
GEOREFERENCE_TAGS = (33550, 33922, 34264)
#: Prefix of temporary files; a resumed job removes leftovers carrying it.
TMP_PREFIX = ".synthaug-tmp-"


class ImageError(DataError):
    """An image file cannot be used; ``reason`` is a short machine-readable code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def header_size(data: bytes) -> tuple[int, int] | None:
    """``(width, height)`` read from an image header without decoding pixels, or ``None``.

    PNG, JPEG, BMP, GIF, WebP and ``.npy`` headers are parsed here; TIFF through ``tifffile`` (the
    largest page, so a multi-page file cannot hide a huge page behind a small first one);
    other formats through PIL's lazy ``Image.open``.
    """
    if data[:6] == _NPY_MAGIC:
        layout = _npy_layout(data)
        return None if layout is None else (layout[0][1], layout[0][0])
    size = _simple_header_size(data)
    if size is None and data[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        size = _tiff_size(data)
    if size is None:
        size = _pil_size(data)
    return size


def _tiff_size(data: bytes) -> tuple[int, int] | None:
    import tifffile

    try:
        with tifffile.TiffFile(io.BytesIO(data)) as tif:
            best = (0, 0)
            for page in tif.pages:
                w, h = int(page.imagewidth), int(page.imagelength)
                if w * h > best[0] * best[1]:
                    best = (w, h)
            return best if best != (0, 0) else None
    except Exception:
        return None


def _pil_size(data: bytes) -> tuple[int, int] | None:
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as im:  # reads the header only
                return int(im.size[0]), int(im.size[1])
    except Image.DecompressionBombError:
        return (1 << 31, 1 << 31)  # PIL itself refuses it as a bomb: certainly too many
    except Exception:
        return None


def _simple_header_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:2] == b"BM" and len(data) >= 26:
        w, h = struct.unpack("<ii", data[18:26])
        return abs(w), abs(h)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8X":
            w = int.from_bytes(data[24:27], "little") + 1
            h = int.from_bytes(data[27:30], "little") + 1
            return w, h
        if chunk == b"VP8L" and len(data) >= 25:
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        if chunk == b"VP8 ":
            w, h = struct.unpack("<HH", data[26:30])
            return w & 0x3FFF, h & 0x3FFF
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i, n = 2, len(data)
    while i + 9 < n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        seg_len = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            h, w = struct.unpack(">HH", data[i + 5 : i + 9])
            return w, h
        i += 2 + seg_len
    return None


def _check_complete(data: bytes, name: str) -> None:
    if data[:2] == b"\xff\xd8" and not data.rstrip(b"\x00\r\n ").endswith(b"\xff\xd9"):
        raise ImageError("truncated_image", f"{name}: truncated JPEG (no end-of-image marker)")
    if data[:8] == b"\x89PNG\r\n\x1a\n" and b"IEND" not in data[-32:]:
        raise ImageError("truncated_image", f"{name}: truncated PNG (no IEND chunk)")


_STDERR_LOCK = threading.Lock()


def _imdecode_with_warnings(buf: np.ndarray, flags: int) -> tuple[np.ndarray | None, bytes]:
    """``cv2.imdecode`` with the decoder's C-level stderr captured.

    libjpeg reports "premature end of data segment" only as a warning on stderr and pads the
    image with grey: a JPEG cut in its scan data, with an end-of-image marker appended, decodes
    "successfully". Capturing file descriptor 2 for the duration of the call is the only way to
    see that warning through OpenCV.
    """
    with _STDERR_LOCK, tempfile.TemporaryFile() as tmp:
        try:
            saved = os.dup(2)
        except OSError:  # no stderr at all: decode without the check
            return cv2.imdecode(buf, flags), b""
        try:
            os.dup2(tmp.fileno(), 2)
            image = cv2.imdecode(buf, flags)
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        return image, tmp.read(4096)


# EXIF orientation -> the numpy steps that show the stored pixels upright (as PIL's
# ImageOps.exif_transpose: 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90 clockwise,
# 7 transverse, 8 rotate 90 counter-clockwise)
_ORIENT = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.swapaxes(0, 1),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: a[::-1, ::-1].swapaxes(0, 1),
    8: lambda a: np.rot90(a, 1),
}


def exif_orientation(data: bytes) -> int:
    """The EXIF orientation (1..8) of JPEG bytes; 1 (upright) when absent or unreadable."""
    if data[:2] != b"\xff\xd8" or b"Exif" not in data[:65536]:
        return 1
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            value = im.getexif().get(0x0112, 1)
    except Exception:
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def apply_exif_orientation(image: np.ndarray, orientation: int) -> np.ndarray:
    """``image`` as displayed under EXIF ``orientation`` (annotations refer to that view)."""
    step = _ORIENT.get(orientation)
    return image if step is None else np.ascontiguousarray(step(image))


def _check_pixel_type(shape: tuple[int, ...], dtype: np.dtype, name: str, max_pixels: int) -> None:
    """Refuse a decoded layout synthaug does not hold, or one too large, before it is decoded."""
    dtype = dtype.newbyteorder("=")  # big-endian TIFF and .npy read as native arrays
    if dtype not in PIXEL_DTYPES:
        raise ImageError(
            "unsupported_image",
            f"{name}: {dtype} pixels; synthaug reads uint8, uint16 and float32 images "
            "(convert the file, e.g. with numpy's astype)",
        )
    if len(shape) not in (2, 3) or 0 in shape:
        raise ImageError(
            "unsupported_image",
            f"{name}: array of shape {tuple(shape)}; expected H x W or H x W x C (bands last)",
        )
    if shape[0] * shape[1] > max_pixels:
        raise ImageError(
            "too_many_pixels",
            f"{name}: {shape[1]} x {shape[0]} = {shape[0] * shape[1]} pixels exceeds the limit "
            f"of {max_pixels} (raise --max-pixels to accept it)",
        )
    n_bytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if n_bytes > MAX_BYTES_PER_PIXEL * max_pixels:
        raise ImageError(
            "too_many_pixels",
            f"{name}: {shape[1]} x {shape[0]} pixels with {shape[2] if len(shape) == 3 else 1} "
            f"{dtype} bands decode to {n_bytes} bytes, more than {MAX_BYTES_PER_PIXEL} bytes per "
            f"pixel of the limit of {max_pixels} (raise --max-pixels to accept it)",
        )


_NPY_MAGIC = b"\x93NUMPY"


def _npy_layout(data: bytes) -> tuple[tuple[int, ...], np.dtype, bool, int] | None:
    """``(shape, dtype, fortran_order, header_length)`` of ``.npy`` bytes, or ``None``."""
    f = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            return None
    except (ValueError, OSError, SyntaxError, TypeError):
        return None
    return tuple(int(v) for v in shape), np.dtype(dtype), bool(fortran), f.tell()


def _decode_npy(data: bytes, name: str, max_pixels: int) -> np.ndarray:
    layout = _npy_layout(data)
    if layout is None:
        raise ImageError("corrupt_image", f"{name}: not a readable .npy array header")
    shape, dtype, _, offset = layout
    if dtype.hasobject:  # never unpickle: an object array is code, not pixels
        raise ImageError("unsupported_image", f"{name}: .npy of Python objects; expected pixels")
    _check_pixel_type(shape, dtype, name, max_pixels)
    n_bytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) - offset < n_bytes:
        raise ImageError(
            "truncated_image",
            f"{name}: truncated .npy ({len(data) - offset} of {n_bytes} bytes of pixels)",
        )
    image = np.load(io.BytesIO(data), allow_pickle=False)
    return np.ascontiguousarray(image.astype(image.dtype.newbyteorder("="), copy=False))


def _tiff_pages_complete(tif, size: int) -> bool:
    for page in tif.pages:
        for offset, count in zip(page.dataoffsets, page.databytecounts, strict=False):
            if count and offset + count > size:
                return False
    return True


def _decode_tiff(data: bytes, name: str, max_pixels: int) -> np.ndarray | None:
    """The TIFF's pixels, bands last; ``None`` when only OpenCV can decode its compression
    (LZW, JPEG: tifffile needs the optional ``imagecodecs`` for those, OpenCV's libtiff not)."""
    import tifffile

    try:
        with tifffile.TiffFile(io.BytesIO(data)) as tif:
            series = tif.series[0]
            shape, axes, dtype = tuple(series.shape), series.axes, np.dtype(series.dtype)
            if len(shape) == 3 and axes[-2:] == "YX":  # planar or one page per band
                hwc = (shape[1], shape[2], shape[0])
            elif len(shape) in (2, 3) and axes[:2] == "YX":
                hwc = shape
            else:
                raise ImageError(
                    "unsupported_image",
                    f"{name}: TIFF of shape {shape} (axes {axes}); expected one image of H x W "
                    "pixels with any number of bands",
                )
            _check_pixel_type(hwc, dtype, name, max_pixels)
            if not _tiff_pages_complete(tif, len(data)):
                raise ImageError(
                    "truncated_image", f"{name}: truncated TIFF (pixel data ends early)"
                )
            codec = int(tif.pages[0].compression)
            if codec not in _TIFFFILE_CODECS and not _has_imagecodecs():
                if hwc[2:] and hwc[2] not in (1, 3, 4):
                    raise ImageError(
                        "unsupported_image",
                        f"{name}: TIFF compression {tif.pages[0].compression.name} with "
                        f"{hwc[2]} bands needs the imagecodecs package (pip install imagecodecs)",
                    )
                return None
            image = series.asarray()
    except ImageError:
        raise
    except Exception as exc:
        raise ImageError("corrupt_image", f"{name}: not a decodable TIFF ({exc})"[:300]) from None
    if image.shape != hwc:
        image = np.moveaxis(image, 0, -1)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    return np.ascontiguousarray(image.astype(image.dtype.newbyteorder("="), copy=False))


#: TIFF compressions tifffile decodes without imagecodecs: none, deflate, packbits.
_TIFFFILE_CODECS = (1, 8, 32946, 32773)


def _has_imagecodecs() -> bool:
    import importlib.util

    return importlib.util.find_spec("imagecodecs") is not None


def _is_tiff(data: bytes) -> bool:
    return data[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")


def decode_image(
    data: bytes, name: str = "image", max_pixels: int = DEFAULT_MAX_PIXELS
) -> np.ndarray:
    """Decode image bytes to an ``H x W`` or ``H x W x C`` array of a :data:`PIXEL_DTYPES` type.

    PNG, JPEG, BMP and WebP go through OpenCV (channels returned in RGB(A) order; 16-bit PNG
    stays ``uint16``), TIFF through ``tifffile`` (every band, ``uint8``, ``uint16`` or
    ``float32``), ``.npy`` through numpy without pickles. Raises :class:`ImageError` (a
    :class:`~synthaug.errors.DataError`) with ``reason`` one of ``too_many_pixels``,
    ``truncated_image``, ``corrupt_image`` or ``unsupported_image``.

    Examples
    --------
    >>> import numpy as np
    >>> bands = np.arange(2 * 3 * 13, dtype=np.uint16).reshape(2, 3, 13)
    >>> out = decode_image(encode_image(bands, ".tif"))
    >>> out.dtype, out.shape, bool((out == bands).all())
    (dtype('uint16'), (2, 3, 13), True)
    """
    if not data:
        raise ImageError("corrupt_image", f"{name}: empty file")
    if data[:6] == _NPY_MAGIC:
        return _decode_npy(data, name, max_pixels)
    size = header_size(data)
    if size is not None and size[0] * size[1] > max_pixels:
        raise ImageError(
            "too_many_pixels",
            f"{name}: {size[0]} x {size[1]} = {size[0] * size[1]} pixels exceeds the limit "
            f"of {max_pixels} (raise --max-pixels to accept it)",
        )
    if _is_tiff(data):
        decoded = _decode_tiff(data, name, max_pixels)
        if decoded is not None:
            return decoded
    _check_complete(data, name)
    buf = np.frombuffer(data, dtype=np.uint8)
    flags = cv2.IMREAD_UNCHANGED | cv2.IMREAD_IGNORE_ORIENTATION
    if data[:2] == b"\xff\xd8":
        image, messages = _imdecode_with_warnings(buf, flags)
        if b"premature end" in messages.lower():
            raise ImageError(
                "truncated_image", f"{name}: truncated JPEG (scan data ends before the image)"
            )
    else:
        image = cv2.imdecode(buf, flags)
    if image is None:
        raise ImageError("corrupt_image", f"{name}: not a decodable image")
    _check_pixel_type(image.shape, image.dtype, name, max_pixels)
    image = apply_exif_orientation(image, exif_orientation(data))
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    elif image.ndim == 3 and image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    elif image.ndim == 3 and image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA)
    return np.ascontiguousarray(image)


#: Pixel types the augmentation engine takes: every type the readers return (float32 in its
#: own range, finite); some transforms declare fewer (``synthaug transforms``, the catalogue).
ENGINE_DTYPES = PIXEL_DTYPES
#: Most bands the engine takes (OpenCV's channel limit; many-band images go 4 at a time).
ENGINE_MAX_CHANNELS = 512


def engine_gap(image: np.ndarray, count_bands: bool = True) -> str | None:
    """Why the augmentation engine does not take ``image``, or ``None`` if it does.

    The engine takes what the readers return (``uint8``, ``uint16``, ``float32`` in its own
    range) with 1 to :data:`ENGINE_MAX_CHANNELS` bands, but not NaN or infinite values (a
    float image with a NaN nodata value). A job, ``validate`` and ``preview`` use this to
    explain a refusal by dtype and bands instead of passing on a bare kernel error. With
    ``count_bands=False`` the band count is not checked.

    Examples
    --------
    >>> engine_gap(np.zeros((2, 2, 13), np.uint16)) is None
    True
    >>> engine_gap(np.full((2, 2), np.nan, np.float32)).split(":")[0]
    'float32 image with 1 band(s)'
    """
    bands = 1 if image.ndim == 2 else image.shape[2]
    why = None
    if image.dtype not in ENGINE_DTYPES:
        why = "the pixel type is not uint8, uint16 or float32"
    elif count_bands and bands > ENGINE_MAX_CHANNELS:
        why = f"more than {ENGINE_MAX_CHANNELS} bands"
    elif image.dtype == np.float32 and image.size and not np.isfinite(image).all():
        why = "it holds NaN or infinite values (replace a NaN nodata value first)"
    if why is None:
        return None
    return f"{image.dtype} image with {bands} band(s): the augmentation pipeline does not take it ({why})"


def read_image(path: str | os.PathLike[str], max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Read an image file safely (see :func:`decode_image`); a missing file is ``missing_image``."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise ImageError("missing_image", f"{p}: image file not found") from None
    except IsADirectoryError:
        raise ImageError("missing_image", f"{p}: is a folder, not an image file") from None
    except OSError as exc:
        raise ImageError("unreadable_image", f"{p}: cannot read: {exc.strerror}") from None
    return decode_image(data, str(p), max_pixels)


def encode_image(
    image: np.ndarray,
    suffix: str,
    jpeg_quality: int = 95,
    source: bytes | None = None,
    keep_georeference: bool = True,
    raster_map: np.ndarray | None = None,
) -> bytes:
    """Encode an image for ``suffix``; the same array and settings always give the same bytes.

    Parameters
    ----------
    image : ndarray
        ``H x W`` or ``H x W x C``, ``uint8``, ``uint16`` or ``float32``, channels in RGB(A)
        order for 3 and 4 channels.
    suffix : str
        ``.png`` (lossless; ``uint8`` or ``uint16``, 1, 3 or 4 channels), ``.jpg``/``.jpeg``
        (fixed ``jpeg_quality``), ``.bmp``, ``.webp`` (lossless) for ``uint8``; ``.tif``/``.tiff``
        and ``.npy`` for every pixel type and band count.
    jpeg_quality : int
        JPEG quality, 1 to 100.
    source : bytes, optional
        The bytes of the image this one replaces (an augmented copy of it). For TIFF output
        from a TIFF source, the source's layout (planar or interleaved, one page per band),
        photometric interpretation, compression (a compressed source gives lossless deflate),
        resolution and the tags of :data:`KEPT_TIFF_TAGS` are written back.
    keep_georeference : bool
        With ``False`` the tags of :data:`GEOREFERENCE_TAGS` are not copied (the pixel grid moved;
        the coordinate system keys 34735-34737 are still kept), unless ``raster_map`` says
        how it moved.
    raster_map : ndarray, optional
        With ``keep_georeference=False``: the 3 x 3 affine map from the source's raster
        coordinates (pixel corners, GeoTIFF's PixelIsArea) to this image's (from
        :func:`synthaug.data.georeference.raster_map`). The source's georeference is then
        moved with it and written (pixel scale and tie point while the result is upright,
        else a model transformation); a georeference that cannot be moved exactly (ground
        control points, say) is dropped.

    Examples
    --------
    >>> import numpy as np
    >>> data = encode_image(np.zeros((2, 3), np.uint16), ".png")
    >>> decode_image(data).dtype
    dtype('uint16')
    """
    image = np.asarray(image)
    suffix = suffix.lower()
    if image.dtype not in PIXEL_DTYPES or image.ndim not in (2, 3):
        raise DataError(
            f"encode_image: expected an H x W or H x W x C array of uint8, uint16 or float32, "
            f"got {image.dtype} of shape {image.shape}"
        )
    if suffix in (".tif", ".tiff"):
        return _encode_tiff(image, source, keep_georeference, raster_map)
    if suffix == ".npy":
        buf = io.BytesIO()
        np.save(buf, np.ascontiguousarray(image), allow_pickle=False)
        return buf.getvalue()
    n_channels = 1 if image.ndim == 2 else image.shape[2]
    allowed = (np.uint8, np.uint16) if suffix == ".png" else (np.uint8,)
    if image.dtype not in allowed or n_channels not in (1, 3, 4):
        raise DataError(
            f"cannot write a {image.dtype} image with {n_channels} band(s) as {suffix!r}: it holds "
            f"{' or '.join(np.dtype(d).name for d in allowed)} with 1, 3 or 4 channels; "
            "use .tif or .npy"
        )
    arr = image
    if arr.ndim == 3 and arr.shape[2] == 3:
        arr = cv2.cvtColor(arr, cv2.COLOR_RGB2BGR)
    elif arr.ndim == 3 and arr.shape[2] == 4:
        if suffix in (".jpg", ".jpeg"):
            arr = cv2.cvtColor(arr, cv2.COLOR_RGBA2BGR)
        else:
            arr = cv2.cvtColor(arr, cv2.COLOR_RGBA2BGRA)
    params: list[int] = []
    if suffix in (".jpg", ".jpeg"):
        params = [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality), cv2.IMWRITE_JPEG_OPTIMIZE, 0]
    elif suffix == ".png":
        params = [cv2.IMWRITE_PNG_COMPRESSION, 3]
    elif suffix == ".webp":
        params = [cv2.IMWRITE_WEBP_QUALITY, 101]  # > 100 means lossless
    try:
        ok, buf = cv2.imencode(suffix, np.ascontiguousarray(arr), params)
    except cv2.error as exc:
        raise DataError(f"cannot encode an image as {suffix!r}: {exc}") from None
    if not ok:
        raise DataError(f"cannot encode an image as {suffix!r}")
    return buf.tobytes()


def _source_tiff_settings(
    source: bytes | None, keep_georeference: bool, raster_map: np.ndarray | None = None
) -> dict:
    """How a source TIFF was laid out, and its tags worth keeping (empty for other sources)."""
    if source is None or not _is_tiff(source):
        return {}
    import tifffile

    try:
        with tifffile.TiffFile(io.BytesIO(source)) as tif:
            page, series = tif.pages[0], tif.series[0]
            tags = page.tags
            skip = () if keep_georeference else GEOREFERENCE_TAGS
            extratags = []
            for code in KEPT_TIFF_TAGS:
                tag = tags.get(code)
                if tag is None or code in skip or code in (270, 305):
                    continue
                extratags.append((code, int(tag.dtype), tag.count, tag.value, True))
            if not keep_georeference and raster_map is not None:
                extratags += _moved_georeference(tags, raster_map)
            settings: dict[str, Any] = {
                "per_page": len(series.shape) == 3 and len(series.pages) > 1,
                "planar": int(page.planarconfig) == 2,
                "rgb": int(page.photometric) == 2,
                "compressed": int(page.compression) != 1,
                "description": _plain_description(page.description),
                "software": tags[305].value if 305 in tags else None,
                "extratags": extratags,
            }
            if 282 in tags and 283 in tags:
                settings["resolution"] = (tags[282].value, tags[283].value)
                settings["resolutionunit"] = tags[296].value if 296 in tags else 2
            return settings
    except Exception:  # a source we could decode but not re-inspect: write a plain TIFF
        return {}


def _moved_georeference(tags: Any, raster_map: np.ndarray) -> list[tuple]:
    """The georeference in the source's open page ``tags`` moved by ``raster_map``; none
    when it cannot be."""
    from synthaug.data.georeference import georeference_from_tags, moved_georeference_tags

    geo = georeference_from_tags(tags)
    tags = None if geo is None else moved_georeference_tags(geo, raster_map)
    return tags or []


def _plain_description(text: str | None) -> str | None:
    """A source's ImageDescription worth copying: not a shape record of tifffile or ImageJ.

    Those describe the source's array shape, and a reader would reshape a cropped or
    re-banded output by them.
    """
    if not text or text.startswith(("ImageJ=", '{"shape"')) or "<OME" in text[:200]:
        return None
    return text


def _encode_tiff(
    image: np.ndarray,
    source: bytes | None,
    keep_georeference: bool,
    raster_map: np.ndarray | None = None,
) -> bytes:
    import tifffile

    settings = _source_tiff_settings(source, keep_georeference, raster_map)
    n_channels = 1 if image.ndim == 2 else image.shape[2]
    rgb_ok = n_channels in (3, 4) and image.dtype != np.float32
    rgb = rgb_ok and settings.get("rgb", not settings)
    kwargs: dict[str, Any] = {
        "photometric": "rgb" if rgb else "minisblack",
        "compression": "zlib" if settings.get("compressed") else None,  # lossless, built in
        "description": settings.get("description"),
        "software": settings.get("software"),
        "metadata": None,  # no tifffile JSON description: the source's is kept instead
        "extratags": settings.get("extratags", []),
    }
    if rgb and n_channels == 4:
        kwargs["extrasamples"] = ("unassalpha",)
    if "resolution" in settings:
        kwargs["resolution"] = settings["resolution"]
        kwargs["resolutionunit"] = settings["resolutionunit"]
    data = image
    buf = io.BytesIO()
    if image.ndim == 3 and not rgb and settings.get("per_page"):
        with tifffile.TiffWriter(buf) as tif:  # one page per band, tags on the first
            for b in range(n_channels):
                tif.write(np.ascontiguousarray(image[:, :, b]), contiguous=False, **kwargs)
                kwargs.update(description=None, software=None, extratags=[])
                kwargs.pop("resolution", None)
                kwargs.pop("resolutionunit", None)
        return buf.getvalue()
    if image.ndim == 3 and settings.get("planar") and n_channels > 1:
        data = np.ascontiguousarray(np.moveaxis(image, -1, 0))
        kwargs["planarconfig"] = "separate"
    elif image.ndim == 3 and n_channels > 1:
        kwargs["planarconfig"] = "contig"
    tifffile.imwrite(buf, data, **kwargs)
    return buf.getvalue()


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, durable: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    With ``durable`` the file is ``fsync``'d before the rename, so after a crash the target is
    either absent or complete.
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, dir=p.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
