"""Fingerprint records: frozen, JSON round-trippable, and quiet in ``repr`` (no hashes in logs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from vault.fingerprints.keypoints import KEYPOINTS_VERSION, Keypoints

#: Bumped when what a fingerprint holds changes. 1: hashes only. 2: an image's fingerprint
#: also holds the keypoint stage's record whenever the picture has enough detail for one.
#: 3: a screenshot or page around a picture also holds the fingerprint of the picture inside
#: it (``inner``), and its keypoints are that picture's; and the keypoint record (version 2)
#: also holds the keypoints of the mirrored picture, so that a candidate needs one ORB pass
#: instead of two. 4: a screenshot of text (a chat, a threat message) is marked
#: ``text_screen``, keeps no ``inner`` picture (a block of message bubbles is not one), and
#: its keypoints lie on its message area's text only. Image fingerprints of an earlier
#: version are computed again from the original at the next scan (``needs_refresh``); the
#: hashes they share are unchanged.
FINGERPRINT_VERSION = 4

RegionKind = Literal["trim", "content", "crop"]
_REGION_KINDS: tuple[RegionKind, ...] = ("trim", "content", "crop")


def _hex(value: Any, length: int, what: str) -> str:
    if not isinstance(value, str) or len(value) != length:
        raise ValueError(f"{what} must be {length} hexadecimal characters")
    int(value, 16)  # raises ValueError on anything else
    return value.lower()


@dataclass(frozen=True)
class RegionHash:
    """The PDQ hash of one rectangle of an image.

    ``kind`` says why the rectangle was taken: ``trim`` (uniform bars and borders removed),
    ``content`` (the picture found inside a screenshot or a page), ``crop`` (a fixed sub-crop
    kept so that a cropped copy of this image still matches). ``box`` is ``(left, top, right,
    bottom)`` as fractions of the (orientation-corrected) image.
    """

    kind: RegionKind
    box: tuple[float, float, float, float]
    pdq: str = field(repr=False)
    quality: int
    pdq_mirror: str = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "box": list(self.box),
            "pdq": self.pdq,
            "quality": self.quality,
            "pdq_mirror": self.pdq_mirror,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> RegionHash:
        kind = d["kind"]
        if kind not in _REGION_KINDS:
            raise ValueError("unknown region kind")
        box = tuple(float(x) for x in d["box"])
        if len(box) != 4:
            raise ValueError("a region box has four numbers")
        return cls(
            kind=kind,
            box=(box[0], box[1], box[2], box[3]),
            pdq=_hex(d["pdq"], 64, "pdq"),
            quality=int(d["quality"]),
            pdq_mirror=_hex(d["pdq_mirror"], 64, "pdq_mirror"),
        )


@dataclass(frozen=True)
class InnerPicture:
    """The picture inside a screenshot or a web page that a vault item shows.

    A screenshot of a post is mostly the app around the picture: its status bar, buttons,
    captions and background are the same in every screenshot of that app, so matching the
    whole screenshot would flag other people's screenshots, and would miss the picture when
    it comes back on its own. ``fingerprint`` is the picture's own fingerprint, made from the
    file at the picture's resolution; ``box`` is where it sits, as fractions of the
    screenshot (left, top, right, bottom).
    """

    box: tuple[float, float, float, float]
    fingerprint: ImageFingerprint = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"box": list(self.box), "fingerprint": self.fingerprint.to_json()}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> InnerPicture:
        box = tuple(float(x) for x in d["box"])
        if len(box) != 4 or not (0 <= box[0] < box[2] <= 1 and 0 <= box[1] < box[3] <= 1):
            raise ValueError("an inner picture's box has four fractions")
        inner = ImageFingerprint.from_json(d["fingerprint"])
        if inner.inner is not None:
            raise ValueError("an inner picture has no picture inside it")
        return cls(box=(box[0], box[1], box[2], box[3]), fingerprint=inner)


@dataclass(frozen=True)
class ImageFingerprint:
    """Everything Ansim keeps to recognise one image again. Sensitive: store it encrypted.

    - ``sha256``/``md5``: hex digests of the file's bytes (exact copies; platforms use both).
    - ``width``/``height``: pixel size after EXIF orientation.
    - ``pdq``: 64-hex PDQ hash of the whole image (PDQ-compatible with ThreatExchange/StopNCII),
      ``pdq_quality`` its 0-100 quality; ``pdq_variants`` the eight dihedral variants in the
      order of :data:`vault.fingerprints.DIHEDRAL` (index 0 equals ``pdq``).
    - ``phash``: 16-hex 64-bit DCT pHash (``imagehash``), a second, independent hash family.
    - ``regions``: hashes of trimmed / detected / sub-cropped rectangles.
    - ``low_quality``: the image is too flat or too small for perceptual matching to be
      trusted; only exact matches and very close whole-image matches count.
    - ``keypoints``: ORB keypoints and a tiny grey reference picture for the keypoint stage
      (:mod:`vault.keypoint_match`), or None (fingerprints made before that stage, flat or
      tiny images). Optional in JSON: older fingerprints load and match as before.
      A screenshot with an ``inner`` picture keeps no keypoints of its own: its app chrome
      would match other screenshots of the same app.
    - ``inner``: the picture inside a screenshot or page (:class:`InnerPicture`), or None.
    - ``text_screen``: the image is a screenshot of text with no picture in it (a chat
      thread, a threat message, a profile page; :mod:`vault.fingerprints.screens`). Its
      keypoints lie on the text of its message area only, and the index asks more of its
      matches: other screenshots of the same app share everything else.
    """

    sha256: str = field(repr=False)
    md5: str = field(repr=False)
    width: int
    height: int
    format: str
    pdq: str = field(repr=False)
    pdq_quality: int
    pdq_variants: tuple[str, ...] = field(repr=False)
    phash: str = field(repr=False)
    regions: tuple[RegionHash, ...] = field(repr=False)
    low_quality: bool
    keypoints: Keypoints | None = field(default=None, repr=False)
    version: int = FINGERPRINT_VERSION
    kind: Literal["image"] = "image"
    inner: InnerPicture | None = field(default=None, repr=False)
    text_screen: bool = False

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "kind": self.kind,
            "version": self.version,
            "sha256": self.sha256,
            "md5": self.md5,
            "width": self.width,
            "height": self.height,
            "format": self.format,
            "pdq": self.pdq,
            "pdq_quality": self.pdq_quality,
            "pdq_variants": list(self.pdq_variants),
            "phash": self.phash,
            "regions": [r.to_json() for r in self.regions],
            "low_quality": self.low_quality,
        }
        if self.keypoints is not None:
            d["keypoints"] = self.keypoints.to_json()
        if self.inner is not None:
            d["inner"] = self.inner.to_json()
        if self.text_screen:
            d["text_screen"] = True
        return d

    @property
    def search_keypoints(self) -> Keypoints | None:
        """The keypoints the keypoint stage compares: the inner picture's for a screenshot
        around a picture, otherwise the image's own."""
        if self.inner is not None:
            return self.inner.fingerprint.keypoints
        return self.keypoints

    @property
    def needs_refresh(self) -> bool:
        """Made by an earlier version whose record the matcher cannot fully use: before the
        keypoint stage existed (version 1), before the picture inside a screenshot was looked
        for (version 2: other people's screenshots of the same app would be raised, crops of
        the picture missed), before screenshots of text were told from photos (version 3:
        other chats of the same app would be raised), or with a version-1 keypoint record (no
        mirrored set: mirrored crops would be missed). Compute it again from the original. A
        flat picture is left alone."""
        if self.low_quality:
            return False
        if self.version < FINGERPRINT_VERSION:
            return True
        kp = self.search_keypoints
        return kp is not None and kp.version < KEYPOINTS_VERSION

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ImageFingerprint:
        if d.get("kind", "image") != "image":
            raise ValueError("not an image fingerprint")
        variants = tuple(_hex(v, 64, "pdq variant") for v in d["pdq_variants"])
        if len(variants) != 8:
            raise ValueError("an image fingerprint has eight PDQ variants")
        return cls(
            sha256=_hex(d["sha256"], 64, "sha256"),
            md5=_hex(d["md5"], 32, "md5"),
            width=int(d["width"]),
            height=int(d["height"]),
            format=str(d["format"]),
            pdq=_hex(d["pdq"], 64, "pdq"),
            pdq_quality=int(d["pdq_quality"]),
            pdq_variants=variants,
            phash=_hex(d["phash"], 16, "phash"),
            regions=tuple(RegionHash.from_json(r) for r in d["regions"]),
            low_quality=bool(d["low_quality"]),
            keypoints=Keypoints.from_json(d["keypoints"]) if d.get("keypoints") else None,
            version=int(d.get("version", 1)),
            inner=InnerPicture.from_json(d["inner"]) if d.get("inner") else None,
            text_screen=d.get("text_screen") is True,
        )


