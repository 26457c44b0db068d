"""The keypoint stage: ORB keypoints, the descriptor shortlist, RANSAC and the pixel check.

Real images (photo-like generated pictures), the real ``FingerprintIndex`` and a real vault on
disk; no mocks, no timing.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures_fp.photos import crop, encode, jpeg, photo, resize, screenshot
from vault import cases, evidence, fingerprint_docs, repo
from vault.fingerprints import ImageFingerprint, fingerprint_image
from vault.fingerprints.decode import decode_image
from vault.fingerprints.keypoints import KEYPOINTS_VERSION, Keypoints, extract
from vault.keypoint_match import KeypointIndex, Verdict, band_of, verify
from vault.matching import FingerprintIndex, compare
from vault.records import EvidenceItem
from vault.scanning.candidate import query_fingerprint
from vault.store import Vault

DECISION = ("strong", "probable")


def candidate(data: bytes) -> ImageFingerprint:
    """What a scan computes for a downloaded or folder picture."""
    d = decode_image(data)
    return query_fingerprint(d.rgb, width=d.width, height=d.height, fmt=d.format,
                             sha256=d.sha256, md5=d.md5)


def query_kp(rgb: np.ndarray) -> Keypoints:
    kp = extract(decode_image(jpeg(rgb, 85)).rgb, query=True)
    assert kp is not None
    return kp


def rotate(rgb: np.ndarray, degrees: float) -> np.ndarray:
    h, w = rgb.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return np.ascontiguousarray(cv2.warpAffine(rgb, m, (w, h), borderMode=cv2.BORDER_REFLECT))


@pytest.fixture(scope="module")
def original() -> np.ndarray:
    return photo(21)


@pytest.fixture(scope="module")
def stored(original: np.ndarray) -> ImageFingerprint:
    return fingerprint_image(encode(original))


def test_fingerprints_carry_keypoints_that_survive_json(stored: ImageFingerprint) -> None:
    kp = stored.keypoints
    # A vault item keeps its plain set and the set of its mirrored picture.
    assert kp is not None and len(kp.points) > 50 and kp.mirrored is not None
    assert len(kp.mirrored) > 50 and kp.version == KEYPOINTS_VERSION == 2
    assert max(kp.thumb.shape) == 64 and max(kp.size) == 320
    back = ImageFingerprint.from_json(json.loads(json.dumps(stored.to_json())))
    assert back == stored and back.keypoints == kp
    secret = kp.to_json()["points"]["d"][:24]
    assert secret not in repr(stored) and secret not in repr(kp)


def test_old_fingerprints_without_keypoints_load_and_match_as_before(
    original: np.ndarray, stored: ImageFingerprint
) -> None:
    old = stored.to_json()
    del old["keypoints"]
    fp = ImageFingerprint.from_json(old)
    assert fp.keypoints is None
    copy = fingerprint_image(jpeg(resize(original, 0.5), 60))
    m = compare(copy, fp)
    assert m is not None and m.how == "whole" and m.band == "strong"
    # A candidate without keypoints against a stored item with them: hashes as before.
    m = compare(replace(copy, keypoints=None), stored)
    assert m is not None and m.how == "whole"


def test_scan_candidate_finds_an_off_centre_crop_through_the_real_index(
    original: np.ndarray, stored: ImageFingerprint
) -> None:
    index = FingerprintIndex([("E1", stored), *(
        (f"other{k}", fingerprint_image(encode(photo(k)))) for k in (31, 32, 33))])
    cut = crop(original, 0.15, fx=0.9, fy=0.15)
    fp = candidate(jpeg(cut, 80))
    # One ORB pass per candidate: no mirrored set of its own (the vault side keeps one).
    assert fp.keypoints is not None and fp.keypoints.mirrored is None
    assert len(fp.keypoints.points) > 160 and max(fp.keypoints.thumb.shape) == 128
    found = index.search(fp)
    assert [m.item_id for m in found] == ["E1"]
    assert found[0].band in DECISION


def test_a_mirrored_crop_matches_through_the_mirrored_set(
    original: np.ndarray, stored: ImageFingerprint
) -> None:
    cut = np.ascontiguousarray(crop(original, 0.2, fx=0.1, fy=0.8)[:, ::-1])
    fp = candidate(jpeg(cut, 80))
    assert fp.keypoints is not None and stored.keypoints is not None
    v = verify(fp.keypoints, stored.keypoints, mirrored=True)
    assert v is not None and band_of(v) in DECISION and v.mirrored
    m = FingerprintIndex([("E1", stored)]).search(fp)
    assert m and m[0].band in DECISION


@pytest.mark.parametrize(("frac", "fx", "fy"), [(0.0, 0.5, 0.5), (0.2, 0.1, 0.8),
                                             (0.15, 0.9, 0.1), (0.25, 1.0, 0.0)])
def test_a_mirrored_crop_is_checked_against_the_mirrored_item(
    original: np.ndarray, stored: ImageFingerprint, frac: float, fx: float, fy: float
) -> None:
    """The geometry of a mirrored pair: the candidate's only set against the item's mirrored
    set, its reference picture against the item's reference picture mirrored. A mirrored crop
    must verify as well as the same crop unmirrored (same pixel check, spread, overlap), and
    the transform from the mirrored item to the candidate is a plain crop's (no turn)."""
    assert stored.keypoints is not None
    cut = crop(original, frac, fx=fx, fy=fy)
    flipped = np.ascontiguousarray(cut[:, ::-1])
    plain = verify(query_kp(cut), stored.keypoints, mirrored=False)
    mirrored = verify(query_kp(flipped), stored.keypoints, mirrored=True)
    assert plain is not None and mirrored is not None and mirrored.mirrored
    assert band_of(plain) in DECISION and band_of(mirrored) in DECISION
    assert abs(mirrored.correlation - plain.correlation) < 0.05
    assert abs(mirrored.spread - plain.spread) < 0.1
    assert abs(mirrored.overlap - plain.overlap) < 0.05
    assert abs(mirrored.scale - plain.scale) < 0.02 and abs(mirrored.angle) < 1.0
    # Each copy matches in its own orientation only, and the shortlist names that one first.
    wrong = verify(query_kp(flipped), stored.keypoints, mirrored=False)
    assert wrong is None or band_of(wrong) is None
    index = KeypointIndex()
    index.add(0, stored.keypoints)
    assert index.shortlist(query_kp(flipped))[0][:2] == (0, True)
    assert index.shortlist(query_kp(cut))[0][:2] == (0, False)


