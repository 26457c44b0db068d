"""The list of cases (a counsellor's vault holds many; a victim's usually one)."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, Header, Static

from ui.tui.base import AnsimScreen, Key, reset_table
from ui.tui.dialogs.form import Field, FormDialog
from vault import cases, evidence
from vault.records import Case


class CasesScreen(AnsimScreen):
    KEYS = (
        Key("n", "new_case", "new_case"),
        Key("enter", "open_case", "open", show=False),
        Key("g", "settings", "settings"),
        Key("l", "audit", "audit"),
        Key("v", "verify", "verify"),
        Key("ctrl+p", "app.command_palette", "palette", show=False),
    )

    def compose(self) -> ComposeResult:
        yield Header(icon="")
        yield Static(self.tr("cases.title"), classes="screen-title")
        yield Static(self.tr("cases.empty"), id="empty", classes="explain hidden")
        yield DataTable(id="cases", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.refresh_cases()

    def on_screen_resume(self) -> None:
        self.refresh_cases()

    def refresh_cases(self) -> None:
        vault = self.ansim.vault
        if vault is None:
            return
        table = self.query_one("#cases", DataTable)
        reset_table(table, [(self.tr(f"cases.col.{k}"), k)
                            for k in ("title", "pseudonym", "items", "updated")])
        all_cases = sorted(cases.list_cases(vault), key=lambda c: c.created_utc)
        counts: dict[str, int] = {}
        for item in evidence.list_items(vault):
            counts[item.case_id] = counts.get(item.case_id, 0) + 1
        for case in all_cases:
            table.add_row(
                case.title,
                case.pseudonym or "-",
                str(counts.get(case.id, 0)),
                case.updated_utc[:10],
                key=case.id,
            )
        self.query_one("#empty").set_class(bool(all_cases), "hidden")
        table.set_class(not all_cases, "hidden")
        if all_cases:
            table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.open_case(event.row_key.value)

    def action_open_case(self) -> None:
        table = self.query_one("#cases", DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            if key:
                self.open_case(key)

    def open_case(self, case_id: str) -> None:
        from ui.tui.screens.case import CaseScreen

        self.ansim.push_screen(CaseScreen(case_id))

    def action_new_case(self) -> None:
        fields = (
            Field("title", self.tr("case.field.title"), required=True,
                  placeholder=self.tr("case.field.title_hint")),
            Field("pseudonym", self.tr("case.field.pseudonym"),
                  placeholder=self.tr("case.field.pseudonym_hint")),
        )
        self.ansim.push_screen(
            FormDialog(self.tr("cases.new_title"), fields, self.tr("button.create")),
            self.new_case_entered,
        )

    def new_case_entered(self, values: dict[str, str] | None) -> None:
        if values:
            self.create_case(values["title"], values["pseudonym"])

    @work(thread=True, exclusive=True, exit_on_error=False, group="cases")
    def create_case(self, title: str, pseudonym: str) -> None:
        app = self.ansim
        vault = app.vault
        if vault is None:
            return
        try:
            case = cases.create_case(vault, title, pseudonym)
        except Exception as exc:
            app.call_from_thread(self.show_error, exc)
            return
        app.call_from_thread(self.case_created, case)

    def case_created(self, case: Case) -> None:
        self.refresh_cases()
        self.open_case(case.id)

    def action_settings(self) -> None:
        self.ansim.open_settings()

    def action_audit(self) -> None:
        self.ansim.open_audit()

    def action_verify(self) -> None:
        self.ansim.open_verify()
