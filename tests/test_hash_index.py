"""Multi-index hashing (``vault.hash_index``) finds exactly what brute force finds, alone and
inside ``FingerprintIndex`` at every family's review distance."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.fixtures_fp.photos import encode, photo
from vault import matching
from vault.fingerprints import ImageFingerprint, fingerprint_image
from vault.hash_index import MultiIndex, _plan


@pytest.fixture(scope="module")
def faiss() -> Any:
    module = matching._faiss()
    if module is None:  # pragma: no cover - a declared dependency
        pytest.skip("faiss is not installed")
    return module


def _budgets(radius: int) -> list[int]:
    """How many bits of each 16-bit substring may differ before that table misses a hash."""
    tables, flips, _first = _plan(radius)
    counts = np.bitwise_count(flips)
    return [int(counts[tables == i].max()) for i in range(16)]


def _flip(code: np.ndarray, per_part: list[int], rng: np.random.Generator) -> np.ndarray:
    """``code`` with ``per_part[i]`` random bits of substring i (bits 16i .. 16i+15) flipped."""
    bits = np.unpackbits(code.copy())
    for i, k in enumerate(per_part):
        bits[16 * i + rng.choice(16, size=k, replace=False)] ^= 1
    return np.packbits(bits)


@pytest.mark.parametrize("radius", [0, 15, 20, 31, 33, 39, 49, 55, 60, 78])
def test_multi_index_equals_brute_force(faiss: Any, radius: int) -> None:
    """Random hashes plus, for each query, planted ones at the pigeonhole's edge: distance
    ``radius`` with one substring exactly at its budget and all others one bit over it (found
    only through that one table), and ``radius + 1`` with every substring one bit over."""
    rng = np.random.default_rng(radius)
    budgets = _budgets(radius)
    assert sum(budgets) + 16 >= radius + 1  # the pigeonhole holds
    queries = rng.integers(0, 256, (20, 32), dtype=np.uint8)
    planted = []
    for q in queries:
        over = [min(b + 1, 16) for b in budgets]
        for i in rng.choice(16, size=3, replace=False):
            edge = over.copy()
            edge[i] = budgets[i]
            while sum(edge) > radius:  # radius 0 / small radii: trim to the exact distance
                edge[int(np.argmax(edge))] -= 1
            planted.append(_flip(q, edge, rng))
        if sum(over) == radius + 1:
            planted.append(_flip(q, over, rng))
        planted.append(_flip(q, [0] * 15 + [min(radius, 16)], rng))
    codes = np.concatenate([rng.integers(0, 256, (5000, 32), dtype=np.uint8),
                            np.array(planted)])
    codes = codes[rng.permutation(len(codes))]
    index = MultiIndex(faiss, codes, (radius,) if radius % 2 else ())  # planned or not
    truth = np.bitwise_count(codes[None, :, :] ^ queries[:, None, :]).sum(axis=2)
    found_some = 0
    for q, dist in zip(queries, truth, strict=True):
        rows, d = index.within(q, radius)
        expected = np.flatnonzero(dist <= radius)
        assert rows.tolist() == expected.tolist()
        assert d.tolist() == dist[expected].tolist()
        found_some += int(np.any(dist[expected] == radius))
    assert found_some == len(queries)  # the edge was really reached


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return fingerprint_image(encode(photo(200))).to_json()  # type: ignore[no-any-return]


@pytest.mark.parametrize("cut", [21, 40, 54, 79])
def test_index_with_multi_index_equals_brute_force(
        template: dict[str, Any], monkeypatch: pytest.MonkeyPatch, cut: int) -> None:
    """Random vault items and candidates whose whole, region or low-quality hash sits at
    exactly one family's review distance from a stored hash of that family (and one bit
    past it): the compiled index, with multi-index hashing for the radii under ``cut`` and
    flat passes for the others (so most kinds are searched both ways), gives what numpy's
    brute force gives, match for match and hit for hit."""
    rng = np.random.default_rng(11)

    def rand_hex() -> str:
        return f"{int.from_bytes(rng.bytes(32), 'big'):064x}"

    items: list[tuple[str, ImageFingerprint]] = []
    for k in range(300):
        variants = [rand_hex() for _ in range(8)]
        items.append((str(k), ImageFingerprint.from_json({
            **template, "sha256": f"{k:064x}", "pdq": variants[0], "pdq_variants": variants,
            "keypoints": None, "text_screen": k % 5 == 0,
            "regions": [{**r, "pdq": rand_hex(), "pdq_mirror": rand_hex()}
                        for r in template["regions"]]})))
    stored = [(kind, hx) for _, fp in items for kind, hx, _ in matching.stored_hashes(fp)]
    queries: list[ImageFingerprint] = []
    for (qkind, skind), family in matching._PAIRS.items():
        review = matching.THRESHOLDS[family][1][2]
        pool = [hx for kind, hx in stored if kind == skind]
        if not pool:
            continue
        for extra in (0, 1, 0, 1):
            base = np.frombuffer(bytes.fromhex(pool[int(rng.integers(len(pool)))]), np.uint8)
            bits = np.unpackbits(base.copy())
            bits[rng.choice(256, size=review + extra, replace=False)] ^= 1
            hx = np.packbits(bits).tobytes().hex()
            region = {**template["regions"][0], "kind": "trim", "pdq": hx}
            queries.append(ImageFingerprint.from_json({
                **template, "sha256": "f" * 64, "keypoints": None,
                "pdq": hx if qkind != matching.Q_REGION else rand_hex(),
                "pdq_variants": [rand_hex()] * 8, "low_quality": qkind == matching.Q_LOWQ,
                "regions": [region] if qkind == matching.Q_REGION else []}))
    plain_index = matching.FingerprintIndex(items)
    assert plain_index.hash_count < matching.COMPILED_MIN
    plain = [plain_index.search(q) for q in queries]
    plain_hits = [plain_index.hits(q) for q in queries]
    monkeypatch.setattr(matching, "COMPILED_MIN", 1)
    monkeypatch.setattr(matching, "SINGLE_PASS_MAX", 0)  # the per-kind passes
    monkeypatch.setattr(matching, "faster_than_flat", lambda n, r: r < cut)
    compiled = matching.FingerprintIndex(items)
    kinds = compiled._compiled_indexes()
    assert kinds is not None
    if cut == 79:
        assert all(ix.multi is not None for ix in kinds.values())
    elif cut < 54:
        # Some kind is searched both ways (multi-index for one query kind, flat for another).
        assert any(ix.multi is not None and (ix.half is not None or ix.full is not None)
                   for ix in kinds.values())
    assert [compiled.search(q) for q in queries] == plain
    assert [compiled.hits(q) for q in queries] == plain_hits
    edges = {(h.family, h.distance) for hs in plain_hits for h in hs}
    for family, (_how, (_s, _p, review)) in matching.THRESHOLDS.items():
        if family not in ("frame", "screen"):  # no video or screenshot items here
            assert (family, review) in edges, family


def test_without_memory_for_the_tables_the_flat_passes_give_the_same_matches(
        template: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """A vault too large for the multi-index tables still searches, exactly, by flat passes."""
    rng = np.random.default_rng(12)
    items = []
    for k in range(300):
        variants = [f"{int.from_bytes(rng.bytes(32), 'big'):064x}" for _ in range(8)]
        items.append((str(k), ImageFingerprint.from_json({
            **template, "sha256": f"{k:064x}", "pdq": variants[0], "pdq_variants": variants,
            "keypoints": None})))
    queries = [fp for _, fp in items[::30]]
    plain = [matching.FingerprintIndex(items).search(q) for q in queries]

    def no_memory(*_args: Any, **_kwargs: Any) -> MultiIndex:
        raise MemoryError

    monkeypatch.setattr(matching, "COMPILED_MIN", 1)
    monkeypatch.setattr(matching, "SINGLE_PASS_MAX", 0)  # the per-kind passes
    monkeypatch.setattr(matching, "faster_than_flat", lambda n, r: True)
    monkeypatch.setattr(matching, "MultiIndex", no_memory)
    compiled = matching.FingerprintIndex(items)
    kinds = compiled._compiled_indexes()
    assert kinds is not None and all(ix.multi is None for ix in kinds.values())
    found = [compiled.search(q) for q in queries]
    assert found == plain and all(m and m[0].band == "strong" for m in found)