def test_a_phone_screenshot_on_white_matches(original: np.ndarray,
                                             stored: ImageFingerprint) -> None:
    fp = candidate(jpeg(screenshot(resize(original, 0.6), seed=3), 85))
    found = FingerprintIndex([("E1", stored)]).search(fp)
    assert found and found[0].band in DECISION


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    frac=st.floats(0.0, 0.25),
    fx=st.floats(0.0, 1.0),
    fy=st.floats(0.0, 1.0),
    degrees=st.floats(-8.0, 8.0),
    mirrored=st.booleans(),
)
def test_crops_rotations_and_mirrors_verify(seed: int, frac: float, fx: float, fy: float,
                                            degrees: float, mirrored: bool) -> None:
    pic = photo(seed)
    s = extract(decode_image(encode(pic)).rgb)
    assert s is not None
    edited = crop(rotate(pic, degrees), frac, fx=fx, fy=fy)
    if mirrored:
        edited = np.ascontiguousarray(edited[:, ::-1])
    q = query_kp(edited)
    v = verify(q, s, mirrored=mirrored)
    assert v is not None and band_of(v) in DECISION
    assert abs(abs(v.angle) - abs(degrees)) < 2.5
    index = KeypointIndex()
    index.add(0, s)
    assert (0, mirrored) in [(slot, mir) for slot, mir, _ in index.shortlist(q)]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=st.integers(0, 5_000), b=st.integers(5_001, 10_000))
