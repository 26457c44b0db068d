"""Safe image probing: read an image's header (size, format, EXIF) without decoding pixels,
and check whether it decodes at all, without ever letting a hostile file hurt the import.

- Only a fixed set of formats is parsed.
- The pixel count is checked from the header *before* any decoding (decompression bombs), and
  Pillow's own ``DecompressionBombWarning``/``DecompressionBombError`` never escape.
- Every problem becomes an :class:`ImageProblem` with a stable code; the caller keeps the
  original bytes either way (they are evidence) and records the code as a flag.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image

from vault.collect.exif import ExifData, read_exif

#: Largest pixel count probed or decoded: 16k x 7.5k; larger headers look like bombs.
MAX_PIXELS = 120_000_000
#: Formats Ansim parses. Anything else is kept as a plain file.
FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")  # JPEG also opens MPO files
#: Long side JPEGs are decoded down to when only readability is checked.
_CHECK_SIDE = 256

FLAG_TOO_LARGE = "image_too_large"
FLAG_UNREADABLE = "image_unreadable"


class ImageProblem(Exception):
    """An image that cannot be safely decoded; ``code`` is one of the ``FLAG_*`` values."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class ImageProbe:
    format: str
    width: int
    height: int
    exif: ExifData


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Open (header only) with the pixel limit enforced before anything is decoded."""
    Image.init()  # registers WEBP and TIFF too (Pillow preloads only a few formats)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError:
        raise ImageProblem(FLAG_TOO_LARGE) from None
    except Exception:  # Pillow raises many types for damaged or unknown files
        raise ImageProblem(FLAG_UNREADABLE) from None
    width, height = im.size
    if width < 1 or height < 1:
        raise ImageProblem(FLAG_UNREADABLE)
    if width * height > max_pixels:
        raise ImageProblem(FLAG_TOO_LARGE)
    return im


def probe_image(data: bytes, *, max_pixels: int = MAX_PIXELS) -> ImageProbe:
    """Format, pixel size and EXIF from the header; raises :class:`ImageProblem`."""
    im = _open(data, max_pixels)
    with im:
        return ImageProbe(str(im.format or "").lower(), im.size[0], im.size[1], read_exif(im))


def check_decodes(data: bytes, *, max_pixels: int = MAX_PIXELS) -> None:
    """Decode the image (JPEGs at reduced size) to prove it is complete; raises
    :class:`ImageProblem` for truncated or corrupt data."""
    im = _open(data, max_pixels)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            if im.format in ("JPEG", "MPO"):
                im.draft("RGB", (_CHECK_SIDE, _CHECK_SIDE))
            im.load()
    except ImageProblem:
        raise
    except MemoryError:
        raise ImageProblem(FLAG_TOO_LARGE) from None
    except Exception:
        raise ImageProblem(FLAG_UNREADABLE) from None
    finally:
        im.close()
