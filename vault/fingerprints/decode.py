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
import warnings
from dataclasses import dataclass
from pathlib import Path

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


def decode_image(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Decoded:
    """Decode ``data`` into a :class:`Decoded` working copy, or raise ``InputRejected``."""
    sha256 = hashlib.sha256(data).hexdigest()
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    Image.init()  # registers every plugin, so ``formats=`` below can name them all
    try:
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
            fmt = str(im.format or "unknown").lower()
            if im.format in ("JPEG", "MPO"):
                # Let the decoder shrink by up to 1/8 as long as the long side stays >= 384.
                scale = DRAFT_SIDE / max(width, height)
                if scale < 0.5:
                    target = (max(1, int(width * scale)), max(1, int(height * scale)))
                    im.draft("RGB", target)
            im.load()
            im = ImageOps.exif_transpose(im) or im
            rgb = _to_rgb(im)
            oriented = _oriented_size(im, width, height)
            arr = np.asarray(shrink(rgb, WORK_SIDE), dtype=np.uint8)
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
