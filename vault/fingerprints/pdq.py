"""PDQ hashes: the reference C++ code (through ``pdqhash``), a fast version for searching,
and a slow numpy re-implementation for checks.

``pdqhash`` (PyPI) compiles Meta's own ``pdq/cpp`` sources from the ThreatExchange repository;
what Ansim stores and exports is its hash, bit for bit wherever measured: a stored picture's
whole-image hashes come from the fast arithmetic below only where it was never seen to move
a bit (:func:`pdq_dihedral_checked`), from the binding (:func:`pdq_hash`,
:func:`pdq_dihedral`) everywhere else. :func:`pdq_hash_fast` computes the same algorithm 8-10
times faster with OpenCV and numpy; scan candidates search with it
(:func:`pdq_hash_for_search`), and a stored picture's region and sub-crop hashes, which are
only ever matched by Ansim itself, are made with it (:func:`pdq_pairs_for_matching`).
:func:`reference_pdq` re-implements the published algorithm in numpy (luma, two X/Y passes of
Jarosz box filters, 64x64 decimation, 16x16 DCT, median threshold, gradient quality metric) and
is used only by the tests, to check that the installed binding really computes PDQ.

Hashes are 32 bytes, most significant word first, so ``bytes.hex()`` gives the 64-character
string that ThreatExchange, StopNCII and HMA exchange.
"""

from __future__ import annotations

import math
from functools import lru_cache

import cv2
import numpy as np
import numpy.typing as npt
import pdqhash

#: Names of the eight dihedral variants, in the order ``pdqhash.compute_dihedral`` returns them,
#: described as the numpy operation on the image that produces the same hash.
DIHEDRAL = (
    "original",
    "rot90",  # np.rot90(img): a quarter turn counter-clockwise
    "rot180",
    "rot270",
    "flip_vertical",  # np.flipud
    "mirror",  # np.fliplr: the usual left-right mirror
    "transpose",
    "antitranspose",
)
MIRROR_INDEX = DIHEDRAL.index("mirror")

Hash = bytes
U8Image = npt.NDArray[np.uint8]


def _to_bytes(bits: npt.NDArray[np.int64]) -> bytes:
    return bytes(np.packbits(bits.astype(np.uint8)).tobytes())


def _bits_to_bytes(coeffs: npt.NDArray[np.float64]) -> bytes:
    """16x16 DCT block -> 32-byte hash (bit k = i * 16 + j, most significant bit first)."""
    flat = coeffs.reshape(256)
    middle = np.partition(flat, (127, 128))[127:129].mean()
    bits = (flat > middle)[::-1]
    return bytes(np.packbits(bits).tobytes())


_ODD = (np.arange(16) & 1).astype(bool)
_SIGN_J = np.where(_ODD, 1.0, -1.0).reshape(1, 16)  # +1 on odd columns
_SIGN_I = _SIGN_J.reshape(16, 1)  # +1 on odd rows
_SIGN_IJ = _SIGN_I * _SIGN_J  # -1 where i + j is odd


def _dihedral_coeffs(a: npt.NDArray[np.float64]) -> list[npt.NDArray[np.float64]]:
    """The DCT blocks of the eight dihedral transforms, by sign flips and transposes."""
    return [
        a,
        (a * _SIGN_J).T,
        a * _SIGN_IJ,
        (a * _SIGN_I).T,
        a * _SIGN_I,
        a * _SIGN_J,
        a.T,
        (a * _SIGN_IJ).T,
    ]


def pdq_dct(rgb: U8Image) -> tuple[npt.NDArray[np.float64], int]:
    """PDQ's 16x16 DCT block (before thresholding) of ``rgb`` and the quality (0-100)."""
    flat, quality = pdqhash.compute_float(np.ascontiguousarray(rgb))
    return np.asarray(flat, dtype=np.float64)[::-1].reshape(16, 16), int(quality)


def pdq_dihedral(rgb: U8Image) -> tuple[list[Hash], int]:
    """The PDQ hash of ``rgb`` (H x W x 3 uint8) in all eight orientations, and its quality.

    Same bits as ``pdqhash.compute_dihedral`` (checked by the tests), but the variants are
    derived in numpy from one DCT block, which is several times faster.
    """
    coeffs, quality = pdq_dct(rgb)
    return _dihedral_hashes(coeffs), quality


