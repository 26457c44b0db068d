"""The use cases behind the app: passphrase hints, idle timing, settings, in-memory previews."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests._tui_helpers import PASSPHRASE, FakeMonotonic, picture
from vault import custody, evidence
from vault.errors import WrongSecret
from vault.preview import NoPreview, item_preview, render_cells
from vault.session import (
    AppSettings,
    IdleTimer,
    load_settings,
    passphrase_matches,
    passphrase_strength,
    save_settings,
    set_remember_on_device,
)
from vault.store import Vault

pytest_plugins = ["tests._tui_fixtures"]


def test_strength_grows_with_words_and_variety() -> None:
    levels = [passphrase_strength(p).score for p in (
        "", "abc", "sunshine", "river lantern", "quiet river lantern harbour",
        "quiet river lantern harbour 7 moss",
    )]
    assert levels == sorted(levels)
    assert levels[0] == 0 and levels[1] == 1 and levels[-1] >= 3
    assert passphrase_strength("aaaaaaaaaaaaaaaaaaaaaaaa").level == "weak"
    assert passphrase_strength("조용한 강 등불 항구").score >= passphrase_strength("등불").score


def test_idle_timer_counts_from_the_last_activity() -> None:
    clock = FakeMonotonic()
    timer = IdleTimer(2, clock)
    clock.advance(119)
    assert not timer.expired()
    timer.touch()
    clock.advance(119)
    assert not timer.expired()
    clock.advance(1)
    assert timer.expired()
    timer.minutes = 0  # "never"
    clock.advance(10_000)
    assert not timer.expired()


def test_settings_round_trip_through_the_vault_and_bad_values_fall_back(
    seeded_path: Path, seeded_vault: Vault
) -> None:
    vault = seeded_vault
    assert load_settings(vault) == AppSettings()
    save_settings(vault, AppSettings("ko", 15, 5, "high_contrast"))
    vault.set_setting("ui.blur", "99")
    vault.commit()
    vault.lock()
    with Vault.open(seeded_path, PASSPHRASE) as again:
        s = load_settings(again)
        assert (s.lang, s.auto_lock_minutes, s.blur, s.theme) == ("ko", 15, 3, "high_contrast")
        entries = [e for e in custody.entries(again.db) if e.action == "settings_changed"]
        assert entries[-1].details == {"fields": ["auto_lock_minutes", "blur", "lang", "theme"]}


def test_remember_on_device_checks_the_passphrase_before_changing_anything(
    seeded_vault: Vault,
) -> None:
    vault = seeded_vault
    assert passphrase_matches(vault, PASSPHRASE)
    assert not passphrase_matches(vault, PASSPHRASE + " ")
    header_before = vault.header
    with pytest.raises(WrongSecret):
        set_remember_on_device(vault, True, "a typo")
    assert vault.header == header_before


def _detail(cells_rows: tuple[tuple[tuple[tuple[int, int, int], tuple[int, int, int]], ...], ...]
            ) -> float:
    """Mean absolute difference between neighbouring pixels: how much detail is visible."""
    arr = np.array([[top for top, _ in row] for row in cells_rows], dtype=float)
    return float(np.abs(np.diff(arr, axis=1)).mean())


def test_blur_hides_detail_and_stronger_blur_hides_more() -> None:
    data = picture(5, size=(320, 200))
    clear = render_cells(data, columns=40, rows=12, blur=0)
    light = render_cells(data, columns=40, rows=12, blur=1)
    strong = render_cells(data, columns=40, rows=12, blur=5)
    assert not clear.blurred and light.blurred and strong.blurred
    assert 30 <= clear.columns <= 40 and clear.height <= 12
    assert _detail(clear.rows) > _detail(light.rows) > _detail(strong.rows)


def test_preview_refuses_what_is_not_a_picture_or_too_large() -> None:
    with pytest.raises(NoPreview):
        render_cells(b"not an image at all", columns=10, rows=5)
    huge = Image.new("1", (12_000, 12_000))
    out = io.BytesIO()
    huge.save(out, "PNG")
    with pytest.raises(NoPreview, match="too large"):
        render_cells(out.getvalue(), columns=10, rows=5)


def test_item_preview_reads_in_memory_and_logs_only_a_reveal(seeded_vault: Vault) -> None:
    vault = seeded_vault
    item = evidence.list_items(vault)[0]
    before = len(custody.entries(vault.db, item.id))
    blurred = item_preview(vault, item, columns=20, rows=8, blur=3)
    assert blurred.blurred
    assert len(custody.entries(vault.db, item.id)) == before
    clear = item_preview(vault, item, columns=20, rows=8, reveal=True)
    assert not clear.blurred
    last = custody.entries(vault.db, item.id)[-1]
    assert last.action == "viewed" and len(custody.entries(vault.db, item.id)) == before + 1
