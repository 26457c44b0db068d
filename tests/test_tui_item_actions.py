"""Item screen actions against a real vault: a video's blurred preview from one frame decoded in
memory (and a calm note when there is none), and saving a decrypted copy with its custody entry."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest

from tests._tui_helpers import make_app, press_button, reopen, screen_text, settle, type_into
from ui.tui.screens.item_detail import ItemDetailScreen
from ui.tui.widgets.preview import PreviewView
from vault import cases, custody, evidence
from vault.preview import (
    MAX_VIDEO_PREVIEW_BYTES,
    NoVideoPreview,
    item_preview,
    video_frame,
)
from vault.records import EvidenceItem
from vault.store import Vault

pytest_plugins = ["tests._tui_fixtures"]

av = pytest.importorskip("av")


def small_video(frames: int = 12) -> bytes:
    """A tiny MP4 made in memory: a white corner and a yellow bar that grows, on black."""
    import numpy as np

    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(frames):
            pixels = np.zeros((48, 64, 3), np.uint8)
            pixels[:, : 8 + i * 4] = (240, 200, 40)
            pixels[:16, :16] = 255
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def add_video(vault: Vault) -> EvidenceItem:
    (case,) = cases.list_cases(vault)
    item = evidence.add_stream(vault, io.BytesIO(small_video()), case.id,
                               original_name="clip.mp4").item
    assert item.mime.startswith("video/"), item.mime
    return item


async def test_video_preview_is_a_blurred_frame_until_revealed(
    seeded_path: Path, seeded_vault: Vault
) -> None:
    vault = seeded_vault
    video = add_video(vault)
    app = make_app(seeded_path, vault=vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "down", "down", "enter")  # the third exhibit: the video
        await settle(pilot)
        assert isinstance(app.screen, ItemDetailScreen) and app.screen.item_id == video.id
        preview = app.screen.query_one("#preview", PreviewView)
        assert preview.has_picture and preview.blurred
        assert "A blurred frame from the video" in screen_text(pilot)
        await pilot.press("r")
        await settle(pilot)
        await press_button(pilot, "#yes")
        await settle(pilot)
        assert preview.has_picture and not preview.blurred
        assert "A frame from the video, shown clearly" in screen_text(pilot)
    with reopen(seeded_path) as again:
        actions = [e.action for e in custody.entries(again.db, video.id)]
        assert actions.count("viewed") == 1


def test_video_previews_decode_in_memory_and_refuse_calmly(seeded_vault: Vault) -> None:
    vault = seeded_vault
    video = add_video(vault)
    blurred = item_preview(vault, video, columns=16, rows=6, blur=3)
    clear = item_preview(vault, video, columns=16, rows=6, blur=3, reveal=True)
    assert blurred.blurred and not clear.blurred
    assert blurred.rows != clear.rows  # the blur really hides detail
    frame = video_frame(small_video())
    assert frame.size == (64, 48)
    assert frame.convert("L").getextrema()[1] > 200  # type: ignore[no-untyped-call]
    with pytest.raises(NoVideoPreview):
        video_frame(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200)  # a damaged file
    too_big = dataclasses.replace(video, size=MAX_VIDEO_PREVIEW_BYTES + 1)
    with pytest.raises(NoVideoPreview):
        item_preview(vault, too_big, columns=16, rows=6)


async def test_save_a_decrypted_copy_is_logged_with_its_reason(
    seeded_path: Path, seeded_vault: Vault, tmp_path: Path
) -> None:
    vault = seeded_vault
    item = min(evidence.list_items(vault), key=lambda i: i.exhibit_no)
    original = b"".join(vault.read_blob(item.blob.blob_id)) if item.blob else b""
    out = tmp_path / "copies"
    out.mkdir()
    app = make_app(seeded_path, vault=vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ItemDetailScreen) and app.screen.item_id == item.id
        await pilot.press("x")
        await settle(pilot)
        assert "Save a decrypted copy" in screen_text(pilot)
        await type_into(pilot, "#field-folder", str(out))
        await type_into(pilot, "#field-reason", "for the lawyer")
        await press_button(pilot, "#ok")
        await settle(pilot)
        assert isinstance(app.screen, ItemDetailScreen)
        saved = out / "screenshot-1.png"
        assert saved.read_bytes() == original
        assert "NOT protected there" in screen_text(pilot)
        assert "Copy saved outside" in screen_text(pilot)  # the custody list on screen has it
        await pilot.press("x")  # again into the same folder: refused calmly, nothing replaced
        await settle(pilot)
        await type_into(pilot, "#field-folder", str(out))
        await press_button(pilot, "#ok")
        await settle(pilot)
        assert "already exists" in screen_text(pilot)
        assert saved.read_bytes() == original
    with reopen(seeded_path) as again:
        extracted = [e for e in custody.entries(again.db, item.id) if e.action == "extracted"]
        assert [e.details for e in extracted] == [{"reason": "for the lawyer"}]


async def test_a_large_files_md5_is_said_to_come_at_export(
    seeded_path: Path, seeded_vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    import vault.store as store

    monkeypatch.setattr(store, "MD5_INLINE_LIMIT", 1024 * 1024)
    (case,) = cases.list_cases(seeded_vault)
    big = evidence.add_stream(seeded_vault, io.BytesIO(os.urandom(2 * 1024 * 1024)), case.id,
                              original_name="archive.bin").item
    assert big.md5 == ""
    app = make_app(seeded_path, vault=seeded_vault)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "down", "down", "enter")  # the third exhibit
        await settle(pilot)
        assert isinstance(app.screen, ItemDetailScreen) and app.screen.item_id == big.id
        assert "not computed yet" in screen_text(app)
