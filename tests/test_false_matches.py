"""The rules that keep unrelated pictures from matching at scale (docs/fingerprints.md,
"Thresholds and how they were chosen"): plain-pattern hashes decide nothing, and copies that
really are the vault's picture still match."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from tests.fixtures_fp.photos import crop, jpeg, photo
from vault import matching
from vault.fingerprints import ImageFingerprint, fingerprint_image
from vault.fingerprints.decode import decode_image
from vault.matching import FingerprintIndex, pattern_distance
from vault.scanning.candidate import query_fingerprint

U8 = npt.NDArray[np.uint8]


def _drawing() -> U8:
    """A cartoon wagon: a flat green body in a dark outline above four wheels, on white."""
    w, h = 340, 260
    img = np.full((h, w, 3), 255, np.uint8)
    body = int(h * 0.78)
    img[8:body, 8:w - 8] = (30, 160, 70)
    cv2.rectangle(img, (8, 8), (w - 9, body), (25, 25, 25), 4)
    for cx in np.linspace(40, w - 40, 4):
        cv2.circle(img, (int(cx), int(h * 0.9)), int(h * 0.08), (230, 150, 30), -1)
    return img


def _stripes() -> U8:
    """A periodic stripe texture (an 8-pixel period) in a black border."""
    x = np.arange(600, dtype=np.float32)
    row = 190 * (0.75 + 0.25 * np.cos(2 * np.pi * x / 8))
    grey = np.repeat(row[None, :], 560, axis=0)
    img = np.stack([grey, grey * 0.8, grey * 0.6], axis=2).astype(np.uint8)
    return cv2.copyMakeBorder(img, 30, 30, 30, 30, cv2.BORDER_CONSTANT, value=(0, 0, 0))


def _scanned(rgb: U8) -> ImageFingerprint:
    """The search fingerprint a scan makes of a JPEG of ``rgb``."""
    d = decode_image(jpeg(rgb, 85))
    return query_fingerprint(d.rgb, width=d.width, height=d.height, fmt=d.format,
                             sha256=d.sha256, md5=d.md5)


def test_pattern_distance_of_plain_and_photographic_hashes() -> None:
    assert pattern_distance("a" * 64) == 0
    assert pattern_distance("0" * 64) == 0
    assert pattern_distance("aaaa5555" * 8) == 0  # rows alternate with their complement
    rng = np.random.default_rng(1)
    randoms = [pattern_distance(rng.bytes(32).hex()) for _ in range(20)]
    assert min(randoms) > 60
    fp = fingerprint_image(jpeg(photo(11), 90))
    assert pattern_distance(fp.pdq) > matching.PATTERN_BITS + 20
    # Ten bits flipped in a plain hash: at most ten bits from the pattern.
    flipped = int("a" * 64, 16) ^ sum(1 << b for b in range(0, 200, 20))
    assert pattern_distance(f"{flipped:064x}") <= 10


def test_a_drawing_region_and_a_bordered_stripe_texture_are_only_worth_a_look() -> None:
    """The pair behind most false matches at scale, rebuilt: the outlined body of a drawing
    (a vault item's content region) and a bordered stripe texture (a candidate) hash within
    what was the region family's strong distance (31), and both hashes are plain patterns; the
    region family now only nominates, and the keypoint stage finds nothing to confirm."""
    vault_fp = fingerprint_image(jpeg(_drawing(), 92))
    candidate = _scanned(_stripes())
    index = FingerprintIndex([("drawing", vault_fp)])
    hits = [h for h in index.hits(candidate) if h.family == "region"]
    assert hits and min(h.distance for h in hits) <= 31
    stored = matching.stored_hashes(vault_fp)
    assert all(pattern_distance(stored[h.stored][1]) <= matching.PATTERN_BITS for h in hits)
    found = index.search(candidate)
    assert [(m.band, m.how) for m in found] == [("needs_review", "region")]


def test_real_copies_still_match_at_the_decision_threshold() -> None:
    original = photo(21)
    vault_fp = fingerprint_image(jpeg(original, 92))
    others = [(f"other{k}", fingerprint_image(jpeg(photo(400 + k), 92))) for k in range(5)]
    index = FingerprintIndex([("mine", vault_fp), *others])
    copies = {
        "mirrored": np.ascontiguousarray(np.fliplr(original)),
        "turned": np.ascontiguousarray(np.rot90(original)),
        "cropped 20 %": crop(original, 0.2, 0.3, 0.7),
        "mirrored and cropped": crop(np.ascontiguousarray(np.fliplr(original)), 0.1),
    }
    for name, rgb in copies.items():
        found = index.search(_scanned(rgb))
        assert found, name
        assert found[0].item_id == "mine" and found[0].band in ("strong", "probable"), name
        assert all(m.item_id == "mine" for m in found if m.band != "needs_review"), name


@pytest.mark.parametrize("family", sorted(matching.THRESHOLDS))
def test_every_family_decides_only_above_its_plain_pattern_gate(family: str) -> None:
    """``pair_band`` is ``band_for`` for photographic hashes, and at most needs_review when
    either hash is a plain pattern."""
    fp = fingerprint_image(jpeg(photo(5), 90))
    strong = matching.THRESHOLDS[family][1][0]
    assert matching.pair_band(family, strong, fp.pdq, fp.pdq) == "strong"
    assert matching.pair_band(family, strong, "a" * 64, fp.pdq) == "needs_review"
    assert matching.pair_band(family, strong, fp.pdq, "a" * 64) == "needs_review"


def test_a_weak_hash_decides_only_at_the_strong_distance_in_region_and_crop_families() -> None:
    fp = fingerprint_image(jpeg(photo(6), 90))
    weak = matching.WEAK_QUALITY - 1
    for family in sorted(matching.WEAK_GATED):
        strong, probable, _review = matching.THRESHOLDS[family][1]
        if probable > strong:
            assert matching.pair_band(family, probable, fp.pdq, fp.pdq) == "probable"
            assert matching.pair_band(family, probable, fp.pdq, fp.pdq, weak,
                                      100) == "needs_review"
            assert matching.pair_band(family, probable, fp.pdq, fp.pdq, 100,
                                      weak) == "needs_review"
        assert matching.pair_band(family, strong, fp.pdq, fp.pdq, weak, weak) == "strong"
    # Whole-picture families are not gated (their unrelated near pairs had strong hashes),
    # nor is the low-quality family, whose distances are made for weak hashes.
    for family in ("whole", "rotation", "lowq"):
        probable = matching.THRESHOLDS[family][1][1]
        assert matching.pair_band(family, probable, fp.pdq, fp.pdq, 30, 30) == "probable"


def test_hits_name_the_hashes_that_met() -> None:
    """``hits`` gives every hash pair within review distance, with positions in
    ``query_hashes`` and ``stored_hashes`` whose hashes are that far apart."""
    original = photo(31)
    items = [("mine", fingerprint_image(jpeg(original, 92))),
             ("other", fingerprint_image(jpeg(photo(32), 92)))]
    index = FingerprintIndex(items)
    candidate = _scanned(np.ascontiguousarray(np.fliplr(crop(original, 0.05))))
    hits = index.hits(candidate)
    assert hits and {h.item_id for h in hits} == {"mine"}
    queries = matching.query_hashes(candidate)
    fps = dict(items)
    for h in hits:
        stored = matching.stored_hashes(fps[h.item_id])
        a, b = int(queries[h.query][1], 16), int(stored[h.stored][1], 16)
        assert (a ^ b).bit_count() == h.distance
        assert h.distance <= matching.THRESHOLDS[h.family][1][2]
    assert "mirror" in {h.family for h in hits}
    for fp in fps.values():
        assert len(matching.stored_qualities(fp)) == len(matching.stored_hashes(fp))
    assert len(matching.query_qualities(candidate)) == len(queries)
