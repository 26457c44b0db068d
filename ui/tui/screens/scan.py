"""Scan for re-uploads: choose a source, watch live progress (counts and rate), cancel any time.
Matches become sightings to review in the case's Sightings tab."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import (
    Button,
    Checkbox,
    Footer,
    Header,
    Input,
    Label,
    ProgressBar,
    Select,
    Static,
)

from ui.tui.base import AnsimScreen, Key, error_lines
from ui.tui.optional import feature

SOURCES = ("folder", "page", "urls", "links")


class ScanScreen(AnsimScreen):
    KEYS = (Key("escape", "back", "back"), Key("ctrl+s", "start", "start"))

    def __init__(self, case_id: str) -> None:
        super().__init__()
        self.case_id = case_id
        self.cancel_event = threading.Event()
        self.report: Any = None

    def compose(self) -> ComposeResult:
        yield Header(icon="")
        yield Static(self.tr("scan.title"), classes="screen-title")
        with VerticalScroll(classes="form"):
            if feature("vault.scanning", "run_scan") is None:
                yield Static(self.tr("not_available"), classes="explain", id="unavailable")
            yield Static(self.tr("scan.explain"), classes="hint")
            yield Label(self.tr("scan.source"))
            yield Select([(self.tr(f"scan.source_{s}"), s) for s in SOURCES], value="folder",
                         allow_blank=False, id="source")
            yield Label(self.tr("scan.target"))
            yield Input(id="target", placeholder=self.tr("scan.target_hint"))
            yield Label(self.tr("scan.depth"))
            yield Input("1", id="depth", type="integer")
            yield Checkbox(self.tr("scan.quick"), False, id="quick")
            yield Static(self.tr("scan.quick_hint"), classes="hint")
            with Horizontal(classes="buttons"):
                yield Button(self.tr("scan.start"), id="start", variant="primary")
                yield Button(self.tr("scan.cancel"), id="cancel", disabled=True)
                yield Button(self.tr("scan.review"), id="review", disabled=True)
            yield ProgressBar(id="progress", show_eta=False, total=1, classes="hidden")
            yield Static(self.tr("scan.idle"), id="status")
            yield Static("", id="summary")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#target").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "start":
            self.action_start()
        elif event.button.id == "cancel":
            self.cancel_event.set()
            self.query_one("#status", Static).update(self.tr("scan.stopping"))
        elif event.button.id == "review":
            self.dismiss("review")

    def action_back(self) -> None:
        self.cancel_event.set()
        self.dismiss(None)

    def make_source(self, scanning: Any) -> Any:
        kind = str(self.query_one("#source", Select).value)
        target = self.query_one("#target", Input).value.strip()
        if kind == "links":
            return scanning.LinksSource(self.case_id)
        if not target:
            raise ValueError(self.tr("scan.needs_target"))
        if kind == "folder":
            return scanning.FolderSource(Path(target).expanduser())
        if kind == "urls":
            return scanning.read_url_list(Path(target).expanduser())
        depth = int(self.query_one("#depth", Input).value or "1")
        return scanning.PageSource(scanning.check_url(target), depth=max(0, min(depth, 3)))

    def action_start(self) -> None:
        scanning = feature("vault.scanning", "run_scan")
        status = self.query_one("#status", Static)
        if scanning is None:
            status.update(self.tr("not_available"))
            return
        try:
            source = self.make_source(scanning)
        except ValueError as exc:
            status.update(str(exc))
            return
        except Exception as exc:
            title, what, nxt = error_lines(exc, self.lang)
            status.update("\n".join(p for p in (title, what, nxt) if p))
            return
        self.cancel_event = threading.Event()
        self.query_one("#start", Button).disabled = True
        self.query_one("#cancel", Button).disabled = False
        status.update(self.tr("scan.running"))
        self.query_one("#progress", ProgressBar).remove_class("hidden")
        self.scan(source, quick=self.query_one("#quick", Checkbox).value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="scan")
    def scan(self, source: Any, *, quick: bool) -> None:
        app = self.ansim
        vault = app.vault
        scanning = feature("vault.scanning", "run_scan")
        if vault is None or scanning is None:
            return
        try:
            report = scanning.run_scan(
                vault, source, case_id=self.case_id,
                on_progress=lambda p: app.call_from_thread(self.progress, p),
                cancel=self.cancel_event, quick=quick,
            )
        except Exception as exc:
            app.call_from_thread(self.failed, exc)
            return
        app.call_from_thread(self.finished, report)

    def progress(self, p: Any) -> None:
        bar = self.query_one("#progress", ProgressBar)
        if p.seen:
            bar.update(total=max(p.seen, 1), progress=p.checked)
        self.query_one("#status", Static).update(
            self.tr("scan.progress", seen=p.seen, checked=p.checked, matched=p.matched,
                    errors=p.errors, rate=f"{p.rate:.1f}")
        )

    def finished(self, report: Any) -> None:
        self.report = report
        self.progress(report.progress)
        self.query_one("#start", Button).disabled = False
        self.query_one("#cancel", Button).disabled = True
        self.query_one("#review", Button).disabled = not report.sightings
        key = "scan.done_cancelled" if report.cancelled else "scan.done"
        lines = [self.tr(key, matched=len(report.sightings), errors=len(report.errors),
                         skipped=len(report.skipped))]
        lines += [f"• {w}" for w in report.warnings]
        if report.quick:
            lines.append(self.tr("scan.quick_note"))
        summary = self.query_one("#summary", Static)
        summary.update("\n".join(lines))
        # The summary is the last thing on the form: show all of it, however many lines it
        # took once laid out (scrolling to the widget before then showed only its first line).
        form = self.query_one(VerticalScroll)
        self.call_after_refresh(lambda: form.scroll_end(animate=False))

    def failed(self, exc: BaseException) -> None:
        self.query_one("#start", Button).disabled = False
        self.query_one("#cancel", Button).disabled = True
        title, what, nxt = error_lines(exc, self.lang)
        self.query_one("#status", Static).update("\n".join(p for p in (title, what, nxt) if p))
