"""Write a complaint document for the police: the Korean 고소장 draft or the English incident
report, as a signed PDF or an editable DOCX/TXT, with the pseudonym or the real name. The screen
offers what ``ansim complaint`` offers (resident number, contact details, a representative,
blurred thumbnails), only collects the choices and calls ``exporters.complaint.export_complaint``
in a thread worker; the document is a new file (never an overwrite) and the export is recorded
in the custody log. What is typed here goes into that one document and is never stored."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Footer, Header, Input, Label, Select, Static

from ui.tui.base import AnsimScreen, Key, error_lines
from vault import cases, i18n
from vault.signing import load_export_key
from vault.store import Vault

FORMATS = ("pdf", "docx", "txt")


@dataclass(frozen=True)
class ComplaintChoices:
    """What the person chose on the screen (nothing here is stored in the vault)."""

    lang: str
    fmt: str
    pseudonymous: bool
    real_name: str
    station: str
    out_dir: Path
    resident_number: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    agent: str = ""  # "", "legal" (법정대리인) or "attorney" (고소대리인)
    agent_name: str = ""
    agent_phone: str = ""
    thumbnails: bool = False


@dataclass(frozen=True)
class ComplaintDone:
    """Where the document went and how a lawyer can check it."""

    path: Path
    lang: str
    fmt: str
    exhibits: int
    signed: bool
    font_embedded: bool
    cert_fingerprint: str


def write_complaint(vault: Vault, case_id: str, choices: ComplaintChoices) -> ComplaintDone:
    """Run the complaint export for ``case_id`` (called from a worker thread). The real name
    typed here goes into the document only; it is not stored in the vault."""
    # reportlab and pyHanko load on first use, so opening the screen stays quick
    from exporters.complaint import Agent, AgentKind, Party, export_complaint

    case = cases.get_case(vault, case_id)
    real = not choices.pseudonymous
    complainant = Party(
        name=choices.real_name.strip() if real else "",
        address=choices.address.strip(),
        phone=choices.phone.strip(),
        email=choices.email.strip(),
    )
    agent = (
        Agent(AgentKind(choices.agent), choices.agent_name.strip(), choices.agent_phone.strip())
        if choices.agent
        else None
    )
    result = export_complaint(
        vault, case, choices.out_dir, lang=choices.lang, fmt=choices.fmt,
        pseudonymous=choices.pseudonymous, complainant=complainant, agent=agent,
        resident_number=(choices.resident_number.strip() or None) if real else None,
        include_thumbnails=choices.thumbnails, station=choices.station,
    )
    return ComplaintDone(result.path, result.lang, result.fmt, result.exhibits, result.signed,
                         result.font_embedded, load_export_key(vault).fingerprint)


class ComplaintScreen(AnsimScreen):
    KEYS = (Key("escape", "back", "back"), Key("ctrl+s", "start", "start"))

    def __init__(self, case_id: str) -> None:
        super().__init__()
        self.case_id = case_id
        self.done: ComplaintDone | None = None

    def compose(self) -> ComposeResult:
        vault = self.ansim.vault
        assert vault is not None
        case = cases.get_case(vault, self.case_id)
        yield Header(icon="")
        yield Static(self.tr("complaint.title"), classes="screen-title")
        with VerticalScroll(classes="form"):
            yield Static(self.tr("complaint.explain"), classes="hint")
            yield Label(self.tr("complaint.lang"))
            yield Select([(self.tr(f"complaint.lang_{lg}"), lg) for lg in ("ko", "en")],
                         value=self.lang, allow_blank=False, id="lang")
            yield Label(self.tr("complaint.format"))
            yield Select([(self.tr(f"complaint.format_{f}"), f) for f in FORMATS], value="pdf",
                         allow_blank=False, id="format")
            yield Label(self.tr("complaint.names"))
            yield Select([(self.tr("complaint.names_pseudonym",
                                   pseudonym=case.pseudonym or "-"), "pseudonym"),
                          (self.tr("complaint.names_real"), "real")],
                         value="pseudonym", allow_blank=False, id="names")
            for key, widget in (
                ("real_name", Input(case.real_name, id="real-name",
                                    placeholder=self.tr("complaint.real_name_hint"))),
                ("resident", Input(id="resident", password=True,
                                   placeholder=self.tr("complaint.resident_hint"))),
            ):
                yield Label(self.tr(f"complaint.{key}"), classes="real-only hidden")
                widget.add_class("real-only", "hidden")
                yield widget
            yield Label(self.tr("complaint.station"))
            yield Input(id="station", placeholder=self.tr("complaint.station_hint"))
            yield Static(self.tr("complaint.contact_explain"), classes="hint")
            for field in ("address", "phone", "email"):
                yield Label(self.tr(f"complaint.{field}"))
                yield Input(id=field)
            yield Label(self.tr("complaint.agent"))
            yield Select([(self.tr(f"complaint.agent_{k or 'none'}"), k)
                          for k in ("", "legal", "attorney")],
                         value="", allow_blank=False, id="agent")
            for field in ("agent_name", "agent_phone"):
                yield Label(self.tr(f"complaint.{field}"), classes="agent-only hidden")
                yield Input(id=field.replace("_", "-"), classes="agent-only hidden")
            yield Checkbox(self.tr("complaint.thumbnails"), id="thumbnails")
            yield Label(self.tr("complaint.folder"))
            yield Input(str(self.ansim.browse_dir), id="out")
            with Horizontal(classes="buttons"):
                yield Button(self.tr("button.back"), id="back")
                yield Button(self.tr("complaint.start"), id="start", variant="primary")
            yield Static("", id="complaint-status", classes="hint")
            yield Static("", id="complaint-result")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#lang").focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "names":
            for widget in self.query(".real-only"):
                widget.set_class(event.value != "real", "hidden")
        elif event.select.id == "agent":
            for widget in self.query(".agent-only"):
                widget.set_class(not event.value, "hidden")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "start":
            self.action_start()
        else:
            self.action_back()

    def action_back(self) -> None:
        self.dismiss(None)

    def chosen(self) -> ComplaintChoices:
        out = self.query_one("#out", Input).value.strip()
        return ComplaintChoices(
            lang=str(self.query_one("#lang", Select).value),
            fmt=str(self.query_one("#format", Select).value),
            pseudonymous=self.query_one("#names", Select).value != "real",
            real_name=self.query_one("#real-name", Input).value,
            station=self.query_one("#station", Input).value.strip(),
            out_dir=Path(out or ".").expanduser(),
            resident_number=self.query_one("#resident", Input).value,
            address=self.query_one("#address", Input).value,
            phone=self.query_one("#phone", Input).value,
            email=self.query_one("#email", Input).value,
            agent=str(self.query_one("#agent", Select).value),
            agent_name=self.query_one("#agent-name", Input).value,
            agent_phone=self.query_one("#agent-phone", Input).value,
            thumbnails=self.query_one("#thumbnails", Checkbox).value,
        )

    def action_start(self) -> None:
        start = self.query_one("#start", Button)
        if start.disabled:
            return
        choices = self.chosen()
        if not choices.pseudonymous and not choices.real_name.strip():
            self.query_one("#complaint-status", Static).update(self.tr("complaint.needs_name"))
            self.query_one("#real-name", Input).focus()
            return
        start.disabled = True
        self.query_one("#complaint-result", Static).update("")
        self.query_one("#complaint-status", Static).update(self.tr("complaint.running"))
        self.write(choices)

    @work(thread=True, exclusive=True, exit_on_error=False, group="complaint")
    def write(self, choices: ComplaintChoices) -> None:
        app = self.ansim
        vault = app.vault
        if vault is None:
            return
        try:
            done = write_complaint(vault, self.case_id, choices)
        except Exception as exc:
            app.call_from_thread(self.failed, exc)
            return
        app.call_from_thread(self.finished, done)

    def finished(self, done: ComplaintDone) -> None:
        self.done = done
        self.query_one("#start", Button).disabled = False
        self.query_one("#complaint-status", Static).update("")
        lang = self.lang
        kind = "complaint.done_ko" if done.lang == "ko" else "complaint.done_en"
        lines = [
            self.tr(kind, n=done.exhibits),
            f"[b]{self.tr('complaint.where')}[/b]: {escape(str(done.path))}",
        ]
        if done.signed:
            lines.append(f"[b]{self.tr('export.fingerprint')}[/b]: {done.cert_fingerprint}")
            lines.append(escape(i18n.t("complaint.signed", lang)))
        else:
            lines.append(escape(i18n.t("complaint.editable", lang)))
        if not done.font_embedded and done.fmt == "pdf":
            lines.append(escape(i18n.t("complaint.font_fallback", lang)))
        lines.append(self.tr("complaint.keep_safe"))
        result = self.query_one("#complaint-result", Static)
        result.update("\n".join(lines))
        self.call_after_refresh(result.scroll_visible)

    def failed(self, exc: BaseException) -> None:
        self.query_one("#start", Button).disabled = False
        self.query_one("#complaint-status", Static).update("")
        title, what, nxt = error_lines(exc, self.lang)
        result = self.query_one("#complaint-result", Static)
        result.update("\n".join(escape(p) for p in (title, what, nxt) if p))
        self.call_after_refresh(result.scroll_visible)
