"""Benchmark: scan a folder of pictures (mixed sizes) against a vault of pictures.

    python bench/bench_scan.py [--images 10000] [--vault-items 1000] [--workers N]

Generates the pictures (photo-like: smooth colour fields and shapes, JPEG and PNG, 0.5 to 7
megapixels), imports ``--vault-items`` of them into a fresh vault, hides transformed copies of
1 % of them in the scanned folder, and measures in separate child processes (so peak memory is
per phase): decoding every picture alone (read + the same decoder the scan uses, on the same
number of threads) and the full folder scan (read, decode, fingerprint, match, record the
sightings). Writes the figures into docs/benchmarks.md (section "scan").
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASS = "bench passphrase"
SIZES = ((800, 600, 0.40), (1280, 960, 0.30), (1920, 1440, 0.20), (3000, 2250, 0.10))


def _picture(seed: int, size: tuple[int, int]):  # type: ignore[no-untyped-def]
    import numpy as np
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    w, h = size
    im = Image.fromarray(rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)).resize(
        size, Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(im)
    for _ in range(16):
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        x1, y1 = x0 + int(rng.integers(w // 12, w // 3)), y0 + int(rng.integers(h // 12, h // 3))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x0, y0, x1, y1), fill=colour)
    return im


def _size_for(n: int) -> tuple[int, int]:
    r = (n * 2654435761 % 1000) / 1000
    acc = 0.0
    for w, h, share in SIZES:
        acc += share
        if r < acc:
            return (w, h)
    return SIZES[-1][:2]


def _write_scan_image(args: tuple[int, str, int]) -> int:
    n, folder, copy_of = args
    path = Path(folder) / f"d{n % 50:02d}" / f"img{n:05d}"
    if copy_of >= 0:
        im = _picture(copy_of, (640, 480)).resize((800, 600))  # a resized copy of a vault item
    else:
        im = _picture(1_000_000 + n, _size_for(n))
    buf = io.BytesIO()
    if n % 10 == 3:
        im.save(buf, "PNG", compress_level=1)
        path = path.with_suffix(".png")
    else:
        im.save(buf, "JPEG", quality=85)
        path = path.with_suffix(".jpg")
    path.write_bytes(buf.getvalue())
    return len(buf.getvalue())


def generate(folder: Path, vault_dir: Path, images: int, vault_items: int) -> dict[str, float]:
    from datetime import UTC, datetime

    from vault import cases, evidence
    from vault.clock import fixed_clock
    from vault.crypto.kdf import FLOOR
    from vault.store import Vault

    t0 = time.perf_counter()
    for d in range(50):
        (folder / f"d{d:02d}").mkdir(parents=True, exist_ok=True)
    copies = {n * 97 % images: n * 10 for n in range(max(1, vault_items // 100))}
    jobs = [(n, str(folder), copies.get(n, -1)) for n in range(images)]
    with Pool(os.cpu_count() or 2) as pool:
        total = sum(pool.imap_unordered(_write_scan_image, jobs, chunksize=64))
    t1 = time.perf_counter()
    vault, _ = Vault.create(vault_dir, PASS, params=FLOOR,
                            clock=fixed_clock(datetime(2026, 1, 1, tzinfo=UTC)))
    with vault:
        case = cases.create_case(vault, "Bench", "B")
        for n in range(vault_items):
            buf = io.BytesIO()
            _picture(n, (640, 480)).save(buf, "JPEG", quality=90)
            buf.seek(0)
            evidence.add_stream(vault, buf, case.id, original_name=f"v{n}.jpg")
    return {"generate_s": t1 - t0, "import_s": time.perf_counter() - t1,
            "bytes": float(total), "copies": float(len(copies))}


def phase_decode(folder: Path, workers: int) -> dict[str, float]:
    from vault.fingerprints.decode import decode_image, read_source

    files = sorted(p for p in folder.rglob("*") if p.is_file())

    def one(p: Path) -> int:
        return int(decode_image(read_source(p)).rgb.shape[0])

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        n = sum(1 for _ in pool.map(one, files))
    elapsed = time.perf_counter() - t0
    return {"images": n, "seconds": elapsed,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def phase_scan(folder: Path, vault_dir: Path, workers: int) -> dict[str, float]:
    from vault.scanning import FolderSource, run_scan
    from vault.store import Vault

    scratch = Path(tempfile.mkdtemp(prefix="ansim-bench-vault-")) / "vault"
    shutil.copytree(vault_dir, scratch)  # every run starts from the same, unscanned vault
    try:
        with Vault.open(scratch, PASS) as vault:
            t0 = time.perf_counter()
            report = run_scan(vault, FolderSource(folder), workers=workers)
            elapsed = time.perf_counter() - t0
    finally:
        shutil.rmtree(scratch.parent, ignore_errors=True)
    t = report.times
    return {"images": report.progress.checked, "seconds": elapsed,
            "sightings": len([x for x in report.sightings if x.band != "needs_review"])
            + report.already_known,
            "review": len([x for x in report.sightings if x.band == "needs_review"]),
            "errors": len(report.errors),
            "read_s": t.fetch_s, "decode_s": t.decode_s, "hash_s": t.hash_s,
            "match_s": t.match_s,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "worker_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def _child(*args: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                         check=False, cwd=ROOT)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"the {args[1]} phase failed")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _row(name: str, r: dict[str, float]) -> str:
    rate = r["images"] / r["seconds"]
    memory = f"{r['peak_rss_mib']:.0f} MiB"
    if r.get("worker_rss_mib"):
        memory += f" + {r['worker_rss_mib']:.0f} MiB per worker process"
    return f"| {name} | {int(r['images']):,} | {r['seconds']:.1f} | {rate:.1f} | {memory} |"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=10_000)
    ap.add_argument("--vault-items", type=int, default=1_000)
    ap.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 2))
    ap.add_argument("--phase", choices=("decode", "scan"))
    ap.add_argument("--dir", type=Path)
    ap.add_argument("--vault", type=Path)
    ap.add_argument("--work", type=Path, help="keep the generated pictures and vault here and "
                    "reuse them on the next run (default: a temporary folder, removed after)")
    a = ap.parse_args()
    if a.phase == "decode":
        print(json.dumps(phase_decode(a.dir, a.workers)))
        return
    if a.phase == "scan":
        print(json.dumps(phase_scan(a.dir, a.vault, a.workers)))
        return
    work = a.work or Path(tempfile.mkdtemp(prefix="ansim-bench-scan-"))
    try:
        folder, vault_dir = work / "pictures", work / "vault"
        made = work / f"generated-{a.images}-{a.vault_items}.json"
        if made.exists():
            gen = json.loads(made.read_text(encoding="utf-8"))
        else:
            shutil.rmtree(folder, ignore_errors=True)
            shutil.rmtree(vault_dir, ignore_errors=True)
            gen = generate(folder, vault_dir, a.images, a.vault_items)
            made.write_text(json.dumps(gen), encoding="utf-8")
        print(f"generated in {gen['generate_s']:.0f} s, imported in {gen['import_s']:.0f} s",
              file=sys.stderr)
        w = str(a.workers)
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
        decode = _child("--phase", "decode", "--dir", str(folder), "--workers", w)
        scan = _child("--phase", "scan", "--dir", str(folder), "--vault", str(vault_dir),
                      "--workers", w)
    finally:
        if a.work is None:
            shutil.rmtree(work, ignore_errors=True)
    d_rate = decode["images"] / decode["seconds"]
    s_rate = scan["images"] / scan["seconds"]
    busy = scan["read_s"] + scan["decode_s"] + scan["hash_s"] + scan["match_s"]

    def share(x: float) -> str:
        return f"{100 * x / busy:.0f} %" if busy else "-"

    body = f"""## Scan (`bench/bench_scan.py`)

