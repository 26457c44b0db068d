"""The collecting helpers: EXIF, safe probing, MIME sniffing, folder expansion, and screen and
clipboard capture (headless: a clear error; under a real Xvfb X server when one is installed)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from tests._evidence_helpers import photo, png_bomb, truncated
from tests.conftest import PASSPHRASE
from vault import cases, evidence
from vault.clock import fixed_clock
from vault.collect import capture
from vault.collect.exif import is_sensitive, parse_capture_time
from vault.collect.folder import expand
from vault.collect.probe import (
    FLAG_TOO_LARGE,
    FLAG_UNREADABLE,
    ImageProblem,
    check_decodes,
    probe_image,
)
from vault.crypto.kdf import FLOOR
from vault.records import CaptureMethod, ItemKind
from vault.sniff import kind_for_mime, sniff_mime
from vault.store import Vault


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    """One real vault shared by this module's tests (each works in cases of its own), so the
    suite pays for one key derivation instead of one per test."""
    path = tmp_path_factory.mktemp("shared") / "vault"
    v, _code = Vault.create(
        path, PASSPHRASE, params=FLOOR, clock=fixed_clock(datetime(2026, 1, 2, tzinfo=UTC))
    )
    try:
        yield v
    finally:
        v.lock()


@pytest.mark.parametrize(
    ("raw", "offset", "iso"),
    [
        ("2024:03:01 21:15:09", "+09:00", "2024-03-01T21:15:09+09:00"),
        ("2024:03:01 21:15:09", "", "2024-03-01T21:15:09"),
        ("2024:03:01 21:15:09\x00", "bogus", "2024-03-01T21:15:09"),
        ("0000:00:00 00:00:00", "", ""),
        ("    :  :     :  :  ", "", ""),
        ("2024:13:01 10:00:00", "", ""),
    ],
)
def test_exif_capture_times(raw: str, offset: str, iso: str) -> None:
    assert parse_capture_time(raw, offset) == iso


def test_exif_sensitivity() -> None:
    for tag in ("GPSLatitude", "GPSAltitude", "BodySerialNumber", "CameraOwnerName", "Artist"):
        assert is_sensitive(tag)
    for tag in ("DateTimeOriginal", "Orientation", "Make", "Model"):
        assert not is_sensitive(tag)


def test_probe_reads_headers_without_decoding() -> None:
    probe = probe_image(photo(640, 480, seed=80))
    assert (probe.format, probe.width, probe.height) == ("jpeg", 640, 480)
    assert probe.exif.capture_time == "2024-03-01T21:15:09+09:00"
    assert probe.exif.orientation == 6 and probe.exif.has_location
    plain = probe_image(photo(seed=81, fmt="PNG", exif=False))
    assert plain.exif.fields == {} and plain.exif.capture_time == ""


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (png_bomb(30_000, 30_000), FLAG_TOO_LARGE),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, FLAG_UNREADABLE),
        (b"not an image at all", FLAG_UNREADABLE),
    ],
)
def test_probe_refuses_bombs_and_junk(data: bytes, code: str) -> None:
    with pytest.raises(ImageProblem) as info:
        probe_image(data)
    assert info.value.code == code


def test_a_bomb_just_past_pillows_own_limit_never_warns(vault: Vault) -> None:
    """95 MP is past Pillow's default warning threshold but under Ansim's limit: Pillow's
    DecompressionBombWarning must not escape (the suite turns warnings into errors)."""
    data = png_bomb(10_000, 9_500)
    probe = probe_image(data)
    assert probe.width * probe.height == 95_000_000
    case = cases.create_case(vault, "bombs")
    item = evidence.add_stream(vault, io.BytesIO(data), case.id, original_name="b.png").item
    assert (item.width, item.height) == (10_000, 9_500)
    assert item.blob is not None and vault.read_blob_bytes(item.blob.blob_id) == data


def test_truncated_images_fail_the_decode_check() -> None:
    whole = photo(800, 600, seed=82)
    check_decodes(whole)
    with pytest.raises(ImageProblem):
        check_decodes(truncated(whole, 0.4))


@pytest.mark.parametrize(
    ("head", "mime", "kind"),
    [
        (b"PK\x03\x04" + b"\0" * 26 + b"word/document.xml", "wordprocessingml", ItemKind.DOCUMENT),
        (b"PK\x03\x04" + b"\0" * 30, "application/zip", ItemKind.OTHER),
        ("한국어 대화".encode()[:-1], "text/plain", ItemKind.DOCUMENT),
        (b"<!DOCTYPE html><html><body>x</body></html>", "text/html", ItemKind.WEB_PAGE),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", "video/mp4", ItemKind.VIDEO),
        (b"\x00\x01\x02\x03\xff\xfe", "application/octet-stream", ItemKind.OTHER),
        (b"", "application/x-empty", ItemKind.OTHER),
    ],
)
def test_mime_is_sniffed_from_bytes(head: bytes, mime: str, kind: ItemKind) -> None:
    found = sniff_mime(head)
    assert mime in found
    assert kind_for_mime(found) == kind


def test_folders_expand_without_following_links_to_folders(tmp_path: Path) -> None:
    top = tmp_path / "Top"
    (top / "b").mkdir(parents=True)
    (top / "b" / "2.txt").write_text("2")
    (top / "1.txt").write_text("1")
    (top / "up").symlink_to(tmp_path, target_is_directory=True)
    (top / "link.txt").symlink_to(top / "1.txt")
    found = expand([top, tmp_path / "missing"])
    rows = [(c.path.name, c.folder, c.problem is None) for c in found]
    assert rows == [
        ("up", "Top", False),
        ("1.txt", "Top", True),
        ("link.txt", "Top", True),
        ("2.txt", "Top/b", True),
        ("missing", "", False),
    ]
    assert found[1].size == 1


def _no_display(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


@pytest.mark.skipif(os.name != "posix" or os.uname().sysname == "Darwin", reason="X11 only")
def test_capture_without_a_desktop_is_a_clear_error(
    vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_display(monkeypatch)
    case = cases.create_case(vault, "capture")
    with pytest.raises(capture.CaptureUnavailable) as screen:
        capture.capture_screen(vault, case.id)
    assert "no X11 display" in screen.value.what
    with pytest.raises(capture.CaptureUnavailable):
        capture.capture_clipboard(vault, case.id)
    assert evidence.list_items(vault, case.id) == []
    assert list((vault.path / "tmp").iterdir()) == []


@pytest.fixture(scope="module")
def xdisplay() -> Iterator[str]:
    """A real, private X server (Xvfb) for the capture tests; skipped where it is missing."""
    exe = shutil.which("Xvfb")
    if exe is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb xclip)")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [exe, "-displayfd", str(write_fd), "-screen", "0", "640x480x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as ready:
        number = ready.readline().strip()  # Xvfb writes its display number once it is ready
    if not number:
        proc.kill()
        pytest.skip("Xvfb did not start")
    try:
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_screen_capture_goes_straight_into_the_vault(
    vault: Vault, xdisplay: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPLAY", xdisplay)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    case = cases.create_case(vault, "screens")
    details = capture.CaptureDetails(description="the post", captured_by="me")
    res = capture.capture_screen(vault, case.id, details)
    item = res.item
    assert item.capture_method == CaptureMethod.SCREEN_CAPTURE
    assert (item.mime, item.width, item.height) == ("image/png", 640, 480)
    assert item.capture_time_source == "capture" and item.capture_time.endswith("+09:00")
    assert item.description == "the post" and item.original_name.startswith("screenshot-")
    assert item.blob is not None
    with Image.open(io.BytesIO(vault.read_blob_bytes(item.blob.blob_id))) as im:
        assert im.size == (640, 480)


def test_clipboard_capture_reads_the_picture_in_memory(
    vault: Vault, xdisplay: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("xclip") is None:
        pytest.skip("xclip is not installed")
    monkeypatch.setenv("DISPLAY", xdisplay)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    case = cases.create_case(vault, "clipboard")
    subprocess.run(
        ["xclip", "-selection", "clipboard", "-i", "/dev/null"],
        env={**os.environ, "DISPLAY": xdisplay},
        check=True,
        timeout=30,
    )
    with pytest.raises(capture.ClipboardEmpty):
        capture.capture_clipboard(vault, case.id)
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(buf, "PNG")
    subprocess.run(
        ["xclip", "-selection", "clipboard", "-t", "image/png", "-i"],
        input=buf.getvalue(),
        env={**os.environ, "DISPLAY": xdisplay},
        check=True,
        timeout=30,
    )
    (res,) = capture.capture_clipboard(vault, case.id)
    assert res.item.capture_method == CaptureMethod.CLIPBOARD
    assert (res.item.width, res.item.height) == (40, 30)
    assert res.item.flags == ()
