"""Settings, kept encrypted in the vault: language, auto-lock, blur strength, theme, and
"remember on this device"."""

from __future__ import annotations

from functools import partial

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Header, Label, Select, Static, Switch

from ui.tui.base import AnsimScreen, Key
from ui.tui.dialogs.form import Field, FormDialog
from vault.session import AUTO_LOCK_CHOICES, BLUR_LEVELS, THEMES, AppSettings


class SettingsScreen(AnsimScreen):
    KEYS = (Key("escape", "back", "back"), Key("ctrl+s", "save", "save"))

    def compose(self) -> ComposeResult:
        s = self.ansim.settings
        vault = self.ansim.vault
        yield Header(icon="")
        yield Static(self.tr("settings.title"), classes="screen-title")
        with VerticalScroll(classes="form"):
            yield Label(self.tr("settings.language"))
            yield Select(
                [("한국어", "ko"), ("English", "en")], value=self.lang, allow_blank=False,
                id="lang",
            )
            yield Label(self.tr("settings.auto_lock"))
            yield Select(
                [(self.tr("settings.minutes", n=m) if m else self.tr("settings.never"), m)
                 for m in AUTO_LOCK_CHOICES],
                value=s.auto_lock_minutes if s.auto_lock_minutes in AUTO_LOCK_CHOICES else 5,
                allow_blank=False, id="auto-lock",
            )
            yield Label(self.tr("settings.blur"))
            yield Select(
                [(self.tr(f"settings.blur_{b}"), b) for b in BLUR_LEVELS], value=s.blur,
                allow_blank=False, id="blur",
            )
            yield Label(self.tr("settings.theme"))
            yield Select(
                [(self.tr(f"settings.theme_{t}"), t) for t in THEMES], value=s.theme,
                allow_blank=False, id="theme",
            )
            with Horizontal(classes="switch-row"):
                yield Switch(value=bool(vault and vault.device_bound), id="device")
                yield Label(self.tr("settings.device"))
            yield Static(self.tr("settings.device_help"), classes="hint")
            yield Static("", id="settings-note", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button(self.tr("button.back"), id="back")
                yield Button(self.tr("button.save"), id="save", variant="primary")
        yield Footer(compact=True)

    def chosen(self) -> AppSettings:
        return AppSettings(
            lang=str(self.query_one("#lang", Select).value),
            auto_lock_minutes=int(self.query_one("#auto-lock", Select).value),  # type: ignore[arg-type]
            blur=int(self.query_one("#blur", Select).value),  # type: ignore[arg-type]
            theme=str(self.query_one("#theme", Select).value),
        )

    async def action_save(self) -> None:
        await self.ansim.change_settings(self.chosen())
        self.query_one("#settings-note", Static).update(self.tr("settings.saved"))
        self.notify(self.tr("settings.saved"))

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            await self.action_save()
        else:
            self.action_back()

    def action_back(self) -> None:
        self.dismiss(None)

    def on_switch_changed(self, event: Switch.Changed) -> None:
        vault = self.ansim.vault
        if vault is None or event.value == vault.device_bound:
            return
        fields = (Field("passphrase", self.tr("settings.device_passphrase"), required=True,
                        password=True),)
        self.ansim.push_screen(
            FormDialog(self.tr("settings.device"), fields, self.tr("button.continue")),
            lambda values: self._device_answer(event.value, values),
        )

    def _device_answer(self, enabled: bool, values: dict[str, str] | None) -> None:
        if not values:
            self._reset_switch()
            return
        self.set_device(enabled, values["passphrase"])

    def _reset_switch(self) -> None:
        vault = self.ansim.vault
        switch = self.query_one("#device", Switch)
        with switch.prevent(Switch.Changed):
            switch.value = bool(vault and vault.device_bound)

    @work(thread=True, exclusive=True, exit_on_error=False, group="device")
    def set_device(self, enabled: bool, passphrase: str) -> None:
        app = self.ansim
        vault = app.vault
        if vault is None:
            return
        try:
            from vault.session import set_remember_on_device

            set_remember_on_device(vault, enabled, passphrase)
        except Exception as exc:
            from vault.errors import WrongSecret

            app.call_from_thread(self._reset_switch)
            nxt = self.tr("settings.device_wrong_next") if isinstance(exc, WrongSecret) else ""
            app.call_from_thread(partial(self.show_error, exc, next_step=nxt))
            return
        key = "settings.device_on" if enabled else "settings.device_off"
        app.call_from_thread(self.query_one("#settings-note", Static).update, self.tr(key))
