"""Real photographs for the fingerprint benchmark, from Debian packages installed on this machine.

    apt-get install ukui-wallpapers mate-backgrounds gnome-backgrounds \
        plasma-workspace-wallpapers lomiri-wallpapers lomiri-wallpapers-20.04 \
        lomiri-wallpapers-16.04 tuxpaint-stamps-default

Packages ship the same picture at several sizes, mirrored, recoloured or on a larger canvas,
so a picture is dropped when its grey version is within PDQ distance 70 of a kept one in any
of the eight orientations, or when Ansim's matcher (any band) finds it among the kept ones;
flat or tiny pictures are dropped too.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from PIL import Image

from vault.fingerprints import fingerprint_pixels
from vault.fingerprints.decode import _to_rgb, shrink
from vault.fingerprints.pdq import hamming, pdq_dihedral, pdq_hash
from vault.matching import FingerprintIndex

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
    index = FingerprintIndex()
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
        small = np.asarray(shrink(Image.fromarray(img), 512))
        _, q = pdq_hash(small)
        if q < 50:
            continue
        # Packages ship the same picture mirrored, recoloured, resized or on a larger canvas:
        # compare grey versions in all eight orientations, and ask the matcher itself.
        grey = np.repeat(np.asarray(Image.fromarray(small).convert("L"))[..., None], 3, axis=2)
        variants, _ = pdq_dihedral(grey)
        if any(hamming(v, other) <= 70 for v in variants for other in hashes):
            continue
        fp = fingerprint_pixels(img, sha256=digest)
        if index.search(fp):
            continue
        index.add(str(len(out)), fp)
        hashes.append(variants[0])
        out.append(img)
        origin.append(str(path.parent).split("/")[3])
        if len(out) >= limit:
            break
    return out, origin
