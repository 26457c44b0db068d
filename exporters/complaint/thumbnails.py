"""Heavily blurred thumbnails, made in memory only and only when the person asks for them.

The image is decoded at reduced size (JPEG draft mode), shrunk to a few dozen pixels, blurred
and scaled back up, so the result shows the layout of a picture (useful to tell exhibits apart)
but never its content. Nothing touches the disk.
"""

from __future__ import annotations

import io
import logging

from PIL import Image, ImageFilter, UnidentifiedImageError

log = logging.getLogger(__name__)

#: Decoding refuses anything larger than this many pixels (decompression bombs).
MAX_PIXELS = 80_000_000
_SMALL = 24  # pixels on the long side before blurring: detail is gone at this size
_SHOWN = 120  # pixels on the long side of the thumbnail in the document
_BLUR_RADIUS = 6


def blurred_thumbnail(data: bytes) -> bytes | None:
    """A PNG of the blurred image, or None when it cannot be decoded safely."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
            if width <= 0 or height <= 0 or width * height > MAX_PIXELS:
                return None
            img.draft("RGB", (_SMALL * 4, _SMALL * 4))
            small = img.convert("RGB")
            small.thumbnail((_SMALL, _SMALL), Image.Resampling.BOX)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        log.info("a thumbnail could not be made (the image did not decode)")
        return None
    scale = _SHOWN / max(small.size)
    shown = small.resize(
        (max(1, round(small.width * scale)), max(1, round(small.height * scale))),
        Image.Resampling.BILINEAR,
    ).filter(ImageFilter.GaussianBlur(_BLUR_RADIUS))
    out = io.BytesIO()
    shown.save(out, format="PNG", optimize=False)
    return out.getvalue()
