"""The scan screen's quick option: a quick scan compares hashes only and says what it may have
missed; the default (thorough) scan on the same folder then finds the crop too."""

from __future__ import annotations

import io
from pathlib import Path

from textual.widgets import Checkbox

from tests._scan_server import encode, photo
from tests._tui_helpers import make_app, press_button, reopen, screen_text, settle, type_into
from ui.tui.screens.scan import ScanScreen
from vault import cases, custody, evidence
from vault.store import Vault

pytest_plugins = ["tests._tui_fixtures"]


async def test_quick_then_thorough_scan_from_the_app(
    seeded_path: Path, seeded_vault: Vault, tmp_path: Path
) -> None:
    vault = seeded_vault
    (case,) = cases.list_cases(vault)
    evidence.add_stream(vault, io.BytesIO(encode(photo(3), "PNG")), case.id,
                        original_name="mine.png")
    found = tmp_path / "found"
    found.mkdir()
    (found / "crop.jpg").write_bytes(encode(photo(3).crop((0, 0, 480, 360))))
    (found / "small.jpg").write_bytes(encode(photo(3).resize((320, 240))))
    (found / "other.jpg").write_bytes(encode(photo(50)))
    app = make_app(seeded_path, vault=vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "s")
        await settle(pilot)
        assert isinstance(app.screen, ScanScreen)
        assert "Quick scan" in screen_text(pilot)
        await type_into(pilot, "#target", str(found))
        box = app.screen.query_one("#quick", Checkbox)
        assert box.value is False  # thorough unless the person chooses otherwise
        box.focus()
        await pilot.press("space")
        assert box.value is True
        await press_button(pilot, "#start")
        await settle(pilot)
        text = screen_text(pilot)
        assert "Finished: 1 possible re-upload(s)" in text, text
        assert "This was a quick scan" in text
        assert [s.media_url for s in app.screen.report.sightings] == ["small.jpg"]
        # On an 80 x 24 terminal the whole note is on screen, not scrolled below the edge.
        shown = app.export_screenshot().replace("&#160;", " ")
        assert "This was a quick scan" in shown and "look for those too" in shown
        box.focus()
        await pilot.press("space")  # back to a thorough scan
        assert box.value is False
        await press_button(pilot, "#start")
        await settle(pilot)
        text = screen_text(pilot)
        assert "Finished: 1 possible re-upload(s)" in text, text  # the crop; the other was known
        assert "This was a quick scan" not in text
        assert [(s.media_url, s.matched_how) for s in app.screen.report.sightings] == [
            ("crop.jpg", "keypoints")]
    with reopen(seeded_path) as again:
        depths = [e.details["mode"] for e in custody.entries(again.db)
                  if e.action == "scanned"]
    assert depths == ["quick", "thorough"]
