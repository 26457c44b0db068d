"""The headless core stays headless: layering contracts and a fresh-interpreter import check."""

from __future__ import annotations

import pkgutil
import shutil
import subprocess
import sys

import pytest

import exporters
import vault
from tests.conftest import REPO


def test_import_linter_contracts_hold() -> None:
    exe = shutil.which("lint-imports")
    if exe is None:
        pytest.fail("import-linter is a test dependency; install the test extras")
    result = subprocess.run([exe], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken" in result.stdout


def _all_modules(package: object) -> list[str]:
    names = [package.__name__]  # type: ignore[attr-defined]
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):  # type: ignore[attr-defined]
        names.append(info.name)
    return names


def test_core_and_cli_never_load_textual() -> None:
    modules = _all_modules(vault) + _all_modules(exporters) + ["ui.cli.main"]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print('TEXTUAL' if bad else 'CLEAN')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "CLEAN"


def test_cli_help_lists_every_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ui.cli.main", "--help"], cwd=REPO, capture_output=True,
        text=True, timeout=120,
    )
    assert result.returncode == 0
    for command in ("init", "add", "list", "show", "extract", "passwd", "recover", "log",
                    "check", "lock"):
        assert command in result.stdout
