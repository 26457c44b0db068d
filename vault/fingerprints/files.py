"""``fingerprint_file``: pick the image or video path by the file's magic bytes, not its name."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from vault.errors import InputRejected
from vault.fingerprints.decode import DEFAULT_MAX_PIXELS
from vault.fingerprints.image import fingerprint_image
from vault.fingerprints.model import ImageFingerprint, VideoFingerprint
from vault.fingerprints.video import fingerprint_video

MediaKind = Literal["image", "video"]


def sniff(head: bytes) -> MediaKind | None:
    """``image``, ``video`` or None from the first bytes of a file."""
    if head.startswith(b"\xff\xd8\xff") or head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image"
    if head[:6] in (b"GIF87a", b"GIF89a") or head.startswith(b"BM"):
        return "image"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"avif", b"heim", b"heis"):
            return None  # still images we cannot decode
        return "video"
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # Matroska / WebM
        return "video"
    if head.startswith(b"FLV") or head[:4] == b"OggS":
        return "video"
    if head[:1] == b"\x47" and len(head) > 188 and head[188:189] == b"\x47":  # MPEG-TS
        return "video"
    if head[:4] in (b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3"):  # MPEG-PS
        return "video"
    return None


def fingerprint_file(
    path: Path, *, max_pixels: int = DEFAULT_MAX_PIXELS
) -> ImageFingerprint | VideoFingerprint | None:
    """Fingerprint an image or a video; None when the file is neither (by content)."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        raise InputRejected("The file could not be read.") from exc
    kind = sniff(head)
    if kind == "image":
        return fingerprint_image(path, max_pixels=max_pixels)
    if kind == "video":
        return fingerprint_video(path)
    return None
