"""Screenshots kept as evidence: the picture inside them is what is matched, not the app.

A victim often keeps a screenshot of the post that showed her picture. What comes back on
other sites is the picture (cropped, re-encoded), not that screenshot; and other people's
screenshots of the same app share its bars, buttons and background. So a stored screenshot is
fingerprinted for the picture inside it (``ImageFingerprint.inner``).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from exporters.hashlists import export_hashlist, hash_rows
from tests.fixtures_fp.photos import crop, encode, jpeg, photo, resize, screenshot
from vault import cases, custody, evidence, fingerprint_docs
from vault.errors import InputRejected
from vault.fingerprints import ImageFingerprint, fingerprint_image, fingerprint_pixels
from vault.fingerprints.decode import decode_box
from vault.fingerprints.image import framed_box
from vault.fingerprints.regions import content_boxes
from vault.matching import FingerprintIndex, compare
from vault.scanning.index import item_fingerprints
from vault.store import Vault

#: Where ``screenshot`` puts a 640 x 480 picture in its 720 x 1480 frame (fractions).
PICTURE_BOX = (0.0, 180 / 1480, 1.0, 720 / 1480)
DECIDED = ("strong", "probable")


def _stored_shot(seed: int = 1) -> ImageFingerprint:
    return fingerprint_image(jpeg(screenshot(photo(seed), seed), 90))


def test_a_screenshot_keeps_the_picture_inside_it() -> None:
    fp = _stored_shot()
    assert fp.inner is not None
    assert all(abs(a - b) < 0.03 for a, b in zip(fp.inner.box, PICTURE_BOX, strict=True))
    inner = fp.inner.fingerprint
    # Made from the file at the picture's own resolution, not from the 512-px working copy
    # of the whole (tall) screenshot, where the picture would be 249 px wide.
    assert inner.keypoints is not None and inner.keypoints.size[0] == 320
    assert inner.width == 720 and abs(inner.height - 540) <= 6  # a working-copy pixel is 2.9
    assert fp.keypoints is None  # the app around the picture has no keypoints to match
    assert fp.search_keypoints is inner.keypoints
    assert ImageFingerprint.from_json(json.loads(json.dumps(fp.to_json()))) == fp
    # The same from pixels already in memory.
    from_pixels = fingerprint_pixels(screenshot(photo(1), 1))
    assert from_pixels.inner is not None
    assert all(abs(a - b) < 0.03
               for a, b in zip(from_pixels.inner.box, PICTURE_BOX, strict=True))


def test_an_ordinary_photo_is_not_a_frame() -> None:
    assert fingerprint_image(jpeg(photo(3))).inner is None
    # An object on a plain background is trimmed to the object first: not a frame either.
    canvas = np.full((600, 800, 3), 255, dtype=np.uint8)
    canvas[150:450, 200:600] = resize(photo(4), 0.625)
    fp = fingerprint_image(encode(canvas))
    assert fp.inner is None and fp.keypoints is not None


def test_a_cut_out_object_or_a_plain_sky_is_not_a_frame() -> None:
    """Shapes that region detection can mistake for a picture in an app: a cut-out animal
    (a body and a thin neck) on white, and a landscape whose flat sky looks like a bar."""
    canvas = np.full((600, 800, 3), 255, dtype=np.uint8)
    texture = photo(5, 800, 600)
    body = np.zeros((600, 800), dtype=np.uint8)
    cv2.ellipse(body, (450, 380), (220, 150), 0, 0, 360, 1, -1)
    cv2.line(body, (260, 330), (170, 90), 1, 14)  # a neck
    cv2.circle(body, (165, 80), 28, 1, -1)  # a head
    canvas[body > 0] = texture[body > 0]
    assert framed_box(canvas) is None
    land = photo(6, 800, 600)
    land[:260] = (200, 215, 235)  # a flat sky
    assert framed_box(land) is None
    assert fingerprint_image(jpeg(land, 90)).inner is None


@pytest.mark.parametrize("label,candidate", [
    ("the picture alone", lambda p: jpeg(p, 80)),
    ("resized", lambda p: jpeg(resize(p, 0.5), 70)),
    ("cropped 10 %", lambda p: jpeg(crop(p, 0.10, 0.2, 0.7), 80)),
    ("cropped 20 %", lambda p: jpeg(crop(p, 0.20), 80)),
    ("mirrored", lambda p: jpeg(np.ascontiguousarray(p[:, ::-1]), 80)),
    ("in another app's screenshot", lambda p: jpeg(screenshot(resize(p, 0.8), 9), 80)),
])
def test_the_picture_comes_back_and_is_recognised(label: str, candidate) -> None:  # type: ignore[no-untyped-def]
    stored = _stored_shot(1)
    m = compare(fingerprint_image(candidate(photo(1))), stored)
    assert m is not None and m.band in DECIDED, label


def test_other_screenshots_of_the_same_app_are_not_raised() -> None:
    index = FingerprintIndex([("shot", _stored_shot(1))])
    raised = []
    for seed in range(20, 40):
        other = fingerprint_image(jpeg(screenshot(photo(seed), 1), 90))  # same app, same frame
        raised += [(seed, m.how, m.band) for m in index.search(other) if m.band in DECIDED]
    assert raised == []


def _whole_keypoints(rgb: np.ndarray):  # type: ignore[no-untyped-def]
    from PIL import Image

    from vault.fingerprints import keypoints
    from vault.fingerprints.decode import shrink
    work = np.asarray(shrink(Image.fromarray(rgb), 512), dtype=np.uint8)
    return keypoints.extract(work)


def test_a_picture_under_an_address_bar_is_found_whole() -> None:
    """A browser page: the white address bar sits a few pixels above the picture, so the two
    form one dense block; the picture is still found on its own."""
    page = np.full((540, 960, 3), 240, dtype=np.uint8)
    page[:20] = (222, 225, 230)
    page[20:45] = 255
    cv2.rectangle(page, (60, 24), (700, 41), (241, 243, 244), -1)
    pic = resize(photo(7), 0.6)  # 384 x 288
    page[50:338, 200:584] = pic
    boxes = content_boxes(page)
    assert boxes and _near(boxes[0], (200, 50, 584, 338))


def test_a_dark_picture_beside_a_dark_status_bar_is_found_whole() -> None:
    """Colours of the app inside the picture (a night sky as dark as the status bar) belong
    to the picture: only app colour connected to the screen's edge is background."""
    pic = photo(8)
    pic[:200, :, :] = (pic[:200, :, :] // 8)  # a dark band as dark as the bar
    shot = screenshot(pic, 2)
    box = framed_box(shot)
    assert box is not None
    assert _near(box, (0, 180, 720, 720))


def _near(box: tuple[int, int, int, int], truth: tuple[int, int, int, int]) -> bool:
    side = max(truth[2] - truth[0], truth[3] - truth[1])
    return all(abs(a - b) <= 0.04 * side for a, b in zip(box, truth, strict=True))


def test_decode_box_refuses_what_decode_image_refuses() -> None:
    data = jpeg(screenshot(photo(1)), 90)
    assert decode_box(data, PICTURE_BOX).shape[1] == 512
    with pytest.raises(InputRejected):
        decode_box(data, (0.5, 0.5, 0.4, 0.9))  # not a rectangle
    with pytest.raises(InputRejected):
        decode_box(data[: len(data) // 3], PICTURE_BOX)  # truncated
    with pytest.raises(InputRejected):
        decode_box(data, PICTURE_BOX, max_pixels=1000)  # a "bomb" by our limit


def _add(vault: Vault, case_id: str, data: bytes, name: str) -> str:
    return evidence.add_stream(vault, io.BytesIO(data), case_id, original_name=name).item.id


def test_a_screenshot_stored_by_version_2_is_fingerprinted_again(vault: Vault) -> None:
    case_id = cases.create_case(vault, "Screens").id
    item_id = _add(vault, case_id, jpeg(screenshot(photo(1)), 90), "post.jpg")
    current = evidence.fingerprint_of(vault, item_id)
    assert isinstance(current, ImageFingerprint) and current.inner is not None
    # What version 2 stored: the screenshot's own keypoints, no inner picture.
    old = replace(current, inner=None, version=2,
                  keypoints=_whole_keypoints(screenshot(photo(1))))
    assert old.needs_refresh and not current.needs_refresh
    with vault.transaction() as db:
        gone = fingerprint_docs.delete(vault, db, item_id)
        fingerprint_docs.put(vault, db, item_id, json.dumps(old.to_json()))
    if gone is not None:
        vault.remove_blob_file(gone)
    _items, fps, missing = item_fingerprints(vault, case_id)
    assert missing == 0 and fps[item_id] == current
    assert evidence.fingerprint_of(vault, item_id) == current
    assert [e for e in custody.entries(vault.db) if e.action == "fingerprinted"]
    assert vault.check().ok


def test_the_hash_list_carries_the_picture_inside_a_screenshot(
    vault: Vault, tmp_path: Path
) -> None:
    case_id = cases.create_case(vault, "Screens", "S").id
    shot_id = _add(vault, case_id, jpeg(screenshot(photo(1)), 90), "post.jpg")
    photo_id = _add(vault, case_id, jpeg(photo(2), 90), "photo.jpg")
    shot = evidence.fingerprint_of(vault, shot_id)
    plain = evidence.fingerprint_of(vault, photo_id)
    assert isinstance(shot, ImageFingerprint) and shot.inner is not None
    assert isinstance(plain, ImageFingerprint)
    rows = hash_rows(vault, case_id)
    assert [(r.exhibit, r.origin, r.pdq) for r in rows] == [
        ("E0001", "original", shot.pdq),
        ("E0001", "inner_picture", shot.inner.fingerprint.pdq),
        ("E0002", "original", plain.pdq),
    ]
    export_hashlist(vault, case_id, tmp_path / "list.txt", fmt="hma")
    lines = (tmp_path / "list.txt").read_text(encoding="utf-8").splitlines()
    assert sorted(lines) == sorted(f"pdq,{h}" for h in (shot.pdq, shot.inner.fingerprint.pdq,
                                                         plain.pdq))
    export_hashlist(vault, case_id, tmp_path / "list.csv", fmt="csv")
    table = list(csv.DictReader(io.StringIO((tmp_path / "list.csv").read_text("utf-8"))))
    assert [r["origin"] for r in table] == ["original", "inner_picture", "original"]


def test_the_cli_never_prints_the_inner_pictures_keypoints(tmp_path: Path) -> None:
    import subprocess
    import sys

    shot = tmp_path / "post.jpg"
    shot.write_bytes(jpeg(screenshot(photo(1)), 90))
    repo = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-m", "ui.cli.main", "fingerprint", str(shot),
                           "--json"], capture_output=True, text=True, cwd=repo, timeout=120)
    assert proc.returncode == 0, proc.stderr
    (entry,) = json.loads(proc.stdout)["files"]
    inner = entry["fingerprint"]["inner"]
    assert inner["fingerprint"]["pdq"] and "keypoints" not in proc.stdout
    text = subprocess.run([sys.executable, "-m", "ui.cli.main", "fingerprint", str(shot)],
                          capture_output=True, text=True, cwd=repo, timeout=120)
    assert "picture inside a screenshot" in text.stdout
    assert inner["fingerprint"]["pdq"] in text.stdout
