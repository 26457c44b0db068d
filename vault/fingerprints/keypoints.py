"""Local features for the second matching stage: ORB keypoints and a small grey reference.

Global hashes (PDQ of the whole image, of regions and fixed sub-crops) cannot follow an
off-centre crop, a small rotation or a picture pasted into a screenshot with large areas of the
app's background colour. Local features can: a copy shares many keypoints with its original
at positions related by one similarity transform (rotation, scale, shift), and the pixels of the
two images agree once aligned.

Per image this module keeps (``Keypoints``):

- up to ``STORED_POINTS`` (vault side) or ``QUERY_POINTS`` (candidate side) ORB keypoints found on
  a grey copy whose long side is ``KP_SIDE`` px: positions (quarter pixels, uint16) and 256-bit
  binary descriptors;
- for vault items only, the same keypoints mirrored and described on the mirrored grey copy
  (ORB's descriptors are not mirror-invariant, so a mirrored copy is matched against the item's
  mirrored set; a candidate then needs one ORB pass, not two);
- a grey reference picture (long side ``THUMB_SIDE`` px for vault items, ``QUERY_THUMB_SIDE`` for
  candidates) for the pixel check of :mod:`vault.keypoint_match`.

Everything here is as sensitive as the hashes (the reference picture is a tiny copy of the
image): it lives only inside the vault's encryption. Extraction takes about 1-1.5 ms per set on
one core (see docs/fingerprints.md); a candidate needs one set, a vault item two (at import).
"""

from __future__ import annotations

import base64
import math
import threading
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

U8Image = npt.NDArray[np.uint8]

#: Layout of the serialised record; bumped when stored keypoints stop being comparable.
#: 1: a vault item kept only its plain set (candidates computed a mirrored set of their own).
#: 2: a vault item also keeps the set of its mirrored copy (``mirrored``); candidates have one.
KEYPOINTS_VERSION = 2
#: Record versions that still load (an item with a version-1 record matches mirrored copies
#: through its hashes only until it is fingerprinted again; ``ImageFingerprint.needs_refresh``).
READABLE_VERSIONS = (1, 2)
#: Long side of the grey copy keypoints are found on.
KP_SIDE = 320
#: Keypoints kept per vault item, and per candidate orientation.
STORED_POINTS = 160
QUERY_POINTS = 320
#: Long side of the grey reference picture of a vault item, and of a candidate.
THUMB_SIDE = 64
QUERY_THUMB_SIDE = 128
#: Images whose grey copy has a short side below this get no keypoints.
MIN_SIDE = 24
DESCRIPTOR_BYTES = 32

# One detector per thread: OpenCV does not promise that one Feature2D object can serve several
# threads at once (scans fingerprint candidates on a thread pool as well as in processes).
_LOCAL = threading.local()


#: Scale between two levels of ORB's pyramid.
SCALE_FACTOR = 1.3


def _orb(points: int) -> Any:
    cache: dict[int, Any] | None = getattr(_LOCAL, "orb", None)
    if cache is None:
        cache = _LOCAL.orb = {}
    orb = cache.get(points)
    if orb is None:
        create: Any = cv2.ORB.create
        orb = create(nfeatures=points, scaleFactor=SCALE_FACTOR, nlevels=6, edgeThreshold=12,
                     patchSize=25, fastThreshold=10)
        cache[points] = orb
    return orb


