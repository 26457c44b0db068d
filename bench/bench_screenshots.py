"""Benchmark: screenshots kept in the vault, against the picture coming back and other screenshots.

    python bench/bench_screenshots.py [--vault 80] [--others 240]

A victim often keeps a screenshot of the post that showed her picture (a phone app or a web
page around it). This measures, on real photographs (``bench/fp_data.py``), with the synthetic
phone and browser frames of ``bench/fp_transforms.py``:

- recall: the picture alone, a 10 % crop of it, a 20 % crop, and the picture in the other
  kind of frame, matched against the stored screenshot at Ansim's decision threshold;
- false matches: other photographs in the same kinds of frame (other people's screenshots
  of the same apps), against every stored screenshot;

Candidates get the fingerprint a scan computes (``fingerprint_candidate``: the whole
candidate's hashes, regions and keypoints). Measured once as shipped (a stored screenshot is
fingerprinted for the picture inside it: ``ImageFingerprint.inner``) and once as version 2
stored it (the whole screenshot's hashes and keypoints), so the difference is visible.
Writes docs/benchmarks.md (section
"screenshots").
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._report import write_section  # noqa: E402
from bench.fp_data import photos  # noqa: E402
from bench.fp_transforms import browser_screenshot, jpeg_bytes, phone_screenshot  # noqa: E402
from vault.fingerprints import ImageFingerprint, fingerprint_image, keypoints  # noqa: E402
from vault.fingerprints.decode import decode_image  # noqa: E402
from vault.matching import FingerprintIndex  # noqa: E402
from vault.scanning.runner import fingerprint_candidate  # noqa: E402

SEED = 20261205
DECIDED = ("strong", "probable")
FRAMES = (("phone", phone_screenshot), ("browser", browser_screenshot))


def _as_version_2(shot: bytes, fp: ImageFingerprint) -> ImageFingerprint:
    """What version 2 stored for the same file: no inner picture, the whole image's keypoints."""
    work = decode_image(shot).rgb
    kp = None if fp.low_quality else keypoints.extract(work)
    return replace(fp, inner=None, keypoints=kp, version=2, text_screen=False)


def _crop(a: np.ndarray, frac: float, rng: np.random.Generator) -> np.ndarray:
    h, w = a.shape[:2]
    kw, kh = round(w * (1 - frac)), round(h * (1 - frac))
    x0, y0 = int(rng.integers(0, w - kw + 1)), int(rng.integers(0, h - kh + 1))
    return np.ascontiguousarray(a[y0:y0 + kh, x0:x0 + kw])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vault", type=int, default=80, help="screenshots kept in the vault")
    ap.add_argument("--others", type=int, default=240,
                    help="unrelated photographs, each in a phone and a browser frame")
    a = ap.parse_args()
    t0 = time.time()
    pics, _origin = photos(a.vault + a.others)
    rng = np.random.default_rng(SEED)
    shipped, old = FingerprintIndex(), FingerprintIndex()
    framed: set[str] = set()
    text = 0
    for i in range(a.vault):
        data = jpeg_bytes(FRAMES[i % 2][1](pics[i], rng), 85)
        fp = fingerprint_image(data)
        if fp.inner is not None:
            framed.add(f"v{i}")
        text += fp.text_screen
        shipped.add(f"v{i}", fp)
        old.add(f"v{i}", _as_version_2(data, fp))
    recall: dict[str, Counter[str]] = {"shipped": Counter(), "version 2": Counter()}
    tests = ("the picture alone", "crop 10 %", "crop 20 %", "in the other kind of frame")
    for i in range(a.vault):
        p = pics[i]
        variants = (p, _crop(p, 0.10, rng), _crop(p, 0.20, rng),
                    FRAMES[(i + 1) % 2][1](p, rng))
        for name, v in zip(tests, variants, strict=True):
            cand = fingerprint_candidate(jpeg_bytes(v, 85), "image")
            for label, index in (("shipped", shipped), ("version 2", old)):
                best = [m for m in index.search(cand) if m.item_id == f"v{i}"]
                if best and best[0].band in DECIDED:
                    recall[label][name] += 1
    false: dict[str, Counter[str]] = {"shipped": Counter(), "version 2": Counter()}
    review: dict[str, Counter[str]] = {"shipped": Counter(), "version 2": Counter()}
    for j in range(a.vault, a.vault + a.others):
        for frame, maker in FRAMES:
            cand = fingerprint_candidate(jpeg_bytes(maker(pics[j], rng), 85), "image")
            for label, index in (("shipped", shipped), ("version 2", old)):
                for m in index.search(cand):
                    bucket = false if m.band in DECIDED else review
                    kept = "framed" if m.item_id in framed else "not framed"
                    bucket[label][f"{frame} via {m.how}, stored item {kept}"] += 1
    pairs = a.others * len(FRAMES) * a.vault
    rows = "\n".join(
        f"| {name} | {recall['shipped'][name]} of {a.vault} "
        f"({100 * recall['shipped'][name] / a.vault:.0f} %) | "
        f"{recall['version 2'][name]} of {a.vault} "
        f"({100 * recall['version 2'][name] / a.vault:.0f} %) |"
        for name in tests)

    def listing(c: Counter[str]) -> str:
        return ", ".join(f"{k}: {v}" for k, v in sorted(c.items())) or "none"

    body = f"""## Screenshots kept in the vault (`bench/bench_screenshots.py`)

{a.vault} real photographs (`bench/fp_data.py`), each kept in the vault as a screenshot
(alternately a phone app and a browser page around it, JPEG q85; {len(framed)} of them were
recognised as a frame around a picture, {text} taken for a screenshot of text);
{a.others} other photographs, each in a phone and a browser frame, as other people's
screenshots of the same apps ({pairs:,} unrelated pairs).
"Shipped" fingerprints a stored screenshot for the picture inside it; "version 2" is what
was stored before (the whole screenshot's hashes and keypoints). Decision threshold: strong
or probable.

| the picture comes back as | shipped | version 2 |
|---|---:|---:|
{rows}

False matches at the decision threshold (other people's screenshots): shipped
**{sum(false['shipped'].values())}** ({listing(false['shipped'])}); version 2
**{sum(false['version 2'].values())}** ({listing(false['version 2'])}).
Raised for review only: shipped {sum(review['shipped'].values())}, version 2
{sum(review['version 2'].values())}.

Run time {time.time() - t0:.0f} s; load average before: {os.getloadavg()[0]:.1f}.
"""
    write_section("screenshots", body)
    print(body)


if __name__ == "__main__":
    main()
