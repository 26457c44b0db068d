"""Shared fixtures: real vaults on disk in temporary folders, with the fastest KDF the format
allows (64 MiB / 3 iterations, the floor) so the suite stays quick."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from vault.clock import fixed_clock
from vault.crypto.kdf import FLOOR
from vault.store import Vault

PASSPHRASE = "correct horse battery 안심"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def vault_path(tmp_path: Path) -> Path:
    return tmp_path / "vault"


@pytest.fixture
def new_vault(vault_path: Path) -> Iterator[tuple[Vault, str]]:
    vault, recovery = Vault.create(
        vault_path, PASSPHRASE, params=FLOOR, clock=fixed_clock(datetime(2026, 1, 2, tzinfo=UTC))
    )
    try:
        yield vault, recovery
    finally:
        vault.lock()


@pytest.fixture
def vault(new_vault: tuple[Vault, str]) -> Vault:
    return new_vault[0]


def run_cli(
    *args: str, stdin: str = "", cwd: Path | None = None, env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run the real ``ansim`` entry point in a subprocess."""
    full_env = {**os.environ, "ANSIM_LANG": "en", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "ui.cli.main", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        env=full_env,
        timeout=timeout,
    )


@pytest.fixture
def cli_vault(tmp_path: Path) -> Path:
    """A vault created through the CLI with the floor KDF."""
    path = tmp_path / "cli-vault"
    r = run_cli("--vault", str(path), "init", "--passphrase-stdin", "--kdf-memory", "64",
                "--kdf-iterations", "3", stdin=PASSPHRASE + "\n")
    assert r.returncode == 0, r.stderr
    return path
