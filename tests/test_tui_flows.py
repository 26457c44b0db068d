"""Every flow of the app against a real vault: what the screen shows and what the vault holds."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from textual.widgets import DataTable, RichLog, TextArea

from tests._tui_helpers import (
    make_app,
    picture,
    press_button,
    reopen,
    screen_text,
    settle,
    type_into,
)
from ui.tui.dialogs.message import MessageDialog
from ui.tui.screens.add_evidence import AddEvidenceScreen
from ui.tui.screens.audit import AuditScreen
from ui.tui.screens.case import CaseScreen
from ui.tui.screens.item_detail import ItemDetailScreen
from ui.tui.screens.settings import SettingsScreen
from ui.tui.widgets.preview import PreviewView
from vault import cases, custody, evidence, notes
from vault.collect.capture import CaptureUnavailable, ClipboardEmpty
from vault.records import Case
from vault.session import load_settings
from vault.statutes import all_statutes
from vault.store import Vault

pytest_plugins = ["tests._tui_fixtures"]


def only_case(vault: Vault) -> Case:
    (case,) = cases.list_cases(vault)
    return case


async def test_new_case_notes_events_and_details(seeded_path: Path, seeded_vault: Vault) -> None:
    vault = seeded_vault
    app = make_app(seeded_path, vault=vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "Re-uploads 2026" in screen_text(pilot)
        await pilot.press("n")
        await settle(pilot)
        await type_into(pilot, "#field-title", "Second case")
        await type_into(pilot, "#field-pseudonym", "B")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "Case: Second case" in screen_text(pilot)
        new_id = app.screen.case_id
        await pilot.press("n")
        await settle(pilot)
        await type_into(pilot, "#field-text", "Saved the chat log")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await type_into(pilot, "#field-date", "2026-01-04")
        await type_into(pilot, "#field-kind", "reported to police")
        await type_into(pilot, "#field-description", "Cyber bureau, ticket 123")
        await pilot.press("enter")
        await settle(pilot)
        app.screen.query_one("#tabs").active = "tab-notes"  # type: ignore[attr-defined]
        await settle(pilot)
        text = screen_text(pilot)
        assert "Saved the chat log" in text
        assert "reported to police: Cyber bureau, ticket 123" in text
        await pilot.press("d")
        await settle(pilot)
        await type_into(pilot, "#field-offender_nicknames", "nick1, nick2")
        await press_button(pilot, "#ok")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await type_into(pilot, "#field-recipient", "police")
        await type_into(pilot, "#field-date", "2026-01-05")
        await press_button(pilot, "#ok")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert "suggestions, not legal advice" in screen_text(pilot)
        await pilot.press("space")  # the first statute offered
        await press_button(pilot, "#ok")
        await settle(pilot)
        app.screen.query_one("#tabs").active = "tab-details"  # type: ignore[attr-defined]
        await settle(pilot)
        text = screen_text(pilot)
        assert all_statutes()[0].citation("en") in text
        assert "nick1, nick2" in text
        assert "police: given (2026-01-05)" in text
    with reopen(seeded_path) as vault:
        case = cases.get_case(vault, new_id)
        assert case.pseudonym == "B"
        assert case.offenders[0].nicknames == ("nick1", "nick2")
        assert case.consents[0].given and case.consents[0].recipient == "police"
        assert [n.text for n in notes.list_notes(vault, new_id)] == ["Saved the chat log"]
        assert [e.kind for e in notes.list_events(vault, new_id)] == ["reported to police"]
        assert case.statutes == (all_statutes()[0].id,)


async def test_add_evidence_from_pasted_paths_reports_each_file(
    seeded_path: Path, seeded_vault: Vault, tmp_path: Path
) -> None:
    vault = seeded_vault
    folder = tmp_path / "incoming"
    (folder / "nested").mkdir(parents=True)
    (folder / "one.png").write_bytes(picture(7))
    (folder / "nested" / "two.png").write_bytes(picture(8))
    (folder / "empty.bin").write_bytes(b"")
    missing = tmp_path / "gone.png"
    case_id = only_case(vault).id
    before = len(evidence.list_items(vault, case_id))
    app = make_app(seeded_path, vault=vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "a")
        await settle(pilot)
        assert isinstance(app.screen, AddEvidenceScreen)
        await pilot.press("ctrl+t")
        await settle(pilot)
        paste = app.screen.query_one("#paste", TextArea)
        paste.text = f"'{folder}'\n{missing}\n"
        await pilot.press("ctrl+s")
        await settle(pilot)
        log = "\n".join(line.text for line in app.screen.query_one("#results", RichLog).lines)
        assert "Added E0003: one.png" in log
        assert "Added E0004: two.png" in log
        assert "Not added: empty.bin" in log
        assert "Not added: gone.png" in log
        assert "Done: 2 added, 0 already there, 2 not added." in log
        assert paste.text == ""
        await pilot.press("escape")
        await settle(pilot)
        table = app.screen.query_one("#items", DataTable)
        names = [table.get_row_at(r)[2] for r in range(table.row_count)]
        assert {"one.png", "two.png"} <= set(names)
    with reopen(seeded_path) as vault:
        items = evidence.list_items(vault, case_id)
        assert len(items) == before + 2
        assert {i.original_name for i in items} >= {"one.png", "two.png"}


async def test_item_detail_preview_is_blurred_until_revealed_and_reveal_is_logged(
    seeded_path: Path, seeded_vault: Vault
) -> None:
    vault = seeded_vault
    item = min(evidence.list_items(vault), key=lambda i: i.exhibit_no)
    app = make_app(seeded_path, vault=vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ItemDetailScreen)
        text = screen_text(pilot)
        assert item.sha256 in text.replace("\n", "")
        assert "screenshot-1.png" in text
        assert "Blurred. Press r to see it clearly." in text
        preview = app.screen.query_one("#preview", PreviewView)
        assert preview.has_picture and preview.blurred
        assert "viewed" not in [e.action for e in custody.entries(vault.db, item.id)]
        await pilot.press("r")
        await settle(pilot)
        assert "This may show the image that hurt you" in screen_text(pilot)
        await pilot.press("escape")  # changed their mind: nothing shown, nothing logged
        await settle(pilot)
        assert preview.blurred
        assert "viewed" not in [e.action for e in custody.entries(vault.db, item.id)]
        await pilot.press("r")
        await settle(pilot)
        await press_button(pilot, "#yes")
        await settle(pilot)
        assert not preview.blurred
        assert "Shown clearly" in screen_text(pilot)
        await pilot.press("b")
        await settle(pilot)
        assert preview.blurred
    with reopen(seeded_path) as vault:
        actions = [e.action for e in custody.entries(vault.db, item.id)]
        assert actions.count("viewed") == 1


async def test_delete_item_asks_first_and_crypto_shreds(
    seeded_path: Path, seeded_vault: Vault
) -> None:
    vault = seeded_vault
    item = max(evidence.list_items(vault), key=lambda i: i.exhibit_no)
    app = make_app(seeded_path, vault=vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ItemDetailScreen) and app.screen.item_id == item.id
        await pilot.press("delete")
        await settle(pilot)
        assert "cannot be brought back" in screen_text(pilot)
        await press_button(pilot, "#yes")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
    with reopen(seeded_path) as vault:
        assert item.id not in {i.id for i in evidence.list_items(vault)}
        assert item.blob is not None and item.blob.blob_id not in vault.blob_ids()


async def test_settings_switch_language_at_runtime_and_are_stored_in_the_vault(
    seeded_path: Path, seeded_vault: Vault
) -> None:
    vault = seeded_vault
    app = make_app(seeded_path, vault=vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # a case screen stays underneath and must relabel too
        await settle(pilot)
        app.open_settings()
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)
        app.screen.query_one("#lang").value = "ko"  # type: ignore[attr-defined]
        app.screen.query_one("#auto-lock").value = 15  # type: ignore[attr-defined]
        app.screen.query_one("#blur").value = 5  # type: ignore[attr-defined]
        app.screen.query_one("#theme").value = "high_contrast"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "설정" in screen_text(pilot)
        assert app.theme == "ansim-high-contrast"
        assert app.idle.minutes == 15
        await pilot.press("escape")
        await settle(pilot)
        text = screen_text(pilot)
        assert "사건: Re-uploads 2026" in text
        assert "증거번호" in text
        footer = [b.binding.description for b in app.screen.active_bindings.values()
                  if b.binding.show]
        assert footer[0] == "빠른 종료"
    with reopen(seeded_path) as vault:
        stored = load_settings(vault)
        assert (stored.lang, stored.auto_lock_minutes, stored.blur, stored.theme) == (
            "ko", 15, 5, "high_contrast")
        assert "settings_changed" in [e.action for e in custody.entries(vault.db)]


async def test_audit_log_shows_every_entry_and_an_intact_chain(
    seeded_path: Path, seeded_vault: Vault
) -> None:
    vault = seeded_vault
    count = len(custody.entries(vault.db))
    app = make_app(seeded_path, "ko", vault=vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        assert f"기록이 온전합니다 (항목 {count}개)" in screen_text(pilot)
        table = app.screen.query_one("#entries", DataTable)
        assert table.row_count == count
        assert "보관함 만듦" in screen_text(pilot)


def test_pictures_used_here_decode() -> None:
    with Image.open(io.BytesIO(picture(1))) as img:
        assert img.size == (96, 64)


async def test_pick_in_the_file_browser_save_a_link_and_capture_calmly(
    seeded_path: Path, seeded_vault: Vault
) -> None:
    vault = seeded_vault
    case_id = only_case(vault).id
    app = make_app(seeded_path, vault=vault)
    (app.browse_dir / "from-browser.png").write_bytes(picture(9))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "a")
        await settle(pilot)
        tree = app.screen.query_one("#tree")
        tree.focus()
        await settle(pilot)
        await pilot.press("down", "space")
        await settle(pilot)
        assert "Picked: 1" in screen_text(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        log = "\n".join(line.text for line in app.screen.query_one("#results", RichLog).lines)
        assert "Added E0003: from-browser.png" in log
        app.screen.query_one("#add-tabs").active = "tab-link"  # type: ignore[attr-defined]
        await settle(pilot)
        await type_into(pilot, "#link-url", "https://example.net/watch?v=abc")
        await type_into(pilot, "#link-platform", "example.net")
        await type_into(pilot, "#link-uploader_id", "uploader77")
        await press_button(pilot, "#save-link")
        await settle(pilot)
        log = "\n".join(line.text for line in app.screen.query_one("#results", RichLog).lines)
        assert "The link was saved." in log
        app.screen.query_one("#add-tabs").active = "tab-capture"  # type: ignore[attr-defined]
        await settle(pilot)
        await press_button(pilot, "#capture-clipboard")
        await settle(pilot)
        # without a desktop (CI) the capture says so calmly; with one the picture is stored
        if isinstance(app.screen, MessageDialog):
            title = app.screen.query_one("#message-title").render().plain  # type: ignore[union-attr]
            assert title in (CaptureUnavailable.title, ClipboardEmpty.title)
            await pilot.press("escape")
            await settle(pilot)
        else:
            log = "\n".join(line.text for line in app.screen.query_one("#results", RichLog).lines)
            assert "Captured as" in log
    from vault.links import list_links

    with reopen(seeded_path) as again:
        (link,) = list_links(again, case_id)
        assert link.source.uploader_id == "uploader77"
        assert "from-browser.png" in {i.original_name for i in evidence.list_items(again)}
