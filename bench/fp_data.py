"""Real photographs for the fingerprint benchmark, from Debian packages installed on this machine.

    apt-get install ukui-wallpapers mate-backgrounds gnome-backgrounds \
        plasma-workspace-wallpapers lomiri-wallpapers lomiri-wallpapers-20.04 \
        lomiri-wallpapers-16.04 tuxpaint-stamps-default

Wallpapers ship the same picture at several sizes, so near-duplicates (PDQ distance <= 40 or
the same file bytes) are dropped; flat or tiny pictures are dropped too.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from PIL import Image

from vault.fingerprints.decode import _to_rgb, shrink
from vault.fingerprints.pdq import hamming, pdq_hash

ROOTS = (Path("/usr/share/backgrounds"), Path("/usr/share/wallpapers"),
         Path("/usr/share/tuxpaint/stamps"))
EXTS = {".jpg", ".jpeg", ".png", ".webp"}
BENCH_SIDE = 1024


def candidate_files() -> list[Path]:
    files: list[Path] = []
    for root in ROOTS:
        if root.exists():
            files.extend(p for p in sorted(root.rglob("*")) if p.suffix.lower() in EXTS)
    return files


def load(path: Path) -> np.ndarray | None:
    try:
        with Image.open(path) as im:
            if min(im.size) < 128:
                return None
            im.draft("RGB", (BENCH_SIDE, BENCH_SIDE))
            rgb = shrink(_to_rgb(im), BENCH_SIDE)
            return np.asarray(rgb, dtype=np.uint8)
    except Exception:
        return None


def photos(limit: int = 420) -> tuple[list[np.ndarray], list[str]]:
    """Distinct photographs (long side <= 1024) and the package folder each came from."""
    seen: set[str] = set()
    hashes: list[bytes] = []
    out: list[np.ndarray] = []
    origin: list[str] = []
    for path in candidate_files():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        img = load(path)
        if img is None:
            continue
        h, q = pdq_hash(np.asarray(shrink(Image.fromarray(img), 512)))
        if q < 50:
            continue
        if any(hamming(h, other) <= 40 for other in hashes):
            continue
        hashes.append(h)
        out.append(img)
        origin.append(str(path.parent).split("/")[3])
        if len(out) >= limit:
            break
    return out, origin
