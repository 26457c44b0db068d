"""The complaint-document screen against a real vault: the signed 고소장 PDF with the pseudonym and
a police station, a calm refusal to overwrite, and an editable English report with a real name
typed for that document only, reached from the command palette."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from textual.widgets import Select

from tests._tui_helpers import make_app, press_button, reopen, screen_text, settle, type_into
from ui.tui.screens.case import CaseScreen
from ui.tui.screens.complaint import ComplaintScreen
from ui.tui.screens.export import note_text
from vault import cases, custody, i18n
from vault.signing import load_export_key
from vault.store import Vault

pytest_plugins = ["tests._tui_fixtures"]


def pdf_text(path: Path) -> str:
    exe = shutil.which("pdftotext")
    if exe is None:
        pytest.fail("poppler-utils (pdftotext) is a test dependency")
    done = subprocess.run([exe, str(path), "-"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_complaint_pdf_then_refuses_to_overwrite_then_editable_report_with_real_name(
    seeded_path: Path, seeded_vault: Vault, tmp_path: Path
) -> None:
    vault = seeded_vault
    (case,) = cases.list_cases(vault)
    out = tmp_path / "documents"
    out.mkdir()
    app = make_app(seeded_path, vault=vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "p")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ComplaintScreen)
        assert "Pseudonym only (A)" in screen_text(pilot)
        assert not screen.query_one("#real-name").display  # only asked for with "real name"
        screen.query_one("#lang", Select).value = "ko"
        await type_into(pilot, "#station", "서울강남경찰서")
        await type_into(pilot, "#out", str(out))
        await pilot.press("ctrl+s")
        await settle(pilot)
        text = screen_text(pilot)
        pdf = out / "complaint-ko.pdf"
        assert "The complaint draft (고소장) is ready, citing 2 exhibit(s)." in text, text
        assert str(pdf) in text.replace("\n", "")
        assert load_export_key(vault).fingerprint in text.replace("\n", "")
        assert "signed with this vault's export key" in text
        document = pdf_text(pdf)
        assert "서울강남경찰서" in document and "고소장" in document

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"complaint doc")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ComplaintScreen)
        screen.query_one("#lang", Select).value = "en"
        screen.query_one("#format", Select).value = "txt"
        screen.query_one("#names", Select).value = "real"
        await settle(pilot)
        assert screen.query_one("#real-name").display
        await type_into(pilot, "#real-name", "")
        await press_button(pilot, "#start")  # a real-name document needs the name
        await settle(pilot)
        assert "Please type the real name" in screen_text(pilot)
        await type_into(pilot, "#real-name", "Kim Jiyoung")
        await type_into(pilot, "#out", str(out))
        await press_button(pilot, "#start")
        await settle(pilot)
        text = screen_text(pilot)
        report = out / "incident-report-en.txt"
        assert "The incident report is ready, citing 2 exhibit(s)." in text, text
        assert "editable, unsigned version" in text
        written = report.read_bytes()
        assert b"Kim Jiyoung" in written
        assert "Kim Jiyoung" not in document

        await type_into(pilot, "#real-name", "Someone Else")
        await press_button(pilot, "#start")  # the same file again: refused, nothing replaced
        await settle(pilot)
        text = screen_text(pilot)
        assert "A file with that name already exists there." in text
        assert "never overwrites" in text
        assert report.read_bytes() == written
    with reopen(seeded_path) as again:
        assert cases.get_case(again, case.id).real_name == ""  # typed for the document only
        logged = [e for e in custody.entries(again.db) if e.action == "complaint_exported"]
        assert [(e.details["lang"], e.details["format"]) for e in logged] == [
            ("ko", "pdf"), ("en", "txt")
        ]


def test_export_notes_are_shown_in_words_not_codes() -> None:
    for lang in ("ko", "en"):
        assert note_text("complaint_missing", lang) == i18n.t("export.cli.complaint_missing", lang)
        assert "complaint_missing" not in note_text("complaint_missing", lang)
    assert note_text("something_new", "en") == "something_new"  # unknown: shown, not hidden
