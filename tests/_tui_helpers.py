"""Helpers for the Textual app's tests: real vaults with fixed data, text on screen, settling."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input
from textual.worker import WorkerCancelled, WorkerFailed

from ui.tui.app import AnsimApp
from vault import cases, evidence, notes
from vault.clock import Clock, fixed_clock
from vault.crypto.kdf import FLOOR
from vault.records import Source
from vault.store import Vault

PASSPHRASE = "quiet river lantern 7"
START = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)


def clock() -> Clock:
    return fixed_clock(START)


class FakeMonotonic:
    """An idle clock the test moves by hand (seconds)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def picture(seed: int, size: tuple[int, int] = (96, 64)) -> bytes:
    """A small deterministic PNG with a bright mark in the top-left corner (detail to blur)."""
    img = Image.new("RGB", size, (20 + seed * 40 % 200, 90, 160))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, size[0] // 4, size[1] // 4), fill=(255, 255, 255))
    draw.ellipse((size[0] // 2, size[1] // 3, size[0] - 4, size[1] - 4), fill=(240, 200, 40))
    for x in range(0, size[0], 6):
        draw.line([(x, 0), (x, size[1])], fill=(0, 0, 0) if x % 12 else (255, 0, 0))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def new_vault(path: Path) -> Vault:
    vault, _ = Vault.create(path, PASSPHRASE, params=FLOOR, clock=clock())
    return vault


def seed_case(vault: Vault, *, items: int = 2) -> str:
    """One case with ``items`` pictures, a note and an event; returns the case id."""
    case = cases.create_case(vault, "Re-uploads 2026", "A", summary="Posted without consent")
    for i in range(items):
        evidence.add_stream(
            vault,
            io.BytesIO(picture(i)),
            case.id,
            original_name=f"screenshot-{i + 1}.png",
            source=Source(url=f"https://example.com/p/{i + 1}", platform="example.com"),
        )
    notes.add_note(vault, case.id, "Called the support centre")
    notes.add_event(vault, case.id, "2026-01-03", "counselling", "First session")
    return case.id


def reopen(path: Path) -> Vault:
    """Open the vault again from disk (the app locks it when it closes)."""
    return Vault.open(path, PASSPHRASE, clock=clock())


def make_app(path: Path, lang: str = "en", vault: Vault | None = None, **kw: object) -> AnsimApp:
    """The real app with the floor KDF, the fixed clock, and a small folder to browse."""
    browse = path.parent / "browse"
    browse.mkdir(exist_ok=True)
    kw.setdefault("browse_dir", browse)
    return AnsimApp(path, lang, vault=vault, kdf_params=FLOOR, clock=clock(), **kw)  # type: ignore[arg-type]


async def settle(pilot: Pilot[Any], rounds: int = 60) -> None:
    """Let workers finish and their results reach the screen: wait until no worker runs and the
    screen stack has stayed the same for a few message-loop turns (no sleeping)."""
    app = pilot.app
    last: tuple[int, ...] = ()
    stable = 0
    for _ in range(rounds):
        # DirectoryTree keeps a loader worker alive for as long as it is shown
        ours = [w for w in app.workers if w.name != "_loader"]
        if ours:  # (an empty list would mean "all workers")
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await app.workers.wait_for_complete(ours)
        await pilot.pause()
        state = tuple(id(s) for s in app.screen_stack)
        busy = any(w.is_running for w in app.workers if w.name != "_loader")
        stable = stable + 1 if state == last and not busy else 0
        last = state
        if stable >= 3:
            return


def _texts(widget: Widget) -> Iterator[str]:
    if isinstance(widget, DataTable):
        for row in range(widget.row_count):
            yield " ".join(str(c) for c in widget.get_row_at(row))
        for col in widget.columns.values():
            yield str(col.label)
        return
    if isinstance(widget, Input):
        return
    plain = getattr(widget.render(), "plain", None)
    if isinstance(plain, str):
        yield plain


def screen_text(pilot: Pilot[Any]) -> str:
    """All text the current screen shows in its Statics, Labels, Buttons and tables."""
    parts: list[str] = []
    for widget in pilot.app.screen.query("*"):
        if all(node.display for node in widget.ancestors_with_self if isinstance(node, Widget)):
            parts.extend(_texts(widget))
    return "\n".join(parts)


async def press_button(pilot: Pilot[Any], selector: str) -> None:
    """Press a button the way the keyboard does (it may be scrolled out of an 80x24 view)."""
    button = pilot.app.screen.query_one(selector, Button)
    button.focus()
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


async def type_into(
    pilot: Pilot[Any], selector: str, text: str, *, keystrokes: bool = False
) -> None:
    """Focus a field and enter ``text``: key by key, or (faster) the way a paste does."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    await pilot.pause()
    field.value = ""
    if keystrokes and text.isascii():
        await pilot.press(*text)
    else:
        field.insert_text_at_cursor(text)
    await pilot.pause()