@dataclass(frozen=True)
class FrameHash:
    """The PDQ hash of one sampled video frame at ``time`` seconds."""

    time: float
    pdq: str = field(repr=False)
    quality: int

    def to_json(self) -> dict[str, Any]:
        return {"time": self.time, "pdq": self.pdq, "quality": self.quality}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> FrameHash:
        return cls(time=float(d["time"]), pdq=_hex(d["pdq"], 64, "pdq"), quality=int(d["quality"]))


@dataclass(frozen=True)
class VideoFingerprint:
    """Exact digests of a video file plus PDQ hashes of frames sampled across it."""

    sha256: str = field(repr=False)
    md5: str = field(repr=False)
    width: int
    height: int
    duration: float
    format: str
    frames: tuple[FrameHash, ...] = field(repr=False)
    version: int = FINGERPRINT_VERSION
    kind: Literal["video"] = "video"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "version": self.version,
            "sha256": self.sha256,
            "md5": self.md5,
            "width": self.width,
            "height": self.height,
            "duration": self.duration,
            "format": self.format,
            "frames": [f.to_json() for f in self.frames],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> VideoFingerprint:
        if d.get("kind") != "video":
            raise ValueError("not a video fingerprint")
        return cls(
            sha256=_hex(d["sha256"], 64, "sha256"),
            md5=_hex(d["md5"], 32, "md5"),
            width=int(d["width"]),
            height=int(d["height"]),
            duration=float(d["duration"]),
            format=str(d["format"]),
            frames=tuple(FrameHash.from_json(f) for f in d["frames"]),
            version=int(d.get("version", 1)),
        )


Fingerprint = ImageFingerprint | VideoFingerprint


def fingerprint_from_json(d: dict[str, Any]) -> Fingerprint:
    """Rebuild either kind of fingerprint from its ``to_json()`` form."""
    if d.get("kind") == "video":
        return VideoFingerprint.from_json(d)
    return ImageFingerprint.from_json(d)
