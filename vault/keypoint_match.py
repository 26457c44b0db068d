"""The keypoint stage of matching: a shortlist over descriptors, RANSAC, and a pixel check.

``vault.matching`` first compares PDQ hashes; this stage then confirms copies the hashes cannot
follow (off-centre crops, small rotations, pictures inside screenshots, mirrored crops):

1. **Shortlist** (``KeypointIndex.shortlist``): every stored ORB descriptor (256 bits) is
   filed under ``TABLES`` keys of 32 bits (descriptor bytes 0-3, 4-7, ...); keys shared by
   very many stored descriptors (plain corners) are left out. Each table's entries are grouped
   in buckets by a hash of the key, so a candidate descriptor's key is found by reading one
   small bucket, for all tables and descriptors in a few array operations. Colliding pairs
   within ``SHORTLIST_BITS`` bits are real near neighbours, and a vault item gets one vote per
   candidate descriptor that has such a neighbour in it. Only the few items with the most
   votes (at least ``MIN_VOTES``) are verified. The cost grows with the number of colliding
   pairs (slowly with the vault), not with the number of stored descriptors.
2. **Geometric verification** (``verify``): descriptor matches (nearest neighbour with a ratio
   test, one compiled 2-nearest-neighbour call), then ``cv2.estimateAffinePartial2D`` with
   RANSAC (rotation, uniform scale, shift). A pair with fewer correspondences or inliers than
   the fewest any band accepts stops there, before the costlier steps.
3. **Pixel check**: the candidate's grey reference picture is warped onto the vault item's
   with the found transform, and the normalised correlation over the overlap decides. Inlier
   counts alone confuse different photos of one subject; aligned pixels do not.

ORB is not mirror-invariant, so every vault item also keeps the keypoints of its mirrored picture
(``Keypoints.mirrored``): a candidate computes one set, which the shortlist and verification
match against both of an item's sets; a mirrored copy verifies against the mirrored set and the
item's reference picture mirrored.
Thresholds (``MIN_INLIERS``, ``CORRELATION``) were chosen on the benchmark (docs/fingerprints.md).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal

import cv2
import numpy as np
import numpy.typing as npt

from vault.fingerprints.keypoints import Keypoints, PointSet

#: Key tables of the shortlist (table t keys on descriptor bytes 4t..4t+3).
TABLES = 8
#: Keys filed under more than this many stored descriptors (plus a share of the total) are
#: ignored: they come from plain corners and edges that many pictures share.
BUCKET_CAP = 8
BUCKET_SHARE = 2e-5
#: Colliding descriptor pairs count as neighbours within this many bits (of 256).
SHORTLIST_BITS = 64
#: Items need at least this many votes to be verified, and at most ``SHORTLIST`` are.
MIN_VOTES = 4
SHORTLIST = 4

#: Ratio test and largest descriptor distance for a correspondence.
RATIO = 0.85
MAX_DESCRIPTOR_BITS = 80
#: RANSAC reprojection error (pixels of the keypoint copy), and its iteration limit. RANSAC
#: stops by itself once it is 99.5 % sure (early for copies); pairs of unrelated pictures, whose
#: best models have few inliers, can run to the limit. 300 instead of 1000 changed no search
#: result on the benchmark (12,450 candidates); 200 changed a verdict and 100 changed 26 of
#: 16,000 pairs.
RANSAC_PX = 4.0
RANSAC_ITERS = 300
#: Correspondences (and then RANSAC inliers) a pair needs to be checked further: the fewest
#: inliers any band accepts (``MIN_INLIERS[-1]``), so nothing that could match is dropped.
MIN_CORRESPONDENCES = 8
#: Accepted scale range of the transform.
SCALE_RANGE = (1 / 6, 6.0)
#: Share of the vault item's reference picture the aligned candidate must cover.
MIN_OVERLAP = 0.3
#: Pictures whose detail layer varies less than this (grey levels) are too flat to check.
MIN_DETAIL = 2.0

#: Bands: (least inliers, least correlation) for strong, probable and needs_review.
MIN_INLIERS = (20, 12, 8)
CORRELATION = (0.85, 0.72, 0.55)
#: Also *probable* (least inliers, least correlation, least spread): overwhelming geometry
#: with a weaker pixel check (a crop or an overlay leaves the 64-px reference less to agree
#: on), as long as the inliers span the picture rather than one shared object; or a
#: near-perfect pixel check on a small keypoint set (simple pictures have few corners). On
#: the benchmark no unrelated pair came near any of them: at correlation >= 0.40 they reached
#: 21 inliers, at >= 0.20 24, and with 10 or more inliers a correlation of 0.50
#: (docs/fingerprints.md).
ALSO_PROBABLE = ((35, 0.40, 0.25), (60, 0.20, 0.25), (10, 0.80, 0.0))
#: A copy is turned by a few degrees or by quarter turns: a fit that turns the item further
#: than this from the nearest quarter turn is at most *needs_review*. On the scale benchmark
#: (10^9 pairs, seed 20261206) every keypoint false match at the decision threshold needed
#: 18-37 degrees (a tilted thermometer laid on a level syringe, both thin objects on white);
#: the benchmark's copies are turned by at most 10 degrees (and chains of 2 + 5).
MAX_TURN = 15.0


@dataclass(frozen=True)
class Verdict:
    """What the verification of one (candidate, vault item) pair found."""

    inliers: int
    correlation: float
    overlap: float
    mirrored: bool
    scale: float
    angle: float
    #: How much of the item's keypoint area inside the candidate the inliers span (bounding
    #: boxes): near 1 for a copy, small when only one object is shared (a composite).
    spread: float = 1.0


Band = Literal["strong", "probable", "needs_review"]


def band_of(v: Verdict) -> Band | None:
    """``strong`` / ``probable`` / ``needs_review`` for a verdict, or None (no match). A fit
    turned more than ``MAX_TURN`` degrees from the nearest quarter turn is at most
    ``needs_review``."""
    band = _band_by_evidence(v)
    if band is not None and abs((v.angle + 45.0) % 90.0 - 45.0) > MAX_TURN:
        return "needs_review"
    return band


def _band_by_evidence(v: Verdict) -> Band | None:
    bands: tuple[Band, ...] = ("strong", "probable", "needs_review")
    for band, least, corr in zip(bands, MIN_INLIERS, CORRELATION, strict=True):
        if v.inliers >= least and v.correlation >= corr:
            return band
        if band == "probable" and any(
            v.inliers >= least_also and v.correlation >= corr_also and v.spread >= spread_also
            for least_also, corr_also, spread_also in ALSO_PROBABLE
        ):
            return band
    return None


def _hamming_rows(a: npt.NDArray[np.uint64], b: npt.NDArray[np.uint64]) -> npt.NDArray[np.int32]:
    """Bit distance between matching rows of two (n x 4) uint64 descriptor arrays."""
    out: npt.NDArray[np.int32] = np.bitwise_count(np.bitwise_xor(a, b)).sum(axis=1,
                                                                          dtype=np.int32)
    return out


def _words(desc: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint64]:
    """(n x 32) descriptor bytes as (n x 4) uint64 words."""
    return np.ascontiguousarray(desc).view(np.uint64)


def _prefix_bits(entries: int) -> int:
    """Bits of the bucket number in a table of ``entries``: two to four entries a bucket."""
    return min(24, max(8, int(entries).bit_length() - 2))


class KeypointIndex:
    """Stored keypoints of vault items with the descriptor shortlist (see the module doc)."""

    def __init__(self) -> None:
        self._items: dict[int, Keypoints] = {}
        self._dirty = False
        self._desc = np.zeros((0, 4), dtype=np.uint64)
        # (item slot * 2 + orientation) of each stored descriptor row; 1 = the mirrored set.
        self._owner = np.zeros(0, dtype=np.int32)
        # The key tables, one after the other in two arrays (key, descriptor row: 8 bytes an
        # entry), without the keys of plain corners (see ``_build_tables``). A table's
        # entries are grouped in ``2 ** _bits`` buckets by a hash of the key; ``_start`` has the
        # first entry of every (table, bucket), so a lookup reads one bucket (about 4 entries).
        self._keys = np.zeros(0, dtype=np.uint32)
        self._rows = np.zeros(0, dtype=np.int32)
        self._bits = 8
        self._start = np.zeros(TABLES * 256 + 1, dtype=np.int32)

    def __len__(self) -> int:
        return len(self._items)

    def get(self, slot: int) -> Keypoints | None:
        return self._items.get(slot)

    def add(self, slot: int, kp: Keypoints) -> None:
        if len(kp.points) == 0:
            return
        self._items[slot] = kp
        self._dirty = True

    def remove(self, slot: int) -> None:
        if self._items.pop(slot, None) is not None:
            self._dirty = True

    def rebuild(self) -> None:
        if not self._dirty:
            return
        slots = sorted(self._items)
        # (slot, orientation, point set): every item's plain set and its mirrored one.
        sets = [(s, o, p) for s in slots
                for o, p in enumerate((self._items[s].points, self._items[s].mirrored))
                if p is not None and len(p)]
        desc = np.zeros((0, 32), dtype=np.uint8)
        self._owner = np.zeros(0, dtype=np.int32)
        if sets:
            desc = np.ascontiguousarray(np.concatenate([p.descriptors for _, _, p in sets]))
            self._owner = np.concatenate(
                [np.full(len(p), 2 * s + o, dtype=np.int32) for s, o, p in sets])
            # Items keep views of the concatenated descriptors, not copies of their own.
            start = 0
            views: dict[tuple[int, int], PointSet] = {}
            for s, o, p in sets:
                views[(s, o)] = PointSet(p.xy, desc[start:start + len(p)])
                start += len(p)
            for s in slots:
                kp = self._items[s]
                self._items[s] = replace(kp, points=views.get((s, 0), kp.points),
                                         mirrored=views.get((s, 1), kp.mirrored))
        self._desc = _words(desc)
        self._build_tables(desc)
        self._dirty = False

    def _build_tables(self, desc: npt.NDArray[np.uint8]) -> None:
        n = desc.shape[0]
        cap = BUCKET_CAP + int(BUCKET_SHARE * n)
        keys_all = np.ascontiguousarray(desc).view("<u4").reshape(n, TABLES)
        tables: list[tuple[npt.NDArray[np.uint32], npt.NDArray[np.int32]]] = []
        for t in range(TABLES):
            order = np.argsort(keys_all[:, t], kind="stable").astype(np.int32)
            keys = keys_all[order, t]
            # Keys shared by more than ``cap`` stored descriptors (plain corners and edges that
            # many pictures have) are never looked up: they are left out of the table.
            runs = np.diff(np.r_[np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]), n])
            keep = np.repeat(runs <= cap, runs)
            tables.append((keys[keep], order[keep]))
        self._bits = _prefix_bits(max((len(k) for k, _ in tables), default=0))
        per = 1 << self._bits
        starts = [np.zeros(1, dtype=np.int64)]
        offset = 0
        for t, (keys, rows) in enumerate(tables):
            # Buckets by a hash of the key: ORB's bits are far from uniform, so buckets by
            # the key's own leading bits would be very uneven.
            bucket = self._bucket(keys)
            by_bucket = np.argsort(bucket, kind="stable")
            tables[t] = (keys[by_bucket], rows[by_bucket])
            starts.append(offset + np.cumsum(np.bincount(bucket, minlength=per)))
            offset += len(keys)
        self._start = np.concatenate(starts).astype(np.int32)
        self._keys = np.concatenate([k for k, _ in tables])
        self._rows = np.concatenate([r for _, r in tables])

    def _bucket(self, keys: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
        """The bucket of each key within its table (Fibonacci hashing: the leading bits of
        the key times 2^32 / golden ratio, modulo 2^32)."""
        out: npt.NDArray[np.uint32] = np.multiply(keys, np.uint32(0x9E3779B1)) >> np.uint32(
            32 - self._bits)
        return out

    @property
    def descriptor_count(self) -> int:
        self.rebuild()
        return int(self._desc.shape[0])

    @property
    def table_bytes(self) -> int:
        """Memory held by the descriptors, their owners and the key tables."""
        self.rebuild()
        return sum(int(a.nbytes) for a in (self._desc, self._owner, self._keys, self._rows,
                                           self._start))

    def shortlist(self, query: Keypoints, *, exclude: Iterable[int] = ()
                  ) -> list[tuple[int, bool, int]]:
        """(slot, mirrored, votes) of the vault items worth verifying, most votes first."""
        self.rebuild()
        qd = query.points.descriptors
        nq = int(qd.shape[0])
        if self._keys.size == 0 or nq == 0:
            return []
        # Every candidate key (descriptor x table) looks into its bucket; all tables at once.
        qk = np.ascontiguousarray(qd).view("<u4").reshape(nq * TABLES)
        bucket = (np.tile(np.arange(TABLES, dtype=np.int64) << self._bits, nq)
                  + self._bucket(qk))
        lo = self._start[bucket]
        counts = self._start[bucket + 1] - lo
        total = int(counts.sum())
        if total == 0:
            return []
        entry = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(total)
        same = self._keys[entry] == np.repeat(qk, counts)
        qi = np.repeat(np.arange(nq * TABLES) // TABLES, counts)[same]
        ri = self._rows[entry[same]]
        # Colliding pairs within SHORTLIST_BITS bits are near neighbours.
        close = _hamming_rows(_words(qd)[qi], self._desc[ri]) <= SHORTLIST_BITS
        if not close.any():
            return []
        # One vote per candidate descriptor and (item, orientation). (Sorting and comparing
        # neighbours: np.unique is ten times slower on these arrays.)
        pair = np.sort(self._owner[ri[close]].astype(np.int64) * nq + qi[close])
        target = pair[np.r_[True, pair[1:] != pair[:-1]]] // nq
        first = np.flatnonzero(np.r_[True, target[1:] != target[:-1]])
        targets, votes = target[first], np.diff(np.r_[first, target.size])
        skip = np.array(sorted(set(exclude)), dtype=np.int64)
        ok = (votes >= MIN_VOTES) & ~np.isin(targets // 2, skip)
        targets, votes = targets[ok], votes[ok]
        top = np.argsort(-votes, kind="stable")[:SHORTLIST]
        return [(int(targets[k] // 2), bool(targets[k] % 2), int(votes[k])) for k in top]


def verify(query: Keypoints, stored: Keypoints, *, mirrored: bool) -> Verdict | None:
    """RANSAC plus pixel check of one pair; None when no consistent transform was found, or
    when the pair cannot reach any band (fewer than ``MIN_INLIERS[-1]`` correspondences or
    inliers: it is dropped before the costlier steps). ``mirrored`` matches the candidate
    against the item's mirrored set and mirrored reference picture (the candidate may be a
    mirrored copy)."""
    qp = query.points
    sp = stored.mirrored if mirrored else stored.points
    if sp is None or len(qp) < 2 or len(sp) < MIN_CORRESPONDENCES:
        return None
    si, qi = _ratio_matches(sp.descriptors, qp.descriptors)
    if si.size < MIN_CORRESPONDENCES:
        return None
    src = sp.xy[si]
    dst = qp.xy[qi]
    m_aff, inl = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC,
                                             ransacReprojThreshold=RANSAC_PX,
                                             maxIters=RANSAC_ITERS, confidence=0.995,
                                             refineIters=5)
    if m_aff is None or inl is None:
        return None
    inliers = int(inl.sum())
    if inliers < MIN_CORRESPONDENCES or not np.all(np.isfinite(m_aff)):
        return None
    a, b = float(m_aff[0, 0]), float(m_aff[1, 0])
    scale = math.hypot(a, b)
    if not (SCALE_RANGE[0] <= scale <= SCALE_RANGE[1]):
        return None
    corr, overlap = _correlation(query, stored, np.asarray(m_aff, dtype=np.float64), mirrored)
    if overlap < MIN_OVERLAP:
        return None
    spread = _spread(src[inl.ravel().astype(bool)], sp.xy, m_aff, query.size)
    return Verdict(inliers=inliers, correlation=round(corr, 4), overlap=round(overlap, 3),
                   mirrored=mirrored, scale=round(scale, 3),
                   angle=round(math.degrees(math.atan2(b, a)), 1), spread=round(spread, 3))


@functools.cache
def _faiss() -> Any:
    """``faiss`` (single-threaded) for the 2-nearest-neighbour search, or None."""
    try:
        import faiss  # type: ignore[import-untyped,unused-ignore]
    except ImportError:  # pragma: no cover - a declared dependency; OpenCV still works
        return None
    faiss.omp_set_num_threads(1)  # see vault.matching._faiss
    return faiss


def _ratio_matches(sd: npt.NDArray[np.uint8], qd: npt.NDArray[np.uint8]
                   ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """(stored rows, candidate rows) of the correspondences: each stored descriptor's nearest
    candidate descriptor, kept when it is within ``MAX_DESCRIPTOR_BITS`` and clearly nearer
    than the second nearest (``RATIO``). One compiled call, no per-match Python objects; the
    same pairs as OpenCV's ``BFMatcher.knnMatch`` (a tie for the nearest fails the ratio
    test, so the order of equal neighbours does not matter)."""
    faiss = _faiss()
    if faiss is not None:
        dist, nn = faiss.knn_hamming(np.ascontiguousarray(sd), np.ascontiguousarray(qd), 2)
    else:  # pragma: no cover
        dist, nn = cv2.batchDistance(sd, qd, cv2.CV_32S, normType=cv2.NORM_HAMMING, K=2)
    d0, d1 = dist[:, 0], dist[:, 1]
    ok = np.flatnonzero((d0 <= MAX_DESCRIPTOR_BITS) & (d0 < RATIO * d1))
    return ok, nn[ok, 0].astype(np.intp)


def _box_area(xy: npt.NDArray[Any]) -> float:
    if len(xy) < 2:
        return 0.0
    span = xy.max(axis=0) - xy.min(axis=0)
    return float(span[0] * span[1])


def _spread(inliers: npt.NDArray[Any], stored_xy: npt.NDArray[Any], m_aff: npt.NDArray[Any],
            query_size: tuple[int, int]) -> float:
    """How much of the item's keypoint area the inliers span: the bounding box of the inliers
    over that of the item's keypoints that land inside the candidate. Near 1 for a copy (a
    crop's inliers cover what the crop kept), small when only one object is shared."""
    qw, qh = query_size
    proj = stored_xy @ np.asarray(m_aff[:, :2]).T + np.asarray(m_aff[:, 2])
    inside = stored_xy[(proj[:, 0] >= 0) & (proj[:, 0] < qw) & (proj[:, 1] >= 0)
                       & (proj[:, 1] < qh)]
    whole = _box_area(inside)
    return min(1.0, _box_area(inliers) / whole) if whole > 0 else 0.0