@dataclass(frozen=True)
class PointSet:
    """ORB keypoints of one orientation: ``xy`` (n x 2 float32, pixels of the keypoint copy)
    and ``descriptors`` (n x 32 uint8)."""

    xy: npt.NDArray[np.float32] = field(repr=False)
    descriptors: U8Image = field(repr=False)

    def __len__(self) -> int:
        return int(self.descriptors.shape[0])

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, PointSet) and np.array_equal(self.xy, other.xy)
                and np.array_equal(self.descriptors, other.descriptors))

    def __hash__(self) -> int:
        return hash(self.descriptors.tobytes())

    def to_json(self) -> dict[str, Any]:
        quarter = np.round(self.xy * 4).astype("<u2")
        return {"xy": _b64(quarter.tobytes()), "d": _b64(self.descriptors.tobytes())}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> PointSet:
        xy = (np.frombuffer(_unb64(d["xy"]), dtype="<u2") / 4).astype(np.float32)
        desc = np.frombuffer(_unb64(d["d"]), dtype=np.uint8)
        if xy.size % 2 or desc.size % DESCRIPTOR_BYTES or xy.size // 2 != desc.size // 32:
            raise ValueError("keypoint positions and descriptors do not agree")
        return cls(xy=xy.reshape(-1, 2), descriptors=desc.reshape(-1, DESCRIPTOR_BYTES).copy())


@dataclass(frozen=True)
class Keypoints:
    """Local features of one image (see the module doc). ``size`` is the (width, height) of
    the keypoint copy; ``thumb`` the grey reference picture (h x w uint8); ``mirrored`` a vault
    item's keypoints on its mirrored copy, in the mirrored copy's coordinates (None for
    candidates and for records of version 1)."""

    size: tuple[int, int]
    points: PointSet = field(repr=False)
    thumb: U8Image = field(repr=False)
    mirrored: PointSet | None = field(default=None, repr=False)
    version: int = KEYPOINTS_VERSION

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Keypoints) and self.size == other.size
                and self.points == other.points and self.mirrored == other.mirrored
                and np.array_equal(self.thumb, other.thumb) and self.version == other.version)

    def __hash__(self) -> int:
        return hash((self.size, self.points))

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "version": self.version,
            "size": list(self.size),
            "points": self.points.to_json(),
            "thumb": {"w": int(self.thumb.shape[1]), "h": int(self.thumb.shape[0]),
                      "px": _b64(self.thumb.tobytes())},
        }
        if self.mirrored is not None:
            d["mirrored"] = self.mirrored.to_json()
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Keypoints:
        version = int(d["version"])
        if version not in READABLE_VERSIONS:
            raise ValueError("unknown keypoint version")
        size = tuple(int(x) for x in d["size"])
        if len(size) != 2 or min(size) < 1:
            raise ValueError("a keypoint copy has a width and a height")
        t = d["thumb"]
        tw, th = int(t["w"]), int(t["h"])
        px = np.frombuffer(_unb64(t["px"]), dtype=np.uint8)
        if tw < 1 or th < 1 or px.size != tw * th:
            raise ValueError("the reference picture has the wrong size")
        mirrored = d.get("mirrored")
        return cls(
            size=(size[0], size[1]),
            points=PointSet.from_json(d["points"]),
            thumb=px.reshape(th, tw).copy(),
            mirrored=PointSet.from_json(mirrored) if mirrored is not None else None,
            version=version,
        )


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _unb64(s: Any) -> bytes:
    if not isinstance(s, str):
        raise ValueError("expected base64 text")
    return base64.b64decode(s.encode("ascii"), validate=True)


def grey_copy(rgb: U8Image, side: int) -> U8Image:
    """Grey version of an RGB working copy with its long side brought to at most ``side``."""
    grey: U8Image = np.asarray(cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY),
                               dtype=np.uint8)
    return _fit(grey, side)


def _fit(grey: U8Image, side: int) -> U8Image:
    """``grey`` itself when its long side is at most ``side``, else an area-resampled copy."""
    h, w = grey.shape
    if max(h, w) <= side:
        return np.ascontiguousarray(grey)
    f = side / max(h, w)
    size = (max(1, round(w * f)), max(1, round(h * f)))
    return np.ascontiguousarray(cv2.resize(grey, size, interpolation=cv2.INTER_AREA))


def _points(grey: U8Image, n: int, mask: U8Image | None = None
            ) -> tuple[PointSet, list[Any]]:
    """The point set of ``grey`` and the detected OpenCV keypoints it was made from."""
    kps, desc = _orb(n).detectAndCompute(grey, mask)
    return _point_set(kps, desc), list(kps or ())


