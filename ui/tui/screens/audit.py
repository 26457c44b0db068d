"""The chain-of-custody log: every action on the vault, and whether the chain is intact."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, Header, Static

from ui.tui.base import AnsimScreen, Key
from vault import custody


class AuditScreen(AnsimScreen):
    KEYS = (Key("escape", "back", "back"),)

    def compose(self) -> ComposeResult:
        yield Header(icon="")
        yield Static(self.tr("audit.title"), classes="screen-title")
        yield Static("", id="chain", classes="explain")
        yield DataTable(id="entries", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        vault = self.ansim.vault
        if vault is None:
            return
        rows = vault.db.execute("SELECT * FROM custody ORDER BY rowid").fetchall()
        header = vault.header
        problems = custody.verify_chain(
            rows, None, header.custody_seq, header.custody_head.hex()
        )
        chain = self.query_one("#chain", Static)
        if problems:
            chain.update(self.tr("audit.broken", count=len(problems)))
            chain.add_class("problem")
        else:
            chain.update(self.tr("audit.intact", count=len(rows)))
        table = self.query_one("#entries", DataTable)
        for key in ("seq", "time", "action", "subject"):
            table.add_column(self.tr(f"audit.col.{key}"), key=key)
        for e in reversed(custody.entries(vault.db)):
            label = self.tr(f"action.{e.action}")
            if label == f"tui.action.{e.action}":
                label = e.action
            table.add_row(str(e.seq), e.utc.replace("T", " ").rstrip("Z"), label,
                          e.subject[:12] or "-")
        table.focus()

    def action_back(self) -> None:
        self.dismiss(None)
