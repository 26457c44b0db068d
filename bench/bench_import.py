"""Import benchmark: 1,000 photos (mixed sizes up to 12 MP, with EXIF) imported as one folder.

Each photo is streamed into the vault, its EXIF read, its header probed and its fingerprint
computed in memory, and committed with a custody entry: the whole ``ansim add FOLDER`` path.
Pixels come from real photographs shipped in Debian wallpaper packages when they are installed
(see bench/fp_data.py), otherwise from generated photo-like images; every file is unique (a
small per-file patch), so nothing is skipped as a duplicate.

Run: ``python bench/bench_import.py`` (``--count 200`` for a quicker run). The import runs in a
fresh interpreter so its peak memory (max RSS) is its own. Writes the "import" section of
docs/benchmarks.md. Generated photos go to bench/out/ and are deleted afterwards.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import sys
import time
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._report import run_child, write_section  # noqa: E402

OUT = ROOT / "bench" / "out" / "import"
PASSPHRASE = "benchmark passphrase 안심"
#: Megapixel mix of the generated photos (phone screenshots to 12 MP camera photos).
SIZES_MP = (0.3, 0.8, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0)
WEIGHTS = (10, 15, 15, 15, 15, 12, 10, 8)
BASES = 24

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from vault.store import Vault
from vault.crypto.kdf import FLOOR
from vault import cases
from vault.collect.importer import import_paths, Outcome

folder, vault_path = Path(sys.argv[1]), Path(sys.argv[2])
vault, _ = Vault.create(vault_path, sys.argv[3], params=FLOOR)
case = cases.create_case(vault, "bench")
base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
report = import_paths(vault, [folder], case.id)
elapsed = time.perf_counter() - t0
fps = sum(1 for r in report.results if r.item is not None
          and vault.db.execute("SELECT 1 FROM fingerprints WHERE item_id=?",
                               (r.item.id,)).fetchone())
t1 = time.perf_counter()
vault.commit()
commit_s = time.perf_counter() - t1
meta = sum(p.stat().st_size for p in vault_path.glob("m*"))
vault.lock()
print(json.dumps({
    "added": report.added, "failed": report.failed, "duplicates": report.duplicates,
    "fingerprinted": fps, "seconds": elapsed,
    "bytes": sum(p.stat().st_size for p in folder.iterdir()),
    "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "base_rss_kib": base_rss, "final_commit_s": commit_s, "metadata_bytes": meta,
}))
"""


def pixel_source() -> str:
    try:
        from bench.fp_data import candidate_files

        if candidate_files():
            return "real photographs from the Debian wallpaper packages (bench/fp_data.py)"
    except ImportError:
        pass
    return "generated photo-like images (no wallpaper packages installed)"


def _base_images() -> list[object]:
    """Real photographs when the wallpaper packages are installed, else generated ones."""
    import numpy as np
    from PIL import Image

    bases: list[object] = []
    try:
        from bench.fp_data import candidate_files

        for path in candidate_files():
            if len(bases) >= BASES:
                break
            try:
                with Image.open(path) as im:
                    if min(im.size) < 600:
                        continue
                    im.draft("RGB", (2048, 2048))
                    bases.append(im.convert("RGB").copy())
            except Exception:  # noqa: S112 - a broken wallpaper is just skipped
                continue
    except ImportError:
        pass
    rng = np.random.default_rng(7)
    while len(bases) < BASES:
        y, x = np.mgrid[0:1200, 0:1600]
        arr = np.stack([x % 256, y % 256, (x * y) % 256], axis=-1).astype(np.int16)
        arr = np.clip(arr + rng.integers(-30, 30, arr.shape), 0, 255).astype(np.uint8)
        bases.append(Image.fromarray(arr, "RGB"))
    return bases


_BASES: list[object] = []


def _init() -> None:
    _BASES.extend(_base_images())