def _point_set(kps: Any, desc: Any) -> PointSet:
    if desc is None or not kps:
        return PointSet(np.zeros((0, 2), np.float32), np.zeros((0, DESCRIPTOR_BYTES), np.uint8))
    # Quarter pixels, as stored: a record equals itself after a JSON round trip.
    xy = (np.round(np.array([k.pt for k in kps], dtype=np.float64) * 4) / 4).astype(np.float32)
    xy = xy.reshape(-1, 2)
    return PointSet(xy=xy, descriptors=np.ascontiguousarray(desc, dtype=np.uint8))


def _mirrored_points(grey: U8Image, kps: list[Any], n: int) -> PointSet:
    """The point set of the mirrored ``grey``: the same keypoints mirrored (position, and
    orientation ``180 - angle``), described on the mirrored picture, for about 40 % of the
    cost of a second detection. ORB's corner test and orientation are symmetric, and so is
    each level of its scale pyramid, so this is the set a detection on the mirrored copy
    finds, once each point is mirrored inside its own pyramid level: a level of scale ``s``
    is ``round(w / s)`` pixels wide, not ``w / s``, and a point there is described at its
    level position. Measured on the benchmark's five largest photos: every point had its
    twin in a second detection, with the same descriptor bits (a few points differed by a
    bit or two, from rounding)."""
    if not kps:
        return _point_set((), None)
    w = grey.shape[1]
    flipped = []
    for k in kps:
        scale = SCALE_FACTOR ** k.octave
        level_w = math.floor(w / scale + 0.5)  # OpenCV's cvRound of the level's width
        flipped.append(cv2.KeyPoint((level_w - 1) * scale - k.pt[0], k.pt[1], k.size,
                                    (180.0 - k.angle) % 360.0, k.response, k.octave,
                                    k.class_id))
    out, desc = _orb(n).compute(np.ascontiguousarray(grey[:, ::-1]), flipped)
    return _point_set(out, desc)


def extract(rgb: U8Image, *, query: bool = False, mask: U8Image | None = None
            ) -> Keypoints | None:
    """Keypoints of an RGB working copy (long side <= 512), or None when the picture is too
    small or has no keypoints at all (flat). ``query`` builds a candidate's record: more
    points and a larger reference picture, no mirrored set; a vault item's record (the
    default) has a mirrored set. ``mask`` (uint8, the size of ``rgb``, non-zero where points
    may lie) keeps the points, and the mirrored set's, to part of the picture; the reference
    picture stays whole."""
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        return None
    return from_grey(grey_copy(rgb, KP_SIDE), query=query, mask=mask)


def from_grey(grey: U8Image, *, query: bool = False, mask: U8Image | None = None
              ) -> Keypoints | None:
    """``extract`` from the grey copy (long side at most ``KP_SIDE``) it starts with."""
    grey = _fit(grey, KP_SIDE)
    h, w = grey.shape
    if min(h, w) < MIN_SIDE:
        return None
    small_mask = None
    if mask is not None:
        small_mask = np.asarray(cv2.resize(mask, (w, h), interpolation=cv2.INTER_NEAREST),
                                dtype=np.uint8)
    pts, kps = _points(grey, QUERY_POINTS if query else STORED_POINTS, small_mask)
    if len(pts) == 0:
        return None
    thumb = _thumb(grey, QUERY_THUMB_SIDE if query else THUMB_SIDE)
    mirrored = None
    if not query:
        # The plain set's points lie inside ``mask``; mirrored, inside the mirrored mask.
        mirrored = _mirrored_points(grey, kps, STORED_POINTS)
    return Keypoints(size=(w, h), points=pts, thumb=thumb, mirrored=mirrored)


def _thumb(grey: U8Image, side: int) -> U8Image:
    thumb = _fit(grey, side)
    return thumb.copy() if thumb is grey else thumb
