"""Helpers shared by the vault tests: real folders, real subprocesses, no mocks.

Everything here works on the vault's files from the outside, the way a damaged disk, a curious
partner or a crash would: flip a bit, cut a file short, swap two files, kill a process.
"""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.conftest import PASSPHRASE, REPO
from vault.clock import fixed_clock
from vault.crypto.kdf import FLOOR
from vault.store import Vault

KIB = 1024
CHUNK = 64 * KIB


def create_vault(path: Path) -> tuple[Vault, str]:
    """A real vault with the fastest KDF the format accepts."""
    start = fixed_clock(datetime(2026, 1, 2, tzinfo=UTC))
    return Vault.create(path, PASSPHRASE, params=FLOOR, clock=start)


def open_vault(path: Path, passphrase: str = PASSPHRASE) -> Vault:
    return Vault.open(path, passphrase, clock=fixed_clock(datetime(2026, 1, 3, tzinfo=UTC)))


def patterned(size: int, seed: int = 0) -> bytes:
    """Deterministic, non-repeating content (so swapped chunks really differ)."""
    return random.Random(seed).randbytes(size)


def folder_state(path: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of its bytes (directories: "dir"); for 'nothing changed'."""
    state: dict[str, str] = {}
    for p in sorted(path.rglob("*")):
        rel = p.relative_to(path).as_posix()
        if p.is_dir():
            state[rel] = "dir"
        else:
            state[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return state


def flip_bit(path: Path, offset: int, bit: int = 0) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 1 << bit
    path.write_bytes(bytes(data))


def blob_files(vault_path: Path) -> list[Path]:
    return sorted(p for p in (vault_path / "blobs").rglob("*") if p.is_file())


def blob_file(vault_path: Path, blob_id: str) -> Path:
    return vault_path / "blobs" / blob_id[:2] / blob_id


def isolated_env(root: Path) -> dict[str, str]:
    """Environment for a child process whose home, config, data, cache and temp folders all live
    under ``root`` (so a leak scan can read every byte the child could have written)."""
    dirs = {
        "HOME": root / "home",
        "XDG_CONFIG_HOME": root / "config",
        "XDG_DATA_HOME": root / "data",
        "XDG_CACHE_HOME": root / "cache",
        "XDG_STATE_HOME": root / "state",
        "XDG_RUNTIME_DIR": root / "runtime",
        "TMPDIR": root / "tmp",
    }
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True, mode=0o700)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "TMP", "TEMP"))}
    env.update({k: str(v) for k, v in dirs.items()})
    env["TEMP"] = env["TMP"] = env["TMPDIR"]
    env["ANSIM_LANG"] = "en"
    env["PYTHONPATH"] = str(REPO)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def python(
    code: str, *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run a small Python program in a fresh interpreter (real process, real files)."""
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