def _dihedral_hashes(coeffs: npt.NDArray[np.float64]) -> list[Hash]:
    """The eight dihedral hashes of one 16x16 DCT block."""
    stack = np.stack(_dihedral_coeffs(coeffs)).reshape(8, 256)
    middle = np.partition(stack, (127, 128), axis=1)[:, 127:129].mean(axis=1, keepdims=True)
    bits = stack > middle
    packed = np.packbits(bits[:, ::-1], axis=1)
    return [bytes(row.tobytes()) for row in packed]


def pdq_hash(rgb: U8Image) -> tuple[Hash, int]:
    """The PDQ hash of ``rgb`` (H x W x 3 uint8) and its quality (0-100)."""
    coeffs, quality = pdq_dct(rgb)
    return _bits_to_bytes(coeffs), quality


# ---------------------------------------------------------------------------------------------
# Fast implementation of the same algorithm (for search-only hashes; see pdq_hash_fast).

@lru_cache(maxsize=512)
def _decimation_taps(n: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float32]]:
    """What PDQ's two box passes followed by its 64-point decimation make of an axis of ``n``.

    The four 1-D passes (box along X, along Y, again X, again Y) are linear and the X and Y
    passes commute, so each of the 64 kept samples along an axis is a fixed weighted sum of a
    few neighbouring input samples: at most ``2 * window - 1`` of them. Returns their indices
    (64 x T, clamped into the axis) and weights (64 x T, zero where a row has fewer taps).
    The windows are the reference's (``box1DFloat``): ``window - (window + 2) // 2`` samples
    to the left, ``(window + 2) // 2 - 1`` to the right, cut off at the edges, and each box
    output is divided by the number of samples it really covered.
    """
    window = (n + 127) // 128
    half = (window + 2) // 2
    pos = np.arange(n)
    lo = np.maximum(pos - (window - half), 0)  # box window of output p: inputs [lo, hi)
    hi = np.minimum(pos + half - 1, n - 1) + 1
    count = (hi - lo).astype(np.float64)
    sel = ((np.arange(64) + 0.5) * n / 64).astype(np.intp)  # int((i + 0.5) * n / 64)
    # The second pass at sel[k] averages first-pass outputs p in [lo[sel], hi[sel]) (64 x window,
    # some unused at the edges); each of those averages the inputs in [lo[p], hi[p]).
    p = lo[sel][:, None] + np.arange(window)[None, :]
    used = p < hi[sel][:, None]
    p = np.minimum(p, n - 1)
    share = np.where(used, 1.0 / (count[sel][:, None] * count[p]), 0.0)  # 64 x window
    first = lo[lo[sel]]
    taps = int((hi[hi[sel] - 1] - first).max())
    idx = first[:, None] + np.arange(taps)[None, :]  # 64 x taps
    covers = (lo[p][:, None, :] <= idx[:, :, None]) & (idx[:, :, None] < hi[p][:, None, :])
    weights = (covers * share[:, None, :]).sum(axis=2)
    return np.minimum(idx, n - 1).astype(np.intp), weights.astype(np.float32)


def _downsample64(rgb: U8Image) -> npt.NDArray[np.float64]:
    """PDQ's 64x64 buffer: luma, two rounds of X/Y box filters, decimation (see the taps).

    All of it is linear, so it is done in the cheapest order: the rows that matter are picked
    and weighed first (on the RGB bytes), then turned into luma, then the columns.
    """
    rows, cols = rgb.shape[:2]
    row_idx, row_w = _decimation_taps(rows)
    col_idx, col_w = _decimation_taps(cols)
    t = row_idx.shape[1]
    if t <= 16:  # gather the needed rows once and weigh them with one batched product
        picked = rgb[row_idx.reshape(-1)].astype(np.float32).reshape(64, t, cols * 3)
        tall = np.matmul(row_w[:, None, :], picked).reshape(64, cols, 3)
    else:  # large pictures: one tap at a time keeps memory at 64 rows
        tall = np.zeros((64, cols, 3), dtype=np.float32)
        for k in range(t):
            tall += row_w[:, k, None, None] * rgb[row_idx[:, k]]
    # Luma with PDQ's coefficients (OpenCV's float RGB->grey uses exactly 0.299/0.587/0.114).
    grey = cv2.cvtColor(tall, cv2.COLOR_RGB2GRAY)
    wide = np.take(grey, col_idx.reshape(-1), axis=1).reshape(64, 64, col_idx.shape[1])
    out: npt.NDArray[np.float64] = np.einsum("rjt,jt->rj", wide, col_w).astype(np.float64)
    return out


