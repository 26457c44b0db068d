"""Screenshots of text (chat threads, threats) kept as evidence: other chats of the same app
are not raised against them, a re-posted copy still is.

Other people's screenshots of the same messenger share its status bar, header, input bar,
wallpaper, bubble shapes and font. A stored screenshot of text (``ImageFingerprint.text_screen``)
keeps keypoints on its message area's text only, and the index asks more of its matches
(``bench/bench_chats.py`` measures it at scale).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.fixtures_fp.chats import APPS, THEMES, make_chat, render
from tests.fixtures_fp.photos import crop, jpeg, photo, screenshot
from vault import matching
from vault.fingerprints import ImageFingerprint, fingerprint_image, fingerprint_pixels
from vault.fingerprints.decode import decode_image
from vault.fingerprints.screens import BOTTOM_BAND, TOP_BAND, is_text_screen
from vault.matching import FingerprintIndex
from vault.scanning.runner import fingerprint_candidate

DECIDED = ("strong", "probable")


def _png(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def _stored(seed: int, app: str, theme: str = "light") -> ImageFingerprint:
    return fingerprint_image(_png(render(make_chat(seed, app=app, theme=theme))))


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("theme", THEMES)
def test_a_chat_is_a_screenshot_of_text(app: str, theme: str) -> None:
    shot = render(make_chat(11, app=app, theme=theme))
    fp = fingerprint_image(_png(shot))
    assert fp.text_screen and fp.inner is None
    # Keypoints only in the message area: none on the status bar, header or input bar.
    assert fp.keypoints is not None and len(fp.keypoints.points) >= 60
    _w, h = fp.keypoints.size
    ys = fp.keypoints.points.xy[:, 1]
    assert ys.min() >= TOP_BAND * h - 3 and ys.max() <= (1 - BOTTOM_BAND) * h + 3
    assert ImageFingerprint.from_json(json.loads(json.dumps(fp.to_json()))) == fp
    rows = matching.stored_hashes(fp)
    assert rows[0][0] == matching.S_TEXT
    assert matching.S_REGION not in {kind for kind, _hx, _d in rows}


@pytest.mark.parametrize("app", APPS)
def test_a_short_thread_is_a_screenshot_of_text(app: str) -> None:
    """Two messages and stickers: little text, but a flat phone screen with the app's labels."""
    chat = make_chat(80, app=app, theme="dark")
    short = replace(chat, messages=chat.messages[-2:])
    data = _png(render(short))
    assert is_text_screen(decode_image(data).rgb)
    assert fingerprint_image(data).text_screen


def test_photos_and_screenshots_around_a_picture_are_not_text() -> None:
    plain = fingerprint_image(jpeg(photo(3)))
    assert not plain.text_screen and "text_screen" not in plain.to_json()
    framed = fingerprint_image(jpeg(screenshot(photo(1), 1), 90))
    assert framed.inner is not None and not framed.text_screen
    assert not is_text_screen(photo(5))
    # A fingerprint stored before version 4 is made again; one without the key loads as
    # not being text.
    old = replace(plain, version=3)
    assert old.needs_refresh and not plain.needs_refresh
    d = plain.to_json()
    assert ImageFingerprint.from_json({**d, "version": 3}).text_screen is False


@pytest.mark.parametrize("app", APPS)
def test_other_chats_of_the_same_app_are_not_raised(app: str) -> None:
    """Chats of one app in one theme (the same bars, wallpaper, avatars and font) are not
    raised against each other at the decision threshold, as a scan fingerprints them."""
    index = FingerprintIndex((f"kept{k}", _stored(100 + k, app)) for k in range(2))
    raised = []
    for seed in range(200, 206):
        shot = render(make_chat(seed, app=app, theme="light"))
        data = jpeg(shot, 85) if seed % 2 else _png(shot)
        for m in index.search(fingerprint_candidate(data, "image")):
            if m.band in DECIDED:
                raised.append((seed, m.item_id, m.how, m.band))
    assert raised == []


@pytest.mark.parametrize("label", ["re-encoded", "resized", "cropped 10 %", "bars cut off"])
def test_a_reposted_chat_is_still_recognised(label: str) -> None:
    shot = render(make_chat(7, app="gram", theme="light"))
    h = shot.shape[0]
    candidate = {
        "re-encoded": lambda: jpeg(shot, 70),
        "resized": lambda: jpeg(np.asarray(Image.fromarray(shot).resize(
            (shot.shape[1] // 2, h // 2), Image.Resampling.LANCZOS)), 80),
        "cropped 10 %": lambda: jpeg(crop(shot, 0.10, 0.3, 0.6), 85),
        "bars cut off": lambda: jpeg(np.ascontiguousarray(shot[round(0.06 * h):
                                                                round(0.94 * h)]), 85),
    }[label]()
    index = FingerprintIndex([("threat", _stored(7, "gram")), ("other", _stored(8, "gram"))])
    found = index.search(fingerprint_candidate(candidate, "image"))
    assert found and found[0].item_id == "threat" and found[0].band in DECIDED, label
    assert all(m.band not in DECIDED for m in found[1:])


def test_the_same_from_pixels_in_memory() -> None:
    shot = render(make_chat(3, app="talk", theme="dark"))
    assert fingerprint_pixels(shot).text_screen


def test_the_cli_says_a_screenshot_is_text(tmp_path: Path) -> None:
    shot = tmp_path / "threat.png"
    shot.write_bytes(_png(render(make_chat(5, app="bubble", theme="dark"))))
    repo = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-m", "ui.cli.main", "fingerprint", str(shot)],
                          capture_output=True, text=True, cwd=repo, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "a screenshot of text" in proc.stdout and "keypoints" not in proc.stdout
