"""Export a sealed evidence bundle: choose items, languages, originals or hashes only, the output
folder and (optionally) a timestamp server; watch progress; then see where it was written and the
certificate fingerprint a lawyer can check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.markup import escape
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
    SelectionList,
    Static,
)
from textual.worker import get_current_worker

from ui.tui.base import AnsimScreen, Key, error_lines
from ui.tui.optional import feature
from vault import evidence, i18n

BUILDER = "exporters.bundle.builder"


def note_text(code: str, lang: str) -> str:
    """An export note (a code such as ``complaint_missing``) in words, from the export
    catalog; a code no catalog knows is shown as it is rather than hidden."""
    key = f"export.cli.{code}"
    text = i18n.t(key, lang)
    return code if text == key else text


class ExportScreen(AnsimScreen):
    KEYS = (Key("escape", "back", "back"), Key("ctrl+s", "start", "start"))

    def __init__(self, case_id: str) -> None:
        super().__init__()
        self.case_id = case_id

    def compose(self) -> ComposeResult:
        vault = self.ansim.vault
        assert vault is not None
        items = sorted(evidence.list_items(vault, self.case_id), key=lambda i: i.exhibit_no)
        yield Header(icon="")
        yield Static(self.tr("export.title"), classes="screen-title")
        with VerticalScroll(classes="form"):
            if feature(BUILDER, "export_case", "ExportOptions") is None:
                yield Static(self.tr("not_available"), classes="explain")
            yield Label(self.tr("export.items"))
            yield SelectionList[str](
                *[(f"{i.exhibit}  {escape(i.original_name)[:50]}", i.id, i.include_in_export)
                  for i in items],
                id="items",
            )
            with Horizontal(classes="switch-row"):
                yield Checkbox(self.tr("export.lang_ko"), True, id="lang-ko")
                yield Checkbox(self.tr("export.lang_en"), True, id="lang-en")
            yield Checkbox(self.tr("export.originals"), True, id="originals")
            yield Static(self.tr("export.originals_help"), classes="hint")
            yield Checkbox(self.tr("export.zip"), True, id="zip")
            yield Label(self.tr("export.folder"))
            yield Input(str(self.ansim.browse_dir), id="out")
            yield Label(self.tr("export.tsa"))
            yield Input(id="tsa", placeholder=self.tr("export.tsa_hint"))
            yield Static(self.tr("export.tsa_help"), classes="hint")
            with Horizontal(classes="buttons"):
                yield Button(self.tr("button.back"), id="back")
                yield Button(self.tr("export.start"), id="start", variant="primary")
                yield Button(self.tr("export.cancel"), id="cancel", disabled=True)
            yield ProgressBar(id="progress", show_eta=False)
            yield Static("", id="result")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#items").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "start":
            self.action_start()
        elif event.button.id == "cancel":
            for worker in self.workers:
                worker.cancel()
        else:
            self.action_back()

    def action_back(self) -> None:
        for worker in self.workers:
            worker.cancel()
        self.dismiss(None)

    def action_start(self) -> None:
        builder = feature(BUILDER, "export_case", "ExportOptions")
        result = self.query_one("#result", Static)
        if builder is None:
            result.update(self.tr("not_available"))
            return
        chosen = tuple(str(i) for i in self.query_one("#items", SelectionList).selected)
        if not chosen:
            result.update(self.tr("export.pick_items"))
            return
        langs = tuple(
            lg for lg in ("ko", "en") if self.query_one(f"#lang-{lg}", Checkbox).value
        ) or ("ko", "en")
        options = builder.ExportOptions(
            out_dir=Path(self.query_one("#out", Input).value.strip() or ".").expanduser(),
            items=chosen,
            include_originals=self.query_one("#originals", Checkbox).value,
            langs=langs,
            make_zip=self.query_one("#zip", Checkbox).value,
            timestamp_url=self.query_one("#tsa", Input).value.strip(),
        )
        self.query_one("#start", Button).disabled = True
        self.query_one("#cancel", Button).disabled = False
        result.update(self.tr("export.running"))
        self.export(options)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export")
    def export(self, options: Any) -> None:
        app = self.ansim
        vault = app.vault
        builder = feature(BUILDER, "export_case")
        worker = get_current_worker()
        if vault is None or builder is None:
            return
        try:
            res = builder.export_case(
                vault, self.case_id, options,
                on_progress=lambda done, total: app.call_from_thread(self.progress, done, total),
                should_cancel=lambda: worker.is_cancelled,
            )
        except Exception as exc:
            app.call_from_thread(self.failed, exc)
            return
        app.call_from_thread(self.finished, res)

    def progress(self, done: int, total: int) -> None:
        self.query_one("#progress", ProgressBar).update(total=max(total, 1), progress=done)

    def finished(self, res: Any) -> None:
        self.query_one("#start", Button).disabled = False
        self.query_one("#cancel", Button).disabled = True
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=1, progress=1)
        lines = [
            self.tr("export.done", n=len(res.exhibits)),
            f"[b]{self.tr('export.where')}[/b]: {escape(str(res.bag_path))}",
        ]
        if res.zip_path is not None:
            lines.append(f"[b]{self.tr('export.zip_where')}[/b]: {escape(str(res.zip_path))}")
        lines.append(f"[b]{self.tr('export.fingerprint')}[/b]: {res.cert_fingerprint}")
        if res.timestamp_utc:
            lines.append(f"[b]{self.tr('export.timestamp')}[/b]: {res.timestamp_utc}")
        if res.timestamp_error:
            reason = i18n.sentence(res.timestamp_error, self.lang)
            lines.append(self.tr("export.timestamp_missing", reason=escape(reason)))
        lines += [f"• {escape(note_text(n, self.lang))}" for n in res.notes]
        result = self.query_one("#result", Static)
        result.update("\n".join(lines))
        self.call_after_refresh(result.scroll_visible)

    def failed(self, exc: BaseException) -> None:
        self.query_one("#start", Button).disabled = False
        self.query_one("#cancel", Button).disabled = True
        title, what, nxt = error_lines(exc, self.lang)
        result = self.query_one("#result", Static)
        result.update("\n".join(escape(p) for p in (title, what, nxt) if p))
        self.call_after_refresh(result.scroll_visible)