def _downsample64_same_size(pictures: list[U8Image]) -> npt.NDArray[np.float64]:
    """:func:`_downsample64` of several pictures of one size at once (n x 64 x 64)."""
    if len(pictures) == 1:
        return _downsample64(pictures[0])[None]
    stack = np.stack(pictures)
    n, rows, cols = stack.shape[:3]
    row_idx, row_w = _decimation_taps(rows)
    col_idx, col_w = _decimation_taps(cols)
    if row_idx.shape[1] > 16:
        return np.stack([_downsample64(p) for p in pictures])
    t = row_idx.shape[1]
    picked = stack[:, row_idx.reshape(-1)].astype(np.float32).reshape(n, 64, t, cols * 3)
    tall = np.einsum("rt,nrtc->nrc", row_w, picked).reshape(n * 64, cols, 3)
    grey = cv2.cvtColor(np.ascontiguousarray(tall), cv2.COLOR_RGB2GRAY).reshape(n, 64, cols)
    wide = np.take(grey, col_idx.reshape(-1), axis=2).reshape(n, 64, 64, col_idx.shape[1])
    out: npt.NDArray[np.float64] = np.einsum("nrjt,jt->nrj", wide, col_w).astype(np.float64)
    return out


def _quality(buffer64: npt.NDArray[np.float32]) -> int:
    """The reference's gradient quality metric, in float32 as it computes it."""
    return int(_qualities(buffer64[None])[0])


_DCT16x64 = np.asarray(
    math.sqrt(2.0 / 64.0)
    * np.cos(math.pi / 128.0 * np.arange(1, 17).reshape(16, 1) * (2 * np.arange(64) + 1)),
    dtype=np.float64,
)


def pdq_dct_fast(rgb: U8Image) -> tuple[npt.NDArray[np.float64], int]:
    """Like :func:`pdq_dct` (16x16 DCT block and quality), computed with OpenCV and numpy."""
    buffer64 = _downsample64(rgb)
    quality = _quality(buffer64.astype(np.float32))
    return np.asarray(_DCT16x64 @ buffer64 @ _DCT16x64.T, dtype=np.float64), quality


def pdq_hash_fast(rgb: U8Image) -> tuple[Hash, int]:
    """The PDQ hash of ``rgb`` and its quality, computed eight to ten times faster than
    :func:`pdq_hash`, but not always bit-identical to it.

    Same algorithm, other arithmetic: the reference keeps running float32 sums in its box
    filters, this weighs each kept sample's neighbours directly, so the DCT coefficients differ
    by about 0.0005 (at most 0.007 measured). A bit changes only when that reorders the two
    coefficients at the median, and the quality only when a gradient sits on a rounding edge.
    On near-flat pictures every coefficient is rounding noise and the two hashes are unrelated
    (as the reference's own hash of such a picture is noise). Measured figures are in
    ``docs/fingerprints.md``. Use :func:`pdq_hash_for_search` rather than this.
    """
    coeffs, quality = pdq_dct_fast(rgb)
    return _bits_to_bytes(coeffs), quality


#: :func:`pdq_hash_for_search` hands over to the reference when the two DCT coefficients at the
#: median are closer than this: the fast arithmetic could order them differently.
SEARCH_MEDIAN_GAP = 1e-3


