"""The complaint-document screen against a real vault: the signed 고소장 PDF with the pseudonym and
a police station, a calm refusal to overwrite, and an editable English report with a real name
typed for that document only, reached from the command palette."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from textual.widgets import Checkbox, Select

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


async def test_complaint_screen_offers_what_the_cli_offers_and_stores_none_of_it(
    seeded_path: Path, seeded_vault: Vault, tmp_path: Path
) -> None:
    """Resident number, contact details, an attorney and blurred thumbnails, as with
    ``ansim complaint --real-name --resident-number-prompt --address ... --agent attorney``:
    a mistyped resident number is refused calmly, the corrected one goes into the PDF, and
    nothing typed here reaches the vault folder."""
    vault = seeded_vault
    out = tmp_path / "documents"
    out.mkdir()
    typed = {
        "#real-name": "홍길순",
        "#address": "서울특별시 중구 세종대로 110",
        "#phone": "010-1234-5678",
        "#email": "gilsoon@example.org",
        "#agent-name": "김변호",
        "#agent-phone": "02-555-0101",
    }
    app = make_app(seeded_path, vault=vault)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "p")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ComplaintScreen)
        assert not screen.query_one("#resident").display
        assert not screen.query_one("#agent-name").display
        screen.query_one("#lang", Select).value = "ko"
        screen.query_one("#names", Select).value = "real"
        screen.query_one("#agent", Select).value = "attorney"
        await settle(pilot)
        assert screen.query_one("#resident").display and screen.query_one("#agent-name").display
        for selector, value in typed.items():
            await type_into(pilot, selector, value)
        await type_into(pilot, "#resident", "90-01-01")
        screen.query_one("#thumbnails", Checkbox).value = True
        await type_into(pilot, "#out", str(out))
        await press_button(pilot, "#start")
        await settle(pilot)
        text = screen_text(pilot)
        assert "90-01-01" not in text  # the refusal never echoes the number
        assert i18n.t("error.ResidentNumberInvalid.title", "en") in text, text
        assert list(out.iterdir()) == []
        await type_into(pilot, "#resident", "9001012345678")
        await press_button(pilot, "#start")
        await settle(pilot)
        assert "The complaint draft (고소장) is ready" in screen_text(pilot)
    document = pdf_text(out / "complaint-ko.pdf")
    flat = document.replace(" ", "")
    for value in [*typed.values(), "900101-2345678"]:
        assert value.replace(" ", "") in flat, value
    assert "고소대리인" in document
    images = subprocess.run(["pdfimages", "-list", str(out / "complaint-ko.pdf")],
                            capture_output=True, text=True, timeout=120, check=True).stdout
    assert len(images.strip().splitlines()) > 2  # header lines, then the blurred thumbnails
    stored = b"".join(p.read_bytes() for p in seeded_path.rglob("*") if p.is_file())
    for value in [*typed.values(), "9001012345678", "900101-2345678"]:
        assert value.encode() not in stored, value
    with reopen(seeded_path) as again:
        (case,) = cases.list_cases(again)
        assert case.real_name == ""
        logged = [e for e in custody.entries(again.db) if e.action == "complaint_exported"]
        assert len(logged) == 1
        assert not any(v in str(logged[0].details) for v in typed.values())
