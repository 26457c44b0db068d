"""A small form of labelled text fields (new case, note, timeline event, link, takedown...)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from ui.tui.base import AnsimDialog, Key


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    value: str = ""
    placeholder: str = ""
    required: bool = False
    password: bool = False


class FormDialog(AnsimDialog[dict[str, str] | None]):
    """Returns the values by field name, or None when cancelled."""

    KEYS = (Key("escape", "cancel", "cancel"),)

    def __init__(self, title: str, fields: tuple[Field, ...], ok_label: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields
        self.ok_label = ok_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(self.title_text, classes="dialog-title")
            with VerticalScroll(classes="form"):
                for f in self.fields:
                    yield Label(f.label + (" *" if f.required else ""))
                    yield Input(
                        value=f.value,
                        placeholder=f.placeholder,
                        password=f.password,
                        id=f"field-{f.name}",
                    )
            yield Static("", id="form-problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button(self.tr("button.cancel"), id="cancel")
                yield Button(self.ok_label or self.tr("button.save"), id="ok", variant="primary")

    def on_mount(self) -> None:
        super().on_mount()
        if self.fields:
            self.query_one(f"#field-{self.fields[0].name}", Input).focus()

    def values(self) -> dict[str, str]:
        return {f.name: self.query_one(f"#field-{f.name}", Input).value for f in self.fields}

    def _submit(self) -> None:
        values = self.values()
        missing = [f.label for f in self.fields if f.required and not values[f.name].strip()]
        if missing:
            self.query_one("#form-problem", Static).update(
                self.tr("form.missing", fields=", ".join(missing))
            )
            return
        self.dismiss(values)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        inputs = list(self.query(Input))
        index = inputs.index(event.input)
        if index + 1 < len(inputs):
            inputs[index + 1].focus()
        else:
            self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self._submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
