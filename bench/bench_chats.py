"""Benchmark: text-only screenshots (chat threads) kept in the vault, against other chats.

    python bench/bench_chats.py [--vault 50] [--others 600] [--seed 20261206]

Victims of sextortion keep screenshots of the threats: chat threads with the messenger's status
bar, header and input bar, bubbles, names and times, and no picture. Other people's
screenshots of the same messenger share all of that frame. This measures, with the seeded
synthetic chats of ``tests/fixtures_fp/chats.py`` (three messenger layouts, light and dark
themes, Korean and English text in a real font):

- false matches: ``--others`` chats of the same layouts (other people's screenshots), each
  searched against ``--vault`` stored chats, counted per family (``Match.how``) at Ansim's
  decision threshold (strong or probable) and in the review band;
- recall: each stored chat re-encoded, resized, cropped 10 % off-centre, and with its bars cut
  off (what someone re-posting the threat would do), and, not required, the same chat in the
  other theme and scrolled by two messages.

Stored chats are fingerprinted as an import does (``fingerprint_image`` of the PNG a phone
saves); candidates get what a scan computes (``fingerprint_candidate``), half of them as PNG
and half as JPEG q85. Writes docs/benchmarks.md (section "chats").
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._report import write_section  # noqa: E402
from tests.fixtures_fp.chats import APPS, THEMES, Chat, make_chat, render  # noqa: E402
from vault.fingerprints import fingerprint_image  # noqa: E402
from vault.fingerprints.model import FINGERPRINT_VERSION  # noqa: E402
from vault.matching import FingerprintIndex, Match  # noqa: E402
from vault.scanning.runner import fingerprint_candidate  # noqa: E402

SEED = 20261206
DECIDED = ("strong", "probable")


def png(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def jpeg(a: np.ndarray, quality: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def chat(seed: int, i: int) -> Chat:
    """The i-th chat of a series: the three layouts in turn, light and dark in turn."""
    return make_chat(seed, app=APPS[i % 3], theme=THEMES[(i // 3) % 2])


def _crop(a: np.ndarray, frac: float, rng: np.random.Generator) -> np.ndarray:
    h, w = a.shape[:2]
    kw, kh = round(w * (1 - frac)), round(h * (1 - frac))
    x0, y0 = int(rng.integers(0, w - kw + 1)), int(rng.integers(0, h - kh + 1))
    return np.ascontiguousarray(a[y0:y0 + kh, x0:x0 + kw])


def _half(a: np.ndarray) -> np.ndarray:
    h, w = a.shape[:2]
    return np.asarray(Image.fromarray(a).resize((w // 2, h // 2), Image.Resampling.LANCZOS))


def _bars_off(a: np.ndarray) -> np.ndarray:
    h = a.shape[0]
    return np.ascontiguousarray(a[round(0.06 * h):round(0.94 * h)])


REQUIRED = ("re-encoded (JPEG q70)", "resized to half (JPEG q80)", "cropped 10 % off-centre",
            "bars cut off (top and bottom 6 %)")
OPTIONAL = ("the same chat in the other theme", "the same chat scrolled by two messages")


def variants(c: Chat, a: np.ndarray, rng: np.random.Generator) -> list[bytes]:
    other = "dark" if c.theme == "light" else "light"
    return [jpeg(a, 70), jpeg(_half(a), 80), jpeg(_crop(a, 0.10, rng), 85),
            jpeg(_bars_off(a), 85), jpeg(render(c, theme=other), 85),
            jpeg(render(c, scroll=2), 85)]


def best_for(found: list[Match], item_id: str) -> Match | None:
    mine = [m for m in found if m.item_id == item_id]
    return mine[0] if mine else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vault", type=int, default=50, help="chat screenshots kept in the vault")
    ap.add_argument("--others", type=int, default=600,
                    help="other people's chat screenshots of the same layouts, scanned")
    ap.add_argument("--seed", type=int, default=SEED, help="another seed, other chats")
    a = ap.parse_args()
    seed = a.seed
    t0 = time.time()
    load = os.getloadavg()[0]
    rng = np.random.default_rng(seed)
    index = FingerprintIndex()
    stored: list[tuple[Chat, np.ndarray]] = []
    kinds: Counter[str] = Counter()
    for i in range(a.vault):
        c = chat(seed + i, i)
        shot = render(c)
        fp = fingerprint_image(png(shot))
        kinds["text screenshot" if getattr(fp, "text_screen", False)
              else "frame around a picture" if fp.inner is not None else "ordinary picture"] += 1
        index.add(f"v{i}", fp)
        stored.append((c, shot))
    t_vault = time.time() - t0

    recall: dict[str, Counter[str]] = {n: Counter() for n in REQUIRED + OPTIONAL}
    for i, (c, shot) in enumerate(stored):
        for name, data in zip(REQUIRED + OPTIONAL, variants(c, shot, rng), strict=True):
            m = best_for(index.search(fingerprint_candidate(data, "image")), f"v{i}")
            if m is None:
                recall[name]["missed"] += 1
            else:
                recall[name]["decided" if m.band in DECIDED else "review"] += 1
                if m.band in DECIDED:
                    recall[name][f"via {m.how}"] += 1

    false: Counter[str] = Counter()
    review: Counter[str] = Counter()
    same_app: Counter[str] = Counter()
    raised_candidates = 0
    examples: list[str] = []
    for j in range(a.others):
        c = chat(seed + 100_000 + j, j)
        shot = render(c)
        data = jpeg(shot, 85) if j % 2 else png(shot)
        found = index.search(fingerprint_candidate(data, "image"))
        raised = False
        for m in found:
            k = int(m.item_id[1:])
            if m.band in DECIDED:
                false[m.how] += 1
                raised = True
                same_app["same layout" if stored[k][0].app == c.app else "another layout"] += 1
                if len(examples) < 8:
                    sc = stored[k][0]
                    examples.append(f"{c.app}/{c.theme} against {sc.app}/{sc.theme}: {m.band} "
                                    f"via {m.how} at {m.distance}")
            else:
                review[m.how] += 1
        raised_candidates += raised
    pairs = a.vault * a.others

    def listing(c: Counter[str]) -> str:
        return ", ".join(f"{k}: {v}" for k, v in sorted(c.items())) or "none"

    def rate(n: int) -> str:
        return f"{n / pairs:.1e}" if n else "0"

    rows = []
    for name in REQUIRED + OPTIONAL:
        r = recall[name]
        how = ", ".join(f"{k[4:]} {v}" for k, v in sorted(r.items()) if k.startswith("via "))
        rows.append(f"| {name}{'' if name in REQUIRED else ' (not required)'} | "
                    f"{r['decided']} of {a.vault} ({100 * r['decided'] / a.vault:.0f} %) | "
                    f"{r['review']} | {r['missed']} | {how or '-'} |")
    table = "\n".join(rows)
    body = f"""## Chat screenshots kept in the vault (`bench/bench_chats.py`)

{a.vault} synthetic chat screenshots (`tests/fixtures_fp/chats.py`: three messenger layouts
in turn, light and dark themes, Korean and English text, 1080 x 2340 or 2400 px, PNG) kept in
the vault, fingerprint version {FINGERPRINT_VERSION}; recognised as: {listing(kinds)}.
{a.others} other chats of the same layouts (half PNG, half JPEG q85) scanned against them as a
scan fingerprints a candidate: {pairs:,} unrelated pairs. Decision threshold: strong or
probable.

False matches at the decision threshold: **{sum(false.values())}** (rate per pair
{rate(sum(false.values()))}; by family: {listing(false)}; {listing(same_app)});
**{raised_candidates}** of the {a.others} scanned chats raised at least one.
Raised for review only: {sum(review.values())} (rate {rate(sum(review.values()))}; by
family: {listing(review)}).
{"First decided false matches: " + "; ".join(examples) + "." if examples else ""}

| the stored chat comes back as | decided | review only | missed | decided by |
|---|---:|---:|---:|---|
{table}

Seed {seed}. Run time {time.time() - t0:.0f} s (vault {t_vault:.0f} s); load average
before: {load:.1f}.
"""
    write_section("chats", body)
    print(body)


if __name__ == "__main__":
    main()
