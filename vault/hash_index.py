"""Exact Hamming range search over 256-bit hashes by multi-index hashing.

Each hash is cut into 16 substrings of 16 bits, and each substring position gets a bucket
table (the rows sorted by that substring, with the start of every one of the 65,536 buckets).
If two hashes are at most ``r`` bits apart and ``t_0 + ... + t_15 >= r + 1 - 16``, then some
substring ``i`` differs in at most ``t_i`` bits (were every substring ``t_i + 1`` or more bits
apart, the hashes would be ``r + 1`` or more apart). So looking up, in each table ``i``, the
query's substring with every pattern of at most ``t_i`` bits flipped finds every hash within
``r`` (a superset: each candidate's full distance is then computed). The search is exact.

It pays for small radii only: at 33 bits 512 buckets are looked up and about 0.8 % of the rows
are candidates, at 39 bits 1,232 and 1.9 %, at 60 bits 9,472 and 14 % (where one pass over all
rows is cheaper); ``faster_than_flat`` estimates which is cheaper.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

_PARTS = 16
_POPCOUNT = np.bitwise_count(np.arange(1 << 16, dtype=np.uint16))
#: The 16-bit patterns with at most t bits set, for t = 0..4.
_FLIPS = [np.flatnonzero(t >= _POPCOUNT).astype(np.uint16) for t in range(5)]
#: Cost estimates in ns, measured on a 2-core AMD EPYC (AVX2) with 368,000 hashes: a call's
#: fixed cost, one bucket looked up (two cache misses when cold), one candidate in it (read
#: from consecutive memory); and one row of a flat 128-bit faiss pass, and that call's fixed cost.
CALL_NS, PROBE_NS, CANDIDATE_NS = 50_000.0, 80.0, 7.0
FLAT_NS, FLAT_CALL_NS = 1.6, 20_000.0


#: Buckets to look up for a radius: (table, flip pattern) of each, tables ascending, and how
#: many of them are in tables 0-7 (which keep the second half of each hash, tables 8-15 the
#: first).
_Plan = tuple[npt.NDArray[np.intp], npt.NDArray[np.uint16], int]


def _plan(radius: int) -> _Plan:
    """The buckets to look up for ``radius``: the per-table flip budgets ``t_i`` sum to
    ``radius + 1 - 16`` and differ by at most one."""
    base, extra = divmod(max(radius + 1 - _PARTS, 0), _PARTS)
    if base + 1 >= len(_FLIPS):
        raise ValueError(f"radius {radius} is too large for multi-index hashing")
    flips = [_FLIPS[base + (i < extra)] for i in range(_PARTS)]
    tables = np.repeat(np.arange(_PARTS, dtype=np.intp), [f.size for f in flips])
    first = sum(f.size for f in flips[:_PARTS // 2])
    return tables, np.concatenate(flips), first


def records(codes: npt.NDArray[np.uint8]) -> npt.NDArray[np.void]:
    """``n`` x 32 bytes of hashes as ``n`` 32-byte records, so ``np.take`` copies whole rows."""
    return np.ascontiguousarray(codes).view(np.dtype((np.void, 32))).reshape(codes.shape[0])


def distances(faiss: Any, query: npt.NDArray[np.uint8], found: npt.NDArray[np.void]
              ) -> npt.NDArray[np.int32]:
    """Hamming distances of ``query`` (32 bytes) to hashes taken from ``records``."""
    dist = np.empty(found.shape[0], dtype=np.int32)
    if found.shape[0]:
        faiss.hammings(faiss.swig_ptr(np.ascontiguousarray(query.reshape(32))),
                       faiss.swig_ptr(found.view(np.uint8)), 1, found.shape[0], 32,
                       faiss.swig_ptr(dist))
    return dist


def faster_than_flat(n: int, radius: int) -> bool:
    """Whether ``MultiIndex.within`` on ``n`` hashes is estimated to beat a flat 128-bit pass."""
    try:
        probes = len(_plan(radius)[0])
    except ValueError:  # a radius too large for the tables
        return False
    multi = CALL_NS + probes * (PROBE_NS + CANDIDATE_NS * n / (1 << 16))
    return multi < FLAT_CALL_NS + FLAT_NS * n


class MultiIndex:
    """Hashes (``n`` x 32 bytes) in 16 bucket tables; ``within`` finds every hash within a
    radius, exactly as comparing with all of them would. 320 bytes per hash besides the hashes
    themselves (each table's row numbers and other halves), plus 8 MiB of bucket starts."""

    def __init__(self, faiss: Any, codes: npt.NDArray[np.uint8], radii: tuple[int, ...] = ()
                 ) -> None:
        self._faiss = faiss
        self.codes = np.ascontiguousarray(codes)
        self._records = records(self.codes)
        n = self.codes.shape[0]
        subs = self.codes.view(np.uint16)  # n x 16, substring i in column i
        # Table i's rows at [i * n, (i + 1) * n), sorted by substring i (a stable radix sort).
        # Each table also keeps, in its own order, the 128 bits its substring is not in: a
        # candidate's distance there (a lower bound of the whole distance) is read from
        # consecutive memory, and only the few within the radius are looked up in ``codes``.
        # Filled one table at a time, so building needs little more than the result.
        self._rows = np.empty(_PARTS * n, dtype=np.int32)
        other = np.empty((_PARTS * n, 16), dtype=np.uint8)
        starts = np.zeros(_PARTS * (1 << 16) + 1, dtype=np.intp)
        for i in range(_PARTS):
            order = np.argsort(subs[:, i], kind="stable")
            self._rows[i * n:(i + 1) * n] = order
            half = slice(16, 32) if i < _PARTS // 2 else slice(0, 16)
            other[i * n:(i + 1) * n] = self.codes[order, half]
            starts[1 + i * (1 << 16):1 + (i + 1) * (1 << 16)] = np.bincount(
                subs[:, i], minlength=1 << 16)
        np.cumsum(starts, out=starts)
        self._other = other.view(np.dtype((np.void, 16))).reshape(-1)
        self._starts = starts
        # Plans for the radii the caller will ask for, made now: afterwards a search only reads.
        self._plans: dict[int, _Plan] = {r: _plan(r) for r in radii}

    def _buckets(self, radius: int) -> _Plan:
        plan = self._plans.get(radius)
        return plan if plan is not None else _plan(radius)

    def within(self, query: npt.NDArray[np.uint8], radius: int
               ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int32]]:
        """(positions, distances) of the hashes at most ``radius`` bits from ``query`` (32
        bytes), positions ascending."""
        tables, flips, first = self._buckets(radius)
        query = np.ascontiguousarray(query.reshape(32))
        keys = (tables << 16) | (query.view(np.uint16)[tables] ^ flips)
        lo = self._starts[keys]
        count = self._starts[keys + 1] - lo
        total = int(count.sum())
        if total == 0:
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.int32)
        # Positions of every listed row: each bucket's run lo .. lo + count - 1, concatenated.
        ends = np.cumsum(count)
        at = np.repeat(lo - (ends - count), count) + np.arange(total)
        # Tables 0-7 keep the second half, tables 8-15 the first; ``at`` lists table by table.
        split = int(count[:first].sum())
        other = np.take(self._other, at).view(np.uint8).reshape(total, 16)
        lower = np.empty(total, dtype=np.int32)
        f = self._faiss
        for part, half, (a, b) in ((other[:split], query[16:], (0, split)),
                                   (other[split:], query[:16], (split, total))):
            if b > a:
                f.hammings(f.swig_ptr(np.ascontiguousarray(half)), f.swig_ptr(part), 1, b - a,
                           16, f.swig_ptr(lower[a:b]))
        cand = np.unique(self._rows[at[lower <= radius]]).astype(np.intp)
        dist = distances(self._faiss, query, np.take(self._records, cand))
        ok = dist <= radius
        return cand[ok], dist[ok]
