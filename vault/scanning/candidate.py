"""A search-only fingerprint for scan candidates: just the hashes a search compares.

A stored fingerprint carries the eight rotations/mirrors of the whole image, 14 sub-crops (each
with its mirror) and a pHash, so that *later candidates* can match it however they were changed.
A candidate only needs its whole-image PDQ, the PDQ of its trimmed and detected regions
(``vault.matching.query_hashes``) and its keypoints in the candidate layout (more points, one
orientation: ``vault.fingerprints.keypoints.extract(query=True)``; vault items keep a mirrored
set): computing just those makes checking a candidate several times cheaper.

Its PDQ hashes come from the fast implementation (``pdq_hash_for_search``), which hands over
to the reference binding for low-quality pictures, pictures on the quality threshold and ties
at the median: it gave the reference's hash on all 21,645 pictures measured
(``docs/fingerprints.md``). What it can still get wrong is a rounding swap of the two
coefficients at the median, 2 bits, far inside every matching threshold.
``tests/test_scan_units.py`` checks that it finds the same items in the same bands as a full
fingerprint, and ``tests/test_pdq_fast.py`` the agreement with the reference.

The result is an ``ImageFingerprint`` whose rotation variants, crops and pHash are left empty:
it is for searching in memory only and is never stored. Sightings store a full fingerprint.
"""

from __future__ import annotations

import numpy as np

from vault.fingerprints import keypoints, regions
from vault.fingerprints.image import MIN_QUALITY, MIN_SIDE, at_least, region_hashes
from vault.fingerprints.model import ImageFingerprint, RegionHash
from vault.fingerprints.pdq import pdq_hash, pdq_hash_for_search

_NO_PHASH = "0" * 16


def query_fingerprint(
    rgb: np.ndarray, *, width: int, height: int, fmt: str, sha256: str, md5: str,
    with_keypoints: bool = True,
) -> ImageFingerprint:
    """The search-only fingerprint of a decoded working copy (see the module doc).
    ``with_keypoints=False`` leaves the keypoints out (a quick scan: the search then compares
    hashes only)."""
    h, w = rgb.shape[:2]
    hashable = at_least(rgb, 16)
    if min(width, height) < MIN_SIDE:  # low quality whatever PDQ says: the reference's hash
        digest, quality = pdq_hash(hashable)
    else:
        digest, quality = pdq_hash_for_search(hashable, min_quality=MIN_QUALITY)
    low = quality < MIN_QUALITY or min(width, height) < MIN_SIDE
    found: tuple[RegionHash, ...] = ()
    if not low and min(h, w) >= regions.MIN_REGION_SIDE:
        found = tuple(region_hashes(rgb, search_only=True))
    pdq = digest.hex()
    return ImageFingerprint(
        sha256=sha256, md5=md5, width=width, height=height, format=fmt, pdq=pdq,
        pdq_quality=quality, pdq_variants=(pdq,), phash=_NO_PHASH, regions=found,
        low_quality=low,
        keypoints=None if low or not with_keypoints else keypoints.extract(rgb, query=True),
    )
