"""Snapshots of the main screens at 80x24 and 120x40, in Korean and English.

Deterministic: a vault made with a fixed clock and fixed pictures; nothing random is shown
(no ids, no recovery code, no temporary paths). Regenerate with ``--snapshot-update`` after an
intended change, and look at the new pictures before committing them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tests._tui_helpers import make_app, settle
from vault.store import Vault

pytest_plugins = ["tests._tui_fixtures"]

SIZES = [(80, 24), (120, 40)]
LANGS = ["ko", "en"]
# screen name -> keys pressed from the cases list
SCREENS: dict[str, tuple[str, ...]] = {
    "cases": (),
    "case": ("enter",),
    "item": ("enter", "enter"),
}


def before(keys: tuple[str, ...]) -> Callable[[Pilot[Any]], Any]:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    return run


# The cases list is one table whatever the width: its 120x40 pictures showed nothing the 80x24
# ones did not, so only the case and item screens (tabs, preview and facts side by side) are
# also taken wide.
CASES = [
    pytest.param(screen, lang, size, id=f"{screen}-{lang}-{size[0]}x{size[1]}")
    for screen in SCREENS
    for lang in LANGS
    for size in SIZES
    if not (screen == "cases" and size != (80, 24))
]


@pytest.mark.parametrize(("screen", "lang", "size"), CASES)
def test_main_screens(
    snap_compare: Any, seeded_path: Path, seeded_vault: Vault, screen: str, lang: str,
    size: tuple[int, int],
) -> None:
    app = make_app(seeded_path, lang, vault=seeded_vault, browse_dir=Path("/"))
    assert snap_compare(app, terminal_size=size, run_before=before(SCREENS[screen]))


@pytest.mark.parametrize("lang", LANGS)
def test_settings_screen(
    snap_compare: Any, seeded_path: Path, seeded_vault: Vault, lang: str
) -> None:
    app = make_app(seeded_path, lang, vault=seeded_vault, browse_dir=Path("/"))

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.open_settings()  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run)


@pytest.mark.parametrize("lang", LANGS)
def test_unlock_screen(snap_compare: Any, seeded_path: Path, lang: str) -> None:
    app = make_app(seeded_path, lang, browse_dir=Path("/"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=before(()))
