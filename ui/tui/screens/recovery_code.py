"""The recovery code, shown exactly once right after the vault is created."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Footer, Static

from ui.tui.base import AnsimScreen


class RecoveryCodeScreen(AnsimScreen):
    def __init__(self, code: str) -> None:
        super().__init__()
        self._code = code

    def compose(self) -> ComposeResult:
        with Center(), VerticalScroll(classes="card"):
            yield Static(self.tr("recovery_code.title"), classes="title")
            yield Static(self.tr("recovery_code.explain"), classes="explain")
            yield Static(self._code, id="code", classes="code")
            yield Static(self.tr("recovery_code.keep"), classes="hint")
            yield Checkbox(self.tr("recovery_code.written"), id="written")
            with Horizontal(classes="buttons"):
                yield Button(self.tr("button.continue"), id="done", variant="primary",
                             disabled=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#written", Checkbox).focus()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self.query_one("#done", Button).disabled = not event.value

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "done":
            self._code = ""
            self.dismiss(None)
