"""Recognise fingerprinted images and videos again: pairwise ``compare`` and a vectorised index.

Every stored image contributes several 256-bit PDQ hashes (whole image, its eight dihedral
variants, trimmed and content regions, fixed sub-crops and their mirrors); every candidate
contributes its whole-image hash and its trimmed/content regions. A pair of hashes is only
compared within an allowed *family* (whole vs whole, whole vs rotated variant, region vs whole,
whole vs sub-crop, ...), and each family has its own distance thresholds for the three bands,
chosen on the benchmarks ``bench/bench_fingerprints.py`` and ``bench/bench_false_matches.py``
(see ``docs/fingerprints.md``). Two gates keep hashes that say little from deciding anything:
a pair with a *weak* hash (PDQ quality under 80) decides only at its family's strong distance,
and a pair with a *plain-pattern* hash (nearly rank one, like a framed drawing's) does not
decide at all; such pairs are ``needs_review``, and the keypoint stage may still confirm them.

Search is exact: every stored hash within a family's review distance is found, as a brute-force
comparison would find it. Small indexes are scanned in numpy (XOR + popcount over uint64 words,
column-major so each pass streams one array). From ``COMPILED_MIN`` to ``SINGLE_PASS_MAX``
stored hashes, one ``faiss`` binary pass over all of them at the query kind's largest review
distance finds the candidates (each stored row then keeps only what its kind's family allows):
one compiled call per candidate instead of one per kind. From ``SINGLE_PASS_MAX`` on, the
index keeps the stored hashes of each kind apart and asks each kind only for the distance its
family allows (a crop needs 33-39 bits, a rotation 60). Large kinds searched at small
distances (the sub-crops, most of the rows) go through multi-index hashing
(``vault.hash_index``: bucket tables on 16-bit substrings, exact by the pigeonhole
principle); the others through one ``faiss`` binary pass per kind for all of a candidate's
query hashes, which for distances up to ``HALF_MAX`` first compares the first 128 bits (their
distance can only be smaller than the whole distance, so nothing is lost) and computes the
full distance of the few survivors.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from vault.fingerprints.model import Fingerprint, ImageFingerprint, VideoFingerprint
from vault.hash_index import MultiIndex, distances, faster_than_flat, records
from vault.keypoint_match import KeypointIndex, band_of, verify

Band = Literal["strong", "probable", "needs_review"]
How = Literal["exact", "whole", "rotation", "mirror", "region", "crop", "video", "keypoints"]
BANDS: tuple[Band, ...] = ("strong", "probable", "needs_review")

# Kinds of stored hashes and of query hashes. ``S_SCREEN`` is the whole of a screenshot or
# page that was stored for the picture inside it (``ImageFingerprint.inner``); ``S_TEXT`` the
# whole of a screenshot of text (``ImageFingerprint.text_screen``).
S_WHOLE, S_ROTATION, S_MIRROR, S_REGION, S_CROP, S_CROP_MIRROR, S_FRAME, S_SCREEN, S_TEXT = (
    range(9))
_STORED_KINDS = 9
Q_WHOLE, Q_REGION, Q_LOWQ = range(3)

#: Families of (query kind, stored kind) pairs: name -> (how, (strong, probable, review)).
#: Distances are PDQ Hamming distances out of 256 bits. The review values are where about 2
#: million unrelated (candidate, vault item) pairs of ``bench/bench_fingerprints.py`` stopped
#: reaching. The decision values (strong, probable) sit 8 bits or more below the closest
#: unrelated pair of their family in 10^9 pairs of ``bench/bench_false_matches.py`` (strong:
#: pairs without a plain-pattern hash; probable: also without a weak hash), never above
#: Meta's 31 for strong; where that leaves no probable band, a pair beyond strong is for the
#: keypoint stage to confirm. See docs/fingerprints.md, "Thresholds and how they were chosen".
THRESHOLDS: dict[str, tuple[How, tuple[int, int, int]]] = {
    "whole": ("whole", (31, 44, 53)),
    "lowq": ("whole", (10, 16, 20)),
    "rotation": ("rotation", (31, 34, 60)),
    "mirror": ("mirror", (30, 30, 60)),
    # A picture inside one image against the whole of another only nominates: pictures that
    # share a part (stamps of one series on the same chassis) or simple shapes on white meet
    # at 24-42 bits, so the keypoint stage decides (it verifies every nominated item).
    "region": ("region", (-1, -1, 49)),
    # Probable 36 and 24 (crop_mirror): 8 bits under the closest unrelated pairs of the second
    # scale run (44 and 28; seed 20261207), at no recall cost on the main benchmark. Strong 24
    # like the other part-of-a-picture families: the third run (seed 20261208) had an
    # unrelated pair with a weak hash at 32, 1 bit over the old strong value (a pair with a weak
    # hash decides only at strong); no true copy of the main benchmark was decided by this
    # family between 25 and 31.
    "region_mirror": ("mirror", (24, 36, 55)),
    "crop": ("crop", (24, 24, 33)),
    "crop_mirror": ("mirror", (24, 24, 39)),
    "frame": ("video", (31, 45, 53)),
    # The whole of a screenshot kept for the picture inside it: other screenshots of the same
    # app share its bars, buttons and background, so a close whole-screen hash is only ever
    # "maybe"; the picture inside it is matched through its own hashes and keypoints.
    "screen": ("whole", (-1, -1, 31)),
    # The whole of a screenshot of text (a chat): other chats of the same app share its
    # bars, background and bubble shapes, so only a close copy counts. bench/bench_chats.py:
    # re-encoded and resized copies at most 6 bits away, two short chats of one app 34.
    "text": ("whole", (20, 26, 31)),
}

_PAIRS: dict[tuple[int, int], str] = {
    (Q_WHOLE, S_WHOLE): "whole",
    (Q_WHOLE, S_ROTATION): "rotation",
    (Q_WHOLE, S_MIRROR): "mirror",
    (Q_WHOLE, S_REGION): "region",
    (Q_WHOLE, S_CROP): "crop",
    (Q_WHOLE, S_CROP_MIRROR): "crop_mirror",
    (Q_WHOLE, S_FRAME): "frame",
    (Q_WHOLE, S_SCREEN): "screen",
    (Q_WHOLE, S_TEXT): "text",
    (Q_REGION, S_WHOLE): "region",
    (Q_REGION, S_REGION): "region",
    (Q_REGION, S_MIRROR): "region_mirror",
    (Q_REGION, S_CROP): "crop",
    (Q_REGION, S_FRAME): "frame",
    (Q_REGION, S_TEXT): "text",
    (Q_LOWQ, S_WHOLE): "lowq",
    (Q_LOWQ, S_TEXT): "lowq",
}

#: From this many stored hashes on, search uses the compiled binary indexes of ``faiss`` (when
#: it is installed); below, numpy's brute force is as fast and needs no index building.
COMPILED_MIN = 30_000
#: Up to this many stored hashes (about 4,000 vault pictures) one faiss pass over all of them
#: is cheaper than one pass per kind (each call costs some 0.05 ms of its own). Per candidate
#: (random hashes, one core), a whole-image hash alone / with 2 region hashes: 36,000 stored
#: hashes 0.10 / 0.22 ms against 0.31 / 0.44 ms per kind; 144,000: 0.25 / 0.67 against
#: 0.45 / 0.72 ms; 288,000: 0.47 / 1.32 against 0.52 / 0.87 ms.
SINGLE_PASS_MAX = 150_000
#: Distances up to this are searched on the first 128 bits first (a lower bound of the full
#: distance): unrelated hashes are about 64 +- 6 bits apart there, so few survive (about 3 %
#: at 53, 0.001 % at 39); that pass costs about two thirds of a full one.
HALF_MAX = 53
#: A video matches when at least this share of the candidate's sampled frames match.
VIDEO_MIN_SHARE = 0.3
#: A keypoint match of a screenshot of text must have inliers spanning at least this share of
#: its keypoints' area inside the candidate (``Verdict.spread``): a copy agrees over the
#: whole message area; another chat of the same app only on a sticker, an avatar or a few
#: words (bench/bench_chats.py).
TEXT_MIN_SPREAD = 0.35

_FAMILY_NAMES = tuple(THRESHOLDS)
_FAMILY_INDEX = {name: i for i, name in enumerate(_FAMILY_NAMES)}
_REVIEW = np.array([THRESHOLDS[n][1][2] for n in _FAMILY_NAMES], dtype=np.int32)
_PAIR_TABLE = np.full((3, _STORED_KINDS), -1, dtype=np.int16)
for (_q, _s), _name in _PAIRS.items():
    _PAIR_TABLE[_q, _s] = _FAMILY_INDEX[_name]


@dataclass(frozen=True)
class Match:
    """One vault item that a candidate matched.

    ``distance`` is the PDQ Hamming distance (0-256) of the best pair of hashes, ``score`` the
    same as a similarity in [0, 1]. ``band`` is the confidence band; ``how`` says what matched
    (``exact`` bytes, ``whole`` image, a ``rotation`` or ``mirror`` variant, a ``region`` of a
    screenshot or page, a ``crop``, ``video`` frames, or ``keypoints``: local features
    confirmed by a geometric fit and a pixel check, see :mod:`vault.keypoint_match`) and
    ``detail`` adds a short plain phrase (never content or hashes). For ``keypoints`` matches
    ``score`` is the pixel correlation of the aligned pictures and ``distance`` is
    ``round(128 * (1 - score))``, on the same scale as PDQ distances.
    """

    item_id: str
    distance: int
    score: float
    band: Band
    how: How
    detail: str = ""


@dataclass(frozen=True)
class HashHit:
    """One pair of PDQ hashes within its family's review distance (``FingerprintIndex.hits``).

    ``query`` indexes ``query_hashes(candidate)`` and ``stored`` indexes
    ``stored_hashes(item's fingerprint)``, so benchmarks can look up the hashes' qualities and
    boxes; the band is ``band_for(family, distance)``.
    """

    item_id: str
    family: str
    distance: int
    query: int
    stored: int


def band_for(family: str, distance: int) -> Band | None:
    """The band a distance falls in for one family, or None when it is no match."""
    strong, probable, review = THRESHOLDS[family][1]
    if distance <= strong:
        return "strong"
    if distance <= probable:
        return "probable"
    if distance <= review:
        return "needs_review"
    return None


#: A PDQ hash whose 16 x 16 bit block is within this many bits of a *rank-one pattern* (every
#: row the same 16-bit pattern or its complement) says little about its picture: a framed
#: drawing and a bordered stripe texture both hash to nearly ``aaaa...aaaa``. Photographs'
#: hashes lie 34-86 bits from such patterns (random hashes 76-86); a pair in which either hash
#: is this close decides nothing (at most ``needs_review``), see docs/fingerprints.md.
PATTERN_BITS = 24


#: A hash whose PDQ quality (gradient energy, 0-100) is under this is *weak*. In the scale
#: run, every unrelated region pair within 49 bits, 90 % of the region_mirror ones and 7 of
#: the 9 crop_mirror ones had a weak hash (true copies' region hashes in that band: 3 %): a
#: smooth part of a picture (a sky, a cut-out's body) says little. In these families a pair
#: with a weak hash decides only at the strong distance. Whole-picture families are not
#: gated: their unrelated near pairs had strong hashes, so a gate would cost copies for nothing.
WEAK_QUALITY = 80
WEAK_GATED = frozenset({"region", "region_mirror", "crop", "crop_mirror"})


def pattern_distance(hex_hash: str) -> int:
    """How many bits of a PDQ hash must flip to make its 16 x 16 bit block rank one (every row
    equal to one pattern or to its complement); 0-128.

    Alternating maximisation of ``u^T B v`` over sign vectors (B the +-1 block), started from
    each row and each column: exact on near-rank-one blocks, which is what it is for (on
    other hashes it can be a few bits too high, never too low).
    """
    bits = np.unpackbits(np.frombuffer(bytes.fromhex(hex_hash), dtype=np.uint8))
    b = 1.0 - 2.0 * bits.reshape(16, 16).astype(np.float64)
    v = np.concatenate([b.T, np.sign(b.T @ b + 0.5)], axis=1)
    for _ in range(3):
        u = np.sign(b @ v + 0.5)
        v = np.sign(b.T @ u + 0.5)
    best = float(np.abs(b @ v).sum(axis=0).max())
    return round((256 - best) / 2)


def pair_band(family: str, distance: int, query_hash: str, stored_hash: str,
              query_quality: int = 100, stored_quality: int = 100) -> Band | None:
    """The band one pair of hashes gives. ``band_for``, except that

    - in the region and sub-crop families (``WEAK_GATED``), a pair in which either hash has a
      PDQ quality under ``WEAK_QUALITY`` is never ``probable`` (it decides at the family's
      strong distance or not at all);
    - a pair in which either hash is a plain pattern (``pattern_distance`` <=
      ``PATTERN_BITS``) is at most ``needs_review``.
    """
    return _pair_verdict(family, distance, query_hash, lambda: stored_hash,
                         min(query_quality, stored_quality))[0]


def _pair_verdict(family: str, distance: int, query_hash: str,
                  stored_hash: Callable[[], str], quality: int) -> tuple[Band | None, str]:
    """``pair_band`` and, when it lowered the band, why (a phrase for ``Match.detail``);
    ``stored_hash`` is a function giving the hex, asked only when needed."""
    band = band_for(family, distance)
    if band is None or band == "needs_review":
        return band, ""
    if band == "probable" and quality < WEAK_QUALITY and family in WEAK_GATED:
        return "needs_review", "little detail, please look"
    if pattern_distance(query_hash) <= PATTERN_BITS or pattern_distance(
            stored_hash()) <= PATTERN_BITS:
        return "needs_review", "a plain pattern, please look"
    return band, ""


def _words(hex_hash: str) -> tuple[int, int, int, int]:
    v = int(hex_hash, 16)
    return ((v >> 192) & 0xFFFFFFFFFFFFFFFF, (v >> 128) & 0xFFFFFFFFFFFFFFFF,
            (v >> 64) & 0xFFFFFFFFFFFFFFFF, v & 0xFFFFFFFFFFFFFFFF)


def _faiss() -> Any:
    """The ``faiss`` module, single-threaded, or None when it is not installed."""
    try:
        import faiss  # type: ignore[import-untyped,unused-ignore]
    except ImportError:  # pragma: no cover - a declared dependency; numpy still works
        return None
    # One thread: a search is a few queries, and OpenMP threads in a process that later
    # forks (benchmark and test workers) can deadlock the child.
    faiss.omp_set_num_threads(1)
    return faiss


class _KindIndex:
    """The stored hashes of one kind, searched at the given ``radii``: in a multi-index hashing
    table (``vault.hash_index``) for the radii it searches faster than one pass over all of
    them, in faiss binary indexes (full 256 bits, first 128 bits) for the others."""

    def __init__(self, faiss: Any, rows: npt.NDArray[np.intp], codes: npt.NDArray[np.uint8],
                 radii: list[int]) -> None:
        self.faiss = faiss
        self.rows = rows
        self.codes = np.ascontiguousarray(codes)
        self.records = records(self.codes)
        self.by_multi = {r for r in radii if faster_than_flat(len(rows), r)}
        self.multi: MultiIndex | None = None
        if self.by_multi:
            try:
                self.multi = MultiIndex(faiss, self.codes, tuple(sorted(self.by_multi)))
            except MemoryError:
                # The tables need 320 bytes per hash; without them every radius is searched
                # by the flat passes below: slower, the same results.
                self.by_multi = set()
        flat = [r for r in radii if r not in self.by_multi]
        self.full = self.half = None
        if flat and max(flat) > HALF_MAX:
            self.full = faiss.IndexBinaryFlat(256)
            self.full.add(self.codes)
        if flat:
            self.half = faiss.IndexBinaryFlat(128)
            self.half.add(np.ascontiguousarray(self.codes[:, :16]))

    def within(self, queries: npt.NDArray[np.uint8], radii: list[int]
               ) -> list[tuple[npt.NDArray[np.intp], npt.NDArray[np.int32]]]:
        """For each query hash (a row of ``queries``), (rows, distances) of the stored hashes
        at most its radius bits from it. The queries the multi-index does not take go through
        faiss in one call at their largest radius: the stored hashes are read into the cache
        once for all of them."""
        out: list[tuple[npt.NDArray[np.intp], npt.NDArray[np.int32]]] = []
        flat = [i for i, r in enumerate(radii) if r not in self.by_multi]
        slot_of = {i: j for j, i in enumerate(flat)}  # query i's slot in the faiss batch
        if flat:
            radius = max(radii[i] for i in flat)
            batch = np.ascontiguousarray(queries[flat])
            if self.full is None or radius <= HALF_MAX:
                assert self.half is not None
                lims, _d, found = self.half.range_search(batch[:, :16], radius + 1)
                found = found.astype(np.intp)
                dist = np.concatenate([
                    distances(self.faiss, batch[j], np.take(self.records, found[a:b]))
                    for j, (a, b) in enumerate(zip(lims[:-1], lims[1:], strict=True))])
            else:
                lims, dist, found = self.full.range_search(batch, radius + 1)
                found = found.astype(np.intp)
        for i, radius in enumerate(radii):
            if self.multi is not None and radius in self.by_multi:
                found_i, dist_i = self.multi.within(queries[i], radius)
            else:
                j = slot_of[i]
                found_i, dist_i = found[lims[j]:lims[j + 1]], dist[lims[j]:lims[j + 1]]
            ok = dist_i <= radius
            out.append((self.rows[found_i[ok]], dist_i[ok].astype(np.int32)))
        return out


#: The largest review distance of any family, for each (query kind, stored kind) pair (-1: the
#: pair is never compared).
_RADIUS = np.where(_PAIR_TABLE >= 0, _REVIEW[np.maximum(_PAIR_TABLE, 0)], -1)


def _stored_rows(fp: Fingerprint) -> list[tuple[int, str, str, int]]:
    """(stored kind, hex hash, detail, PDQ quality) rows an item contributes to an index."""
    if isinstance(fp, VideoFingerprint):
        return [(S_FRAME, f.pdq, "video frame", f.quality) for f in fp.frames if f.quality >= 50]
    if fp.inner is not None:
        # A screenshot or page kept for the picture inside it: the picture's own rows, and
        # the whole screen only as a "maybe" (see ``THRESHOLDS["screen"]``).
        inner = [(kind, hx, f"picture inside the screenshot: {detail}", q)
                 for kind, hx, detail, q in _stored_rows(fp.inner.fingerprint)]
        return [(S_SCREEN, fp.pdq, "the whole screenshot", fp.pdq_quality), *inner]
    q = fp.pdq_quality
    rows = [(S_TEXT if fp.text_screen else S_WHOLE, fp.pdq, "whole image", q)]
    if fp.low_quality:
        return rows
    for i, name in ((1, "turned 90°"), (2, "turned 180°"), (3, "turned 270°")):
        rows.append((S_ROTATION, fp.pdq_variants[i], name, q))
    for i, name in ((4, "flipped"), (5, "mirrored"), (6, "mirrored and turned"),
                    (7, "mirrored and turned")):
        rows.append((S_MIRROR, fp.pdq_variants[i], name, q))
    for r in fp.regions:
        if r.kind == "crop":
            rows.append((S_CROP, r.pdq, "cropped copy", r.quality))
            rows.append((S_CROP_MIRROR, r.pdq_mirror, "mirrored cropped copy", r.quality))
        elif not fp.text_screen:
            # A screenshot of text has no picture inside it: what region detection finds
            # there (the app's header, a block of bubbles) looks alike in every chat of the app.
            rows.append((S_REGION, r.pdq, "picture inside a screenshot or frame", r.quality))
    return rows


def stored_hashes(fp: Fingerprint) -> list[tuple[int, str, str]]:
    """(stored kind, hex hash, detail) rows an item contributes to an index."""
    return [(kind, hx, detail) for kind, hx, detail, _ in _stored_rows(fp)]


def stored_qualities(fp: Fingerprint) -> list[int]:
    """The PDQ quality (0-100) of each of ``stored_hashes(fp)``, in the same order."""
    return [q for *_, q in _stored_rows(fp)]


def _query_rows(fp: ImageFingerprint) -> list[tuple[int, str, str, int]]:
    """(query kind, hex hash, detail, PDQ quality) rows a candidate image is searched with."""
    if fp.low_quality:
        return [(Q_LOWQ, fp.pdq, "whole image", fp.pdq_quality)]
    rows = [(Q_WHOLE, fp.pdq, "whole image", fp.pdq_quality)]
    for r in fp.regions:
        if r.kind != "crop":
            rows.append((Q_REGION, r.pdq, "picture inside the candidate", r.quality))
    return rows


def query_hashes(fp: ImageFingerprint) -> list[tuple[int, str, str]]:
    """(query kind, hex hash, detail) rows a candidate image is searched with."""
    return [(kind, hx, detail) for kind, hx, detail, _ in _query_rows(fp)]


def query_qualities(fp: ImageFingerprint) -> list[int]:
    """The PDQ quality (0-100) of each of ``query_hashes(fp)``, in the same order."""
    return [q for *_, q in _query_rows(fp)]


def _query_codes(queries: list[tuple[int, str]]) -> npt.NDArray[np.uint8]:
    """The hex hashes of ``(query kind, hex)`` pairs as one row of 32 bytes each."""
    return np.frombuffer(bytes.fromhex("".join(hx for _, hx in queries)),
                         dtype=np.uint8).reshape(-1, 32)


def _by_row(rows: npt.NDArray[np.intp], dist: npt.NDArray[np.int32]
            ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int32]]:
    """``rows`` and their distances ordered by row: the order brute force gives."""
    order = np.argsort(rows)
    return rows[order], dist[order]


class FingerprintIndex:
    """Vault fingerprints ready to be searched. Build it from ``(item_id, fingerprint)`` pairs.

    Not thread-safe for writes; searches do not modify it except for a lazy rebuild of the
    arrays (and compiled indexes) after ``add``/``remove``: call ``prepare()`` before sharing
    it between threads. ``keypoints=False`` leaves the items' keypoints out: such an index
    compares hashes only (a quick scan) and does not build the keypoint shortlist's tables.
    """

    def __init__(self, items: Iterable[tuple[str, Fingerprint]] = (), *,
                 keypoints: bool = True) -> None:
        self._with_keypoints = keypoints
        self._ids: list[str] = []
        self._slot: dict[str, int] = {}
        self._alive: list[bool] = []
        self._exact: dict[str, set[str]] = {}
        # (slot, kind, hex, detail, position in stored_hashes, PDQ quality)
        self._pending: list[tuple[int, int, str, str, int, int]] = []
        self._words = np.zeros((4, 0), dtype=np.uint64)
        self._compiled: dict[int, _KindIndex] | None = None
        self._single: Any = None
        self._owner = np.zeros(0, dtype=np.int64)
        self._kind = np.zeros(0, dtype=np.int8)
        self._pos = np.zeros(0, dtype=np.int16)
        self._quality = np.zeros(0, dtype=np.uint8)
        self._detail: list[str] = []
        self._dirty = False
        self._kp = KeypointIndex()
        self._text: set[int] = set()  # slots of screenshots of text
        for item_id, fp in items:
            self.add(item_id, fp)

    def __len__(self) -> int:
        return sum(self._alive)

    @property
    def hash_count(self) -> int:
        """Number of stored hashes (rows scanned per query hash)."""
        self._rebuild()
        return int(self._owner.shape[0])

    def prepare(self) -> None:
        """Build the search arrays (and the compiled indexes of a large index) now, so that
        threads sharing the index afterwards only read it."""
        self._rebuild()
        self._single_index()
        self._compiled_indexes()

    def add(self, item_id: str, fp: Fingerprint) -> None:
        """Add (or replace) one item's fingerprint."""
        if item_id in self._slot:
            self.remove(item_id)
        slot = len(self._ids)
        self._ids.append(item_id)
        self._alive.append(True)
        self._slot[item_id] = slot
        self._exact.setdefault(fp.sha256, set()).add(item_id)
        for pos, (kind, hx, detail, quality) in enumerate(_stored_rows(fp)):
            self._pending.append((slot, kind, hx, detail, pos, quality))
        if isinstance(fp, ImageFingerprint) and not fp.low_quality and self._with_keypoints:
            kp = fp.search_keypoints
            if kp is not None:
                self._kp.add(slot, kp)
        if isinstance(fp, ImageFingerprint) and fp.text_screen:
            self._text.add(slot)
        self._dirty = True

    def add_many(self, items: Iterable[tuple[str, Fingerprint]]) -> None:
        for item_id, fp in items:
            self.add(item_id, fp)

    def remove(self, item_id: str) -> None:
        """Forget one item; unknown ids are ignored."""
        slot = self._slot.pop(item_id, None)
        if slot is None:
            return
        self._alive[slot] = False
        self._kp.remove(slot)
        self._text.discard(slot)
        for ids in self._exact.values():
            ids.discard(item_id)
        self._dirty = True

    def _rebuild(self) -> None:
        if not self._dirty:
            return
        self._kp.rebuild()
        alive = np.array(self._alive, dtype=bool)
        keep = alive[self._owner] if self._owner.size else np.zeros(0, dtype=bool)
        words = [self._words[:, keep]]
        owner = [self._owner[keep]]
        kind = [self._kind[keep]]
        pos = [self._pos[keep]]
        quality = [self._quality[keep]]
        detail = [d for d, k in zip(self._detail, keep, strict=True) if k]
        pending = [p for p in self._pending if self._alive[p[0]]]
        if pending:
            words.append(np.array([_words(p[2]) for p in pending], dtype=np.uint64).T)
            owner.append(np.array([p[0] for p in pending], dtype=np.int64))
            kind.append(np.array([p[1] for p in pending], dtype=np.int8))
            pos.append(np.array([p[4] for p in pending], dtype=np.int16))
            quality.append(np.array([p[5] for p in pending], dtype=np.uint8))
            detail.extend(p[3] for p in pending)
        self._words = np.ascontiguousarray(np.concatenate(words, axis=1))
        self._compiled = None
        self._single = None
        self._owner = np.concatenate(owner)
        self._kind = np.concatenate(kind)
        self._pos = np.concatenate(pos)
        self._quality = np.concatenate(quality)
        self._detail = detail
        self._pending = []
        self._dirty = False

    def _stored_codes(self) -> npt.NDArray[np.uint8]:
        """Every stored hash as 32 bytes, one row each (the layout faiss indexes take)."""
        return np.ascontiguousarray(self._words.T).astype(">u8").view(np.uint8)

    def _single_index(self) -> Any:
        """One faiss binary index over every stored hash (``COMPILED_MIN`` to
        ``SINGLE_PASS_MAX`` of them), or None."""
        self._rebuild()
        n = self._owner.shape[0]
        if self._single is None and COMPILED_MIN <= n <= SINGLE_PASS_MAX:
            faiss = _faiss()
            if faiss is None:
                return None
            single = faiss.IndexBinaryFlat(256)
            single.add(self._stored_codes())
            self._single = single
        return self._single

    def _compiled_indexes(self) -> dict[int, _KindIndex] | None:
        """One faiss index per stored kind, built on first use (None: numpy brute force)."""
        self._rebuild()
        if self._compiled is None and self._owner.shape[0] > SINGLE_PASS_MAX:
            faiss = _faiss()
            if faiss is None:
                return None
            codes = self._stored_codes()
            compiled = {}
            for kind in np.unique(self._kind):
                rows = np.flatnonzero(self._kind == kind)
                radii = [int(r) for r in _RADIUS[:, int(kind)] if r >= 0]
                compiled[int(kind)] = _KindIndex(faiss, rows, codes[rows], radii)
            self._compiled = compiled
        return self._compiled

    def _row_hex(self, row: int) -> str:
        """Stored hash ``row`` as hex (asked only for the few hashes that match at the
        decision threshold)."""
        return "".join(f"{int(w):016x}" for w in self._words[:, row])

    def _distances(self, queries: list[tuple[int, str]]
                   ) -> list[tuple[npt.NDArray[np.intp], npt.NDArray[np.int32]]]:
        """For each (query kind, hex hash), the rows within the review distance of some family
        this query kind is compared in, with their full distances (a superset of the matches;
        ``_hits`` keeps the matches)."""
        single = self._single_index()
        if single is not None:
            return self._single_pass(single, queries)
        compiled = self._compiled_indexes()
        if compiled is not None:
            codes = _query_codes(queries)
            parts: list[list[tuple[npt.NDArray[np.intp], npt.NDArray[np.int32]]]] = [
                [] for _ in queries]
            for kind, ix in compiled.items():
                asked = [i for i, (qkind, _) in enumerate(queries) if _RADIUS[qkind, kind] >= 0]
                if asked:
                    radii = [int(_RADIUS[queries[i][0], kind]) for i in asked]
                    for i, part in zip(asked, ix.within(codes[asked], radii), strict=True):
                        parts[i].append(part)
            out = []
            for found in parts:
                if not found:
                    out.append((np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.int32)))
                    continue
                out.append(_by_row(np.concatenate([r for r, _ in found]),
                                   np.concatenate([d for _, d in found])))
            return out
        return [self._brute_force(qkind, hx) for qkind, hx in queries]

    def _single_pass(self, single: Any, queries: list[tuple[int, str]]
                     ) -> list[tuple[npt.NDArray[np.intp], npt.NDArray[np.int32]]]:
        """``_distances`` by one faiss pass over all stored hashes for all the queries, at the
        largest distance any of them is compared at; each row then keeps only the distance
        its kind allows the query's kind (``_RADIUS``), as the per-kind passes would."""
        codes = _query_codes(queries)
        radius = max(int(_RADIUS[qkind].max()) for qkind, _ in queries)
        lims, dist, found = single.range_search(codes, radius + 1)
        out = []
        for i, (qkind, _) in enumerate(queries):
            rows = found[lims[i]:lims[i + 1]].astype(np.intp)
            d = dist[lims[i]:lims[i + 1]].astype(np.int32)
            ok = d <= _RADIUS[qkind][self._kind[rows]]
            out.append(_by_row(rows[ok], d[ok]))
        return out

    def _brute_force(self, qkind: int, hex_hash: str
                     ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int32]]:
        q = _words(hex_hash)
        n = self._owner.shape[0]
        dist = np.zeros(n, dtype=np.uint16)
        tmp = np.empty(n, dtype=np.uint64)
        cnt = np.empty(n, dtype=np.uint8)
        for c in range(4):
            np.bitwise_xor(self._words[c], np.uint64(q[c]), out=tmp)
            np.bitwise_count(tmp, out=cnt)
            dist += cnt
        rows = np.flatnonzero(dist <= int(_RADIUS[qkind].max()))
        return rows, dist[rows].astype(np.int32)

    def _hits(self, queries: list[tuple[int, str]]) -> list[list[tuple[int, int, int, int]]]:
        """For each (query kind, hex hash), (slot, family, distance, row) for every stored
        hash it matches."""
        out: list[list[tuple[int, int, int, int]]] = []
        for (qkind, _), (rows, d) in zip(queries, self._distances(queries), strict=True):
            if rows.size == 0:
                out.append([])
                continue
            fam = _PAIR_TABLE[qkind][self._kind[rows]].astype(np.int32)
            ok = (fam >= 0) & (d <= _REVIEW[np.maximum(fam, 0)])
            rows, d, fam = rows[ok], d[ok], fam[ok]
            out.append([(int(self._owner[r]), int(f), int(x), int(r))
                        for r, f, x in zip(rows, fam, d, strict=True)])
        return out

    def hits(self, candidate: ImageFingerprint) -> list[HashHit]:
        """Every pair of hashes (candidate's, stored) within its family's review distance, in
        the order the search meets them; for benchmarks and threshold studies."""
        self._rebuild()
        out: list[HashHit] = []
        queries = [(qkind, hx) for qkind, hx, _detail in query_hashes(candidate)]
        for q, found in enumerate(self._hits(queries)):
            for slot, fam, dist, row in found:
                out.append(HashHit(self._ids[slot], _FAMILY_NAMES[fam], dist, q,
                                   int(self._pos[row])))
        return out

    def search(self, candidate: Fingerprint) -> list[Match]:
        """Vault items the candidate matches, best first (strong before probable, then by
        distance). Exact byte-for-byte copies come first with ``how="exact"``."""
        self._rebuild()
        best: dict[int, Match] = {}
        for item_id in sorted(self._exact.get(candidate.sha256, ())):
            best[self._slot[item_id]] = Match(item_id, 0, 1.0, "strong", "exact",
                                              "the same file")
        if isinstance(candidate, VideoFingerprint):
            for m in self._search_video(candidate):
                slot = self._slot[m.item_id]
                if slot not in best or _rank(m) < _rank(best[slot]):
                    best[slot] = m
        else:
            rows = _query_rows(candidate)
            found = self._hits([(qkind, hx) for qkind, hx, _, _ in rows])
            for (qkind, hx, _qdetail, qquality), hits in zip(rows, found, strict=True):
                for slot, fam, dist, row in hits:
                    name = _FAMILY_NAMES[fam]
                    quality = min(qquality, int(self._quality[row]))
                    band, why = _pair_verdict(name, dist, hx, partial(self._row_hex, row),
                                              quality)
                    if band is None:
                        continue
                    how = THRESHOLDS[name][0]
                    detail = self._detail[row]
                    if qkind == Q_REGION:
                        detail = f"{detail} (found inside the candidate)"
                    if why:
                        detail = f"{detail}; {why}"
                    m = Match(self._ids[slot], dist, _score(dist), band, how, detail)
                    if slot not in best or _rank(m) < _rank(best[slot]):
                        best[slot] = m
            for m in self._search_keypoints(candidate, best):
                slot = self._slot[m.item_id]
                if slot not in best or _rank(m) < _rank(best[slot]):
                    best[slot] = m
        return sorted(best.values(), key=_rank)

    def _search_keypoints(self, candidate: ImageFingerprint, best: dict[int, Match]
                          ) -> list[Match]:
        """The keypoint stage: verify the descriptor shortlist and every item the hashes
        raised as "maybe", skipping items the hashes already matched at the decision
        threshold. A screenshot of text matches only when the inliers spread over its
        message area (``TEXT_MIN_SPREAD``)."""
        kp = candidate.search_keypoints
        if kp is None or candidate.low_quality or len(self._kp) == 0:
            return []
        decided = [s for s, m in best.items() if m.band != "needs_review"]
        pairs = [(slot, mirrored) for slot, mirrored, _votes in
                 self._kp.shortlist(kp, exclude=decided)]
        # Items the hashes nominated ("maybe") are verified too, in both orientations, even
        # when the shortlist's votes missed them.
        listed = set(pairs)
        pairs += [(slot, mirrored) for slot, m in sorted(best.items())
                  if m.band == "needs_review"
                  for mirrored in (False, True) if (slot, mirrored) not in listed]
        out: list[Match] = []
        for slot, mirrored in pairs:
            stored = self._kp.get(slot)
            if stored is None:
                continue
            verdict = verify(kp, stored, mirrored=mirrored)
            if verdict is None:
                continue
            if slot in self._text and verdict.spread < TEXT_MIN_SPREAD:
                continue
            band = band_of(verdict)
            if band is None:
                continue
            corr = max(0.0, min(1.0, verdict.correlation))
            detail = ("mirrored copy, aligned by local features" if mirrored
                      else "cropped, turned or framed copy, aligned by local features")
            out.append(Match(self._ids[slot], round(128 * (1 - corr)), round(corr, 4),
                             band, "keypoints", detail))
        return out

    def _search_video(self, video: VideoFingerprint) -> list[Match]:
        frames = [f for f in video.frames if f.quality >= 50]
        if not frames:
            return []
        per_item: dict[int, list[int]] = {}
        for hits in self._hits([(Q_WHOLE, f.pdq) for f in frames]):
            seen: dict[int, int] = {}
            for slot, fam, dist, _row in hits:
                if _FAMILY_NAMES[fam] in ("whole", "frame") and dist <= seen.get(slot, 999):
                    seen[slot] = dist
            for slot, dist in seen.items():
                per_item.setdefault(slot, []).append(dist)
        need = 1 if len(frames) == 1 else max(2, math.ceil(VIDEO_MIN_SHARE * len(frames)))
        out: list[Match] = []
        for slot, dists in per_item.items():
            if len(dists) < need:
                continue
            dists.sort()
            dist = dists[len(dists) // 2] if len(dists) > 2 else dists[-1]
            band = band_for("frame", dist) or "needs_review"
            out.append(Match(self._ids[slot], dist, _score(dist), band, "video",
                             f"{len(dists)} of {len(frames)} sampled frames match"))
        return out


def _score(distance: int) -> float:
    return round(max(0.0, 1.0 - distance / 128.0), 4)


def _rank(m: Match) -> tuple[int, int, int]:
    return (BANDS.index(m.band), 0 if m.how == "exact" else 1, m.distance)


def compare(a: Fingerprint, b: Fingerprint) -> Match | None:
    """The best match between two fingerprints (either direction), or None.

    ``item_id`` of the result is empty: there is no vault item here.
    """
    found: list[Match] = []
    for cand, stored in ((a, b), (b, a)):
        index = FingerprintIndex([("", stored)])
        found.extend(index.search(cand))
    return min(found, key=_rank) if found else None