A folder of {a.images:,} generated pictures (JPEG and PNG; 40 % 0.5 MP, 30 % 1.2 MP, 20 % 2.8 MP,
10 % 6.8 MP; {gen['bytes'] / 2**20:,.0f} MiB) scanned against a vault of {a.vault_items:,} imported
pictures, {int(gen['copies'])} of which have a resized copy hidden in the folder.
{a.workers} workers in both runs (threads for decoding alone; worker processes for the scan, as
folder scans use); each run in its own process. Load average before the runs: {load}.

| run | pictures | seconds | pictures/s | peak memory (RSS) |
| --- | ---: | ---: | ---: | ---: |
{_row("decode alone (read + decode)", decode)}
{_row("full scan", scan)}

Scan speed is **{100 * s_rate / d_rate:.0f} %** of decoding alone (target: at least 80 %).
Sightings at Ansim's decision threshold (strong or probable): {scan['sightings']}, for the
{int(gen['copies'])} hidden copies; raised for review only ("maybe, please look"): \
{scan.get('review', 0)}; errors: {scan['errors']}.

Where the scan's worker time went (summed over threads): reading files {share(scan['read_s'])},
decoding {share(scan['decode_s'])}, fingerprinting (search-only PDQ hashes and the ORB
keypoints in one pass) {share(scan['hash_s'])}, matching (hash search, then the keypoint
shortlist, RANSAC and pixel check) {share(scan['match_s'])}.
"""
    from bench._report import write_section

    write_section("scan", body)
    print(body)


if __name__ == "__main__":
    main()
