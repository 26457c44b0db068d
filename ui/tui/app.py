"""The Ansim Textual app: ``ansim`` with no command opens it.

Safety keys on every screen: ``ctrl+x`` (also ``f12``) is the quick exit: it locks the vault,
clears the terminal and exits at once. ``ctrl+q`` quits normally, ``ctrl+l`` locks. The vault
locks itself after the idle minutes set in Settings. Textual draws on the terminal's alternate
screen and the app never sets the terminal title, so nothing stays in the scrollback.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from textual import events
from textual.app import App, SystemCommand
from textual.screen import Screen
from textual.theme import Theme

from ui.tui.base import Key, localise_bindings, tr
from vault.clock import Clock, system_clock
from vault.crypto.kdf import KdfParams
from vault.session import AppSettings, IdleTimer, Monotonic, load_settings, save_settings
from vault.store import Vault, is_vault

CLEAR_TERMINAL = "\x1b[H\x1b[2J\x1b[3J"

CALM = Theme(
    name="ansim-calm",
    primary="#7FA7C9",
    secondary="#9DB8A0",
    accent="#D6B98C",
    warning="#E0B46B",
    error="#E08A7A",
    success="#8DBF8B",
    background="#1E2328",
    surface="#262C33",
    panel="#2E353D",
    foreground="#E6E6E6",
    dark=True,
)
HIGH_CONTRAST = Theme(
    name="ansim-high-contrast",
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#FFFFFF",
    warning="#FFFF00",
    error="#FF5555",
    success="#00FF00",
    background="#000000",
    surface="#000000",
    panel="#000000",
    foreground="#FFFFFF",
    dark=True,
)
THEME_NAMES = {"calm": CALM.name, "high_contrast": HIGH_CONTRAST.name}


class AnsimApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "Ansim"
    SUB_TITLE = ""
    KEYS: ClassVar[tuple[Key, ...]] = (
        Key("ctrl+x,f12", "quick_exit", "quick_exit", show=False, priority=True),
        Key("ctrl+q", "quit", "quit", show=True, priority=True),
        Key("ctrl+l", "lock", "lock", show=False, priority=True),
        # the palette from every screen (the app's own KEYS replace Textual's defaults)
        Key("ctrl+p", "command_palette", "palette", show=False),
    )

    def __init__(
        self,
        vault_dir: Path,
        lang: str = "ko",
        *,
        vault: Vault | None = None,
        kdf_params: KdfParams | None = None,
        clock: Clock = system_clock,
        idle_clock: Monotonic = time.monotonic,
        idle_check_seconds: float = 10.0,
        browse_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.vault_dir = Path(vault_dir)
        self.lang = lang if lang in ("ko", "en") else "en"
        self.vault: Vault | None = vault
        self.kdf_params = kdf_params
        self.clock = clock
        self.settings = AppSettings()
        self.idle = IdleTimer(self.settings.auto_lock_minutes, idle_clock)
        self.idle_check_seconds = idle_check_seconds
        self.browse_dir = browse_dir or Path.home()
        self.quick_exited = False
        self.locked_by_idle = False
        localise_bindings(self, self.KEYS, self.lang)
        _start_process_helper()

    # ------------------------------------------------------------------ start
    def on_mount(self) -> None:
        self.register_theme(CALM)
        self.register_theme(HIGH_CONTRAST)
        self.theme = CALM.name
        self.set_interval(self.idle_check_seconds, self.check_auto_lock, name="auto-lock")
        if self.vault is not None:
            self.call_later(self.unlocked, self.vault)
        else:
            self.call_later(self.show_start)

    async def show_start(self) -> None:
        from ui.tui.screens.create import CreateScreen
        from ui.tui.screens.unlock import UnlockScreen

        first = UnlockScreen() if is_vault(self.vault_dir) else CreateScreen()
        await self.show_only(first)

    async def show_only(self, screen: Screen[object]) -> None:
        """Replace the whole screen stack with ``screen`` (nothing of the vault stays behind)."""
        while len(self.screen_stack) > 1:
            await self.pop_screen()
        await self.push_screen(screen)

    # ------------------------------------------------------------------ unlocked / locked
    async def unlocked(self, vault: Vault, *, recovery_code: str = "") -> None:
        """Called once the vault is open: apply its settings and show the cases."""
        from ui.tui.screens.cases import CasesScreen

        self.vault = vault
        self.locked_by_idle = False
        self.settings = load_settings(vault)
        if self.settings.lang:
            self.lang = self.settings.lang
        self.apply_settings(self.settings)
        self.idle.touch()
        await self.show_only(CasesScreen())
        if recovery_code:
            from ui.tui.screens.recovery_code import RecoveryCodeScreen

            await self.push_screen(RecoveryCodeScreen(recovery_code))

    def apply_settings(self, settings: AppSettings) -> None:
        self.settings = settings
        self.idle.minutes = settings.auto_lock_minutes
        self.theme = THEME_NAMES.get(settings.theme, CALM.name)
        localise_bindings(self, self.KEYS, self.lang)
        self.refresh_bindings()

    async def change_settings(self, settings: AppSettings) -> None:
        """Store new settings in the vault and apply them (relabelling every screen)."""
        if self.vault is not None:
            settings = save_settings(self.vault, settings)
        if settings.lang and settings.lang != self.lang:
            self.lang = settings.lang
            self.apply_settings(settings)
            for screen in list(self.screen_stack):
                relabel = getattr(screen, "relabel", None)
                if relabel is not None:
                    await relabel()
        else:
            self.apply_settings(settings)

    def lock_vault(self) -> None:
        """Forget every key now. Screens that showed vault content are dropped by the caller."""
        if self.vault is not None:
            self.vault.lock()
        self.vault = None

    async def lock_and_return(self, *, by_idle: bool = False) -> None:
        from ui.tui.screens.unlock import UnlockScreen

        for worker in list(self.workers):
            worker.cancel()
        self.lock_vault()
        self.locked_by_idle = by_idle
        await self.show_only(UnlockScreen())

    async def check_auto_lock(self) -> None:
        if self.vault is not None and self.idle.expired():
            await self.lock_and_return(by_idle=True)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown | events.MouseScrollDown
                      | events.MouseScrollUp | events.Paste):
            self.idle.touch()
        await super().on_event(event)

    # ------------------------------------------------------------------ actions
    def action_quick_exit(self) -> None:
        """Lock, and leave at once; run_app then clears the terminal."""
        for worker in list(self.workers):
            worker.cancel()
        self.lock_vault()
        self.quick_exited = True
        self.exit(0)

    async def action_quit(self) -> None:
        self.lock_vault()
        self.exit(0)

    async def action_lock(self) -> None:
        if self.vault is not None:
            await self.lock_and_return()

    def on_unmount(self) -> None:
        self.lock_vault()

    # ------------------------------------------------------------------ command palette
    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        lang = self.lang
        yield SystemCommand(
            tr(lang, "cmd.quick_exit"), tr(lang, "cmd.quick_exit_help"), self.action_quick_exit
        )
        if self.vault is not None:
            yield SystemCommand(tr(lang, "cmd.lock"), tr(lang, "cmd.lock_help"), self.action_lock)
            yield SystemCommand(
                tr(lang, "cmd.settings"), tr(lang, "cmd.settings_help"), self.open_settings
            )
            case_id = getattr(screen, "case_id", "")
            if isinstance(case_id, str) and case_id:
                yield SystemCommand(
                    tr(lang, "cmd.complaint"), tr(lang, "cmd.complaint_help"),
                    lambda: self.open_complaint(case_id),
                )
            yield SystemCommand(tr(lang, "cmd.audit"), tr(lang, "cmd.audit_help"), self.open_audit)
            yield SystemCommand(
                tr(lang, "cmd.verify"), tr(lang, "cmd.verify_help"), self.open_verify
            )
            other = "en" if lang == "ko" else "ko"
            yield SystemCommand(
                tr(lang, "cmd.language"),
                tr(lang, "cmd.language_help"),
                lambda: self.run_worker(self.switch_language(other)),
            )
        yield SystemCommand(tr(lang, "cmd.quit"), tr(lang, "cmd.quit_help"), self.action_quit)

    async def switch_language(self, lang: str) -> None:
        from dataclasses import replace

        await self.change_settings(replace(self.settings, lang=lang))

    def open_settings(self) -> None:
        from ui.tui.screens.settings import SettingsScreen

        if self.vault is not None:
            self.push_screen(SettingsScreen())

    def open_audit(self) -> None:
        from ui.tui.screens.audit import AuditScreen

        if self.vault is not None:
            self.push_screen(AuditScreen())

    def open_complaint(self, case_id: str) -> None:
        from ui.tui.screens.complaint import ComplaintScreen

        if self.vault is not None:
            self.push_screen(ComplaintScreen(case_id))

    def open_verify(self) -> None:
        from ui.tui.screens.verify import VerifyScreen

        self.push_screen(VerifyScreen())


def _start_process_helper() -> None:
    """Folder scans use worker processes. Python starts its multiprocessing helper with the
    process's stderr, which Textual replaces while the app runs (its stand-in has no file
    descriptor, so the helper would fail to start). Start it now, before Textual takes over."""
    try:
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()
    except (OSError, ValueError):  # scans then fall back to one process or report it calmly
        pass


def run_app(vault_dir: Path, lang: str) -> int:
    """Run the app in this terminal; after a quick exit, wipe the visible terminal too."""
    app = AnsimApp(Path(vault_dir), lang)
    try:
        result = app.run()
    finally:
        app.lock_vault()
        if app.quick_exited and sys.stdout.isatty():
            sys.stdout.write(CLEAR_TERMINAL)
            sys.stdout.flush()
    return int(result or 0)
