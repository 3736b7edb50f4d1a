"""Safe image reading and atomic writing.

Images are decoded from bytes with ``cv2.imdecode`` after three checks that OpenCV does not
make loudly: the pixel count announced by the file header (refused above a limit *before*
decoding, so a 30000 x 30000 PNG of a few kilobytes, or a TIFF declaring 6 GB of pixels,
cannot exhaust memory), a truncated file (OpenCV pads a cut JPEG with grey and only warns,
even when an end-of-image marker was appended after the cut), and bytes that are no image at
all. Header sizes come from a small parser (PNG, JPEG, BMP, GIF, WebP), ``tifffile`` (TIFF,
every page) or PIL's lazy open (anything else PIL knows), none of which decodes pixels.

EXIF orientation is applied on read: a JPEG whose EXIF says "rotate 90 degrees" is returned
as it is displayed, and its annotations are taken to refer to that upright view (the convention
of Ultralytics, CVAT and Label Studio); outputs carry no EXIF, so they need no rotation.

Arrays follow synthaug's convention: ``H x W`` (grey), ``H x W x 3`` (RGB) or ``H x W x 4``
(RGBA), ``uint8``. Writes go to a temporary file in the target folder, are flushed and
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

import cv2
import numpy as np

from synthaug.errors import DataError

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "IMAGE_SUFFIXES",
    "TMP_PREFIX",
    "atomic_write_bytes",
    "apply_exif_orientation",
    "decode_image",
    "encode_image",
    "exif_orientation",
    "header_size",
    "read_image",
]

#: File suffixes treated as images when scanning a dataset.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
#: Default pixel limit (width x height): 64 megapixels.
DEFAULT_MAX_PIXELS = 64_000_000
#: Prefix of temporary files; a resumed job removes leftovers carrying it.
TMP_PREFIX = ".synthaug-tmp-"


class ImageError(DataError):
    """An image file cannot be used; ``reason`` is a short machine-readable code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def header_size(data: bytes) -> tuple[int, int] | None:
    """``(width, height)`` read from an image header without decoding pixels, or ``None``.

    PNG, JPEG, BMP, GIF and WebP headers are parsed here; TIFF through ``tifffile`` (the
    largest page, so a multi-page file cannot hide a huge page behind a small first one);
    other formats through PIL's lazy ``Image.open``.
    """
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


def decode_image(
    data: bytes, name: str = "image", max_pixels: int = DEFAULT_MAX_PIXELS
) -> np.ndarray:
    """Decode image bytes to a ``uint8`` grey, RGB or RGBA array.

    Raises :class:`ImageError` (a :class:`~synthaug.errors.DataError`) with ``reason`` one of
    ``too_many_pixels``, ``truncated_image``, ``corrupt_image`` or ``unsupported_image``.
    """
    if not data:
        raise ImageError("corrupt_image", f"{name}: empty file")
    size = header_size(data)
    if size is not None and size[0] * size[1] > max_pixels:
        raise ImageError(
            "too_many_pixels",
            f"{name}: {size[0]} x {size[1]} = {size[0] * size[1]} pixels exceeds the limit "
            f"of {max_pixels} (raise --max-pixels to accept it)",
        )
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
    if image.shape[0] * image.shape[1] > max_pixels:
        raise ImageError(
            "too_many_pixels",
            f"{name}: {image.shape[1]} x {image.shape[0]} pixels exceeds the limit of {max_pixels}",
        )
    if image.dtype != np.uint8:
        raise ImageError(
            "unsupported_image", f"{name}: {image.dtype} pixels; only 8-bit images are supported"
        )
    image = apply_exif_orientation(image, exif_orientation(data))
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    elif image.ndim == 3 and image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    elif image.ndim == 3 and image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA)
    return np.ascontiguousarray(image)


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


def encode_image(image: np.ndarray, suffix: str, jpeg_quality: int = 95) -> bytes:
    """Encode a ``uint8`` grey/RGB/RGBA array for ``suffix`` (``.png`` lossless, JPEG fixed quality).

    The same array and settings always give the same bytes.
    """
    if image.dtype != np.uint8:
        raise DataError(f"encode_image: expected uint8 pixels, got {image.dtype}")
    suffix = suffix.lower()
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
