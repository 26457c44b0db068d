"""Later runs: type the passphrase to open the vault (or go to recovery)."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Center, Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Input, Label, Static

from ui.tui.base import AnsimScreen, Key, error_lines
from vault.errors import WrongSecret
from vault.session import open_vault


class UnlockScreen(AnsimScreen):
    KEYS = (Key("f2", "recover", "recover"),)

    def compose(self) -> ComposeResult:
        with Center(), VerticalScroll(classes="card"):
            yield Static(self.tr("unlock.title"), classes="title")
            if self.ansim.locked_by_idle:
                yield Static(self.tr("unlock.idle_locked"), classes="hint", id="idle-note")
            yield Label(self.tr("unlock.passphrase"))
            yield Input(password=True, id="passphrase")
            yield Static("", id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button(self.tr("unlock.button"), id="unlock", variant="primary")
                yield Button(self.tr("unlock.forgot"), id="recover")
            yield Static("", id="working", classes="hint")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#passphrase", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.start()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "unlock":
            self.start()
        elif event.button.id == "recover":
            self.action_recover()

    def action_recover(self) -> None:
        from ui.tui.screens.recover import RecoverScreen

        self.ansim.push_screen(RecoverScreen())

    def start(self) -> None:
        field = self.query_one("#passphrase", Input)
        if not field.value:
            return
        passphrase = field.value
        field.value = ""
        field.disabled = True
        self.query_one("#problem", Static).update("")
        self.query_one("#working", Static).update(self.tr("unlock.working"))
        self.unlock(passphrase)

    @work(thread=True, exclusive=True, exit_on_error=False, group="unlock")
    def unlock(self, passphrase: str) -> None:
        app = self.ansim
        try:
            vault = open_vault(app.vault_dir, passphrase, clock=app.clock)
        except Exception as exc:
            app.call_from_thread(self.failed, exc)
            return
        app.call_from_thread(app.call_later, app.unlocked, vault)

    def failed(self, exc: BaseException) -> None:
        title, what, nxt = error_lines(exc, self.lang)
        if isinstance(exc, WrongSecret):  # point to the app's own recovery, not the CLI's
            nxt = self.tr("unlock.wrong_next")
        self.query_one("#problem", Static).update("\n".join(p for p in (title, what, nxt) if p))
        self.query_one("#working", Static).update("")
        field = self.query_one("#passphrase", Input)
        field.disabled = False
        field.focus()
