"""Add evidence: pick files or folders, paste paths, capture the screen or clipboard, or record a
link with its source fields. Each file gets its own result line; one failure never stops the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    Button,
    Checkbox,
    Footer,
    Header,
    Input,
    Label,
    ProgressBar,
    RichLog,
    Static,
    TabbedContent,
    TabPane,
    TextArea,
)
from textual.worker import get_current_worker

from ui.tui.base import AnsimScreen, Key, error_lines
from ui.tui.optional import feature
from ui.tui.widgets.file_picker import FilePicker
from vault.collect.importer import (
    ImportOptions,
    ImportProgress,
    ImportReport,
    Outcome,
    import_paths,
)
from vault.records import Source

CAPTURE = "vault.collect.capture"
LINK_FIELDS = (
    "url", "platform", "post_title", "uploader_id", "uploader_nickname", "uploader_profile_url",
    "posted_at", "posted_at_timezone",
)


def parse_pasted_paths(text: str) -> list[Path]:
    """Paths pasted one per line (quotes and file:// from file managers, blank lines ignored)."""
    paths: list[Path] = []
    for line in text.splitlines():
        cleaned = line.strip().strip("'\"")
        if cleaned.startswith("file://"):
            cleaned = cleaned[len("file://") :]
        if cleaned:
            paths.append(Path(cleaned).expanduser())
    return paths


class AddEvidenceScreen(AnsimScreen):
    KEYS = (
        Key("escape", "back", "back"),
        Key("ctrl+s", "start", "start"),
        Key("ctrl+t", "next_tab", "next_tab"),
    )

    def __init__(self, case_id: str) -> None:
        super().__init__()
        self.case_id = case_id
        self.picked: list[Path] = []

    def compose(self) -> ComposeResult:
        yield Header(icon="")
        yield Static(self.tr("add.title"), classes="screen-title")
        with TabbedContent(id="add-tabs"):
            with TabPane(self.tr("add.tab.files"), id="tab-files"), Vertical():
                yield Static(self.tr("add.files_help"), classes="hint")
                yield FilePicker(self.ansim.browse_dir, id="tree")
                yield Static(self.tr("add.picked", n=0), id="picked")
            with TabPane(self.tr("add.tab.paste"), id="tab-paste"), Vertical():
                yield Static(self.tr("add.paste_help"), classes="hint")
                yield TextArea(id="paste", soft_wrap=False)
            with TabPane(self.tr("add.tab.capture"), id="tab-capture"), Vertical():
                yield Static(self.tr("add.capture_help"), classes="explain")
                with Horizontal(classes="buttons"):
                    yield Button(self.tr("add.capture_screen"), id="capture-screen")
                    yield Button(self.tr("add.capture_clipboard"), id="capture-clipboard")
            with TabPane(self.tr("add.tab.link"), id="tab-link"), VerticalScroll():
                yield Static(self.tr("add.link_help"), classes="hint")
                for name in LINK_FIELDS:
                    yield Label(self.tr(f"source.{name}") + (" *" if name == "url" else ""))
                    yield Input(id=f"link-{name}")
                yield Label(self.tr("add.link_note"))
                yield Input(id="link-note")
                yield Button(self.tr("add.link_save"), id="save-link", variant="primary")
        yield Checkbox(self.tr("add.remove_originals"), id="remove-originals")
        with Horizontal(id="add-bar"):
            yield Button(self.tr("add.start"), id="start", variant="primary")
            yield Button(self.tr("add.cancel"), id="cancel", disabled=True)
            yield ProgressBar(id="progress", show_eta=False)
        yield RichLog(id="results", markup=True, wrap=True, max_lines=500)
        yield Footer(compact=True)

    # ------------------------------------------------------------------ picking
    def on_file_picker_picked(self, event: FilePicker.Picked) -> None:
        self.pick(event.path)

    def pick(self, path: Path) -> None:
        if path in self.picked:
            self.picked.remove(path)
        else:
            self.picked.append(path)
        self.query_one("#picked", Static).update(self.tr("add.picked", n=len(self.picked)))

    # ------------------------------------------------------------------ importing
    def paths_to_add(self) -> list[Path]:
        pasted = parse_pasted_paths(self.query_one("#paste", TextArea).text)
        return [*self.picked, *pasted]

    def on_button_pressed(self, event: Button.Pressed) -> None:
        handlers: dict[str, Callable[[], None]] = {
            "start": self.action_start,
            "cancel": self.action_cancel,
            "save-link": self.save_link,
            "capture-screen": lambda: self.capture("screen"),
            "capture-clipboard": lambda: self.capture("clipboard"),
        }
        handler = handlers.get(event.button.id or "")
        if handler is not None:
            handler()

    def action_start(self) -> None:
        paths = self.paths_to_add()
        log = self.query_one("#results", RichLog)
        if not paths:
            log.write(self.tr("add.nothing"))
            return
        self.query_one("#start", Button).disabled = True
        self.query_one("#cancel", Button).disabled = False
        self.query_one("#progress", ProgressBar).update(total=None, progress=0)
        log.write(self.tr("add.started"))
        remove = self.query_one("#remove-originals", Checkbox).value
        self.run_import(paths, ImportOptions(remove_originals=remove))

    def action_cancel(self) -> None:
        for worker in self.workers:
            if worker.group == "import":
                worker.cancel()

    def action_back(self) -> None:
        self.action_cancel()
        self.dismiss(None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="import")
    def run_import(self, paths: list[Path], options: ImportOptions) -> None:
        app = self.ansim
        vault = app.vault
        worker = get_current_worker()
        if vault is None:
            return
        try:
            report = import_paths(
                vault,
                paths,
                self.case_id,
                options,
                on_progress=lambda p: app.call_from_thread(self.progress, p),
                cancelled=lambda: worker.is_cancelled,
            )
        except Exception as exc:
            app.call_from_thread(self.batch_failed, exc)
            return
        app.call_from_thread(self.batch_done, report)

    def progress(self, p: ImportProgress) -> None:
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=max(p.bytes_total, 1), progress=p.bytes_done)
        name = p.current.name if p.current is not None else ""
        self.query_one("#picked", Static).update(
            self.tr("add.progress", done=p.files_done, total=p.files_total, name=_esc(name))
        )

    def batch_done(self, report: ImportReport) -> None:
        log = self.query_one("#results", RichLog)
        for result in report.results:
            name = _esc(result.path.name)
            if result.outcome == Outcome.FAILED:
                what = ""
                if result.error is not None:
                    title, what, _ = error_lines(result.error, self.lang)
                    what = what or title
                log.write(self.tr("add.failed", name=name, reason=_esc(what)))
            elif result.item is not None:
                exhibit = result.item.exhibit_ko if self.lang == "ko" else result.item.exhibit
                key = "add.duplicate" if result.outcome == Outcome.DUPLICATE else "add.added"
                log.write(self.tr(key, name=name, exhibit=exhibit))
        if report.stopped_by is not None:
            self.show_error(report.stopped_by)
        self.query_one("#start", Button).disabled = False
        self.query_one("#cancel", Button).disabled = True
        key = "add.summary_cancelled" if report.cancelled else "add.summary"
        log.write(
            self.tr(key, added=report.added, duplicates=report.duplicates, failed=report.failed)
        )
        if report.removed:
            log.write(self.tr("add.removed", n=report.removed))
        self.picked.clear()
        self.query_one("#picked", Static).update(self.tr("add.picked", n=0))
        self.query_one("#paste", TextArea).text = ""

    def batch_failed(self, exc: BaseException) -> None:
        self.query_one("#start", Button).disabled = False
        self.query_one("#cancel", Button).disabled = True
        self.show_error(exc)

    # ------------------------------------------------------------------ capture and links
    def capture(self, what: str) -> None:
        mod = feature(CAPTURE, f"capture_{what}")
        if mod is None:
            self.query_one("#results", RichLog).write(self.tr("not_available"))
            return
        self.run_capture(what)

    @work(thread=True, exclusive=True, exit_on_error=False, group="capture")
    def run_capture(self, what: str) -> None:
        app = self.ansim
        vault = app.vault
        mod = feature(CAPTURE, f"capture_{what}")
        if vault is None or mod is None:
            return
        try:
            result = getattr(mod, f"capture_{what}")(vault, self.case_id)
        except Exception as exc:
            app.call_from_thread(self.show_error, exc)
            return
        results = result if isinstance(result, list) else [result]
        for res in results:
            app.call_from_thread(
                self.query_one("#results", RichLog).write,
                self.tr("add.captured", exhibit=res.item.exhibit),
            )

    def save_link(self) -> None:
        values = {n: self.query_one(f"#link-{n}", Input).value.strip() for n in LINK_FIELDS}
        log = self.query_one("#results", RichLog)
        if not values["url"]:
            log.write(self.tr("add.link_needs_url"))
            return
        if feature("vault.links", "add_link") is None:
            log.write(self.tr("not_available"))
            return
        self.run_link(Source(**values), self.query_one("#link-note", Input).value.strip())

    @work(thread=True, exclusive=True, exit_on_error=False, group="link")
    def run_link(self, source: Source, note: str) -> None:
        app = self.ansim
        vault = app.vault
        links = feature("vault.links", "add_link")
        if vault is None or links is None:
            return
        try:
            _, already = links.add_link(vault, self.case_id, source, note=note)
        except Exception as exc:
            app.call_from_thread(self.show_error, exc)
            return
        app.call_from_thread(self.link_saved, already)

    def link_saved(self, already: bool) -> None:
        for name in (*LINK_FIELDS, "note"):
            self.query_one(f"#link-{name}", Input).value = ""
        key = "add.link_already" if already else "add.link_saved"
        self.query_one("#results", RichLog).write(self.tr(key))


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)
