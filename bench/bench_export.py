"""Export benchmark: a case holding one large generated "video" is exported as a sealed bundle
(folder + deterministic zip) and the zip is verified, each in a fresh interpreter, recording
wall time, throughput and peak memory (VmHWM). Memory must not grow with the file size.

Run: ``python bench/bench_export.py`` (3 GB; ``--gb 0.5`` for a quick run). Writes the "export"
section of docs/benchmarks.md. Everything goes to bench/out/export/ and is deleted afterwards
(it needs about 4x the file size of free disk: vault, bag, zip).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._report import run_child, write_section  # noqa: E402

WORK = ROOT / "bench" / "out" / "export"
MIB = 1024 * 1024

_HWM = """
def hwm_mib():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            return int(line.split()[1]) / 1024
    return 0.0
"""

FILL = (
    _HWM
    + """
import io, json, os, sys, time
from pathlib import Path
from vault import cases, evidence
from vault.crypto.kdf import FLOOR
from vault.store import Vault

class Generated(io.RawIOBase):
    '''N bytes of video-like (incompressible) data, made block by block, never held whole.'''
    def __init__(self, size):
        self.left = size
        self.block = bytearray(os.urandom(1024 * 1024))
        self.n = 0
    def readable(self):
        return True
    def read(self, n=-1):
        if self.left <= 0:
            return b''
        self.n += 1
        self.block[:8] = self.n.to_bytes(8, 'big')
        take = min(self.left, len(self.block), n if n and n > 0 else len(self.block))
        self.left -= take
        return bytes(self.block[:take])

work, size = Path(sys.argv[1]), int(sys.argv[2])
vault, _ = Vault.create(work / 'vault', 'bench passphrase', params=FLOOR)
case = cases.create_case(vault, 'bench')
evidence.add_stream(vault, io.BytesIO(b'small evidence file'), case.id, original_name='note.txt',
                    fingerprint=False)
t = time.perf_counter()
evidence.add_stream(vault, Generated(size), case.id, original_name='recording.mp4',
                    fingerprint=False)
secs = time.perf_counter() - t
vault.lock()
print(json.dumps({'case': case.id, 'import_s': secs, 'hwm': hwm_mib()}))
"""
)

EXPORT = (
    _HWM
    + """
import json, sys, time
from pathlib import Path
from exporters.bundle import ExportOptions, export_case
from vault.store import Vault

work, case_id = Path(sys.argv[1]), sys.argv[2]
vault = Vault.open(work / 'vault', 'bench passphrase')
out = {'hwm_open': hwm_mib()}
small = export_case(vault, case_id, ExportOptions(out_dir=work / 'small', items=('E0001',),
                    make_zip=True, include_complaint=False))
out['hwm_small'] = hwm_mib()
t = time.perf_counter()
big = export_case(vault, case_id, ExportOptions(out_dir=work / 'big', make_zip=True,
                  include_complaint=False))
out['export_s'] = time.perf_counter() - t
out['hwm_big'] = hwm_mib()
out['bytes'] = big.payload_bytes
out['zip'] = str(big.zip_path)
out['bag'] = str(big.bag_path)
vault.lock()
print(json.dumps(out))
"""
)

VERIFY = (
    _HWM
    + """
import json, sys, time
from pathlib import Path
from exporters.bundle import verify_bundle
t = time.perf_counter()
report = verify_bundle(Path(sys.argv[1]))
print(json.dumps({'ok': report.ok, 'verify_s': time.perf_counter() - t, 'hwm': hwm_mib()}))
"""
)


def sha256sum_seconds(path: Path) -> float:
    t = time.perf_counter()
    subprocess.run(["sha256sum", str(path)], check=True, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gb", type=float, default=3.0, help="size of the generated video")
    args = parser.parse_args()
    size = int(args.gb * 1000**3)
    load_before = os.getloadavg()[0]
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    try:
        filled = run_child(FILL, str(WORK), str(size))
        exported = run_child(EXPORT, str(WORK), str(filled["case"]))
        verified = run_child(VERIFY, str(exported["zip"]))
        original = Path(str(exported["bag"])) / "data" / "evidence" / "E0002" / "recording.mp4"
        hash_only = sha256sum_seconds(original)
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    export_s = float(str(exported["export_s"]))
    verify_s = float(str(verified["verify_s"]))
    gb = size / 1000**3
    rows = [
        ("Generated video", f"{gb:.2f} GB ({size / MIB:,.0f} MiB)"),
        ("Export (bag + zip, incl. decrypt, hash, sign)", f"{export_s:.1f} s"),
        (
            "Export throughput (original bytes / s)",
            f"{size / MIB / export_s:,.0f} MiB/s (each byte written twice: bag and zip)",
        ),
        ("Verify the zip in place (every hash, signature, chain)", f"{verify_s:.1f} s"),
        ("Verify throughput", f"{size / MIB / verify_s:,.0f} MiB/s"),
        ("For scale: `sha256sum` of the exported original", f"{hash_only:.1f} s"),
        ("Peak memory after unlocking the vault", f"{float(str(exported['hwm_open'])):.0f} MiB"),
        (
            "Peak memory after exporting a 19-byte item",
            f"{float(str(exported['hwm_small'])):.0f} MiB",
        ),
        (
            f"Peak memory after exporting the {gb:.1f} GB case",
            f"{float(str(exported['hwm_big'])):.0f} MiB",
        ),
        ("Peak memory of `verify` on the zip", f"{float(str(verified['hwm'])):.0f} MiB"),
        ("Verify result", "ok" if verified["ok"] else "FAILED"),
        (
            "Load average (1 min) before / after",
            f"{load_before:.1f} / {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
            "(other work on the machine slows the disk-bound steps)",
        ),
    ]
    body = (
        "### Sealed bundle export (`bench/bench_export.py`)\n\n"
        "One case with a small file and a generated, incompressible video; each step in a fresh "
        "interpreter; memory is the process's high-water mark (VmHWM). The export streams the "
        "original out of the vault (decrypt and SHA-256 while writing, checked against the hash "
        "recorded at import, every file fsynced), then zips the bag (stored entries) while "
        "reading it back. The steps are disk-bound: compare the `sha256sum` line.\n\n"
        "| Measure | Value |\n|---|---|\n" + "".join(f"| {k} | {v} |\n" for k, v in rows)
    )
    write_section("export", body)
    print(body)


if __name__ == "__main__":
    main()
