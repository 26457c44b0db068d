"""Review one sighting: the found copy and the vault item it matches, side by side and blurred;
confirm it is a re-upload, or reject it as a false alarm."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Header, Static

from ui.tui.base import AnsimScreen, Key
from ui.tui.optional import feature
from ui.tui.widgets.preview import PreviewView
from vault import evidence
from vault.errors import AnsimError
from vault.preview import PreviewCells, item_preview

COLUMNS = 24
ROWS = 9


class ReviewScreen(AnsimScreen):
    KEYS = (
        Key("escape", "back", "back"),
        Key("y", "confirm", "confirm"),
        Key("n", "reject", "reject"),
        Key("space", "next", "next"),
    )

    def __init__(self, case_id: str, sighting_id: str) -> None:
        super().__init__()
        self.case_id = case_id
        self.sighting_id = sighting_id

    def sighting(self) -> Any:
        mod = feature("vault.sightings", "get_sighting")
        vault = self.ansim.vault
        assert mod is not None and vault is not None
        return mod.get_sighting(vault, self.sighting_id)

    def compose(self) -> ComposeResult:
        s = self.sighting()
        yield Header(icon="")
        yield Static(self.tr("review.title"), classes="screen-title")
        with Horizontal(id="review-layout"):
            with Vertical(classes="review-side"):
                yield Static(self.tr("review.found"), classes="hint")
                yield PreviewView(self.tr("preview.loading"), id="found")
            with Vertical(classes="review-side"):
                yield Static(self.tr("review.original"), classes="hint")
                yield PreviewView(self.tr("preview.loading"), id="original")
        with VerticalScroll(id="review-facts"):
            yield Static(self.facts(s), id="facts")
        yield Footer(compact=True)

    def facts(self, s: Any) -> str:
        rows = [
            ("review.status", self.tr(f"sighting.status.{s.status.value}")),
            ("review.band", self.tr(f"sighting.band.{s.band}")),
            ("review.how", self.how(s.matched_how)),
            ("review.where", s.final_url or s.media_url or s.page_url),
            ("review.when", s.retrieved_utc),
            ("review.http", str(s.http_status or "-")),
        ]
        return "\n".join(f"[b]{self.tr(k)}[/b]: {escape(str(v))}" for k, v in rows)

    def how(self, code: str) -> str:
        label = self.tr(f"match.{code}")
        return code if label == f"tui.match.{code}" else label

    def on_mount(self) -> None:
        super().on_mount()
        s = self.sighting()
        self.load(s.item_id, "found")
        self.load(s.matched_item_id, "original")

    @work(thread=True, exit_on_error=False, group="review-preview")
    def load(self, item_id: str, target: str) -> None:
        app = self.ansim
        vault = app.vault
        if vault is None:
            return
        try:
            item = evidence.get_item(vault, item_id)
            cells = item_preview(vault, item, columns=COLUMNS, rows=ROWS,
                                 blur=app.settings.blur)
        except AnsimError:
            app.call_from_thread(self.no_preview, target)
            return
        app.call_from_thread(self.show, target, cells)

    def show(self, target: str, cells: PreviewCells) -> None:
        self.query_one(f"#{target}", PreviewView).show_cells(cells)

    def no_preview(self, target: str) -> None:
        self.query_one(f"#{target}", PreviewView).show_message(self.tr("preview.none"))

    def action_back(self) -> None:
        self.dismiss(None)

    def action_confirm(self) -> None:
        self.decide("confirm")

    def action_reject(self) -> None:
        self.decide("reject")

    @work(thread=True, exclusive=True, exit_on_error=False, group="review")
    def decide(self, how: str) -> None:
        app = self.ansim
        vault = app.vault
        mod = feature("vault.sightings", "confirm", "reject")
        if vault is None or mod is None:
            return
        try:
            updated = getattr(mod, how)(vault, self.sighting_id)
        except Exception as exc:
            app.call_from_thread(self.show_error, exc)
            return
        app.call_from_thread(self.decided, updated)

    def decided(self, updated: Any) -> None:
        self.query_one("#facts", Static).update(self.facts(updated))
        self.notify(self.tr(f"sighting.status.{updated.status.value}"))

    async def action_next(self) -> None:
        mod = feature("vault.sightings", "list_sightings")
        vault = self.ansim.vault
        if mod is None or vault is None:
            return
        waiting = [s for s in mod.list_sightings(vault, self.case_id)
                   if s.status.value == "needs_review" and s.id != self.sighting_id]
        if not waiting:
            self.notify(self.tr("review.none_left"))
            return
        self.sighting_id = waiting[0].id
        await self.recompose()
        self.on_mount()