def test_different_photos_do_not_match(a: int, b: int) -> None:
    s = extract(decode_image(encode(photo(a))).rgb)
    q = query_kp(photo(b))
    assert s is not None
    for mirrored in (False, True):
        v = verify(q, s, mirrored=mirrored)
        assert v is None or band_of(v) not in DECISION


def test_a_shared_object_on_another_background_is_not_the_same_picture() -> None:
    """Two pictures of one subject: the same object (a large patch) on different scenes.
    Keypoints on the object agree, but the aligned pixels around it do not."""
    a = photo(41)
    b = photo(42)
    b[120:360, 160:480] = a[120:360, 160:480]
    s = extract(decode_image(encode(a)).rgb)
    assert s is not None
    v = verify(query_kp(b), s, mirrored=False)
    assert v is None or band_of(v) not in DECISION
    found = FingerprintIndex([("A", fingerprint_image(encode(a)))]).search(candidate(jpeg(b, 85)))
    assert all(m.band not in DECISION or m.how != "keypoints" for m in found)


@pytest.mark.parametrize("seeds", [(21, 21), (21, 22), (5, 77)])
def test_correspondences_are_opencvs_ratio_test_matches(seeds: tuple[int, int]) -> None:
    """The vectorised 2-nearest-neighbour search keeps exactly the pairs that OpenCV's
    knnMatch and the ratio test keep, for a copy and for unrelated pictures."""
    from vault.keypoint_match import MAX_DESCRIPTOR_BITS, RATIO, _ratio_matches

    s = extract(decode_image(encode(photo(seeds[0]))).rgb)
    q = query_kp(crop(photo(seeds[1]), 0.1, fx=0.3, fy=0.6))
    assert s is not None
    for sp in (s.points, s.mirrored):
        assert sp is not None
        expected = []
        for m, n in cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(sp.descriptors,
                                                              q.points.descriptors, k=2):
            if m.distance <= MAX_DESCRIPTOR_BITS and m.distance < RATIO * n.distance:
                expected.append((m.queryIdx, m.trainIdx))
        si, qi = _ratio_matches(sp.descriptors, q.points.descriptors)
        assert list(zip(si.tolist(), qi.tolist(), strict=True)) == expected


@pytest.mark.parametrize(
    ("inliers", "correlation", "spread", "band"),
    [
        (20, 0.85, 1.0, "strong"),
        (12, 0.72, 1.0, "probable"),
        # many inliers across the picture, a weaker pixel check (crops, overlays): probable
        (50, 0.45, 0.6, "probable"),
        (70, 0.25, 0.6, "probable"),
        # ... but not when the inliers sit on one shared object (a composite)
        (50, 0.45, 0.15, None),
        (70, 0.60, 0.15, "needs_review"),
        # a near-perfect pixel check on few keypoints: probable from 10 inliers, not below
        (10, 0.82, 0.3, "probable"),
        (9, 0.82, 0.3, "needs_review"),
        (30, 0.45, 0.9, None),
    ],
)
def test_bands_of_keypoint_verdicts(
    inliers: int, correlation: float, spread: float, band: str | None
) -> None:
    v = Verdict(inliers=inliers, correlation=correlation, overlap=0.7, mirrored=False,
                scale=1.0, angle=0.0, spread=spread)
    assert band_of(v) == band


def test_a_shared_object_spreads_its_inliers_less_than_a_crop() -> None:
    a = photo(41)
    s = extract(decode_image(encode(a)).rgb)
    assert s is not None
    b = photo(42)
    b[120:360, 160:480] = a[120:360, 160:480]
    shared = verify(query_kp(b), s, mirrored=False)
    cropped = verify(query_kp(crop(a, 0.2, fx=0.5, fy=0.5)), s, mirrored=False)
    assert shared is not None and cropped is not None
    assert shared.spread < 0.25 <= cropped.spread


@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (10, 1000), (1000, 10), (23, 500),
                                   (20, 700), (64, 64), (480, 640)])
