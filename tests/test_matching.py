"""The matcher: bands, hows, the index (add/remove/search, pre-filter path) and videos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.fixtures_fp.photos import encode, jpeg, photo, resize, screenshot
from vault import matching
from vault.fingerprints import (
    ImageFingerprint,
    VideoFingerprint,
    fingerprint_file,
    fingerprint_image,
    fingerprint_video,
)
from vault.matching import FingerprintIndex, Match, band_for, compare


@pytest.fixture(scope="module")
def vault_fps() -> dict[str, ImageFingerprint]:
    return {f"item{i}": fingerprint_image(encode(photo(200 + i))) for i in range(8)}


def test_exact_copy_is_exact(vault_fps: dict[str, ImageFingerprint]) -> None:
    fp = fingerprint_image(encode(photo(200)))
    m = compare(fp, vault_fps["item0"])
    assert m == Match("", 0, 1.0, "strong", "exact", "the same file")


def test_bands_are_ordered() -> None:
    for family, (_how, (s, p, r)) in matching.THRESHOLDS.items():
        assert 0 <= s <= p <= r < 128, family
        assert band_for(family, s) == "strong"
        assert band_for(family, r + 1) is None


def test_index_search_add_remove(vault_fps: dict[str, ImageFingerprint]) -> None:
    index = FingerprintIndex(vault_fps.items())
    assert len(index) == 8
    query = fingerprint_image(jpeg(resize(photo(203), 0.5), 60))
    found = index.search(query)
    assert [m.item_id for m in found] == ["item3"]
    assert found[0].how == "whole" and found[0].band == "strong"
    shot = fingerprint_image(jpeg(screenshot(photo(205)), 80))
    assert [m.item_id for m in index.search(shot)] == ["item5"]
    index.remove("item3")
    assert index.search(query) == []
    assert len(index) == 7
    index.add("again", vault_fps["item3"])
    assert [m.item_id for m in index.search(query)] == ["again"]
    index.remove("unknown")  # ignored


def test_unrelated_candidates_find_nothing(vault_fps: dict[str, ImageFingerprint]) -> None:
    index = FingerprintIndex(vault_fps.items())
    for seed in range(300, 310):
        assert index.search(fingerprint_image(jpeg(photo(seed), 70))) == []


def test_prefilter_path_agrees(vault_fps: dict[str, ImageFingerprint],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    query = fingerprint_image(jpeg(np.ascontiguousarray(np.fliplr(photo(201))), 50))
    plain = FingerprintIndex(vault_fps.items()).search(query)
    monkeypatch.setattr(matching, "PREFILTER_MIN", 1)
    filtered = FingerprintIndex(vault_fps.items()).search(query)
    assert plain == filtered and plain[0].item_id == "item1" and plain[0].how == "mirror"


def test_complement_hash_is_not_distance_zero() -> None:
    fp = fingerprint_image(encode(photo(9)))
    flipped = format(int(fp.pdq, 16) ^ ((1 << 256) - 1), "064x")
    # Hashes only: the same keypoints would (rightly) match through the keypoint stage.
    other = ImageFingerprint.from_json({**fp.to_json(), "pdq": flipped, "sha256": "1" * 64,
                                        "pdq_variants": [flipped] * 8, "regions": [],
                                        "keypoints": None})
    assert FingerprintIndex([("x", fp)]).search(other) == []


def _write_video(path: Path, frames: list[np.ndarray], fps: int = 8) -> None:
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=fps)
        stream.width, stream.height = frames[0].shape[1], frames[0].shape[0]
        stream.pix_fmt = "yuv420p"
        for img in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def _clip(seed: int, w: int, h: int) -> list[np.ndarray]:
    scenes = [photo(seed + k, 320, 240) for k in range(4)]
    return [np.ascontiguousarray(np.asarray(resize(scenes[i // 6], w / 320))[:h, :w])
            for i in range(24)]


def test_video_matches_reencoded_copy(tmp_path: Path) -> None:
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    _write_video(a, _clip(40, 320, 240))
    _write_video(b, _clip(40, 160, 120), fps=8)
    fa = fingerprint_video(a, frames=8)
    fb = fingerprint_file(b)
    assert isinstance(fb, VideoFingerprint) and len(fa.frames) == 8
    assert VideoFingerprint.from_json(fa.to_json()) == fa
    m = compare(fb, fa)
    assert m is not None and m.how == "video"
    # A still taken from the video matches the video through its frames.
    still = fingerprint_image(jpeg(photo(41, 320, 240), 80))
    found = FingerprintIndex([("clip", fa)]).search(still)
    assert [x.how for x in found] == ["video"]
    # An unrelated video does not.
    c = tmp_path / "c.mp4"
    _write_video(c, _clip(90, 320, 240))
    assert compare(fingerprint_video(c, frames=8), fa) is None


def test_broken_video_is_rejected(tmp_path: Path) -> None:
    from vault.errors import InputRejected

    p = tmp_path / "v.mp4"
    p.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 500)
    with pytest.raises(InputRejected):
        fingerprint_file(p)
