"""Choose the statutes a case is tagged with (offered from vault/statutes.py's data file)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, SelectionList, Static

from ui.tui.base import AnsimDialog, Key


class StatutesDialog(AnsimDialog[tuple[str, ...] | None]):
    KEYS = (Key("escape", "cancel", "cancel"),)

    def __init__(self, statutes: tuple[Any, ...], chosen: tuple[str, ...]) -> None:
        super().__init__()
        self.statutes = statutes
        self.chosen = chosen

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(self.tr("statutes.choose"), classes="dialog-title")
            yield SelectionList[str](
                *[(s.citation(self.lang), s.id, s.id in self.chosen) for s in self.statutes],
                id="statutes",
            )
            yield Static(self.tr("statutes.verify_note"), classes="hint")
            with Horizontal(classes="buttons"):
                yield Button(self.tr("button.cancel"), id="cancel")
                yield Button(self.tr("button.save"), id="ok", variant="primary")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#statutes").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            selected = self.query_one("#statutes", SelectionList).selected
            self.dismiss(tuple(str(s) for s in selected))
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
