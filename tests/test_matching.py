"""The matcher: bands, hows, the index (add/remove/search, compiled path) and videos."""

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
        if family in ("screen", "region"):  # only ever "maybe": no deciding distance
            assert (s, p) == (-1, -1) and 0 <= r < 128
            assert band_for(family, 0) == "needs_review"
        else:
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


def _compiled(monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    """Make small indexes use the compiled search: one faiss pass over every stored hash
    (``single``) or the passes per kind of stored hash (``per_kind``)."""
    monkeypatch.setattr(matching, "COMPILED_MIN", 1)
    if path == "per_kind":
        monkeypatch.setattr(matching, "SINGLE_PASS_MAX", 0)


def _uses(index: FingerprintIndex, path: str) -> bool:
    index.prepare()  # what a scan does before threads share the index: nothing built later
    if path == "single":
        return index._single is not None and index._compiled is None
    return index._single is None and index._compiled is not None


@pytest.mark.parametrize("path", ["single", "per_kind"])
def test_compiled_path_agrees(vault_fps: dict[str, ImageFingerprint],
                              monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    query = fingerprint_image(jpeg(np.ascontiguousarray(np.fliplr(photo(201))), 50))
    plain = FingerprintIndex(vault_fps.items()).search(query)
    _compiled(monkeypatch, path)
    compiled = FingerprintIndex(vault_fps.items())
    assert _uses(compiled, path)
    assert plain == compiled.search(query)
    assert plain[0].item_id == "item1" and plain[0].how == "mirror"


def _flip_bits(hex_hash: str, n: int, rng: np.random.Generator) -> str:
    bits = rng.choice(256, size=n, replace=False)
    return format(int(hex_hash, 16) ^ sum(1 << int(b) for b in bits), "064x")


@pytest.mark.parametrize("path", ["single", "per_kind"])
def test_compiled_path_equals_brute_force_at_every_distance(
        vault_fps: dict[str, ImageFingerprint], monkeypatch: pytest.MonkeyPatch,
        path: str) -> None:
    """Random vault fingerprints, and candidates made from their stored hashes with 0-70 bits
    flipped (so every family's review edge, and one bit past it, is crossed): the faiss
    indexes (one pass over all stored hashes, or per kind with their 128-bit first pass) give
    exactly what numpy's brute force gives."""
    rng = np.random.default_rng(7)
    template = next(iter(vault_fps.values())).to_json()

    def rand_hex() -> str:
        return f"{int.from_bytes(rng.bytes(32), 'big'):064x}"

    items: list[tuple[str, ImageFingerprint]] = []
    for k in range(400):
        d = dict(template)
        variants = [rand_hex() for _ in range(8)]
        d.update(sha256=f"{k:064x}", pdq=variants[0], pdq_variants=variants,
                 regions=[{**r, "pdq": rand_hex(), "pdq_mirror": rand_hex()}
                          for r in template["regions"]],
                 text_screen=k % 4 == 0)  # a screenshot of text: its own whole family
        items.append((str(k), ImageFingerprint.from_json(d)))
    stored = [(item_id, hx) for item_id, fp in items
              for _kind, hx, _detail in matching.stored_hashes(fp)]
    queries: list[ImageFingerprint] = []
    for j in range(300):
        _item, base = stored[int(rng.integers(len(stored)))]
        whole = _flip_bits(base, int(rng.integers(0, 71)), rng)
        _item, other = stored[int(rng.integers(len(stored)))]
        region = {**template["regions"][0], "kind": "trim",
                  "pdq": _flip_bits(other, int(rng.integers(0, 71)), rng)}
        low = j % 10 == 0
        queries.append(ImageFingerprint.from_json({
            **template, "sha256": "f" * 64, "pdq": whole, "pdq_variants": [whole] * 8,
            "regions": [] if low else [region], "low_quality": low}))
    plain_index = FingerprintIndex(items)
    assert plain_index.hash_count < matching.COMPILED_MIN
    plain = [plain_index.search(q) for q in queries]
    _compiled(monkeypatch, path)
    compiled_index = FingerprintIndex(items)
    assert _uses(compiled_index, path)
    assert [compiled_index.search(q) for q in queries] == plain
    assert sum(len(m) for m in plain) > 100  # the edges were really crossed
    assert {m.how for ms in plain for m in ms} >= {"whole", "rotation", "mirror", "crop"}
    # Region hashes only nominate ("maybe", then the keypoint stage): compare them as hits.
    plain_hits = [plain_index.hits(q) for q in queries]
    assert [compiled_index.hits(q) for q in queries] == plain_hits
    assert any(h.family == "region" for hs in plain_hits for h in hs)
    text_items = {item_id for item_id, fp in items if fp.text_screen}
    assert any(m.item_id in text_items and m.how == "whole" for ms in plain for m in ms)


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
