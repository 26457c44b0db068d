"""PDQ hashes: the reference C++ code (through ``pdqhash``) plus a numpy re-implementation.

``pdqhash`` (PyPI) compiles Meta's own ``pdq/cpp`` sources from the ThreatExchange repository;
it is what Ansim uses. :func:`reference_pdq` re-implements the published algorithm in numpy
(luma, two X/Y passes of Jarosz box filters, 64x64 decimation, 16x16 DCT, median threshold,
gradient quality metric) and is used only by the tests, to check that the installed binding
really computes PDQ.

Hashes are 32 bytes, most significant word first, so ``bytes.hex()`` gives the 64-character
string that ThreatExchange, StopNCII and HMA exchange.
"""

from __future__ import annotations

import math

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
    stack = np.stack(_dihedral_coeffs(coeffs)).reshape(8, 256)
    middle = np.partition(stack, (127, 128), axis=1)[:, 127:129].mean(axis=1, keepdims=True)
    bits = stack > middle
    packed = np.packbits(bits[:, ::-1], axis=1)
    return [bytes(row.tobytes()) for row in packed], quality


def pdq_hash(rgb: U8Image) -> tuple[Hash, int]:
    """The PDQ hash of ``rgb`` (H x W x 3 uint8) and its quality (0-100)."""
    coeffs, quality = pdq_dct(rgb)
    return _bits_to_bytes(coeffs), quality


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