def _make(job: tuple[int, float, str]) -> int:
    """Write photo number ``i`` of ``mp`` megapixels; returns its size in bytes."""
    from PIL import Image

    from tests._evidence_helpers import make_exif

    i, mp, folder = job
    rnd = random.Random(i)
    base = _BASES[i % len(_BASES)]
    assert isinstance(base, Image.Image)
    aspect = base.width / base.height
    height = int((mp * 1e6 / aspect) ** 0.5)
    width = int(height * aspect)
    im = base.resize((width, height), Image.Resampling.BILINEAR)
    patch = Image.new("RGB", (32, 32), tuple(rnd.randrange(256) for _ in range(3)))
    im.paste(patch, (rnd.randrange(width - 32), rnd.randrange(height - 32)))
    buf = io.BytesIO()
    exif = make_exif(when="2024:03:01 21:15:09", offset="+09:00", orientation=1, gps=i % 3 == 0)
    im.save(buf, "JPEG", quality=88, exif=exif)
    (Path(folder) / f"IMG_{i:05d}.jpg").write_bytes(buf.getvalue())
    return len(buf.getvalue())


def generate(folder: Path, count: int) -> tuple[float, list[float]]:
    rnd = random.Random(42)
    sizes = rnd.choices(SIZES_MP, weights=WEIGHTS, k=count)
    folder.mkdir(parents=True, exist_ok=True)
    with Pool(max(1, min(4, os.cpu_count() or 1)), initializer=_init) as pool:
        total = sum(pool.map(_make, [(i, mp, str(folder)) for i, mp in enumerate(sizes)]))
    return total / 1e6, sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    shutil.rmtree(OUT, ignore_errors=True)
    photos, vault_path = OUT / "photos", OUT / "vault"
    try:
        t0 = time.perf_counter()
        total_mb, sizes = generate(photos, args.count)
        print(f"generated {args.count} photos ({total_mb:,.0f} MB) in "
              f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)
        res = run_child(_CHILD, str(photos), str(vault_path), PASSPHRASE)
    finally:
        shutil.rmtree(OUT, ignore_errors=True)
    n = res["added"]
    secs = res["seconds"]
    mp_total = sum(sizes)
    peak_mib = res["peak_rss_kib"] / 1024
    base_mib = res["base_rss_kib"] / 1024
    load = os.getloadavg()[0]
    rss = f"**{peak_mib:,.0f} MiB** (after start-up and unlock: {base_mib:,.0f} MiB)"
    meta = (
        f"{res['metadata_bytes'] / 1e6:,.1f} MB "
        f"(last commit {res['final_commit_s'] * 1000:,.0f} ms)"
    )
    body = f"""## Import (ansim add FOLDER)

{args.count:,} JPEG photos with EXIF (GPS on a third), mixed sizes
{min(sizes):.1f}-{max(sizes):.0f} MP (mean {mp_total / len(sizes):.1f} MP), {total_mb:,.0f} MB in
one folder, imported with `import_paths` as `ansim add FOLDER` does: streamed and encrypted,
MIME sniffed, header probed, EXIF read, fingerprinted in memory (PDQ + 8 variants, pHash,
regions), one durable commit and custody entry per photo. Floor KDF; one process.
Pixels: {pixel_source()}, resized to each size, with a unique patch per file.
Load average on the machine while measuring: {load:.1f} (other jobs were running).

| measure | value |
|---|---|
| photos added / failed / duplicates | {n:,.0f} / {res['failed']:,.0f} / {res['duplicates']:,.0f} |
| photos fingerprinted | {res['fingerprinted']:,.0f} |
| wall time | {secs:,.1f} s |
| **items per second** | **{n / secs:,.1f}** |
| throughput | {res['bytes'] / 1e6 / secs:,.1f} MB/s, {mp_total / secs:,.1f} MP/s |
| **peak memory (max RSS)** | {rss} |
| encrypted metadata after import | {meta} |

Memory stays flat with the number of photos: one image at a time is buffered (at most 64 MiB)
for fingerprinting; the rest streams in 64 KiB chunks.
"""
    write_section("import", body)
    print(body)


if __name__ == "__main__":
    main()
