"""Hash pairs within review distance, written by the benchmarks for threshold studies.

For every (candidate, vault item) pair that comes within a family's review distance, the
benchmarks record each pair of hashes (family, distance, and for both hashes: kind, region
kind, PDQ quality, box and value) and the keypoint verdict of the pair in both orientations,
so that thresholds and gates can be tried on the record (``bench/fp_rules.py``) instead of by
running the benchmark again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vault import matching
from vault.fingerprints import ImageFingerprint
from vault.keypoint_match import band_of, verify

_STORED_KIND = ("whole", "rotation", "mirror", "region", "crop", "crop_mirror", "frame")
_QUERY_KIND = ("whole", "region", "lowq")


def hash_rows(fp: ImageFingerprint, query: bool) -> list[dict[str, Any]]:
    """What each of ``query_hashes(fp)`` (or ``stored_hashes(fp)``) is, in the same order:
    kind, region kind (trim/content/crop, empty for the whole picture), PDQ quality, box
    (fractions of the picture) and the hash."""
    rows = matching.query_hashes(fp) if query else matching.stored_hashes(fp)
    parts: list[tuple[str, Any]] = []
    for r in () if fp.low_quality else fp.regions:  # (a low-quality picture: whole only)
        if r.kind != "crop":
            parts.append(("region", r))
        elif not query:
            parts += [("crop", r), ("crop_mirror", r)]
    n_whole = len(rows) - len(parts)
    out: list[dict[str, Any]] = []
    for n, (kind, hx, _detail) in enumerate(rows):
        if n < n_whole:
            name = (_QUERY_KIND if query else _STORED_KIND)[kind]
            out.append({"kind": name, "region": "", "quality": fp.pdq_quality,
                        "box": [0.0, 0.0, 1.0, 1.0], "pdq": hx})
        else:
            name, r = parts[n - n_whole]
            out.append({"kind": name, "region": r.kind, "quality": r.quality,
                        "box": list(r.box), "pdq": hx})
    return out


def keypoint_verdicts(fp: ImageFingerprint, stored: ImageFingerprint) -> list[dict[str, Any]]:
    """The keypoint verification of one pair in both orientations (whether or not the
    shortlist would pick the item: the conservative reading for false matches)."""
    out: list[dict[str, Any]] = []
    if fp.keypoints is None or stored.keypoints is None:
        return out
    for mirrored in (False, True):
        v = verify(fp.keypoints, stored.keypoints, mirrored=mirrored)
        if v is not None:
            out.append({"mirrored": mirrored, "inliers": v.inliers,
                        "correlation": round(v.correlation, 4), "spread": round(v.spread, 4),
                        "band": band_of(v)})
    return out


def pair_records(index: matching.FingerprintIndex, stored: Sequence[ImageFingerprint],
                 fp: ImageFingerprint, *, also: Sequence[int] = ()) -> list[dict[str, Any]]:
    """Every hash pair of ``fp`` within its family's review distance of an item of ``index``
    (whose item ids are positions in ``stored``), grouped by item, with the pair's keypoint
    verdicts. Items in ``also`` get a record even without a hash pair."""
    qrows = hash_rows(fp, True)
    by_item: dict[int, list[matching.HashHit]] = {int(k): [] for k in also}
    for h in index.hits(fp):
        by_item.setdefault(int(h.item_id), []).append(h)
    out = []
    for item, hs in sorted(by_item.items()):
        srows = hash_rows(stored[item], False)
        out.append({"item": item, "keypoints": keypoint_verdicts(fp, stored[item]),
                    "hits": [{"family": h.family, "distance": h.distance,
                              "query": qrows[h.query], "stored": srows[h.stored]}
                             for h in hs]})
    return out
