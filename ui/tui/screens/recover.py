"""Lost passphrase: open with the recovery code and choose a new passphrase."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Center, Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Input, Label, Static

from ui.tui.base import AnsimScreen, Key, error_lines
from ui.tui.screens.create import MIN_LENGTH
from vault.errors import WrongSecret
from vault.session import passphrase_strength, recover_vault


class RecoverScreen(AnsimScreen):
    KEYS = (Key("escape", "back", "back"),)

    def compose(self) -> ComposeResult:
        with Center(), VerticalScroll(classes="card"):
            yield Static(self.tr("recover.title"), classes="title")
            yield Static(self.tr("recover.explain"), classes="explain")
            yield Label(self.tr("recover.code"))
            yield Input(id="code", placeholder="XXXX-XXXX-...")
            yield Label(self.tr("recover.new"))
            yield Input(password=True, id="passphrase")
            yield Static("", id="strength", classes="hint")
            yield Label(self.tr("create.repeat"))
            yield Input(password=True, id="repeat")
            yield Static("", id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button(self.tr("button.back"), id="back")
                yield Button(self.tr("recover.button"), id="recover", variant="primary")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#code", Input).focus()

    def action_back(self) -> None:
        self.dismiss(None)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "passphrase":
            level = passphrase_strength(event.value).level
            self.query_one("#strength", Static).update(self.tr(f"strength.{level}"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        order = ["code", "passphrase", "repeat"]
        index = order.index(event.input.id or "code")
        if index + 1 < len(order):
            self.query_one(f"#{order[index + 1]}", Input).focus()
        else:
            self.start()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "recover":
            self.start()
        else:
            self.action_back()

    def start(self) -> None:
        code = self.query_one("#code", Input).value
        first = self.query_one("#passphrase", Input).value
        second = self.query_one("#repeat", Input).value
        problem = self.query_one("#problem", Static)
        if not code.strip():
            problem.update(self.tr("recover.no_code"))
            return
        if len(first) < MIN_LENGTH:
            problem.update(self.tr("create.too_short", n=MIN_LENGTH))
            return
        if first != second:
            problem.update(self.tr("create.mismatch"))
            return
        problem.update(self.tr("recover.working"))
        self.query_one("#recover", Button).disabled = True
        self.recover(code, first)

    @work(thread=True, exclusive=True, exit_on_error=False, group="recover")
    def recover(self, code: str, passphrase: str) -> None:
        app = self.ansim
        try:
            vault = recover_vault(app.vault_dir, code, passphrase, clock=app.clock)
        except Exception as exc:
            app.call_from_thread(self.failed, exc)
            return
        app.call_from_thread(app.call_later, app.unlocked, vault)

    def failed(self, exc: BaseException) -> None:
        title, what, nxt = error_lines(exc, self.lang)
        if isinstance(exc, WrongSecret):  # this is the recovery path: do not point back to it
            nxt = self.tr("recover.wrong_next")
        self.query_one("#problem", Static).update("\n".join(p for p in (title, what, nxt) if p))
        self.query_one("#recover", Button).disabled = False
