"""Agreement and speed of the fast PDQ implementation against the reference binding.

    python bench/bench_pdq.py [--transformed 150] [--sizes 1000] [--reps 2000]

Hashes every picture three ways: the reference (``pdqhash``, Meta's C++), the fast
implementation as it is (``pdq_hash_fast``) and as scans use it (``pdq_hash_for_search``, which
hands ties at the median and low qualities over to the reference), and counts how often the
hashes are bit-identical, how many bits apart the others are, and how far the qualities are.

Pictures: the working copies (long side <= 512) of every distinct picture of the benchmark's
Debian packages (``bench/fp_data.py``; flat ones included), the 30 transforms of
``bench/fp_transforms.py`` applied to the first ``--transformed`` of them, the region crops a
fingerprint hashes (the 14 sub-crops and any trimmed/content box, from a 256-px copy), the same
pictures resized to ``--sizes`` random odd sizes (16-600 px, up to 40:1), and synthetic images
(the test suite's photo-like images, the scan benchmark's pictures, flat colours, a single
bright pixel, gradients, stripes, checkerboards, noise, text). Then the CPU time of one hash of
a 512x384 working copy, each way. Writes docs/benchmarks.md (section "pdq").
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._report import write_section  # noqa: E402
from bench.bench_scan import _picture  # noqa: E402
from bench.fp_data import candidate_files, load  # noqa: E402
from bench.fp_transforms import SUITE  # noqa: E402
from tests.fixtures_fp.photos import photo  # noqa: E402
from vault.fingerprints import regions  # noqa: E402
from vault.fingerprints.decode import WORK_SIDE, shrink  # noqa: E402
from vault.fingerprints.image import MIN_QUALITY, at_least  # noqa: E402
from vault.fingerprints.pdq import (  # noqa: E402
    MIRROR_INDEX,
    SEARCH_MEDIAN_GAP,
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

U8 = np.ndarray
SEED = 20261206


def _work(a: U8) -> U8:
    if max(a.shape[:2]) <= WORK_SIDE:
        return np.ascontiguousarray(a)
    return np.asarray(shrink(Image.fromarray(a), WORK_SIDE), dtype=np.uint8)


def _region_crops(rgb: U8) -> Iterator[U8]:
    """The pixels ``region_hashes`` would hash (without hashing them)."""
    h, w = rgb.shape[:2]
    boxes: list[regions.Box] = []
    trimmed = regions.trim_box(rgb)
    if trimmed is not None:
        boxes.append(trimmed)
    boxes.extend(regions.content_boxes(rgb))
    base = trimmed if trimmed is not None else (0, 0, w, h)
    bw, bh = base[2] - base[0], base[3] - base[1]
    for x0, y0, x1, y1 in regions.crop_boxes(bw, bh):
        boxes.append((base[0] + x0, base[1] + y0, base[0] + x1, base[1] + y1))
    small, f = rgb, 1.0
    if max(h, w) > regions.REGION_SIDE:
        f = regions.REGION_SIDE / max(h, w)
        size = (max(1, round(w * f)), max(1, round(h * f)))
        small = np.ascontiguousarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA))
    for box in boxes:
        sbox = (int(box[0] * f), int(box[1] * f), round(box[2] * f), round(box[3] * f))
        pixels = regions.region_pixels(small, sbox)
        if min(pixels.shape[:2]) >= 16:
            yield pixels


def _synthetic(rng: np.random.Generator) -> Iterator[U8]:
    for k in range(60):
        w, h = int(rng.integers(16, 700)), int(rng.integers(16, 700))
        yield photo(SEED + k, max(w, 64), max(h, 64))
    for k in range(40):
        yield _work(np.asarray(_picture(SEED + k, (800, 600) if k % 2 else (1280, 960))))
    for colour in ((0, 0, 0), (255, 255, 255), (40, 40, 40), (200, 30, 90)):
        for size in ((16, 16), (300, 200), (512, 384), (97, 211)):
            flat = np.full((size[1], size[0], 3), colour, dtype=np.uint8)
            yield flat
            dot = flat.copy()
            dot[size[1] // 3, size[0] // 2] = 255 - np.asarray(colour, dtype=np.uint8)
            yield dot
    y, x = np.mgrid[0:384, 0:512]
    for period in (3, 7, 16, 40, 129):
        yield np.repeat(((x // period) % 2 * 255).astype(np.uint8)[..., None], 3, axis=2)
        yield np.repeat((((x + y) // period) % 2 * 255).astype(np.uint8)[..., None], 3, axis=2)
    for angle in range(0, 180, 20):
        t = np.cos(np.radians(angle)) * x + np.sin(np.radians(angle)) * y
        g = (255 * (t - t.min()) / max(1.0, float(t.max() - t.min()))).astype(np.uint8)
        yield np.repeat(g[..., None], 3, axis=2)
    for _ in range(20):
        side = (int(rng.integers(16, 512)), int(rng.integers(16, 512)))
        yield rng.integers(0, 256, (side[1], side[0], 3), dtype=np.uint8)
    for k in range(20):
        im = Image.new("RGB", (400, 300), (255, 255, 255))
        d = ImageDraw.Draw(im)
        for line in range(int(rng.integers(3, 12))):
            d.text((10, 10 + 22 * line), f"line {line} of some text {k}", fill=(0, 0, 0))
        yield np.asarray(im)
    for k in range(10):  # mirror-symmetric pictures
        half = photo(SEED + 500 + k, 256, 384)
        yield np.ascontiguousarray(np.concatenate([half, half[:, ::-1]], axis=1))


class Tally:
    def __init__(self) -> None:
        self.n = 0
        self.good = 0  # reference quality >= MIN_QUALITY
        self.raw = Counter[int]()  # bits apart, pdq_hash_fast, reference quality >= 50
        self.raw_low = Counter[int]()  # bits apart, pdq_hash_fast, reference quality < 50
        self.raw_dq = Counter[int]()
        self.search = Counter[int]()  # bits apart, pdq_hash_for_search, any quality
        self.search_dq = Counter[int]()
        self.handover_good = 0
        self.handover_low = 0
        self.max_coeff = 0.0
        self.flip_gaps: list[float] = []  # reference's median gap where a good hash differed
        self.checked = Counter[int]()  # most bits apart of the 8 variants, pdq_dihedral_checked
        self.checked_dq = Counter[int]()
        self.pair = Counter[int]()  # most bits apart of plain/mirror, pdq_pairs_for_matching

    def add(self, img: U8) -> None:
        img = np.ascontiguousarray(at_least(img, 16))
        ref, rq = pdq_hash(img)
        fast, fq = pdq_hash_fast(img)
        search, sq = pdq_hash_for_search(img, min_quality=MIN_QUALITY)
        rc, _ = pdq_dct(img)
        fc, _ = pdq_dct_fast(img)
        self.n += 1
        d = hamming(ref, fast)
        s = np.sort(fc.reshape(256))
        handover = int(fq <= MIN_QUALITY or s[128] - s[127] < SEARCH_MEDIAN_GAP)
        if rq >= MIN_QUALITY:
            self.good += 1
            self.raw[d] += 1
            self.handover_good += handover
            self.max_coeff = max(self.max_coeff, float(np.abs(rc - fc).max()))
            if d:
                r = np.sort(rc.reshape(256))
                self.flip_gaps.append(float(r[128] - r[127]))
        else:
            self.raw_low[d] += 1
            self.handover_low += handover
        self.raw_dq[fq - rq] += 1
        self.search[hamming(ref, search)] += 1
        self.search_dq[sq - rq] += 1
        ref8, _ = pdq_dihedral(img)
        mine8, cq = pdq_dihedral_checked(img, min_quality=MIN_QUALITY)
        self.checked[max(hamming(a, b) for a, b in zip(ref8, mine8, strict=True))] += 1
        self.checked_dq[cq - rq] += 1
        if rq >= MIN_QUALITY:  # kept region hashes are dropped under the quality threshold
            plain, mirror, _ = pdq_pairs_for_matching([img], min_quality=MIN_QUALITY)[0]
            self.pair[max(hamming(plain, ref8[0]), hamming(mirror, ref8[MIRROR_INDEX]))] += 1

    def row(self, name: str) -> str:
        def apart(c: Counter[int]) -> str:
            return ", ".join(f"{k} bits: {v}" for k, v in sorted(c.items()) if k) or "-"

        low = self.n - self.good
        dq = max((abs(k) for k in self.raw_dq), default=0)
        return (
            f"| {name} | {self.n} | {self.good} | {self.raw[0]} | {apart(self.raw)} | "
            f"{self.raw_low[0]} of {low} | {self.n - self.raw_dq[0]} (max {dq}) | "
            f"{self.handover_good} + {self.handover_low} | {self.search[0]} | "
            f"{max(self.search, default=0)} | "
            f"{max((abs(k) for k in self.search_dq), default=0)} | {self.max_coeff:.4f} | "
            f"{self.checked[0]} | {max(self.checked, default=0)} | "
            f"{self.n - self.checked_dq[0]} | {self.pair[0]} of {self.good} | "
            f"{max(self.pair, default=0)} |"
        )


def _cpu_ms(f: Callable[[], object], reps: int) -> float:
    f()
    t0 = time.process_time()
    for _ in range(reps):
        f()
    return 1000 * (time.process_time() - t0) / reps


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--transformed", type=int, default=150)
    ap.add_argument("--sizes", type=int, default=1000)
    ap.add_argument("--reps", type=int, default=2000)
    args = ap.parse_args()
    cv2.setNumThreads(1)
    rng = np.random.default_rng(SEED)
    load_before = os.getloadavg()
    started = time.time()

    pictures: list[U8] = []
    seen: set[str] = set()
    for path in candidate_files():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        img = load(path)
        if img is not None:
            pictures.append(_work(img))
    if not pictures:
        sys.exit("No benchmark pictures: install the packages listed in bench/fp_data.py.")
    groups = {k: Tally() for k in ("photos", "transformed", "regions", "sizes", "synthetic")}
    for img in pictures:
        groups["photos"].add(img)
    for i, img in enumerate(pictures[: args.transformed]):
        for t, (_, _, transform) in enumerate(SUITE):
            copy = _work(transform(img, np.random.default_rng([SEED, i, t])))
            groups["transformed"].add(copy)
            for part in _region_crops(copy) if t % 5 == 0 else ():
                groups["regions"].add(part)
        for part in _region_crops(img):
            groups["regions"].add(part)
    for _ in range(args.sizes):
        img = pictures[int(rng.integers(len(pictures)))]
        if rng.random() < 0.5:
            w, h = int(rng.integers(16, 601)), int(rng.integers(16, 601))
        else:  # elongated: up to 40:1, a side of 16-40 px
            short, ratio = int(rng.integers(16, 41)), float(rng.uniform(2, 40))
            w, h = (short, round(short * ratio))[:: 1 if rng.random() < 0.5 else -1]
        groups["sizes"].add(cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA))
    for img in _synthetic(np.random.default_rng(SEED + 1)):
        groups["synthetic"].add(img)

    # Speed: one whole-picture hash of a 512x384 working copy (a benchmark photo when there
    # is one of that shape, else the first picture resized).
    sample = next((p for p in pictures if p.shape[:2] == (384, 512)), None)
    if sample is None:
        sample = cv2.resize(pictures[0], (512, 384), interpolation=cv2.INTER_AREA)
    t_ref = _cpu_ms(lambda: pdq_hash(sample), max(1, args.reps // 10))
    t_fast = _cpu_ms(lambda: pdq_hash_fast(sample), args.reps)
    t_search = _cpu_ms(lambda: pdq_hash_for_search(sample, min_quality=MIN_QUALITY), args.reps)
    t_dihedral = _cpu_ms(lambda: pdq_dihedral(sample), max(1, args.reps // 10))
    t_checked = _cpu_ms(lambda: pdq_dihedral_checked(sample, min_quality=MIN_QUALITY),
                        args.reps)
    load_after = os.getloadavg()

    total = {k: v for k, v in groups.items()}
    flips = [g for t in total.values() for g in t.flip_gaps]
    lines = [
        "Fast PDQ against the reference binding (`pdqhash`, Meta's C++), counts of pictures. "
        "*good*: reference quality >= 50. *raw*: `pdq_hash_fast` as it is; *search*: "
        "`pdq_hash_for_search` as scans use it, which hands over to the reference when the "
        f"fast quality is <= {MIN_QUALITY} or the two coefficients at the median are within "
        f"{SEARCH_MEDIAN_GAP:g} (hand-overs: good + low pictures). *stored whole*: "
        "`pdq_dihedral_checked`, a stored picture's whole-image hashes in all eight "
        "orientations (what hash lists export), against the reference's eight; *kept region*: "
        "`pdq_pairs_for_matching`, a stored region's hash and its mirror (never exported).",
        "",
        "| group | pictures | good | raw identical (good) | raw differing (good) | "
        "raw identical (low) | raw quality differs | search hands over | search identical "
        "| search max bits | search max quality diff | max coefficient diff (good) "
        "| stored whole identical (all 8) | stored whole max bits | stored whole quality "
        "differs | kept region identical (good) | kept region max bits |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *(t.row(name) for name, t in total.items()),
        "",
        f"Good-quality hashes that differed (raw): {len(flips)}; the reference's gap between "
        "the two coefficients at the median was "
        + (", ".join(f"{g:.2g}" for g in sorted(flips)) if flips else "-")
        + ".",
        "",
        f"CPU time per whole-picture hash of a 512x384 working copy: reference {t_ref:.2f} ms, "
        f"fast {t_fast:.3f} ms, search {t_search:.3f} ms; all eight orientations: reference "
        f"{t_dihedral:.2f} ms, checked {t_checked:.3f} ms ({args.reps} repetitions; load average "
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after, on "
        f"{os.cpu_count()} cores). Run took {time.time() - started:.0f} s.",
    ]
    body = "## Fast PDQ (`bench/bench_pdq.py`)\n\n" + "\n".join(lines)
    print(body)
    write_section("pdq", body)


if __name__ == "__main__":
    main()
