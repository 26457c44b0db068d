"""One case: tabs for evidence, sightings, takedowns, notes and timeline, and details."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

from ui.tui.base import AnsimScreen, Key, reset_table
from ui.tui.dialogs.form import Field, FormDialog
from ui.tui.optional import feature
from vault import cases, evidence, notes
from vault.records import Case, Consent, Offender


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def _split(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(",") if p.strip())


class CaseScreen(AnsimScreen):
    KEYS = (
        Key("escape", "back", "back"),
        Key("ctrl+t,tab", "next_tab", "next_tab", show=False),
        Key("a", "add", "add"),
        Key("s", "scan", "scan"),
        Key("e", "export", "export"),
        Key("n", "note", "note"),
        Key("t", "event", "event"),
        Key("d", "details", "details"),
        Key("c", "consent", "consent", show=False),
        Key("u", "statutes", "statutes", show=False),
        Key("w", "takedown", "takedown", show=False),
        Key("p", "complaint", "complaint", show=False),
    )

    def __init__(self, case_id: str) -> None:
        super().__init__()
        self.case_id = case_id

    @property
    def case(self) -> Case:
        vault = self.ansim.vault
        assert vault is not None
        return cases.get_case(vault, self.case_id)

    def compose(self) -> ComposeResult:
        yield Header(icon="")
        yield Static(self.tr("case.title", title=self.case.title), id="case-title",
                     classes="screen-title")
        with TabbedContent(id="tabs"):
            with TabPane(self.tr("case.tab.evidence"), id="tab-evidence"):
                yield Static(self.tr("case.evidence_empty"), id="evidence-empty",
                             classes="explain hidden")
                yield DataTable(id="items", cursor_type="row", zebra_stripes=True)
            with TabPane(self.tr("case.tab.sightings"), id="tab-sightings"):
                yield Static("", id="sightings-note", classes="explain")
                yield DataTable(id="sightings", cursor_type="row", zebra_stripes=True)
            with TabPane(self.tr("case.tab.takedowns"), id="tab-takedowns"):
                yield Static("", id="takedowns-note", classes="explain")
                yield DataTable(id="takedowns", cursor_type="row", zebra_stripes=True)
            with TabPane(self.tr("case.tab.notes"), id="tab-notes"), VerticalScroll():
                yield Static("", id="notes-text")
            with TabPane(self.tr("case.tab.details"), id="tab-details"), VerticalScroll():
                yield Static("", id="details-text")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.refresh_all()
        self.query_one("#items", DataTable).focus()

    def on_screen_resume(self) -> None:
        self.refresh_all()

    # ------------------------------------------------------------------ rendering
    def refresh_all(self) -> None:
        if self.ansim.vault is None:
            return
        self.refresh_items()
        self.refresh_sightings()
        self.refresh_takedowns()
        self.refresh_notes()
        self.refresh_details()

    def refresh_items(self) -> None:
        vault = self.ansim.vault
        assert vault is not None
        table = self.query_one("#items", DataTable)
        reset_table(table, [(self.tr(f"items.col.{k}"), k)
                            for k in ("exhibit", "kind", "name", "size", "added")])
        items = sorted(evidence.list_items(vault, self.case_id), key=lambda i: i.exhibit_no)
        for item in items:
            table.add_row(
                item.exhibit_ko if self.lang == "ko" else item.exhibit,
                self.tr(f"kind.{item.kind.value}"),
                item.original_name or "-",
                human_size(item.size),
                item.imported_utc[:10],
                key=item.id,
            )
        self.query_one("#evidence-empty").set_class(bool(items), "hidden")

    def refresh_sightings(self) -> None:
        vault = self.ansim.vault
        assert vault is not None
        table = self.query_one("#sightings", DataTable)
        note = self.query_one("#sightings-note", Static)
        mod = feature("vault.sightings", "list_sightings")
        if mod is None:
            note.update(self.tr("not_available"))
            return
        reset_table(table, [(self.tr(f"sightings.col.{k}"), k)
                            for k in ("status", "band", "where", "found")])
        found = mod.list_sightings(vault, self.case_id)
        for s in found:
            where = s.final_url or s.media_url or s.page_url
            place = where.split("/")[2] if "://" in where else where.rsplit("/", 1)[-1]
            table.add_row(
                self.tr(f"sighting.status.{s.status.value}"),
                self.tr(f"sighting.band.{s.band}"),
                place[:30] or "-",
                s.retrieved_utc[:16].replace("T", " "),
                key=s.id,
            )
        note.update(self.tr("sightings.help") if found else self.tr("sightings.empty"))

    def refresh_takedowns(self) -> None:
        vault = self.ansim.vault
        assert vault is not None
        table = self.query_one("#takedowns", DataTable)
        note = self.query_one("#takedowns-note", Static)
        mod = feature("vault.takedowns", "list_takedowns")
        if mod is None:
            note.update(self.tr("not_available"))
            return
        reset_table(table, [(self.tr(f"takedowns.col.{k}"), k)
                            for k in ("recipient", "channel", "date", "status")])
        found = mod.list_takedowns(vault, self.case_id)
        for td in found:
            who = (mod.recipient_label(td.recipient, self.lang)
                   if hasattr(mod, "recipient_label") else td.recipient)
            status = self.tr(f"takedown.status.{td.status.value}")
            table.add_row(who, self.tr(f"channel.{td.channel}"), td.date, status, key=td.id)
        note.update(self.tr("takedowns.help") if found else self.tr("takedowns.empty"))

    def refresh_notes(self) -> None:
        vault = self.ansim.vault
        assert vault is not None
        lines = [f"[b]{self.tr('notes.heading')}[/b]"]
        case_notes = notes.list_notes(vault, self.case_id)
        if not case_notes:
            lines.append(self.tr("notes.empty"))
        for n in case_notes:
            lines.append(f"• {n.created_utc[:10]}  {_escape(n.text)}")
        lines += ["", f"[b]{self.tr('timeline.heading')}[/b]"]
        events = notes.list_events(vault, self.case_id)
        if not events:
            lines.append(self.tr("timeline.empty"))
        for ev in events:
            lines.append(f"• {_escape(ev.date)}  {_escape(ev.kind)}: {_escape(ev.description)}")
        self.query_one("#notes-text", Static).update("\n".join(lines))

    def refresh_details(self) -> None:
        case = self.case
        dash = "-"
        off = case.offenders[0] if case.offenders else Offender()
        rows = [
            ("case.field.title", case.title),
            ("case.field.pseudonym", case.pseudonym or dash),
            ("case.field.summary", case.summary or dash),
            ("case.field.place", case.incident_place or dash),
            ("case.field.start", case.incident_start or dash),
            ("case.field.counsellor", case.counsellor or dash),
            ("case.field.offender_name", off.name or self.tr("case.offender_unknown")),
            ("case.field.offender_ids", ", ".join(off.ids) or dash),
            ("case.field.offender_nicknames", ", ".join(off.nicknames) or dash),
            ("case.field.offender_phones", ", ".join(off.phones) or dash),
            ("case.field.offender_emails", ", ".join(off.emails) or dash),
            ("case.field.offender_urls", ", ".join(off.profile_urls) or dash),
        ]
        lines = [f"[b]{self.tr(k)}[/b]: {_escape(v)}" for k, v in rows]
        lines += ["", f"[b]{self.tr('consent.heading')}[/b]"]
        if not case.consents:
            lines.append(self.tr("consent.empty"))
        for c in case.consents:
            given = self.tr("consent.given" if c.given else "consent.refused")
            lines.append(f"• {_escape(c.recipient)}: {given} ({_escape(c.date)})")
        lines += ["", f"[b]{self.tr('statutes.heading')}[/b]"]
        if not case.statutes:
            lines.append(self.tr("statutes.empty"))
        statutes = feature("vault.statutes", "get")
        for sid in case.statutes:
            found = statutes.get(sid) if statutes is not None else None
            lines.append(f"• {_escape(found.citation(self.lang) if found else sid)}")
        lines += ["", self.tr("details.help")]
        self.query_one("#details-text", Static).update("\n".join(lines))

    # ------------------------------------------------------------------ actions
    def action_back(self) -> None:
        self.dismiss(None)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        if not key:
            return
        if event.data_table.id == "items":
            from ui.tui.screens.item_detail import ItemDetailScreen

            self.ansim.push_screen(ItemDetailScreen(key))
        elif event.data_table.id == "sightings":
            from ui.tui.screens.review import ReviewScreen

            self.ansim.push_screen(ReviewScreen(self.case_id, key))
        elif event.data_table.id == "takedowns":
            from ui.tui.screens.takedown import TakedownScreen

            self.ansim.push_screen(TakedownScreen(self.case_id, key))

    def action_add(self) -> None:
        from ui.tui.screens.add_evidence import AddEvidenceScreen

        self.ansim.push_screen(AddEvidenceScreen(self.case_id))

    def action_scan(self) -> None:
        from ui.tui.screens.scan import ScanScreen

        self.ansim.push_screen(ScanScreen(self.case_id), self._scan_closed)

    def _scan_closed(self, result: object) -> None:
        if result == "review":
            self.query_one("#tabs", TabbedContent).active = "tab-sightings"
            self.query_one("#sightings", DataTable).focus()

    def action_export(self) -> None:
        from ui.tui.screens.export import ExportScreen

        self.ansim.push_screen(ExportScreen(self.case_id))

    def action_complaint(self) -> None:
        from ui.tui.screens.complaint import ComplaintScreen

        self.ansim.push_screen(ComplaintScreen(self.case_id))

    def action_takedown(self) -> None:
        from ui.tui.screens.takedown import TakedownScreen

        self.ansim.push_screen(TakedownScreen(self.case_id, ""), self._takedown_closed)

    def _takedown_closed(self, _result: object) -> None:
        self.query_one("#tabs", TabbedContent).active = "tab-takedowns"
        self.query_one("#takedowns", DataTable).focus()

    def action_note(self) -> None:
        fields = (Field("text", self.tr("notes.field.text"), required=True),)
        self.ansim.push_screen(FormDialog(self.tr("notes.new"), fields), self._note_entered)

    def _note_entered(self, values: dict[str, str] | None) -> None:
        if values:
            self.run_change(lambda v: notes.add_note(v, self.case_id, values["text"].strip()))

    def action_event(self) -> None:
        fields = (
            Field("date", self.tr("timeline.field.date"), required=True,
                  placeholder="2026-01-31"),
            Field("kind", self.tr("timeline.field.kind"), required=True,
                  placeholder=self.tr("timeline.field.kind_hint")),
            Field("description", self.tr("timeline.field.description")),
        )
        self.ansim.push_screen(FormDialog(self.tr("timeline.new"), fields), self._event_entered)

    def _event_entered(self, values: dict[str, str] | None) -> None:
        if values:
            self.run_change(
                lambda v: notes.add_event(
                    v, self.case_id, values["date"].strip(), values["kind"].strip(),
                    values["description"].strip(),
                )
            )

    def action_details(self) -> None:
        case = self.case
        off = case.offenders[0] if case.offenders else Offender()
        fields = (
            Field("title", self.tr("case.field.title"), case.title, required=True),
            Field("pseudonym", self.tr("case.field.pseudonym"), case.pseudonym),
            Field("summary", self.tr("case.field.summary"), case.summary),
            Field("place", self.tr("case.field.place"), case.incident_place),
            Field("start", self.tr("case.field.start"), case.incident_start),
            Field("counsellor", self.tr("case.field.counsellor"), case.counsellor),
            Field("offender_name", self.tr("case.field.offender_name"), off.name,
                  placeholder=self.tr("case.offender_unknown")),
            Field("offender_ids", self.tr("case.field.offender_ids"), ", ".join(off.ids)),
            Field("offender_nicknames", self.tr("case.field.offender_nicknames"),
                  ", ".join(off.nicknames)),
            Field("offender_phones", self.tr("case.field.offender_phones"),
                  ", ".join(off.phones)),
            Field("offender_emails", self.tr("case.field.offender_emails"),
                  ", ".join(off.emails)),
            Field("offender_urls", self.tr("case.field.offender_urls"),
                  ", ".join(off.profile_urls)),
        )
        self.ansim.push_screen(FormDialog(self.tr("details.edit"), fields), self._details_entered)

    def _details_entered(self, values: dict[str, str] | None) -> None:
        if not values:
            return
        case = self.case
        old = case.offenders[0] if case.offenders else Offender()
        offender = Offender(
            name=values["offender_name"].strip(),
            ids=_split(values["offender_ids"]),
            nicknames=_split(values["offender_nicknames"]),
            phones=_split(values["offender_phones"]),
            emails=_split(values["offender_emails"]),
            profile_urls=_split(values["offender_urls"]),
            notes=old.notes,
        )
        offenders = (offender, *case.offenders[1:]) if offender != Offender() else ()
        self.run_change(
            lambda v: cases.update_case(
                v, case,
                title=values["title"].strip() or case.title,
                pseudonym=values["pseudonym"].strip(),
                summary=values["summary"].strip(),
                incident_place=values["place"].strip(),
                incident_start=values["start"].strip(),
                counsellor=values["counsellor"].strip(),
                offenders=offenders,
            )
        )

    def action_consent(self) -> None:
        fields = (
            Field("recipient", self.tr("consent.field.recipient"), required=True,
                  placeholder=self.tr("consent.field.recipient_hint")),
            Field("given", self.tr("consent.field.given"), "y", required=True),
            Field("date", self.tr("consent.field.date"), required=True,
                  placeholder="2026-01-31"),
            Field("note", self.tr("consent.field.note")),
        )
        self.ansim.push_screen(FormDialog(self.tr("consent.new"), fields), self._consent_entered)

    def _consent_entered(self, values: dict[str, str] | None) -> None:
        if not values:
            return
        case = self.case
        consent = Consent(
            recipient=values["recipient"].strip(),
            given=values["given"].strip().lower() in ("y", "yes", "예", "네", "o"),
            date=values["date"].strip(),
            note=values["note"].strip(),
        )
        self.run_change(
            lambda v: cases.update_case(v, case, consents=(*case.consents, consent))
        )

    def action_statutes(self) -> None:
        from ui.tui.dialogs.statutes import StatutesDialog

        statutes = feature("vault.statutes", "all_statutes")
        if statutes is None:
            from ui.tui.dialogs.message import MessageDialog

            self.ansim.push_screen(MessageDialog(self.tr("statutes.heading"),
                                                 self.tr("not_available")))
            return
        case = self.case
        self.ansim.push_screen(
            StatutesDialog(tuple(statutes.all_statutes()), case.statutes), self._statutes_chosen
        )

    def _statutes_chosen(self, chosen: tuple[str, ...] | None) -> None:
        if chosen is None:
            return
        case = self.case
        self.run_change(lambda v: cases.update_case(v, case, statutes=chosen))

    # ------------------------------------------------------------------ worker
    def run_change(self, change: object) -> None:
        self._change(change)

    @work(thread=True, exclusive=True, exit_on_error=False, group="case-change")
    def _change(self, change: object) -> None:
        app = self.ansim
        vault = app.vault
        if vault is None or not callable(change):
            return
        try:
            change(vault)
        except Exception as exc:
            app.call_from_thread(self.show_error, exc)
            return
        app.call_from_thread(self.changed)

    def changed(self) -> None:
        self.refresh_all()
        self.query_one("#case-title", Static).update(self.tr("case.title", title=self.case.title))


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
