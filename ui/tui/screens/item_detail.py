"""One item: everything recorded about it, its custody entries, and a preview that is blurred by
default. Showing the clear picture takes an explicit choice after a content warning, and is
logged ("viewed")."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Header, Static

from ui.tui.base import AnsimScreen, Key
from ui.tui.dialogs.confirm import ConfirmDialog
from ui.tui.dialogs.form import Field, FormDialog
from ui.tui.screens.case import human_size
from ui.tui.widgets.preview import PreviewView
from vault import custody, evidence, notes
from vault.errors import AnsimError
from vault.preview import PreviewCells, can_preview, is_video, item_preview
from vault.records import EvidenceItem

PREVIEW_COLUMNS = 28
PREVIEW_ROWS = 12


def _esc(text: object) -> str:
    from rich.markup import escape

    return escape(str(text))


class ItemDetailScreen(AnsimScreen):
    KEYS = (
        Key("escape", "back", "back"),
        Key("r", "reveal", "reveal"),
        Key("b", "blur", "blur"),
        Key("n", "note", "note"),
        Key("x", "extract", "extract", show=False),
        Key("delete", "delete", "delete", show=False),
    )

    def __init__(self, item_id: str) -> None:
        super().__init__()
        self.item_id = item_id

    @property
    def item(self) -> EvidenceItem:
        vault = self.ansim.vault
        assert vault is not None
        return evidence.get_item(vault, self.item_id)

    def compose(self) -> ComposeResult:
        item = self.item
        yield Header(icon="")
        name = item.exhibit_ko if self.lang == "ko" else item.exhibit
        yield Static(self.tr("item.title", exhibit=name), classes="screen-title")
        with Horizontal(id="item-layout"):
            with Vertical(id="preview-pane"):
                yield PreviewView(self.tr("preview.loading"), id="preview")
                yield Static("", id="preview-state", classes="hint")
                yield Static("", id="item-note", classes="hint")
            with VerticalScroll(id="item-facts"):
                yield Static(self.facts_text(item), id="facts")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.load_preview(reveal=False)

    def facts_text(self, item: EvidenceItem) -> str:
        vault = self.ansim.vault
        assert vault is not None
        rows: list[tuple[str, str]] = [
            ("exhibit", f"{item.exhibit} / {item.exhibit_ko}"),
            ("kind", self.tr(f"kind.{item.kind.value}")),
            ("name", item.original_name or "-"),
            ("size", f"{human_size(item.size)} ({item.size:,} B)"),
            ("mime", item.mime),
            ("sha256", item.sha256),
            ("md5", item.md5 or self.tr("detail.md5_later")),
            ("imported", f"{item.imported_utc} (UTC{item.imported_offset_minutes / 60:+.0f})"),
            ("capture_time", item.capture_time or "-"),
            ("capture_method", self.tr(f"method.{item.capture_method.value}")),
            ("captured_by", item.captured_by or "-"),
            ("description", item.description or "-"),
        ]
        for key, value in (
            ("source_url", item.source.url),
            ("source_platform", item.source.platform),
            ("source_title", item.source.post_title),
            ("source_uploader", item.source.uploader_id or item.source.uploader_nickname),
            ("source_posted", item.source.posted_at),
        ):
            if value:
                rows.append((key, value))
        lines = [f"[b]{self.tr('item.field.' + k)}[/b]: {_esc(v)}" for k, v in rows]
        item_notes = [n for n in notes.list_notes(vault, item.case_id) if n.item_id == item.id]
        if item_notes:
            lines += ["", f"[b]{self.tr('notes.heading')}[/b]"]
            lines += [f"• {_esc(n.text)}" for n in item_notes]
        lines += ["", f"[b]{self.tr('item.custody')}[/b]"]
        for e in custody.entries(vault.db, item.id):
            lines.append(f"{e.seq:>4}  {e.utc}  {_esc(self.tr_action(e.action))}")
        return "\n".join(lines)

    def tr_action(self, action: str) -> str:
        label = self.tr(f"action.{action}")
        return action if label == f"tui.action.{action}" else label

    # ------------------------------------------------------------------ preview
    def load_preview(self, *, reveal: bool) -> None:
        item = self.item
        view = self.query_one("#preview", PreviewView)
        if not can_preview(item):
            view.show_message(self.tr("preview.none"))
            self.query_one("#preview-state", Static).update("")
            return
        view.show_message(self.tr("preview.loading"))
        self.render_preview(item, reveal, self.ansim.settings.blur)

    @work(thread=True, exclusive=True, exit_on_error=False, group="preview")
    def render_preview(self, item: EvidenceItem, reveal: bool, blur: int) -> None:
        app = self.ansim
        vault = app.vault
        if vault is None:
            return
        try:
            cells = item_preview(
                vault, item, columns=PREVIEW_COLUMNS, rows=PREVIEW_ROWS, blur=blur, reveal=reveal
            )
        except AnsimError as exc:
            app.call_from_thread(self.preview_failed, exc)
            return
        app.call_from_thread(self.preview_ready, cells)

    def preview_ready(self, cells: PreviewCells) -> None:
        self.query_one("#preview", PreviewView).show_cells(cells)
        state = "preview.blurred" if cells.blurred else "preview.clear"
        if is_video(self.item):
            state = "preview.video_blurred" if cells.blurred else "preview.video_clear"
        self.query_one("#preview-state", Static).update(self.tr(state))
        if not cells.blurred:
            self.query_one("#facts", Static).update(self.facts_text(self.item))

    def preview_failed(self, exc: AnsimError) -> None:
        from vault.i18n import error_text

        title, what, _ = error_text(exc, self.lang)
        self.query_one("#preview", PreviewView).show_message(title)
        self.query_one("#preview-state", Static).update("")

    def action_reveal(self) -> None:
        if not can_preview(self.item):
            return
        self.ansim.push_screen(
            ConfirmDialog(
                self.tr("reveal.title"),
                self.tr("reveal.warning"),
                self.tr("reveal.yes"),
            ),
            self._reveal_answer,
        )

    def _reveal_answer(self, yes: bool | None) -> None:
        if yes:
            self.load_preview(reveal=True)

    def action_blur(self) -> None:
        self.load_preview(reveal=False)

    # ------------------------------------------------------------------ other actions
    def action_back(self) -> None:
        self.dismiss(None)

    def action_note(self) -> None:
        fields = (Field("text", self.tr("notes.field.text"), required=True),)
        self.ansim.push_screen(FormDialog(self.tr("notes.new"), fields), self._note_entered)

    def _note_entered(self, values: dict[str, str] | None) -> None:
        if values:
            item = self.item
            self.change(lambda v: notes.add_note(v, item.case_id, values["text"].strip(),
                                                 item_id=item.id))

    def action_extract(self) -> None:
        fields = (
            Field("folder", self.tr("extract.folder"), str(self.ansim.browse_dir), required=True),
            Field("reason", self.tr("extract.reason")),
        )
        self.ansim.push_screen(
            FormDialog(self.tr("extract.title"), fields, self.tr("extract.button")),
            self._extract_entered,
        )

    def _extract_entered(self, values: dict[str, str] | None) -> None:
        if values:
            from pathlib import Path

            item = self.item
            out = Path(values["folder"].strip()).expanduser()
            self.change(
                lambda v: evidence.extract_item(v, item, out, reason=values["reason"].strip()),
                done_key="extract.done",
            )

    def action_delete(self) -> None:
        self.ansim.push_screen(
            ConfirmDialog(
                self.tr("delete.title"), self.tr("delete.warning"), self.tr("delete.yes"),
                danger=True,
            ),
            self._delete_answer,
        )

    def _delete_answer(self, yes: bool | None) -> None:
        if yes:
            item = self.item
            self.change(lambda v: evidence.delete_item(v, item), leave=True)

    def change(self, fn: object, *, done_key: str = "", leave: bool = False) -> None:
        self._change(fn, done_key, leave)

    @work(thread=True, exclusive=True, exit_on_error=False, group="item-change")
    def _change(self, fn: object, done_key: str, leave: bool) -> None:
        app = self.ansim
        vault = app.vault
        if vault is None or not callable(fn):
            return
        try:
            result = fn(vault)
        except Exception as exc:
            app.call_from_thread(self.show_error, exc)
            return
        app.call_from_thread(self.changed, done_key, leave, result)

    def changed(self, done_key: str, leave: bool, result: object = None) -> None:
        if leave:
            self.dismiss(None)
            return
        self.query_one("#facts", Static).update(self.facts_text(self.item))
        if done_key:
            # the saved copy's place (a path the person chose) is shown, never logged
            note = self.tr(done_key, path=_esc(result))
            self.query_one("#item-note", Static).update(note)
            self.notify(note, timeout=15)
