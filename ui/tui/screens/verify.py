"""Verify a sealed bundle (a folder or its zip) from the app: every problem is listed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Header, Input, Label, Static

from ui.tui.base import AnsimScreen, Key, error_lines
from ui.tui.optional import feature

VERIFIERS = (("exporters.bundle", "verify_bundle"),)


def find_verifier() -> Any:
    for module, name in VERIFIERS:
        mod = feature(module, name)
        if mod is not None:
            return getattr(mod, name)
    return None


class VerifyScreen(AnsimScreen):
    KEYS = (Key("escape", "back", "back"),)

    def compose(self) -> ComposeResult:
        yield Header(icon="")
        yield Static(self.tr("verify.title"), classes="screen-title")
        with VerticalScroll(classes="form"):
            if find_verifier() is None:
                yield Static(self.tr("not_available"), classes="explain")
            yield Static(self.tr("verify.explain"), classes="hint")
            yield Label(self.tr("verify.path"))
            yield Input(id="path")
            with Horizontal(classes="buttons"):
                yield Button(self.tr("button.back"), id="back")
                yield Button(self.tr("verify.start"), id="start", variant="primary")
            yield Static("", id="verify-result")
        yield Footer(compact=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.start()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#path").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "start":
            self.start()
        else:
            self.action_back()

    def action_back(self) -> None:
        self.dismiss(None)

    def start(self) -> None:
        raw = self.query_one("#path", Input).value.strip()
        result = self.query_one("#verify-result", Static)
        if find_verifier() is None:
            result.update(self.tr("not_available"))
            return
        if not raw:
            result.update(self.tr("verify.needs_path"))
            return
        result.update(self.tr("verify.running"))
        self.verify(Path(raw).expanduser())

    @work(thread=True, exclusive=True, exit_on_error=False, group="verify")
    def verify(self, path: Path) -> None:
        app = self.ansim
        verifier = find_verifier()
        if verifier is None:
            return
        try:
            report = verifier(path)
        except Exception as exc:
            title, what, nxt = error_lines(exc, self.lang)
            app.call_from_thread(self.query_one("#verify-result", Static).update,
                                 "\n".join(escape(p) for p in (title, what, nxt) if p))
            return
        app.call_from_thread(self.show_report, report)

    def show_report(self, report: Any) -> None:
        problems = list(getattr(report, "problems", ()) or ())
        ok = bool(getattr(report, "ok", not problems))
        lines = [self.tr("verify.ok") if ok else self.tr("verify.problems", n=len(problems))]
        fingerprint = getattr(report, "cert_fingerprint", "") or getattr(
            report, "fingerprint", "")
        if fingerprint:
            lines.append(f"[b]{self.tr('export.fingerprint')}[/b]: {escape(str(fingerprint))}")
        sealed = getattr(report, "sealed_utc", "")
        if sealed:
            lines.append(f"[b]{self.tr('verify.sealed')}[/b]: {escape(str(sealed))}")
        stamped = getattr(report, "timestamp_utc", "")
        if stamped:
            lines.append(f"[b]{self.tr('export.timestamp')}[/b]: {escape(str(stamped))}")
        for p in problems:
            text = p.text(self.lang) if hasattr(p, "text") else str(p)
            lines.append(f"• {escape(text)}")
        widget = self.query_one("#verify-result", Static)
        widget.update("\n".join(lines))
        widget.set_class(not ok, "problem")
