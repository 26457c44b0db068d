"""Shared helpers for the bundle tests: a real vault with real items, exported once per module,
and the standard tools a lawyer would use (sha256sum, openssl, the verify script)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from exporters.bundle import ExportOptions, ExportResult, export_case
from tests.conftest import PASSPHRASE
from vault import cases, evidence
from vault.clock import fixed_clock
from vault.crypto.kdf import FLOOR
from vault.records import Case, Source
from vault.store import Vault

SCRIPT_TOOLS = ("sh", "sha256sum", "openssl", "find", "sort", "sed", "grep", "tr", "dirname")
HOSTILE_NAME = "../=HYPERLINK(evil)|50%.txt"
VIDEO_BYTES = os.urandom(3 * 65536 + 17)  # crosses the vault's 64 KiB chunk boundaries


def jpeg_bytes(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A small JPEG whose EXIF names a camera, a GPS position and a body serial number."""
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[0x8825] = {1: "N", 2: (37.0, 33.0, 59.4), 3: "E", 4: (126.0, 58.0, 40.0)}  # GPS IFD
    exif[0x8769] = {0xA431: "SN-12345"}  # Exif IFD: BodySerialNumber
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, "JPEG", quality=90, exif=exif.tobytes())
    return buf.getvalue()


JPEG = jpeg_bytes()


def make_vault(path: Path) -> Vault:
    vault, _ = Vault.create(
        path, PASSPHRASE, params=FLOOR, clock=fixed_clock(datetime(2026, 1, 2, tzinfo=UTC))
    )
    return vault


def populate(vault: Vault) -> Case:
    """A case with an image (with EXIF incl. GPS), a video, a hostile name and an unmarked item."""
    case = cases.create_case(vault, "Test case", pseudonym="A")
    evidence.add_stream(
        vault,
        io.BytesIO(JPEG),
        case.id,
        original_name="사진 1.jpg",
        source=Source(url="https://example.invalid/post/1", platform="example"),
        description="=cmd|' /C calc'!A0",
    )
    evidence.add_stream(vault, io.BytesIO(VIDEO_BYTES), case.id, original_name="clip.mp4")
    evidence.add_stream(vault, io.BytesIO(b"chat log\n"), case.id, original_name=HOSTILE_NAME)
    evidence.add_stream(
        vault,
        io.BytesIO(b"not for export\n"),
        case.id,
        original_name="private.txt",
        include_in_export=False,
    )
    return case


@dataclass(frozen=True)
class Sealed:
    vault_path: Path
    case_id: str
    result: ExportResult

    @property
    def bag(self) -> Path:
        return self.result.bag_path

    @property
    def zip(self) -> Path:
        assert self.result.zip_path is not None
        return self.result.zip_path


def seal(root: Path, **options: object) -> Sealed:
    """Create a vault under ``root``, fill it, export it; the vault is locked afterwards."""
    vault = make_vault(root / "vault")
    try:
        case = populate(vault)
        opts = ExportOptions(out_dir=root / "out", **options)  # type: ignore[arg-type]
        result = export_case(vault, case, opts)
    finally:
        vault.lock()
    return Sealed(root / "vault", case.id, result)


_SHARED: dict[Path, Sealed] = {}


def shared_seal(factory: pytest.TempPathFactory) -> Sealed:
    """One sealed bundle (with zip) for the whole test session, under pytest's temp folder.

    Tests must not change it: they copy the bag before tampering, and open the vault only to
    read it or to make further exports of their own.
    """
    base = factory.getbasetemp()
    if base not in _SHARED:
        _SHARED[base] = seal(factory.mktemp("shared-bundle"), make_zip=True)
    return _SHARED[base]


def open_vault(sealed: Sealed) -> Vault:
    clock = fixed_clock(datetime(2026, 2, 3, tzinfo=UTC))
    return Vault.open(sealed.vault_path, PASSPHRASE, clock=clock)


def copy_bag(bag: Path, dest: Path) -> Path:
    target = dest / bag.name
    shutil.copytree(bag, target, symlinks=True)
    return target


def sha256sum_check(bag: Path, manifest: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sha256sum", "-c", manifest], cwd=bag, capture_output=True, text=True, timeout=120
    )


def openssl_verify(bag: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "openssl", "cms", "-verify", "-binary", "-inform", "DER",
            "-in", "tagmanifest-sha256.txt.p7s", "-content", "tagmanifest-sha256.txt",
            "-CAfile", "verify/ansim-export-certificate.pem", "-purpose", "any",
            "-out", os.devnull,
        ],
        cwd=bag, capture_output=True, text=True, timeout=120,
    )


def tools_only_path(folder: Path) -> Path:
    """A folder of links to the standard tools the script may use, and nothing else."""
    folder.mkdir(exist_ok=True)
    for tool in SCRIPT_TOOLS:
        found = shutil.which(tool)
        assert found is not None, f"{tool} is needed for this test"
        link = folder / tool
        if not link.exists():
            link.symlink_to(found)
    return folder


def run_script(bag: Path, tools: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run verify/verify.sh from another folder, with PATH holding only the standard tools."""
    return subprocess.run(
        [str(tools / "sh"), str(bag / "verify" / "verify.sh"), *args],
        cwd=tools,
        env={"PATH": str(tools), "LC_ALL": "C"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
