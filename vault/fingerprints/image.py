"""``fingerprint_image``: everything Ansim keeps to recognise one image again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import cv2
import imagehash
import numpy as np
from PIL import Image

from vault.errors import InputRejected
from vault.fingerprints import keypoints, regions, screens
from vault.fingerprints.decode import (
    DEFAULT_MAX_PIXELS,
    WORK_SIDE,
    decode_box,
    decode_image,
    read_source,
    shrink,
)
from vault.fingerprints.model import ImageFingerprint, InnerPicture, RegionHash, RegionKind
from vault.fingerprints.pdq import (
    pdq_dihedral_checked,
    pdq_hash_for_search,
    pdq_pairs_for_matching,
)

log = logging.getLogger(__name__)

#: PDQ quality below which a hash is not trusted (Meta's guidance for PDQ is 50).
MIN_QUALITY = 50
#: Images whose short side is below this are flagged low quality whatever PDQ says.
MIN_SIDE = 32
#: A picture detected inside an image makes the image a *frame* around it (a screenshot, a
#: page) when it covers less than this share of the image after uniform borders are trimmed.
#: A photo of an object on a plain background is trimmed to the object first, so it is not
#: a frame.
FRAMED_SHARE = 0.75
#: ... and when content outside the picture (the app's names, captions, buttons: sparse)
#: covers between these shares of the image ...
FRAME_CONTENT = (0.005, 0.15)
#: ... and the picture fills at least this share of its rectangle.
FRAME_FILL = 0.85

#: Gives the pixels of a box (fractions of the image) at up to ``WORK_SIDE`` px, or raises
#: ``InputRejected``.
BoxPixels = Callable[[tuple[float, float, float, float]], np.ndarray]


def fingerprint_image(
    source: bytes | Path, *, max_pixels: int = DEFAULT_MAX_PIXELS
) -> ImageFingerprint:
    """Fingerprint one image given as bytes or a path. Raises ``InputRejected`` on bad input.

    Everything is computed in memory from a small working copy (see ``decode``); nothing is
    written anywhere.
    """
    data = read_source(source)
    decoded = decode_image(data, max_pixels=max_pixels)

    def box_pixels(box: tuple[float, float, float, float]) -> np.ndarray:
        return decode_box(data, box, max_pixels=max_pixels)

    try:
        return _fingerprint(
            decoded.rgb, decoded.width, decoded.height, decoded.format, decoded.sha256,
            decoded.md5, box_pixels,
        )
    except InputRejected:
        raise
    except Exception as exc:  # never let a numeric corner case crash an import
        log.debug("fingerprinting failed: %s", type(exc).__name__)
        raise InputRejected("The image could not be fingerprinted.") from exc


def fingerprint_pixels(
    rgb: np.ndarray, *, sha256: str = "0" * 64, md5: str = "0" * 32, fmt: str = "pixels"
) -> ImageFingerprint:
    """Fingerprint an RGB uint8 array already in memory (used by video frames and benchmarks).

    The array is first shrunk like a decoded file (long side <= 512), so the result equals
    ``fingerprint_image`` of a lossless file with the same pixels, apart from the digests.
    """
    arr = np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise InputRejected("The picture is not an RGB image.")
    h, w = arr.shape[:2]
    work = arr
    if max(h, w) > 512:
        work = np.asarray(shrink(Image.fromarray(arr), WORK_SIDE), dtype=np.uint8)

    def box_pixels(box: tuple[float, float, float, float]) -> np.ndarray:
        x0, y0 = round(box[0] * w), round(box[1] * h)
        part = arr[y0:max(y0 + 1, round(box[3] * h)), x0:max(x0 + 1, round(box[2] * w))]
        return np.asarray(shrink(Image.fromarray(np.ascontiguousarray(part)), WORK_SIDE),
                          dtype=np.uint8)

    return _fingerprint(work, w, h, fmt, sha256, md5, box_pixels)


def framed_box(rgb: np.ndarray, layout: regions.Layout | None = None) -> regions.Box | None:
    """The picture inside ``rgb`` when ``rgb`` is a frame around one (a screenshot of a post,
    a web page), in working-copy pixels; None for an ordinary picture.

    The picture is the largest detected content rectangle, grown to the connected content it
    belongs to (region detection finds the densest rectangle, which is too small when the
    picture's own edges have the app's colours). ``rgb`` is a frame when that covers less
    than ``FRAMED_SHARE`` of the trimmed image, fills its rectangle (``FRAME_FILL``) *and*
    the app shows a little else besides it (names, captions, buttons: sparse content outside
    the picture, ``FRAME_CONTENT``). A photo of an object on a plain background has nothing
    else; a landscape whose sky is taken for background has far more."""
    content, found = layout if layout is not None else regions.content_layout(rgb)
    if content is None or not found:
        return None
    h, w = rgb.shape[:2]
    box = max(found, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
    x0, y0, x1, y1 = regions.grown_box(content, box)
    tx0, ty0, tx1, ty1 = regions.trim_box(rgb) or (0, 0, w, h)
    if (x1 - x0) * (y1 - y0) >= FRAMED_SHARE * (tx1 - tx0) * (ty1 - ty0):
        return None
    inside = int(np.count_nonzero(content[y0:y1, x0:x1]))
    around = int(np.count_nonzero(content)) - inside
    # An app's own content around the picture is sparse (text, icons, a bar); a picture
    # fills its rectangle.
    if not FRAME_CONTENT[0] * h * w <= around <= FRAME_CONTENT[1] * h * w:
        return None
    if inside < FRAME_FILL * (x1 - x0) * (y1 - y0):
        return None
    return (x0, y0, x1, y1)


def _inner_picture(
    rgb: np.ndarray, box: regions.Box, width: int, height: int, fmt: str, sha256: str,
    md5: str, box_pixels: BoxPixels,
) -> InnerPicture | None:
    """The fingerprint of the picture at ``box`` (from ``framed_box``) inside a frame (see
    :class:`InnerPicture`), or None."""
    h, w = rgb.shape[:2]
    frac = (round(box[0] / w, 4), round(box[1] / h, 4), round(box[2] / w, 4),
            round(box[3] / h, 4))
    try:
        pixels = box_pixels(frac)
    except InputRejected:
        return None
    ph, pw = pixels.shape[:2]
    if min(ph, pw) < regions.MIN_REGION_SIDE:
        return None
    inner_w = max(1, round((frac[2] - frac[0]) * width))
    inner_h = max(1, round((frac[3] - frac[1]) * height))
    inner = _fingerprint(pixels, inner_w, inner_h, fmt, sha256, md5, None)
    return InnerPicture(box=frac, fingerprint=inner)


def _fingerprint(
    rgb: np.ndarray, width: int, height: int, fmt: str, sha256: str, md5: str,
    box_pixels: BoxPixels | None,
) -> ImageFingerprint:
    h, w = rgb.shape[:2]
    hashable = at_least(rgb, 16)
    variants, quality = pdq_dihedral_checked(hashable, min_quality=MIN_QUALITY)
    phash = str(imagehash.phash(Image.fromarray(hashable)))
    low = quality < MIN_QUALITY or min(width, height) < MIN_SIDE
    found: list[RegionHash] = []
    inner: InnerPicture | None = None
    text = False
    if not low and min(h, w) >= regions.MIN_REGION_SIDE:
        layout = regions.content_layout(rgb)
        found = region_hashes(rgb, layout=layout)
        if box_pixels is not None:
            # A screenshot of text (a chat) has no picture inside it: a block of message
            # bubbles or the app's header that region detection finds is part of the app.
            # A block without text in the page (a drawing beside an article) is a picture.
            lines = screens.text_lines(rgb)
            box = framed_box(rgb, layout)
            text = lines is not None and (box is None or not screens.holds_picture(lines, box))
            if box is not None and not text:
                inner = _inner_picture(rgb, box, width, height, fmt, sha256, md5, box_pixels)
    kp = None
    if not low and inner is None:
        # A frame keeps only its picture's keypoints (``inner``): its own app chrome (bars,
        # buttons, captions) would match other screenshots of the same app. A screenshot of
        # text keeps keypoints on its message area's text only, for the same reason.
        kp = keypoints.extract(rgb, mask=screens.keypoint_mask(rgb) if text else None)
    return ImageFingerprint(
        sha256=sha256,
        md5=md5,
        width=width,
        height=height,
        format=fmt,
        pdq=variants[0].hex(),
        pdq_quality=quality,
        pdq_variants=tuple(v.hex() for v in variants),
        phash=phash,
        regions=tuple(found),
        low_quality=low,
        keypoints=kp,
        inner=inner,
        text_screen=text,
    )


def at_least(rgb: np.ndarray, side: int) -> np.ndarray:
    """Stretch tiny or very thin images so PDQ's filters have pixels to work on."""
    h, w = rgb.shape[:2]
    if h >= side and w >= side:
        return rgb
    size = (max(w, side), max(h, side))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.NEAREST), dtype=np.uint8)


