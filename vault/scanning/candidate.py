"""A search-only fingerprint for scan candidates: just the hashes a search compares.

A stored fingerprint carries the eight rotations/mirrors of the whole image, 14 sub-crops (each
with its mirror) and a pHash, so that *later candidates* can match it however they were changed.
A candidate only needs its whole-image PDQ and the PDQ of its trimmed and detected regions
(``vault.matching.query_hashes``): computing just those makes checking a candidate several
times cheaper, with exactly the same search results (``tests/test_scan_units.py`` checks this).

The result is an ``ImageFingerprint`` whose rotation variants, crops and pHash are left empty:
it is for searching in memory only and is never stored. Sightings store a full fingerprint.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from vault.fingerprints import regions
from vault.fingerprints.image import MIN_QUALITY, MIN_SIDE
from vault.fingerprints.model import ImageFingerprint, RegionHash, RegionKind
from vault.fingerprints.pdq import pdq_hash

_NO_PHASH = "0" * 16


def _at_least(rgb: np.ndarray, side: int) -> np.ndarray:
    h, w = rgb.shape[:2]
    if h >= side and w >= side:
        return rgb
    size = (max(w, side), max(h, side))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.NEAREST), dtype=np.uint8)


def _query_regions(rgb: np.ndarray) -> tuple[RegionHash, ...]:
    h, w = rgb.shape[:2]
    wanted: list[tuple[RegionKind, regions.Box]] = []
    trimmed = regions.trim_box(rgb)
    if trimmed is not None:
        wanted.append(("trim", trimmed))
    for box in regions.content_boxes(rgb):
        if not any(regions.same_box(box, b) for _, b in wanted):
            wanted.append(("content", box))
    if not wanted:
        return ()
    small, f = rgb, 1.0
    if max(h, w) > regions.REGION_SIDE:
        f = regions.REGION_SIDE / max(h, w)
        size = (max(1, round(w * f)), max(1, round(h * f)))
        small = np.ascontiguousarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA))
    out = []
    for kind, box in wanted:
        sbox = (int(box[0] * f), int(box[1] * f), round(box[2] * f), round(box[3] * f))
        pixels = regions.region_pixels(small, sbox)
        if min(pixels.shape[:2]) < 16:
            continue
        digest, quality = pdq_hash(pixels)
        if quality < MIN_QUALITY:
            continue
        frac = (round(box[0] / w, 4), round(box[1] / h, 4), round(box[2] / w, 4),
                round(box[3] / h, 4))
        out.append(RegionHash(kind=kind, box=frac, pdq=digest.hex(), quality=quality,
                              pdq_mirror=digest.hex()))
    return tuple(out)


def query_fingerprint(
    rgb: np.ndarray, *, width: int, height: int, fmt: str, sha256: str, md5: str
) -> ImageFingerprint:
    """The search-only fingerprint of a decoded working copy (see the module doc)."""
    h, w = rgb.shape[:2]
    digest, quality = pdq_hash(_at_least(rgb, 16))
    low = quality < MIN_QUALITY or min(width, height) < MIN_SIDE
    found: tuple[RegionHash, ...] = ()
    if not low and min(h, w) >= regions.MIN_REGION_SIDE:
        found = _query_regions(rgb)
    pdq = digest.hex()
    return ImageFingerprint(
        sha256=sha256, md5=md5, width=width, height=height, format=fmt, pdq=pdq,
        pdq_quality=quality, pdq_variants=(pdq,), phash=_NO_PHASH, regions=found,
        low_quality=low,
    )
