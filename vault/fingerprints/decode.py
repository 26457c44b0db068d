"""Safe, fast image decoding into a small working copy.

- Only a fixed set of formats is parsed. The pixel count is checked from the header *before*
  any pixel data is decoded (decompression bombs), and so is the aspect ratio.
- JPEGs are decoded at reduced size (draft mode: the decoder scales by 1/2 to 1/8 in the DCT
  domain), so a 12 MP photo costs a fraction of a full decode.
- EXIF orientation is applied, transparency is flattened onto white, and palette, CMYK,
  16-bit and float images are brought to 8-bit RGB.
- Every failure becomes :class:`vault.errors.InputRejected` with a plain sentence.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps

from vault.errors import InputRejected

log = logging.getLogger(__name__)

#: Largest pixel count (width x height) accepted by default: 16k x 16k would be 268 MP.
DEFAULT_MAX_PIXELS = 120_000_000
#: Largest file read into memory for fingerprinting.
MAX_IMAGE_BYTES = 256 * 1024 * 1024
#: Longest side of the working copy. PDQ's reference hashers thumbnail to 512 too.
WORK_SIDE = 512
#: JPEG draft decoding may go down to this long side (PDQ then sees 384-512 px).
DRAFT_SIDE = 384
#: Images more elongated than this are refused (nothing perceptual survives in them).
MAX_ASPECT = 40.0

ALLOWED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")

U8Image = npt.NDArray[np.uint8]
_T = TypeVar("_T")


@dataclass(frozen=True)
class Decoded:
    """A decoded image: working RGB copy (long side <= WORK_SIDE) and facts about the file."""

    rgb: U8Image
    width: int
    height: int
    format: str
    sha256: str
    md5: str


def read_source(source: bytes | Path) -> bytes:
    """The bytes of ``source`` (a path or bytes), refusing absurdly large files."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    else:
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > MAX_IMAGE_BYTES:
                raise InputRejected("The file is too large to be an image Ansim can check.")
            data = path.read_bytes()
        except InputRejected:
            raise
        except OSError as exc:
            raise InputRejected("The file could not be read.") from exc
    if len(data) > MAX_IMAGE_BYTES:
        raise InputRejected("The file is too large to be an image Ansim can check.")
    if not data:
        raise InputRejected("The file is empty.")
    return data


def _to_rgb(im: Image.Image) -> Image.Image:
    """Bring any Pillow mode to 8-bit RGB, flattening transparency onto white."""
    mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(im, dtype=np.float64)
        if mode.startswith("I;16") or (mode == "I" and float(arr.max(initial=0)) > 255):
            arr = arr / 257.0
        elif mode == "F" and float(arr.max(initial=0)) <= 1.0:
            arr = arr * 255.0
        gray = np.clip(np.nan_to_num(arr), 0, 255).astype(np.uint8)
        return Image.fromarray(gray).convert("RGB")
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        mode == "P" and "transparency" in im.info
    )
    if has_alpha:
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        white.alpha_composite(rgba)
        return white.convert("RGB")
    if mode != "RGB":
        return im.convert("RGB")
    return im


def _open_checked(data: bytes, max_pixels: int) -> tuple[Image.Image, int, int]:
    """Open ``data`` with the allowed formats only and check its header: (image, width,
    height), nothing decoded yet."""
    Image.init()  # registers every plugin, so ``formats=`` below can name them all
    with warnings.catch_warnings():
        # We check the pixel count ourselves, before decoding, against our own limit.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        im = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    width, height = im.size
    if width < 1 or height < 1:
        raise InputRejected("The image has no pixels.")
    if width * height > max_pixels:
        raise InputRejected(
            "The image claims to be larger than Ansim accepts, which is how "
            "'decompression bomb' files look."
        )
    if max(width, height) / min(width, height) > MAX_ASPECT:
        raise InputRejected("The image is too long and thin to be recognised.")
    return im, width, height


