"""Takedown requests: draft one for confirmed sightings, mark it sent (and later acknowledged,
removed or refused), re-check whether the content is still online, and see its status over time."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Header, Input, Label, Select, SelectionList, Static

from ui.tui.base import AnsimScreen, Key, error_lines
from ui.tui.optional import feature

STATUS_BUTTONS = ("sent", "acknowledged", "removed", "refused")


class TakedownScreen(AnsimScreen):
    KEYS = (Key("escape", "back", "back"),)

    def __init__(self, case_id: str, takedown_id: str) -> None:
        super().__init__()
        self.case_id = case_id
        self.takedown_id = takedown_id

    def compose(self) -> ComposeResult:
        yield Header(icon="")
        mod = feature("vault.takedowns", "new_takedown", "update_takedown", "get_takedown")
        vault = self.ansim.vault
        if mod is None or vault is None:
            yield Static(self.tr("not_available"), classes="explain")
        elif not self.takedown_id:
            yield from self.compose_new(mod)
        else:
            yield from self.compose_existing(mod.get_takedown(vault, self.takedown_id))
        yield Footer(compact=True)

    # ------------------------------------------------------------------ new request
    def compose_new(self, mod: Any) -> ComposeResult:
        vault = self.ansim.vault
        sightings = feature("vault.sightings", "list_sightings")
        found = sightings.list_sightings(vault, self.case_id) if sightings else []
        usable = [s for s in found if s.status.value != "rejected"]
        yield Static(self.tr("takedown.new_title"), classes="screen-title")
        with VerticalScroll(classes="form"):
            if not usable:
                yield Static(self.tr("takedown.no_sightings"), classes="explain")
                return
            yield Label(self.tr("takedown.sightings"))
            yield SelectionList[str](
                *[(escape(s.final_url or s.media_url or s.page_url)[:70], s.id,
                   s.status.value == "confirmed") for s in usable],
                id="sightings",
            )
            yield Label(self.tr("takedown.recipient"))
            yield Select([(r.name_ko if self.lang == "ko" else r.name_en, r.key)
                          for r in mod.recipients()], id="recipient")
            yield Label(self.tr("takedown.channel"))
            yield Select([(self.tr(f"channel.{c}"), c)
                          for c in ("web_form", "email", "phone", "post")],
                         value="web_form", allow_blank=False, id="channel")
            yield Label(self.tr("takedown.date"))
            yield Input(id="date", placeholder="2026-01-31")
            yield Label(self.tr("takedown.ticket"))
            yield Input(id="ticket")
            yield Label(self.tr("takedown.note"))
            yield Input(id="note")
            yield Static("", id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button(self.tr("button.back"), id="back")
                yield Button(self.tr("takedown.save"), id="save", variant="primary")

    # ------------------------------------------------------------------ existing request
    def compose_existing(self, td: Any) -> ComposeResult:
        yield Static(self.tr("takedown.title"), classes="screen-title")
        with VerticalScroll(classes="form"):
            yield Static(self.describe(td), id="takedown-facts")
            with Horizontal(classes="buttons"):
                for status in STATUS_BUTTONS:
                    yield Button(self.tr(f"takedown.mark_{status}"), id=f"mark-{status}")
            with Horizontal(classes="buttons"):
                yield Button(self.tr("takedown.recheck"), id="recheck", variant="primary")
                yield Button(self.tr("button.back"), id="back")
            yield Static("", id="recheck-result")

    def describe(self, td: Any) -> str:
        mod = feature("vault.takedowns", "recipient_label")
        who = mod.recipient_label(td.recipient, self.lang) if mod else td.recipient
        lines = [
            f"[b]{self.tr('takedown.recipient')}[/b]: {escape(who)}",
            f"[b]{self.tr('takedown.channel')}[/b]: {escape(self.tr(f'channel.{td.channel}'))}",
            f"[b]{self.tr('takedown.date')}[/b]: {escape(td.date or '-')}",
            f"[b]{self.tr('takedown.ticket')}[/b]: {escape(td.ticket or '-')}",
            f"[b]{self.tr('takedowns.col.status')}[/b]: "
            f"{self.tr(f'takedown.status.{td.status.value}')}",
            "",
            f"[b]{self.tr('takedown.history')}[/b]",
        ]
        for h in td.history:
            note = f" — {escape(h.note)}" if h.note else ""
            lines.append(f"• {h.utc.replace('T', ' ').rstrip('Z')}  "
                         f"{self.tr(f'takedown.status.{h.status.value}')}{note}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ actions
    def on_button_pressed(self, event: Button.Pressed) -> None:
        bid = event.button.id or ""
        if bid == "back":
            self.dismiss(None)
        elif bid == "save":
            self.save_new()
        elif bid.startswith("mark-"):
            self.run(lambda v, m: m.update_takedown(v, self.takedown_id, bid[5:]))
        elif bid == "recheck":
            self.query_one("#recheck-result", Static).update(self.tr("takedown.rechecking"))
            self.recheck()

    def action_back(self) -> None:
        self.dismiss(None)

    def save_new(self) -> None:
        chosen = tuple(str(s) for s in self.query_one("#sightings", SelectionList).selected)
        recipient = self.query_one("#recipient", Select).value
        problem = self.query_one("#problem", Static)
        if not chosen:
            problem.update(self.tr("takedown.pick_sightings"))
            return
        if not isinstance(recipient, str):
            problem.update(self.tr("takedown.pick_recipient"))
            return
        channel = str(self.query_one("#channel", Select).value)
        date = self.query_one("#date", Input).value.strip()
        ticket = self.query_one("#ticket", Input).value.strip()
        note = self.query_one("#note", Input).value.strip()
        self.run(lambda v, m: m.new_takedown(v, self.case_id, chosen, recipient, channel,
                                             date=date, ticket=ticket, note=note), leave=True)

    def run(self, fn: Any, *, leave: bool = False) -> None:
        self._run(fn, leave)

    @work(thread=True, exclusive=True, exit_on_error=False, group="takedown")
    def _run(self, fn: Any, leave: bool) -> None:
        app = self.ansim
        vault = app.vault
        mod = feature("vault.takedowns", "update_takedown")
        if vault is None or mod is None:
            return
        try:
            td = fn(vault, mod)
        except Exception as exc:
            app.call_from_thread(self.show_error, exc)
            return
        app.call_from_thread(self.done, td, leave)

    def done(self, td: Any, leave: bool) -> None:
        if leave:
            self.dismiss(None)
            return
        self.query_one("#takedown-facts", Static).update(self.describe(td))

    @work(thread=True, exclusive=True, exit_on_error=False, group="recheck")
    def recheck(self) -> None:
        app = self.ansim
        vault = app.vault
        scanning = feature("vault.scanning", "recheck", "recheck_detail")
        takedowns = feature("vault.takedowns", "get_takedown")
        if vault is None or scanning is None or takedowns is None:
            app.call_from_thread(
                self.query_one("#recheck-result", Static).update, self.tr("not_available"))
            return
        try:
            td = takedowns.get_takedown(vault, self.takedown_id)
            report = scanning.recheck(vault, sighting_ids=tuple(td.sighting_ids))
        except Exception as exc:
            title, what, nxt = error_lines(exc, self.lang)
            app.call_from_thread(self.query_one("#recheck-result", Static).update,
                                 "\n".join(p for p in (title, what, nxt) if p))
            return
        lines = [f"{self.tr(f'recheck.{r.outcome}')} {scanning.recheck_detail(r, self.lang)}"
                 for r in report.rechecks]
        if report.not_checkable:
            lines.append(self.tr("recheck.not_checkable", n=report.not_checkable))
        app.call_from_thread(self.rechecked, "\n".join(lines) or self.tr("recheck.nothing"))

    def rechecked(self, text: str) -> None:
        self.query_one("#recheck-result", Static).update(text)
        mod = feature("vault.takedowns", "get_takedown")
        vault = self.ansim.vault
        if mod is not None and vault is not None:
            self.query_one("#takedown-facts", Static).update(
                self.describe(mod.get_takedown(vault, self.takedown_id)))
