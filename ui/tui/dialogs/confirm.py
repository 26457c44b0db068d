"""A yes/no question; returns True only when the person chose the named action."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from ui.tui.base import AnsimDialog, Key


class ConfirmDialog(AnsimDialog[bool]):
    KEYS = (Key("escape", "cancel", "cancel"),)

    def __init__(self, title: str, body: str, yes_label: str, *, danger: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.yes_label = yes_label
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title")
            yield Static(self.body, classes="dialog-body", id="confirm-body")
            with Horizontal(classes="buttons"):
                yield Button(self.tr("button.cancel"), id="no")
                yield Button(
                    self.yes_label, id="yes", variant="error" if self.danger else "primary"
                )

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_cancel(self) -> None:
        self.dismiss(False)