def pdq_hash_for_search(rgb: U8Image, *, min_quality: int) -> tuple[Hash, int]:
    """A PDQ hash for *searching* with (never to store or export): :func:`pdq_hash_fast`, or the
    reference's :func:`pdq_hash` where the fast one is not reliably close to it.

    The reference is used when the fast quality is ``min_quality`` or lower (near-flat
    pictures, whose bits are rounding noise, and the pictures on the edge of ``min_quality``,
    so that "is this hash good enough" is decided as the reference decides it: the two
    qualities were never more than 1 apart), and when the coefficients at the median are within
    :data:`SEARCH_MEDIAN_GAP` (ties, for example the 31 coefficients that are exactly zero when
    a side is 16 px). Otherwise the hash is the fast one. On 21,645 pictures (``bench_pdq.py``)
    the result was the reference's hash every time, and its quality was 1 off on 6 of them;
    what remains possible is a rounding swap of the two median coefficients (2 bits), far
    below every matching threshold (25-60 bits).
    """
    coeffs, quality = pdq_dct_fast(rgb)
    flat = coeffs.reshape(256)
    below, above = np.partition(flat, (127, 128))[127:129]
    if quality <= min_quality or above - below < SEARCH_MEDIAN_GAP:
        return pdq_hash(rgb)
    bits = (flat > (below + above) / 2)[::-1]
    return bytes(np.packbits(bits).tobytes()), quality


def pdq_dihedral_checked(rgb: U8Image, *, min_quality: int) -> tuple[list[Hash], int]:
    """:func:`pdq_dihedral` in the fast arithmetic, handed over to the reference wherever the
    two could disagree: when the fast quality is ``min_quality`` + 1 or lower (so whether a
    hash is good enough is decided as the reference decides it) or when, in any of the eight
    orientations, the two coefficients at the median are within :data:`SEARCH_MEDIAN_GAP`.
    Used for a stored picture's whole-image hashes (the hash that hash lists export): on all
    21,750 pictures of ``bench/bench_pdq.py`` it gave the reference's eight hashes bit for bit,
    and a quality 1 off on 5 of them. The margin is measured, not proven (see
    docs/fingerprints.md).
    """
    coeffs, quality = pdq_dct_fast(rgb)
    stack = np.stack(_dihedral_coeffs(coeffs)).reshape(8, 256)
    near = np.partition(stack, (127, 128), axis=1)[:, 127:129]
    if quality <= min_quality + 1 or float((near[:, 1] - near[:, 0]).min()) < SEARCH_MEDIAN_GAP:
        return pdq_dihedral(rgb)
    return _dihedral_hashes(coeffs), quality


def pdq_pairs_for_matching(pictures: list[U8Image], *, min_quality: int
                           ) -> list[tuple[Hash, Hash, int]]:
    """For each picture: its PDQ hash, the hash of its left-right mirror, and its quality, for
    hashes Ansim keeps only to match with and never exports (a stored picture's regions and
    fixed sub-crops). The fast arithmetic of :func:`pdq_hash_fast`, every picture's DCT,
    quality and bits computed together, and both hashes from one DCT block.

    Where a fast quality is within 1 of ``min_quality`` (the two qualities were never more
    than 1 apart) or the coefficients at the median nearly tie, the reference decides, as in
    :func:`pdq_hash_for_search`; a picture clearly under ``min_quality`` is not hashed by the
    reference only to be dropped (its hashes are then the fast ones, and its quality says
    why it is dropped). The original orientation is then the hash a scan candidate's search
    hash of the same pixels is; the mirror may differ from the reference's by a rounding
    swap at its own median (2 bits), far below every threshold.
    """
    if not pictures:
        return []
    n = len(pictures)
    by_size: dict[tuple[int, ...], list[int]] = {}
    for k, p in enumerate(pictures):
        by_size.setdefault(p.shape, []).append(k)
    buffers = np.empty((n, 64, 64), dtype=np.float64)
    for members in by_size.values():
        buffers[members] = _downsample64_same_size([pictures[k] for k in members])
    qualities = _qualities(buffers.astype(np.float32))
    coeffs = np.matmul(np.matmul(_DCT16x64, buffers), _DCT16x64.T)  # n x 16 x 16
    both = np.concatenate([coeffs, coeffs * _SIGN_J]).reshape(2 * n, 256)  # plain, mirrored
    near = np.partition(both[:n], (127, 128), axis=1)[:, 127:129]
    ties = near[:, 1] - near[:, 0] < SEARCH_MEDIAN_GAP
    for k, picture in enumerate(pictures):
        quality = int(qualities[k])
        if abs(quality - min_quality) <= 1 or (quality > min_quality and ties[k]):
            block, qualities[k] = pdq_dct(picture)
            both[k], both[n + k] = block.reshape(256), (block * _SIGN_J).reshape(256)
    middle = np.partition(both, (127, 128), axis=1)[:, 127:129].mean(axis=1, keepdims=True)
    packed = np.packbits((both > middle)[:, ::-1], axis=1)
    return [(bytes(packed[k].tobytes()), bytes(packed[n + k].tobytes()), int(qualities[k]))
            for k in range(n)]


