"""Settings' "remember on this device" where no safe password store exists (a calm message and
nothing changed), and stopping a long folder scan mid-way while the app stays responsive."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import numpy as np
import pytest
from keyring.backends import fail
from PIL import Image
from textual.pilot import Pilot
from textual.widgets import Button, Switch

from tests._tui_helpers import (
    PASSPHRASE,
    make_app,
    press_button,
    reopen,
    screen_text,
    settle,
    type_into,
)
from ui.tui.dialogs.form import FormDialog
from ui.tui.dialogs.message import MessageDialog
from ui.tui.screens.scan import ScanScreen
from ui.tui.screens.settings import SettingsScreen
from vault import custody
from vault.errors import DeviceBindingError, WrongSecret
from vault.store import HEADER_FILES, Vault

pytest_plugins = ["tests._tui_fixtures"]

MANY = 1500


@pytest.fixture
def no_password_store() -> Iterator[None]:
    """keyring's own "fail" backend: what a machine without a desktop password store has."""
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        keyring.set_keyring(before)


def headers(path: Path) -> dict[str, bytes]:
    return {name: (path / name).read_bytes() for name in HEADER_FILES if (path / name).exists()}


async def toggle_device(pilot: Pilot[Any], passphrase: str) -> None:
    """Flip the "remember on this device" switch and answer the passphrase question."""
    app = pilot.app
    app.screen.query_one("#device", Switch).focus()
    await pilot.pause()
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(app.screen, FormDialog)
    await type_into(pilot, "#field-passphrase", passphrase)
    await press_button(pilot, "#ok")
    await settle(pilot)


@pytest.mark.usefixtures("no_password_store")
async def test_remember_on_device_without_a_password_store_changes_nothing(
    seeded_path: Path, seeded_vault: Vault
) -> None:
    vault = seeded_vault
    before = headers(seeded_path)
    entries = len(custody.entries(vault.db))
    app = make_app(seeded_path, vault=vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_settings()
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)
        await toggle_device(pilot, "not my passphrase")  # a typo is caught first
        assert isinstance(app.screen, MessageDialog)
        text = screen_text(pilot)
        assert WrongSecret.title in text and "Type your current passphrase" in text
        assert "ansim recover" not in text
        await pilot.press("escape")
        await settle(pilot)
        assert not app.screen.query_one("#device", Switch).value
        await toggle_device(pilot, PASSPHRASE)
        assert isinstance(app.screen, MessageDialog)
        text = screen_text(pilot)
        assert DeviceBindingError.title in text
        assert "You can still use the vault with your passphrase" in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)
        assert not app.screen.query_one("#device", Switch).value
        assert not vault.device_bound
    assert headers(seeded_path) == before
    with reopen(seeded_path) as again:
        assert not again.device_bound
        assert len(custody.entries(again.db)) == entries


def write_many_pictures(folder: Path, count: int) -> None:
    """``count`` different small noise pictures (nothing in them matches the vault)."""
    folder.mkdir()
    rng = np.random.default_rng(7)
    for i in range(count):
        pixels = rng.integers(0, 255, (60, 80, 3), dtype=np.uint8)
        out = io.BytesIO()
        Image.fromarray(pixels).save(out, "JPEG", quality=60)
        (folder / f"p{i:05d}.jpg").write_bytes(out.getvalue())


async def test_stop_a_long_folder_scan_midway(
    seeded_path: Path, seeded_vault: Vault, tmp_path: Path
) -> None:
    folder = tmp_path / "many"
    write_many_pictures(folder, MANY)
    app = make_app(seeded_path, vault=seeded_vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ScanScreen)
        await type_into(pilot, "#target", str(folder))
        screen.action_start()  # what Start does (pressing it by keys is covered elsewhere)
        # watch in short turns (Pilot's plain pause waits for the whole process to go idle,
        # which it never is while a scan runs) until files are being checked
        status = screen.query_one("#status")
        for _ in range(6000):
            shown = str(status.render())
            if "checked" in shown and "checked 0 " not in shown:
                break
            await pilot.pause(0.01)
        assert screen.report is None, "the scan finished before it could be stopped"
        # the app answers the keyboard while the scan runs: Stop is reached and pressed by keys
        screen.query_one("#cancel", Button).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert screen.report is not None and screen.report.cancelled
        text = screen_text(pilot)
        assert "Stopped:" in text, text
        assert screen.report.progress.checked < MANY
        assert not screen.query_one("#start", Button).disabled  # ready to start again
    with reopen(seeded_path) as again:
        assert "scanned" in [e.action for e in custody.entries(again.db)]