def region_hashes(rgb: np.ndarray, *, search_only: bool = False,
                  layout: regions.Layout | None = None) -> list[RegionHash]:
    """PDQ of the trimmed and detected regions, and (unless ``search_only``) of the fixed
    sub-crops with each region's mirror. A scan candidate needs only what a search compares
    (``search_only``: no sub-crops, no mirror hash, the fast PDQ of ``pdq_hash_for_search``),
    which is several times cheaper. Stored region hashes are only matched by Ansim, never
    exported: they use the fast PDQ too, with the mirror (``pdq_pairs_for_matching``).
    ``layout``: ``regions.content_layout(rgb)`` when the caller already has it."""
    h, w = rgb.shape[:2]
    wanted: list[tuple[RegionKind, regions.Box]] = []
    trimmed = regions.trim_box(rgb)
    if trimmed is not None:
        wanted.append(("trim", trimmed))
    for box in (layout if layout is not None else regions.content_layout(rgb))[1]:
        if not any(regions.same_box(box, b) for _, b in wanted):
            wanted.append(("content", box))
    if search_only and not wanted:
        return []
    base = trimmed if trimmed is not None else (0, 0, w, h)
    bw, bh = base[2] - base[0], base[3] - base[1]
    for x0, y0, x1, y1 in () if search_only else regions.crop_boxes(bw, bh):
        wanted.append(("crop", (base[0] + x0, base[1] + y0, base[0] + x1, base[1] + y1)))
    # Regions are hashed from a half-size copy: PDQ decimates to 64x64 anyway.
    small, f = rgb, 1.0
    if max(h, w) > regions.REGION_SIDE:
        f = regions.REGION_SIDE / max(h, w)
        size = (max(1, round(w * f)), max(1, round(h * f)))
        small = np.ascontiguousarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA))
    picked: list[tuple[RegionKind, regions.Box, np.ndarray]] = []
    for kind, box in wanted:
        sbox = (int(box[0] * f), int(box[1] * f), round(box[2] * f), round(box[3] * f))
        pixels = regions.region_pixels(small, sbox)
        if min(pixels.shape[:2]) >= 16:
            picked.append((kind, box, pixels))
    if search_only:
        hashed = []
        for _, _, pixels in picked:
            plain, quality = pdq_hash_for_search(pixels, min_quality=MIN_QUALITY)
            hashed.append((plain, plain, quality))
    else:
        hashed = pdq_pairs_for_matching([p for _, _, p in picked], min_quality=MIN_QUALITY)
    out: list[RegionHash] = []
    for (kind, box, _), (plain, mirror, quality) in zip(picked, hashed, strict=True):
        if quality < MIN_QUALITY:
            continue
        frac = (round(box[0] / w, 4), round(box[1] / h, 4), round(box[2] / w, 4),
                round(box[3] / h, 4))
        out.append(RegionHash(kind=kind, box=frac, pdq=plain.hex(), quality=quality,
                              pdq_mirror=mirror.hex()))
    return out