def _load_oriented(im: Image.Image, width: int, height: int, least_side: int) -> Image.Image:
    """Decode ``im`` (JPEG at reduced size while its long side stays >= ``least_side``), apply
    the EXIF orientation and bring it to 8-bit RGB."""
    if im.format in ("JPEG", "MPO"):
        # Let the decoder shrink by up to 1/8 as long as the long side stays >= least_side.
        scale = least_side / max(width, height)
        if scale < 0.5:
            target = (max(1, int(width * scale)), max(1, int(height * scale)))
            im.draft("RGB", target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        im.load()
    oriented = ImageOps.exif_transpose(im) or im
    return _to_rgb(oriented)


def _guarded_decode(fn: Callable[[], _T]) -> _T:
    """Run a decoding step, turning every failure into ``InputRejected``."""
    try:
        return fn()
    except InputRejected:
        raise
    except Image.DecompressionBombError as exc:
        raise InputRejected(
            "The image claims to be larger than Ansim accepts, which is how "
            "'decompression bomb' files look."
        ) from exc
    except MemoryError as exc:
        raise InputRejected("The image is too large to decode on this computer.") from exc
    except Exception as exc:  # Pillow raises many types for damaged files.
        log.debug("image decode failed: %s", type(exc).__name__)
        raise InputRejected(
            "The file is not an image Ansim can read, or it is damaged or incomplete."
        ) from exc


def decode_image(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Decoded:
    """Decode ``data`` into a :class:`Decoded` working copy, or raise ``InputRejected``."""
    sha256 = hashlib.sha256(data).hexdigest()
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()

    def work() -> tuple[npt.NDArray[np.uint8], tuple[int, int], str]:
        im, width, height = _open_checked(data, max_pixels)
        fmt = str(im.format or "unknown").lower()
        rgb = _load_oriented(im, width, height, DRAFT_SIDE)
        oriented = _oriented_size(rgb, width, height)
        return np.asarray(shrink(rgb, WORK_SIDE), dtype=np.uint8), oriented, fmt

    arr, oriented, fmt = _guarded_decode(work)
    if arr.ndim != 3 or arr.shape[2] != 3:
        raise InputRejected("The image could not be converted to colour pixels.")
    return Decoded(
        rgb=np.ascontiguousarray(arr),
        width=oriented[0],
        height=oriented[1],
        format=fmt,
        sha256=sha256,
        md5=md5,
    )


def decode_box(
    data: bytes, box: tuple[float, float, float, float], *, side: int = WORK_SIDE,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> U8Image:
    """The pixels of ``box`` (fractions of the orientation-corrected image) decoded at enough
    resolution for the box's long side to reach ``side`` where the file has it, shrunk to at
    most ``side``: the picture inside a screenshot, at the detail a working copy of the whole
    screenshot would lose. Raises ``InputRejected`` like :func:`decode_image`."""
    x0, y0, x1, y1 = box
    if not (0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1):
        raise InputRejected("The picture's rectangle is outside the image.")

    def work() -> U8Image:
        im, width, height = _open_checked(data, max_pixels)
        # The box's long side in the file's pixels, for either orientation (EXIF may turn
        # the picture); the smaller guess asks the decoder for enough pixels in both cases.
        box_long = min(max((x1 - x0) * a, (y1 - y0) * b) for a, b in ((width, height),
                                                                      (height, width)))
        need = math.ceil(side * max(width, height) / max(box_long, 1.0))
        rgb = _load_oriented(im, width, height, min(max(width, height), need))
        w, h = rgb.size
        part = rgb.crop((round(x0 * w), round(y0 * h), max(round(x0 * w) + 1, round(x1 * w)),
                         max(round(y0 * h) + 1, round(y1 * h))))
        return np.ascontiguousarray(np.asarray(shrink(part, side), dtype=np.uint8))

    arr = _guarded_decode(work)
    if arr.ndim != 3 or arr.shape[2] != 3:
        raise InputRejected("The image could not be converted to colour pixels.")
    return arr


def shrink(im: Image.Image, side: int) -> Image.Image:
    """``im`` resized (bilinear, antialiased) so its long side is at most ``side``."""
    w, h = im.size
    if max(w, h) <= side:
        return im
    scale = side / max(w, h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return im.resize(size, Image.Resampling.BILINEAR)


def _oriented_size(im: Image.Image, width: int, height: int) -> tuple[int, int]:
    """The file's full pixel size after EXIF orientation (the draft may have shrunk ``im``)."""
    rotated = (im.size[0] > im.size[1]) != (width > height) and width != height
    return (height, width) if rotated else (width, height)
