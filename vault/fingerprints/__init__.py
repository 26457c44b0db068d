"""Fingerprints that recognise an image or video again after re-uploaders have changed it.

Public API (see ``docs/fingerprints.md``)::

    fingerprint_image(source: bytes | Path, *, max_pixels=...) -> ImageFingerprint
    fingerprint_video(path: Path, *, frames=16) -> VideoFingerprint
    fingerprint_file(path: Path) -> ImageFingerprint | VideoFingerprint | None
    fingerprint_from_json(d) -> ImageFingerprint | VideoFingerprint

Matching lives in :mod:`vault.matching`. Everything is computed in memory; fingerprints are
sensitive (they can confirm that a known picture is in a vault) and belong in the encrypted
metadata only. Bad input raises :class:`vault.errors.InputRejected`.
"""

from vault.fingerprints.decode import DEFAULT_MAX_PIXELS
from vault.fingerprints.files import fingerprint_file, sniff
from vault.fingerprints.image import MIN_QUALITY, fingerprint_image, fingerprint_pixels
from vault.fingerprints.model import (
    FINGERPRINT_VERSION,
    Fingerprint,
    FrameHash,
    ImageFingerprint,
    RegionHash,
    VideoFingerprint,
    fingerprint_from_json,
)
from vault.fingerprints.pdq import DIHEDRAL, hamming
from vault.fingerprints.video import fingerprint_video

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "DIHEDRAL",
    "FINGERPRINT_VERSION",
    "MIN_QUALITY",
    "Fingerprint",
    "FrameHash",
    "ImageFingerprint",
    "RegionHash",
    "VideoFingerprint",
    "fingerprint_file",
    "fingerprint_from_json",
    "fingerprint_image",
    "fingerprint_pixels",
    "fingerprint_video",
    "hamming",
    "sniff",
]
