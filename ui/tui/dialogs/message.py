"""A calm message (often an error: what happened, what to do next) with one OK button."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Button, Static

from ui.tui.base import AnsimDialog, Key


class MessageDialog(AnsimDialog[None]):
    KEYS = (Key("escape", "close", "close"),)

    def __init__(self, title: str, body: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", id="message-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(self.body, id="message-body")
            yield Button(self.tr("button.ok"), id="ok", variant="primary")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#ok", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