def test_flat_tiny_and_elongated_images_do_not_crash_or_match(
    shape: tuple[int, int], stored: ImageFingerprint
) -> None:
    flat = np.full((*shape, 3), 200, dtype=np.uint8)
    assert extract(flat) is None and extract(flat, query=True) is None
    if max(shape) / min(shape) <= 40:  # more elongated files are rejected before decoding
        fp = fingerprint_image(encode(flat))
        assert fp.keypoints is None
        assert FingerprintIndex([("E1", stored)]).search(fp) == []
    rng = np.random.default_rng(sum(shape))
    noise = rng.integers(0, 256, size=(*shape, 3), dtype=np.uint8)
    kp = extract(noise, query=True)
    if kp is not None:
        assert stored.keypoints is not None
        for mirrored in (False, True):
            v = verify(kp, stored.keypoints, mirrored=mirrored)
            assert v is None or band_of(v) not in DECISION


def test_the_index_survives_adds_and_removes(original: np.ndarray,
                                             stored: ImageFingerprint) -> None:
    q = query_kp(crop(original, 0.15, fx=0.2, fy=0.7))
    others = [fingerprint_image(encode(photo(k))).keypoints for k in (51, 52)]
    index = KeypointIndex()
    assert stored.keypoints is not None and all(o is not None for o in others)
    index.add(0, stored.keypoints)
    assert [s for s, _, _ in index.shortlist(q)][:1] == [0]
    for k, o in enumerate(others, start=1):
        assert o is not None
        index.add(k, o)
    index.remove(0)
    assert 0 not in [s for s, _, _ in index.shortlist(q)]
    index.add(0, stored.keypoints)
    short = index.shortlist(q)
    assert short[0][0] == 0
    kp = index.get(0)
    assert kp is not None and kp == stored.keypoints
    v = verify(q, kp, mirrored=short[0][1])
    assert v is not None and band_of(v) in DECISION


