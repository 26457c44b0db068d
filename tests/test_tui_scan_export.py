"""Scan a folder of re-uploaded copies, review a match, draft and follow a takedown, export a
sealed bundle and verify it, all from the app, against a real vault."""

from __future__ import annotations

import io
from pathlib import Path

from textual.widgets import DataTable, SelectionList

from tests._tui_helpers import make_app, press_button, reopen, screen_text, settle, type_into
from ui.tui.screens.export import ExportScreen
from ui.tui.screens.review import ReviewScreen
from ui.tui.screens.scan import ScanScreen
from ui.tui.screens.takedown import TakedownScreen
from ui.tui.screens.verify import VerifyScreen
from vault import cases, custody, evidence
from vault.demo import sample_images, write_found_folder
from vault.records import SightingStatus, TakedownStatus
from vault.sightings import list_sightings
from vault.store import Vault
from vault.takedowns import list_takedowns

pytest_plugins = ["tests._tui_fixtures"]


async def test_scan_review_takedown_export_and_verify(
    seeded_path: Path, seeded_vault: Vault, tmp_path: Path
) -> None:
    vault = seeded_vault
    (case,) = cases.list_cases(vault)
    images = sample_images(count=2)
    for name, data in images:
        evidence.add_stream(vault, io.BytesIO(data), case.id, original_name=name)
    found = tmp_path / "found"
    write_found_folder(found, images)
    out = tmp_path / "exports"
    out.mkdir()
    app = make_app(seeded_path, vault=vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "s")
        await settle(pilot)
        assert isinstance(app.screen, ScanScreen)
        await type_into(pilot, "#target", str(found))
        await press_button(pilot, "#start")
        await settle(pilot)
        text = screen_text(pilot)
        assert "Finished: 2 possible re-upload(s)" in text, text
        assert "checked 5" in text  # 2 copies + 3 unrelated pictures
        await press_button(pilot, "#review")
        await settle(pilot)
        table = app.screen.query_one("#sightings", DataTable)
        assert table.row_count == 2
        assert "To review" in screen_text(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert "Is this a copy of your evidence?" in screen_text(pilot)
        first = app.screen.sighting_id
        await pilot.press("y")
        await settle(pilot)
        assert "Status: Confirmed" in screen_text(pilot)
        await pilot.press("space", "n")
        await settle(pilot)
        assert "Status: Not a match" in screen_text(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, TakedownScreen)
        chosen = app.screen.query_one("#sightings", SelectionList)
        assert list(chosen.selected) == [first]  # confirmed ones are picked for the person
        app.screen.query_one("#recipient").value = "kcsc"  # type: ignore[attr-defined]
        await type_into(pilot, "#ticket", "T-42")
        await press_button(pilot, "#save")
        await settle(pilot)
        assert "Drafted" in screen_text(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await press_button(pilot, "#mark-sent")
        await settle(pilot)
        history = screen_text(pilot)
        assert "Drafted" in history and "Sent" in history
        await press_button(pilot, "#recheck")
        await settle(pilot)
        assert "came from a folder" in screen_text(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, ExportScreen)
        await type_into(pilot, "#out", str(out))
        await press_button(pilot, "#start")
        await settle(pilot)
        text = screen_text(pilot)
        assert "The bundle is ready" in text, text
        fingerprint = app.screen.query_one("#result").render().plain  # type: ignore[attr-defined]
        bags = [p for p in out.iterdir() if p.is_dir()]
        assert len(bags) == 1 and str(bags[0]) in fingerprint.replace("\n", "")
        await pilot.press("escape", "escape")
        await settle(pilot)
        app.open_verify()
        await settle(pilot)
        assert isinstance(app.screen, VerifyScreen)
        await type_into(pilot, "#path", str(bags[0]))
        await pilot.press("enter")
        await settle(pilot)
        assert "Everything checks out" in screen_text(pilot)
        (bags[0] / "bagit.txt").write_text("tampered\n")
        await pilot.press("enter")
        await settle(pilot)
        assert "problem(s) found" in screen_text(pilot)
    with reopen(seeded_path) as again:
        statuses = sorted(s.status for s in list_sightings(again, case.id))
        assert statuses == sorted([SightingStatus.CONFIRMED, SightingStatus.REJECTED])
        (td,) = list_takedowns(again, case.id)
        assert td.status == TakedownStatus.SENT and td.ticket == "T-42"
        assert [h.status for h in td.history] == [TakedownStatus.DRAFTED, TakedownStatus.SENT]
        actions = [e.action for e in custody.entries(again.db)]
        assert {"scanned", "sighting_confirmed", "sighting_rejected", "exported"} <= set(actions)