def _qualities(buffers: npt.NDArray[np.float32]) -> npt.NDArray[np.int64]:
    """The reference's gradient quality metric of each of n 64x64 buffers (n x 64 x 64), in
    float32 as it computes it."""
    hundred, full = np.float32(100), np.float32(255)
    dv = np.trunc((buffers[:, :-1, :] - buffers[:, 1:, :]) * hundred / full)
    dh = np.trunc((buffers[:, :, :-1] - buffers[:, :, 1:]) * hundred / full)
    total = (np.abs(dv).sum(axis=(1, 2), dtype=np.float64)
             + np.abs(dh).sum(axis=(1, 2), dtype=np.float64)).astype(np.int64)
    out: npt.NDArray[np.int64] = np.minimum(100, total // 90)
    return out


def hamming(a: bytes, b: bytes) -> int:
    """Number of differing bits between two equally long hashes."""
    return int.from_bytes(a, "big").__xor__(int.from_bytes(b, "big")).bit_count()


# ---------------------------------------------------------------------------------------------
# Independent numpy implementation of the published algorithm (used to check the binding).


def _box_filter(a: npt.NDArray[np.float64], window: int, axis: int) -> npt.NDArray[np.float64]:
    """PDQ's 1-D box filter: a centred window that shrinks at the edges (``box1DFloat``)."""
    n = a.shape[axis]
    half = (window + 2) // 2
    right = half - 1
    left = window - half
    cs = np.cumsum(a, axis=axis)
    zero_shape = list(a.shape)
    zero_shape[axis] = 1
    cs = np.concatenate([np.zeros(zero_shape), cs], axis=axis)
    idx = np.arange(n)
    hi = np.minimum(idx + right, n - 1) + 1
    lo = np.maximum(idx - left, 0)
    count = (hi - lo).astype(np.float64)
    total = np.take(cs, hi, axis=axis) - np.take(cs, lo, axis=axis)
    shape = [1] * a.ndim
    shape[axis] = n
    return np.asarray(total / count.reshape(shape), dtype=np.float64)


def _dct_matrix() -> npt.NDArray[np.float64]:
    i = np.arange(1, 17).reshape(16, 1)
    j = np.arange(64).reshape(1, 64)
    return np.asarray(math.sqrt(2.0 / 64.0) * np.cos(math.pi / 128.0 * i * (2 * j + 1)))


def reference_pdq(rgb: U8Image) -> tuple[Hash, int]:
    """PDQ computed in numpy straight from the published algorithm (slow; for checks only)."""
    img = rgb.astype(np.float64)
    luma = 0.299 * img[..., 0] + 0.587 * img[..., 1] + 0.114 * img[..., 2]
    luma = luma.astype(np.float32).astype(np.float64)
    rows, cols = luma.shape
    win_rows = (cols + 127) // 128  # window along rows (horizontal)
    win_cols = (rows + 127) // 128
    for _ in range(2):
        luma = _box_filter(luma, win_rows, axis=1)
        luma = _box_filter(luma, win_cols, axis=0)
    ri = ((np.arange(64) + 0.5) * rows / 64).astype(int)
    ci = ((np.arange(64) + 0.5) * cols / 64).astype(int)
    small = luma[np.ix_(ri, ci)]
    # Quality: count significant gradients (integer truncation as in the reference).
    dv = np.trunc((small[:-1, :] - small[1:, :]) * 100 / 255)
    dh = np.trunc((small[:, :-1] - small[:, 1:]) * 100 / 255)
    quality = min(100, int((np.abs(dv).sum() + np.abs(dh).sum()) // 90))
    d = _dct_matrix()
    coeffs = d @ small @ d.T
    median = float(np.median(coeffs))
    bits = (coeffs > median).reshape(256)  # bit k = i * 16 + j
    return _to_bytes(bits[::-1].astype(np.int64)), quality