def _brute_force_shortlist(sets: dict[int, Keypoints], query: Keypoints, cap: int
                           ) -> list[tuple[int, bool, int]]:
    """The shortlist's definition, pair by pair: a stored descriptor is a neighbour of a
    candidate descriptor when they share a table's key (a key at most ``cap`` stored
    descriptors share) and are within SHORTLIST_BITS bits; an (item, orientation) gets one vote
    per candidate descriptor with a neighbour in it."""
    from vault import keypoint_match as km

    owners, desc = [], []
    for slot, kp in sorted(sets.items()):
        for o, ps in enumerate((kp.points, kp.mirrored)):
            if ps is not None:
                owners += [2 * slot + o] * len(ps)
                desc.append(ps.descriptors)
    d = np.concatenate(desc)
    keys = d.view("<u4")
    qd = query.points.descriptors
    qkeys = qd.view("<u4")
    votes: dict[int, set[int]] = {}
    for t in range(km.TABLES):
        shared = dict(zip(*np.unique(keys[:, t], return_counts=True), strict=True))
        for qi in range(len(qd)):
            if shared.get(qkeys[qi, t], 0) > cap:
                continue
            for r in np.flatnonzero(keys[:, t] == qkeys[qi, t]):
                if np.unpackbits(d[r] ^ qd[qi]).sum() <= km.SHORTLIST_BITS:
                    votes.setdefault(owners[r], set()).add(qi)
    ranked = sorted(((t, len(v)) for t, v in votes.items() if len(v) >= km.MIN_VOTES),
                    key=lambda tv: (-tv[1], tv[0]))
    return [(t // 2, bool(t % 2), n) for t, n in ranked[:km.SHORTLIST]]


@pytest.mark.parametrize("cap", [8, 1, 0])
def test_the_shortlist_counts_the_votes_its_definition_gives(
    original: np.ndarray, monkeypatch: pytest.MonkeyPatch, cap: int
) -> None:
    """The bucketed key tables find exactly the neighbours a pair-by-pair search finds, and
    keys shared by more than the cap are left out (with cap 0, every key is)."""
    from vault import keypoint_match as km

    monkeypatch.setattr(km, "BUCKET_CAP", cap)
    monkeypatch.setattr(km, "BUCKET_SHARE", 0.0)
    sets = {k: extract(decode_image(encode(photo(k))).rgb) for k in (21, 61, 62, 63)}
    sets[5] = extract(decode_image(encode(crop(original, 0.3, fx=0.2, fy=0.2))).rgb)
    index = KeypointIndex()
    for slot, kp in sets.items():
        assert kp is not None
        index.add(slot, kp)
    for edited in (crop(original, 0.15, fx=0.8, fy=0.3),
                   np.ascontiguousarray(crop(original, 0.1)[:, ::-1]), photo(64)):
        q = query_kp(edited)
        expected = _brute_force_shortlist({k: v for k, v in sets.items() if v}, q, cap)
        assert index.shortlist(q) == expected
        if cap == 0:
            assert expected == []


def test_items_without_keypoints_and_empty_indexes_are_fine(stored: ImageFingerprint) -> None:
    assert stored.keypoints is not None
    index = KeypointIndex()
    assert index.shortlist(stored.keypoints) == []
    index.add(1, stored.keypoints)
    index.remove(1)
    assert index.shortlist(stored.keypoints) == [] and len(index) == 0
    fp_index = FingerprintIndex([("old", replace(stored, keypoints=None))])
    assert fp_index.search(stored)[0].how == "exact"


@pytest.mark.parametrize("broken", [
    {"version": 99},
    {"size": [0, 5]},
    {"thumb": {"w": 4, "h": 4, "px": "AAAA"}},
    {"points": {"xy": "AAAA", "d": "AAAA"}},
    {"points": {"xy": 5, "d": "AAAA"}},
    {"points": {"xy": "!!", "d": "AAAA"}},
])
def test_malformed_keypoint_records_are_rejected(stored: ImageFingerprint,
                                                 broken: dict[str, object]) -> None:
    assert stored.keypoints is not None
    d = {**stored.keypoints.to_json(), **broken}
    with pytest.raises((ValueError, KeyError, TypeError)):
        Keypoints.from_json(d)


def _add_photo(vault: Vault, tmp_path: Path, pixels: np.ndarray, case_id: str) -> EvidenceItem:
    path = tmp_path / "photo.png"
    path.write_bytes(encode(pixels))
    return evidence.add_file(vault, path, case_id).item


def test_fingerprints_live_in_an_encrypted_blob_and_are_shredded_with_the_item(
    vault: Vault, tmp_path: Path, original: np.ndarray
) -> None:
    case_id = cases.create_case(vault, "Case K").id
    item = _add_photo(vault, tmp_path, original, case_id)
    doc = repo.get_fingerprint(vault.db, item.id)
    assert doc is not None
    d = json.loads(doc)
    assert list(d) == [fingerprint_docs.BLOB_KEY]  # the metadata keeps only the blob's id
    blob_id = d[fingerprint_docs.BLOB_KEY]
    assert len(doc) < 80
    assert fingerprint_docs.fingerprint_blob_ids(vault.db) == {blob_id}
    fp = evidence.fingerprint_of(vault, item.id)
    assert isinstance(fp, ImageFingerprint) and fp.keypoints is not None
    assert fp.sha256 == item.sha256 and fp.pdq
    # The same picture in a second case shares the document blob; deleting one keeps it.
    other_case = cases.create_case(vault, "Case L").id
    twin = _add_photo(vault, tmp_path, original, other_case)
    assert fingerprint_docs.fingerprint_blob_ids(vault.db) == {blob_id}
    evidence.delete_item(vault, item)
    assert blob_id in vault.blob_ids()
    assert evidence.fingerprint_of(vault, twin.id) == fp
    evidence.delete_item(vault, twin)
    assert blob_id not in vault.blob_ids()
    assert not (vault.path / "blobs" / blob_id[:2] / blob_id).exists()
    assert vault.check().ok


def test_an_unreadable_fingerprint_blob_is_computed_again_from_the_original(
    vault: Vault, tmp_path: Path, original: np.ndarray
) -> None:
    from vault.scanning.index import item_fingerprints

    case_id = cases.create_case(vault, "Case D").id
    item = _add_photo(vault, tmp_path, original, case_id)
    (blob_id,) = fingerprint_docs.fingerprint_blob_ids(vault.db)
    before = evidence.fingerprint_of(vault, item.id)
    stored = vault.path / "blobs" / blob_id[:2] / blob_id
    data = bytearray(stored.read_bytes())
    data[-5] ^= 1
    stored.write_bytes(bytes(data))
    assert evidence.fingerprint_of(vault, item.id) is None  # damaged: not trusted
    with pytest.raises(ValueError):
        fingerprint_docs.load(vault, json.dumps({fingerprint_docs.BLOB_KEY: "0" * 32}))
    _items, fps, missing = item_fingerprints(vault, case_id)
    assert missing == 0 and fps[item.id] == before  # computed again from the original
    assert not vault.check().ok  # and `ansim check` names the damaged file


def _outdated(current: ImageFingerprint, kind: str) -> dict[str, object]:
    """What an earlier version stored for the same picture (the same hashes)."""
    d = current.to_json()
    if kind == "no keypoints":  # fingerprint version 1: before the keypoint stage
        d["version"] = 1
        del d["keypoints"]
    else:  # fingerprint version 2: keypoint record version 1, no mirrored set
        d["version"] = 2
        d["keypoints"] = {**d["keypoints"], "version": 1}
        del d["keypoints"]["mirrored"]
    return d


def test_keypoint_records_of_version_1_still_load_and_match_plain_copies(
    original: np.ndarray, stored: ImageFingerprint
) -> None:
    old = ImageFingerprint.from_json(_outdated(stored, "no mirrored set"))
    assert old.keypoints is not None and old.keypoints.version == 1
    assert old.keypoints.mirrored is None and old.keypoints.points == stored.keypoints.points
    assert old.needs_refresh and not stored.needs_refresh
    index = FingerprintIndex([("E1", old)])
    found = index.search(candidate(jpeg(crop(original, 0.2, fx=0.9, fy=0.1), 85)))
    assert found and found[0].how == "keypoints" and found[0].band in DECISION
    # A mirrored crop finds no mirrored set to match (until the item is fingerprinted again).
    flipped = np.ascontiguousarray(crop(original, 0.2, fx=0.9, fy=0.1)[:, ::-1])
    fp = candidate(jpeg(flipped, 85))
    assert all(m.how != "keypoints" for m in index.search(fp))
    assert FingerprintIndex([("E1", stored)]).search(fp)[0].how == "keypoints"


@pytest.mark.parametrize("kind", ["no keypoints", "no mirrored set"])
def test_a_fingerprint_of_an_earlier_version_is_made_again_from_the_original(
    vault: Vault, tmp_path: Path, original: np.ndarray, kind: str
) -> None:
    from vault import custody
    from vault.scanning.index import item_fingerprints

    case_id = cases.create_case(vault, "Case E").id
    item = _add_photo(vault, tmp_path, original, case_id)
    current = evidence.fingerprint_of(vault, item.id)
    assert isinstance(current, ImageFingerprint) and current.keypoints is not None
    assert current.keypoints.mirrored is not None and not current.needs_refresh
    (new_blob,) = fingerprint_docs.fingerprint_blob_ids(vault.db)
    # The document an earlier version stored, in a blob of its own.
    old_doc = _outdated(current, kind)
    old = ImageFingerprint.from_json(old_doc)
    assert old.needs_refresh and old.pdq == current.pdq
    with vault.transaction() as db:
        fingerprint_docs.delete(vault, db, item.id)
        fingerprint_docs.put(vault, db, item.id, json.dumps(old_doc))
    vault.remove_blob_file(new_blob)
    (old_blob,) = fingerprint_docs.fingerprint_blob_ids(vault.db)
    assert evidence.fingerprint_of(vault, item.id) == old  # it still loads

    _items, fps, missing = item_fingerprints(vault, case_id)
    assert missing == 0 and fps[item.id] == current
    assert evidence.fingerprint_of(vault, item.id) == current  # stored for next time
    assert old_blob not in vault.blob_ids()  # the outdated document was shredded
    assert not (vault.path / "blobs" / old_blob[:2] / old_blob).exists()
    logged = [e for e in custody.entries(vault.db) if e.action == "fingerprinted"]
    assert len(logged) == 1
    item_fingerprints(vault, case_id)  # nothing more to do the second time
    assert len([e for e in custody.entries(vault.db) if e.action == "fingerprinted"]) == 1
    assert vault.check().ok


def test_a_flat_picture_without_keypoints_is_not_fingerprinted_again(
    vault: Vault, tmp_path: Path
) -> None:
    from vault import custody
    from vault.scanning.index import item_fingerprints

    case_id = cases.create_case(vault, "Case F").id
    flat = np.zeros((300, 400, 3), dtype=np.uint8)
    flat[:, 200:] = 255  # two flat halves: hashable, but too few corners for keypoints
    path = tmp_path / "flat.png"
    path.write_bytes(encode(flat))
    item = evidence.add_file(vault, path, case_id).item
    fp = evidence.fingerprint_of(vault, item.id)
    assert isinstance(fp, ImageFingerprint) and not fp.low_quality and fp.keypoints is None
    assert not fp.needs_refresh
    item_fingerprints(vault, case_id)
    assert not [e for e in custody.entries(vault.db) if e.action == "fingerprinted"]


def test_inline_documents_of_earlier_versions_still_load(vault: Vault,
                                                        stored: ImageFingerprint) -> None:
    fp = fingerprint_docs.load(vault, json.dumps(stored.to_json()))
    assert fp == stored


def test_a_file_whose_bytes_equal_a_fingerprint_document_is_kept_apart(
    vault: Vault, tmp_path: Path, original: np.ndarray
) -> None:
    """Even evidence that happens to hold a fingerprint document's exact bytes never shares its
    blob: the documents start with a marker no imported file can carry through dedup."""
    case_id = cases.create_case(vault, "Case M").id
    item = _add_photo(vault, tmp_path, original, case_id)
    doc = repo.get_fingerprint(vault.db, item.id)
    assert doc is not None
    plain = json.dumps(fingerprint_docs.document(vault, doc)).encode()
    lookalike = tmp_path / "fingerprint.json"
    lookalike.write_bytes(plain)
    twin = evidence.add_file(vault, lookalike, case_id).item
    assert twin.blob is not None
    assert twin.blob.blob_id not in fingerprint_docs.fingerprint_blob_ids(vault.db)
    evidence.delete_item(vault, item)
    assert vault.read_blob_bytes(twin.blob.blob_id) == plain


@pytest.mark.parametrize("size", [(320, 240), (300, 200), (257, 301), (640, 480)])
def test_the_mirrored_set_is_what_a_detection_on_the_mirrored_copy_finds(
        size: tuple[int, int]) -> None:
    """A vault item's mirrored set is made from its own points, mirrored inside their pyramid
    levels, instead of a second detection: the points must be the second detection's, and
    their descriptors (nearly) too."""
    from vault.fingerprints import keypoints

    for seed in range(3):
        rgb = photo(40 + seed, *size)
        kp = extract(rgb)
        assert kp is not None and kp.mirrored is not None
        grey = keypoints.grey_copy(rgb, keypoints.KP_SIDE)
        fresh, _ = keypoints._points(np.ascontiguousarray(grey[:, ::-1]),
                                     keypoints.STORED_POINTS)
        where = {(float(x), float(y)): i for i, (x, y) in enumerate(fresh.xy)}
        same_bits = 0
        for (x, y), desc in zip(kp.mirrored.xy, kp.mirrored.descriptors, strict=True):
            i = where.get((float(x), float(y)))
            assert i is not None, "a mirrored point the second detection did not find"
            same_bits += int(np.array_equal(fresh.descriptors[i], desc))
        assert len(kp.mirrored) == len(fresh)
        assert same_bits >= 0.95 * len(fresh)