_ERODE = np.ones((5, 5), np.uint8)


def _correlation(query: Keypoints, stored: Keypoints, m_aff: npt.NDArray[np.float64],
                 mirrored: bool) -> tuple[float, float]:
    """Normalised correlation of the aligned reference pictures, and the overlap share.
    ``m_aff`` maps the item's keypoint copy (mirrored when ``mirrored``) onto the candidate's.
    The item's reference picture is mirrored too then: a keypoint copy and its reference
    picture are mirrored about the same centre line, so the mapping between them holds."""
    st = stored.thumb[:, ::-1] if mirrored else stored.thumb
    th, tw = st.shape
    qt = query.thumb
    qth, qtw = qt.shape
    sw, sh = stored.size
    qw, qh = query.size
    s_in = np.array([[sw / tw, 0, 0], [0, sh / th, 0], [0, 0, 1]], dtype=np.float64)
    q_out = np.array([[qtw / qw, 0, 0], [0, qth / qh, 0], [0, 0, 1]], dtype=np.float64)
    m3 = np.vstack([m_aff, [0, 0, 1]])
    full = (q_out @ m3 @ s_in)[:2]
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    warped = cv2.warpAffine(np.ascontiguousarray(qt), full, (tw, th), flags=flags,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    ones = np.full(qt.shape, 255, dtype=np.uint8)
    mask = cv2.warpAffine(ones, full, (tw, th), flags=flags, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=0) == 255
    overlap = float(np.count_nonzero(mask)) / mask.size
    if overlap < MIN_OVERLAP:
        return 0.0, overlap
    # Correlate detail, not brightness: smooth gradients and flat backgrounds (a grey sky, a
    # white page) correlate between any two pictures; their high-pass layers do not.
    inner = cv2.erode(mask.view(np.uint8), _ERODE)
    if cv2.countNonZero(inner) < MIN_OVERLAP / 2 * inner.size:
        return 0.0, overlap
    a = _detail(np.ascontiguousarray(st))
    b = _detail(warped)
    ma, sa = (float(x[0, 0]) for x in cv2.meanStdDev(a, mask=inner))
    mb, sb = (float(x[0, 0]) for x in cv2.meanStdDev(b, mask=inner))
    if sa < MIN_DETAIL or sb < MIN_DETAIL:
        return 0.0, overlap
    mab = float(cv2.mean(a * b, mask=inner)[0])
    return (mab - ma * mb) / (sa * sb), overlap


def _detail(grey: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    """Band-pass layer of a reference picture: light blur minus heavy blur."""
    f = grey.astype(np.float32)
    fine = cv2.GaussianBlur(f, (0, 0), 0.7)
    coarse = cv2.GaussianBlur(f, (0, 0), 3.0)
    out: npt.NDArray[np.float32] = fine - coarse
    return out
