"""The app's first run, unlock, recovery, quick exit and auto-lock, against real vaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._tui_helpers import (
    PASSPHRASE,
    FakeMonotonic,
    make_app,
    press_button,
    screen_text,
    settle,
    type_into,
)
from ui.tui.screens.cases import CasesScreen
from ui.tui.screens.create import CreateScreen
from ui.tui.screens.recover import RecoverScreen
from ui.tui.screens.recovery_code import RecoveryCodeScreen
from ui.tui.screens.unlock import UnlockScreen
from vault import custody
from vault.crypto.kdf import FLOOR
from vault.errors import WrongSecret
from vault.store import Vault, is_vault

pytest_plugins = ["tests._tui_fixtures"]


async def test_first_run_creates_the_vault_and_shows_the_recovery_code_once(
    tmp_path: Path,
) -> None:
    path = tmp_path / "vault"
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, CreateScreen)
        assert "Welcome to Ansim" in screen_text(pilot)
        await type_into(pilot, "#passphrase", "abc", keystrokes=True)
        assert "weak" in screen_text(pilot)
        await type_into(pilot, "#repeat", "abc")
        await pilot.press("enter")
        assert "at least 8 characters" in screen_text(pilot)
        assert not is_vault(path)
        await type_into(pilot, "#passphrase", PASSPHRASE)
        await type_into(pilot, "#repeat", PASSPHRASE + "x")
        await pilot.press("enter")
        assert "are different" in screen_text(pilot)
        await type_into(pilot, "#repeat", PASSPHRASE)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecoveryCodeScreen)
        code = screen_text(pilot).split("\n")
        shown = next(line for line in code if line.count("-") == 7)
        assert "only this once" in screen_text(pilot)
        continue_button = app.screen.query_one("#done")
        assert continue_button.disabled
        app.screen.query_one("#written").focus()
        await pilot.press("space")
        await press_button(pilot, "#done")
        await settle(pilot)
        assert isinstance(app.screen, CasesScreen)
        assert shown not in screen_text(pilot)
    assert app.vault is None
    with Vault.open(path, recovery_code=shown) as vault:
        assert "vault_created" in [e.action for e in custody.entries(vault.db)]


async def test_remember_on_device_degrades_when_there_is_no_password_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    import keyring.core

    keyring.core.init_backend()
    path = tmp_path / "vault"
    app = make_app(path)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await type_into(pilot, "#passphrase", PASSPHRASE)
            await type_into(pilot, "#repeat", PASSPHRASE)
            app.screen.query_one("#remember").value = True  # type: ignore[attr-defined]
            await press_button(pilot, "#create")
            await settle(pilot)
            assert "without 'remember on this device'" in screen_text(pilot)
            assert app.vault is not None and not app.vault.device_bound
    finally:
        monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
        keyring.core.init_backend()
    with Vault.open(path, PASSPHRASE) as vault:
        assert not vault.device_bound


async def test_unlock_refuses_a_wrong_passphrase_calmly_then_opens(seeded_path: Path) -> None:
    app = make_app(seeded_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen)
        await type_into(pilot, "#passphrase", "not the passphrase")
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(pilot)
        assert WrongSecret.title in text
        assert "Caps Lock" in text
        # the way back is the app's own recovery screen, not a command to type elsewhere
        assert "press F2" in text and "I forgot my passphrase" in text
        assert "ansim recover" not in text
        assert app.vault is None
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, RecoverScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen)
        await type_into(pilot, "#passphrase", PASSPHRASE)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CasesScreen)
        assert "Re-uploads 2026" in screen_text(pilot)


async def test_recovery_code_opens_the_vault_and_sets_a_new_passphrase(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    vault, code = Vault.create(path, PASSPHRASE, params=FLOOR)
    vault.lock()
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, RecoverScreen)
        await type_into(pilot, "#code", "AAAA-BBBB")
        await type_into(pilot, "#passphrase", "a brand new passphrase")
        await type_into(pilot, "#repeat", "a brand new passphrase")
        await press_button(pilot, "#recover")
        await settle(pilot)
        assert WrongSecret.title in screen_text(pilot)
        await type_into(pilot, "#code", code.lower())
        await press_button(pilot, "#recover")
        await settle(pilot)
        assert isinstance(app.screen, CasesScreen)
    with pytest.raises(WrongSecret):
        Vault.open(path, PASSPHRASE)
    with Vault.open(path, "a brand new passphrase") as reopened:
        assert "recovered_with_code" in [e.action for e in custody.entries(reopened.db)]


@pytest.mark.parametrize("key", ["ctrl+x", "f12"])
async def test_quick_exit_locks_and_leaves_from_any_screen(
    seeded_path: Path, seeded_vault: Vault, key: str
) -> None:
    vault = seeded_vault
    app = make_app(seeded_path, vault=vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # open the case
        await settle(pilot)
        await pilot.press("n")  # a dialog with a text field has focus
        await settle(pilot)
        await pilot.press(key)
        await pilot.pause()
    assert app.quick_exited
    assert not vault.is_unlocked
    assert app.return_code == 0


async def test_quick_exit_is_shown_first_in_every_screen_footer(
    seeded_path: Path, seeded_vault: Vault
) -> None:
    app = make_app(seeded_path, vault=seeded_vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for keys in ([], ["enter"], ["enter"], ["escape", "escape", "g"]):
            for k in keys:
                await pilot.press(k)
                await settle(pilot)
            shown = [b.binding.description for b in app.screen.active_bindings.values()
                     if b.binding.show]
            assert shown[0] == "Quick exit", (app.screen, shown)


async def test_auto_lock_after_idle_minutes_returns_to_unlock(
    seeded_path: Path, seeded_vault: Vault
) -> None:
    vault = seeded_vault
    idle = FakeMonotonic()
    app = make_app(seeded_path, vault=vault, idle_clock=idle, idle_check_seconds=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.settings.auto_lock_minutes == 5
        idle.advance(4 * 60)
        await app.check_auto_lock()
        assert app.vault is vault and vault.is_unlocked
        await pilot.press("down")  # any key counts as activity
        idle.advance(4 * 60)
        await app.check_auto_lock()
        assert vault.is_unlocked
        idle.advance(61)
        await app.check_auto_lock()
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen)
        assert len(app.screen_stack) == 2  # nothing of the vault is left underneath
        assert not vault.is_unlocked
        assert "locked itself" in screen_text(pilot)
        await type_into(pilot, "#passphrase", PASSPHRASE)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CasesScreen)


async def test_command_palette_locks_the_vault(seeded_path: Path, seeded_vault: Vault) -> None:
    app = make_app(seeded_path, vault=seeded_vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"lock the")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen)
        assert not seeded_vault.is_unlocked
