"""Fixtures for the app's tests (loaded with ``pytest_plugins``): copies of one seeded vault."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._tui_helpers import PASSPHRASE, clock, new_vault, seed_case
from vault.store import Vault


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One seeded vault per test session; tests get copies (creating costs two KDF runs)."""
    path = tmp_path_factory.mktemp("tui-template") / "vault"
    vault = new_vault(path)
    seed_case(vault)
    vault.lock()
    return path


@pytest.fixture
def seeded_path(seeded_template: Path, tmp_path: Path) -> Path:
    """A private copy of the seeded vault (locked)."""
    dst = tmp_path / "vault"
    shutil.copytree(seeded_template, dst)
    return dst


@pytest.fixture
def seeded_vault(seeded_path: Path) -> Iterator[Vault]:
    """The private copy, unlocked."""
    vault = Vault.open(seeded_path, PASSPHRASE, clock=clock())
    try:
        yield vault
    finally:
        vault.lock()
