"""The fast PDQ implementation against the reference binding (Meta's C++ through pdqhash).

The fast one computes the same algorithm with other float arithmetic, so its DCT coefficients
differ from the reference's by about 1e-3; a hash bit can change only where that reorders the
two coefficients at the median. ``pdq_hash_for_search`` (what scans use) hands such ties and
low qualities over to the reference. Figures over thousands of real pictures:
``bench/bench_pdq.py`` and docs/fingerprints.md.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tests.fixtures_fp.photos import crop, jpeg, photo, resize
from vault.fingerprints.image import MIN_QUALITY, at_least, region_hashes
from vault.fingerprints.pdq import (
    MIRROR_INDEX,
    _box_filter,
    _decimation_taps,
    hamming,
    pdq_dct,
    pdq_dct_fast,
    pdq_dihedral,
    pdq_dihedral_checked,
    pdq_hash,
    pdq_hash_fast,
    pdq_hash_for_search,
    pdq_pairs_for_matching,
)


def _varied(n: int = 120) -> list[np.ndarray]:
    """Seeded photo-like pictures of random sizes, some re-encoded, resized or cropped."""
    rng = np.random.default_rng(5)
    out = []
    for k in range(n):
        w, h = int(rng.integers(64, 640)), int(rng.integers(64, 640))
        img = photo(1000 + k, w, h)
        if k % 4 == 1:
            img = np.asarray(Image.open(io.BytesIO(jpeg(img, 40))).convert("RGB"))
        elif k % 4 == 2:
            img = resize(img, float(rng.uniform(0.3, 1.5)))
        elif k % 4 == 3:
            img = crop(img, 0.2, float(rng.random()), float(rng.random()))
        out.append(np.ascontiguousarray(img))
    return out


@pytest.mark.parametrize("n", [1, 5, 16, 17, 63, 64, 100, 128, 129, 255, 256, 383, 384, 511,
                               512, 513, 640, 1000, 1500])
def test_taps_are_the_reference_box_filters_and_decimation(n: int) -> None:
    # Two passes of the reference's box filter (its window placement and shrinking edge
    # windows, re-implemented in pdq._box_filter), then PDQ's 64-point decimation.
    window = (n + 127) // 128
    twice = _box_filter(_box_filter(np.eye(n), window, axis=0), window, axis=0)
    kept = twice[((np.arange(64) + 0.5) * n / 64).astype(int)]
    idx, weights = _decimation_taps(n)
    ours = np.zeros((64, n))
    np.add.at(ours, (np.repeat(np.arange(64), idx.shape[1]), idx.reshape(-1)), weights.reshape(-1))
    assert np.abs(ours - kept).max() < 1e-7  # the weights are stored as float32
    assert idx.shape[1] <= max(1, 2 * window - 1)


def test_agrees_with_the_reference_on_varied_pictures() -> None:
    pictures = _varied()
    raw, search, quality = [], [], []
    for img in pictures:
        ref, rq = pdq_hash(img)
        fast, fq = pdq_hash_fast(img)
        found, sq = pdq_hash_for_search(img, min_quality=MIN_QUALITY)
        raw.append(hamming(ref, fast))
        search.append(hamming(ref, found))
        quality += [abs(fq - rq), abs(sq - rq)]
        assert np.abs(pdq_dct_fast(img)[0] - pdq_dct(img)[0]).max() < 0.02
    # All 120 were bit-identical when this was written; a swap at the median costs 2 bits,
    # and another CPU's rounding may swap a few more.
    assert sum(d == 0 for d in raw) >= 114 and max(raw) <= 4
    assert sum(d == 0 for d in search) >= 116 and max(search) <= 4
    assert max(quality) <= 1


def _edge_cases() -> list[tuple[str, np.ndarray]]:
    base = photo(77, 640, 480)

    def sized(w: int, h: int) -> np.ndarray:
        return np.ascontiguousarray(np.asarray(Image.fromarray(base).resize((w, h))))

    flat = np.full((200, 300, 3), 40, dtype=np.uint8)
    dot = np.zeros((240, 320, 3), dtype=np.uint8)
    dot[100, 150] = 255
    return [
        ("16x16", sized(16, 16)), ("16 wide", sized(16, 300)), ("16 high", sized(300, 16)),
        ("17x23", sized(17, 23)), ("97x211", sized(97, 211)), ("513x129", sized(513, 129)),
        ("40:1", sized(640, 16)), ("1:40", sized(16, 640)), ("5x5", sized(5, 5)),
        ("flat", flat), ("flat white", np.full((64, 64, 3), 255, dtype=np.uint8)),
        ("one bright pixel", dot), ("stretched tiny", at_least(sized(9, 7), 16)),
    ]


@pytest.mark.parametrize("name,img", _edge_cases(), ids=[n for n, _ in _edge_cases()])
def test_search_hash_is_the_reference_on_edge_cases(name: str, img: np.ndarray) -> None:
    ref, rq = pdq_hash(img)
    fast, fq = pdq_hash_fast(img)
    assert abs(fq - rq) <= 1, name
    # Flat pictures (every coefficient is rounding noise) and 16-px sides (31 coefficients
    # are exactly zero) make ties at the median: the search hash is then the reference's.
    assert pdq_hash_for_search(img, min_quality=MIN_QUALITY) == (ref, rq), name


def test_flat_pictures_hash_differently_but_the_search_hash_does_not() -> None:
    # Why the hand-over exists: on a flat picture both hashes are noise, and different noise.
    flat = np.full((200, 300, 3), 40, dtype=np.uint8)
    assert pdq_hash(flat)[1] == pdq_hash_fast(flat)[1] == 0
    assert pdq_hash_for_search(flat, min_quality=MIN_QUALITY) == pdq_hash(flat)


def test_search_regions_are_the_full_regions_hashed_fast() -> None:
    from tests._scan_server import photo as scan_photo
    from tests._scan_server import screenshot_of

    shot = np.asarray(screenshot_of(scan_photo(11)))
    full = [r for r in region_hashes(shot) if r.kind != "crop"]
    quick = region_hashes(shot, search_only=True)
    assert [(r.kind, r.box, r.quality) for r in quick] == [(r.kind, r.box, r.quality) for r in full]
    assert quick and all(
        hamming(bytes.fromhex(a.pdq), bytes.fromhex(b.pdq)) <= 2
        for a, b in zip(quick, full, strict=True))


@pytest.mark.parametrize("size,flat", [((24, 20), False), ((300, 200), True), ((640, 480), False)])
def test_candidates_search_with_the_reference_hash_when_low(size: tuple[int, int],
                                                            flat: bool) -> None:
    # Low-quality candidates (tiny or flat) are compared with tight thresholds (the "lowq"
    # family): they get the reference's hash, bit for bit, like a stored fingerprint.
    from tests._scan_server import encode
    from tests._scan_server import photo as scan_photo
    from vault.fingerprints import fingerprint_image
    from vault.fingerprints.decode import decode_image
    from vault.scanning.candidate import query_fingerprint

    pic = Image.new("RGB", size, (40, 40, 40)) if flat else scan_photo(8, size)
    data = encode(pic, "PNG")
    d = decode_image(data)
    quick = query_fingerprint(d.rgb, width=d.width, height=d.height, fmt=d.format,
                              sha256=d.sha256, md5=d.md5)
    full = fingerprint_image(data)
    assert quick.low_quality == full.low_quality
    assert quick.pdq_quality == full.pdq_quality
    if full.low_quality:
        assert quick.pdq == full.pdq
    else:
        assert hamming(bytes.fromhex(quick.pdq), bytes.fromhex(full.pdq)) <= 2


def test_stored_whole_hashes_are_the_references_in_all_eight_orientations() -> None:
    # pdq_dihedral_checked makes a stored picture's whole-image hashes (the ones hash lists
    # export): fast arithmetic only where no orientation's median nearly ties.
    cases = [img for _, img in _edge_cases()] + _varied(60)
    identical = 0
    for img in cases:
        img = np.ascontiguousarray(at_least(img, 16))
        ref, rq = pdq_dihedral(img)
        mine, q = pdq_dihedral_checked(img, min_quality=MIN_QUALITY)
        assert abs(q - rq) <= 1
        identical += mine == ref
        assert max(hamming(a, b) for a, b in zip(ref, mine, strict=True)) <= 2
    assert identical == len(cases)  # as measured on 21,645 pictures (bench/bench_pdq.py)


def test_flat_and_tied_pictures_get_the_reference_outright() -> None:
    flat = np.full((200, 300, 3), 40, dtype=np.uint8)
    assert pdq_dihedral_checked(flat, min_quality=MIN_QUALITY) == pdq_dihedral(flat)
    stripes = np.zeros((128, 128, 3), dtype=np.uint8)
    stripes[:, ::8] = 255  # constant along columns: most coefficients are exactly zero
    assert pdq_dihedral_checked(stripes, min_quality=MIN_QUALITY) == pdq_dihedral(stripes)


def test_kept_region_hashes_batched_are_the_same_as_one_at_a_time() -> None:
    base = photo(91, 256, 192)
    # Same-size pictures go through the batched decimation together; odd sizes alone.
    pictures = [np.ascontiguousarray(base[y:y + 160, x:x + 200])
                for x, y in ((0, 0), (56, 0), (0, 32), (56, 32), (28, 16))]
    pictures += [np.ascontiguousarray(base[:97, :211]), np.ascontiguousarray(base)]
    batch = pdq_pairs_for_matching(pictures, min_quality=MIN_QUALITY)
    for img, got in zip(pictures, batch, strict=True):
        assert got == pdq_pairs_for_matching([img], min_quality=MIN_QUALITY)[0]
        ref, rq = pdq_dihedral(img)
        plain, mirror, q = got
        assert abs(q - rq) <= 1
        assert hamming(plain, ref[0]) <= 2 and hamming(mirror, ref[MIRROR_INDEX]) <= 2
    assert pdq_pairs_for_matching([], min_quality=MIN_QUALITY) == []


def test_a_region_clearly_under_the_quality_floor_is_not_sent_to_the_reference() -> None:
    flat = np.full((120, 160, 3), 200, dtype=np.uint8)
    (_plain, _mirror, q), = pdq_pairs_for_matching([flat], min_quality=MIN_QUALITY)
    assert q < MIN_QUALITY  # dropped by region_hashes, whatever its bits
