"""End to end in a real terminal: tmux runs ``ansim`` (the app), keys are sent as a person would
type them, and the screen is read back with capture-pane. Works with no stdin (CI)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._tui_helpers import PASSPHRASE, new_vault, picture
from vault import cases

REPO = Path(__file__).resolve().parents[2]
WIDTH, HEIGHT = 100, 30
WAIT = 90.0  # generous upper bound for a loaded CI machine; polling returns as soon as text shows

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Terminal:
    def __init__(self, name: str) -> None:
        self.name = name

    def tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", *args], capture_output=True, text=True, check=False,
                              stdin=subprocess.DEVNULL)
        return done.stdout

    def start(self, command: str, env: dict[str, str], *, first: str = "true") -> None:
        exports = " ".join(f"{k}={v}" for k, v in env.items())
        shell = f"cd {REPO} && {first} && env {exports} {command}; echo ANSIM-EXITED:$?; sleep 600"
        self.tmux("new-session", "-d", "-s", self.name, "-x", str(WIDTH), "-y", str(HEIGHT),
                  shell)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def everything(self) -> str:
        """The visible screen and the whole scrollback."""
        return self.tmux("capture-pane", "-p", "-S", "-", "-t", self.name)

    def wait_for(self, text: str) -> str:
        deadline = time.monotonic() + WAIT
        while True:
            shown = self.screen()
            if text in shown:
                return shown
            if time.monotonic() > deadline or (
                "ANSIM-EXITED" in shown and "ANSIM-EXITED" not in text
            ):
                raise AssertionError(f"{text!r} never appeared; the screen shows:\n{shown}")
            time.sleep(0.2)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.name, *keys)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.name, "-l", text)

    def close(self) -> None:
        self.tmux("kill-session", "-t", self.name)


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    term = Terminal(f"ansim-e2e-{uuid.uuid4().hex[:8]}")
    try:
        yield term
    finally:
        term.close()


def app_command(vault_dir: Path) -> str:
    return f"{sys.executable} -m ui.cli.main --vault {vault_dir} --lang en"


def environment(home: Path) -> dict[str, str]:
    return {
        "HOME": str(home),
        "PYTHONPATH": str(REPO),
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }


def test_unlock_add_a_file_export_and_quit_leaves_nothing_on_screen(
    terminal: Terminal, tmp_path: Path
) -> None:
    vault_dir = tmp_path / "vault"
    new_vault(vault_dir).lock()
    home = tmp_path / "home"
    home.mkdir()
    photo = tmp_path / "incoming" / "private-photo-4711.png"
    photo.parent.mkdir()
    data = picture(3)
    photo.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()

    terminal.start(app_command(vault_dir), environment(home))
    terminal.wait_for("Open your vault")
    terminal.type(PASSPHRASE)
    terminal.keys("Enter")
    terminal.wait_for("There are no cases yet")
    terminal.keys("n")
    terminal.wait_for("Start a new case")
    terminal.type("Harbour case")
    terminal.keys("Tab")
    terminal.keys("Tab")
    terminal.keys("Tab")
    terminal.keys("Enter")
    terminal.wait_for("Case: Harbour case")
    terminal.keys("a")
    terminal.wait_for("Add evidence")
    terminal.keys("C-t")
    terminal.wait_for("Paste file or folder paths")
    terminal.type(str(photo))
    terminal.keys("C-s")
    shown = terminal.wait_for("Done: 1 added")
    assert "Added E0001: private-photo-4711.png" in shown
    terminal.keys("Escape")
    shown = terminal.wait_for("Case: Harbour case")
    assert "private-photo-4711.png" in shown
    terminal.keys("e")
    terminal.wait_for("Export a sealed evidence bundle")
    terminal.keys("C-s")
    terminal.wait_for("The bundle is ready")
    terminal.wait_for("Certificate fingerprint")
    terminal.keys("C-q")
    after = terminal.wait_for("ANSIM-EXITED:0")
    scrollback = terminal.everything()
    for secret in (PASSPHRASE, "private-photo-4711", "Harbour case", digest[:16], "E0001"):
        assert secret not in after
        assert secret not in scrollback
    bundles = [p for p in home.iterdir() if p.name.startswith("ansim-bundle-")]
    assert bundles, "the export was written to the chosen folder"
    from vault.store import Vault

    with Vault.open(vault_dir, PASSPHRASE) as vault:
        (case,) = cases.list_cases(vault)
        assert case.title == "Harbour case"


def test_quick_exit_clears_the_terminal(terminal: Terminal, tmp_path: Path) -> None:
    vault_dir = tmp_path / "vault"
    vault = new_vault(vault_dir)
    cases.create_case(vault, "Harbour case")
    vault.lock()
    home = tmp_path / "home"
    home.mkdir()
    terminal.start(app_command(vault_dir), environment(home), first="echo before-the-app")
    terminal.wait_for("Open your vault")
    terminal.type(PASSPHRASE)
    terminal.keys("Enter")
    terminal.wait_for("Harbour case")
    terminal.keys("C-x")
    after = terminal.wait_for("ANSIM-EXITED:0")
    assert "Harbour case" not in terminal.everything()
    assert "before-the-app" not in after  # the visible terminal was wiped, not just restored
    assert not (vault_dir / "tmp").exists() or not any((vault_dir / "tmp").iterdir())
