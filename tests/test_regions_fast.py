"""The fast paths of region detection give exactly what the plain computation gives."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image

from tests.fixtures_fp.chats import APPS, THEMES, make_chat, render
from tests.fixtures_fp.photos import photo, screenshot
from vault.fingerprints import regions, screens
from vault.fingerprints.decode import WORK_SIDE, shrink


def _plain_trim(rgb: npt.NDArray[np.uint8], tolerance: float = 10.0) -> regions.Box | None:
    """``trim_box`` as first written: statistics of every row and column."""
    h, w = rgb.shape[:2]
    y = regions._luma(rgb)
    row_std, col_std, row_mean, col_mean = y.std(axis=1), y.std(axis=0), y.mean(axis=1), \
        y.mean(axis=0)
    top = regions._uniform_run(row_std, row_mean, range(h), tolerance)
    if top >= h:
        return None
    bottom = regions._uniform_run(row_std, row_mean, range(h - 1, -1, -1), tolerance)
    left = regions._uniform_run(col_std, col_mean, range(w), tolerance)
    right = regions._uniform_run(col_std, col_mean, range(w - 1, -1, -1), tolerance)
    box = (left, top, w - right, h - bottom)
    return box if regions._useful(box, w, h) else None


def _plain_background(rgb: npt.NDArray[np.uint8], bg: npt.NDArray[np.int16]
                      ) -> npt.NDArray[np.bool_]:
    px = rgb.astype(np.int16)
    is_bg = np.zeros(rgb.shape[:2], dtype=bool)
    for colour in bg:
        is_bg |= np.abs(px - colour).max(axis=2) <= 12
    return is_bg


def _images() -> list[npt.NDArray[np.uint8]]:
    rng = np.random.default_rng(3)
    out = [photo(s, 320, 240) for s in range(6)] + [screenshot(photo(s)) for s in range(4)]
    for k in range(40):
        h, w = int(rng.integers(64, 300)), int(rng.integers(64, 300))
        a = photo(100 + k, w, h) if k % 2 else rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        c = rng.integers(0, 256, 3).astype(np.uint8)
        t, b, left, r = (int(x) for x in rng.integers(0, 20, 4))
        a[:t], a[h - b:], a[:, :left], a[:, w - r:] = c, c, c, c
        out.append(np.ascontiguousarray(a))
    return out


def test_trim_edge_strips_equal_whole_image_statistics() -> None:
    for rgb in _images():
        assert regions.trim_box(rgb) == _plain_trim(rgb)


def test_background_mask_equals_channel_distance() -> None:
    for rgb in _images():
        bg = regions._border_colours(rgb)
        if len(bg) == 0:
            continue
        mask = np.zeros(rgb.shape[:2], dtype=np.uint8)
        for colour in bg:
            lo = np.clip(colour.astype(np.int32) - 12, 0, 255).astype(np.uint8)
            hi = np.clip(colour.astype(np.int32) + 12, 0, 255).astype(np.uint8)
            mask |= regions.cv2.inRange(rgb, lo, hi)
        assert np.array_equal(mask > 0, _plain_background(rgb, bg))


def _masks() -> list[npt.NDArray[np.uint8]]:
    """Content masks of the test images, and random masks from sparse to dense."""
    rng = np.random.default_rng(5)
    out = []
    for rgb in _images():
        content, _boxes = regions.content_layout(rgb)
        if content is not None:
            out.append(np.ascontiguousarray(content))
    for k in range(30):
        h, w = int(rng.integers(1, 200)), int(rng.integers(1, 200))
        out.append((rng.random((h, w)) < (k + 1) / 31).astype(np.uint8))
    return out


def test_components_equal_opencv_default_labels_and_stats() -> None:
    for mask in _masks():
        n, labels, stats, _ = regions.cv2.connectedComponentsWithStats(mask, connectivity=8)
        m, fast_labels, fast_stats = regions.components(mask)
        assert m == n
        assert np.array_equal(fast_labels, labels)
        assert np.array_equal(fast_stats, stats)


def _plain_text_lines(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_] | None:
    """``screens.text_lines`` as first written: every check on every pixel, OpenCV's default
    component labelling."""
    cv2 = regions.cv2
    h, w = rgb.shape[:2]
    flat = screens.flat_colours(rgb)
    flat_share = float(flat.mean())
    if min(h, w) < 64 or flat_share < screens.MIN_FLAT_SHARE:
        return None
    rest = np.logical_not(flat).view(np.uint8)
    solid = cv2.erode(rest, np.ones((3, 3), np.uint8))
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(solid, connectivity=8)
    if n > 1 and stats[1:, cv2.CC_STAT_AREA].max() >= screens.MAX_SOLID_SHARE * h * w:
        return None
    n, labels, stats, _ = cv2.connectedComponentsWithStats(rest, connectivity=8)
    lines, count, share = screens._lines_of_text(rest, (n, labels, stats))
    if count >= screens.MIN_TEXT_LINES and share >= screens.MIN_TEXT_SHARE:
        return lines
    phone = h >= screens.PHONE_ASPECT * w and flat_share >= screens.PHONE_FLAT_SHARE
    return lines if phone and count >= screens.PHONE_TEXT_LINES else None


def test_text_screen_check_equals_the_plain_check() -> None:
    """The sampled first pass and the skipped solid-block check change no verdict: on chats,
    pictures inside screenshots, flat drawings and photos, the lines found are the plain
    computation's."""
    chats = [render(make_chat(s, app=APPS[s % 3], theme=THEMES[s % 2])) for s in range(6)]
    drawings = []
    for s in range(4):
        a = np.full((600, 400, 3), 250, dtype=np.uint8)
        a[100:220 + 30 * s, 60:300] = photo(s, 240, 120 + 30 * s)
        drawings.append(a)
    pictures = [screenshot(photo(s)) for s in range(4)] + [photo(s) for s in range(4)]
    works = [np.asarray(shrink(Image.fromarray(rgb), WORK_SIDE), dtype=np.uint8)
             for rgb in chats + drawings + pictures]
    # Chats with a large piece of non-flat pixels: a grid of one-pixel lines (one piece, gone
    # when eroded: the shortcut must erode and go on) and a solid photo (the eroded check
    # must reject the screenshot).
    rng = np.random.default_rng(8)
    large = []
    for s, kind in ((0, "grid"), (1, "grid"), (2, "solid"), (3, "solid")):
        work = works[s].copy()
        h, w = work.shape[:2]
        y0, x0, bh, bw = h // 3, w // 5, h // 4, w // 2
        if kind == "grid":
            noise = rng.integers(0, 256, (bh, bw, 3), dtype=np.uint8)
            lines = np.zeros((bh, bw), dtype=bool)
            lines[::3, :] = lines[:, ::3] = True
            work[y0:y0 + bh, x0:x0 + bw][lines] = noise[lines]
        else:
            work[y0:y0 + bh, x0:x0 + bw] = photo(50 + s, bw, bh)
        large.append(work)
    for work in large:
        rest = np.logical_not(screens.flat_colours(work)).view(np.uint8)
        n, _labels, stats = regions.components(rest)
        assert stats[1:, 4].max() >= screens.MAX_SOLID_SHARE * rest.size  # the branch runs
    verdicts = []
    for work in works + large:
        fast, plain = screens.text_lines(work), _plain_text_lines(work)
        if plain is None:
            # The sample may stop earlier; the verdict is the same.
            assert fast is None
        else:
            assert fast is not None and np.array_equal(fast, plain)
        verdicts.append(plain is not None)
    assert any(verdicts) and not all(verdicts)


def _plain_border_colours(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.int16]:
    """``_border_colours`` as first written: the strip's colour keys sorted by ``np.unique``."""
    colours = []
    for strip in (rgb[:3].reshape(-1, 3), rgb[-3:].reshape(-1, 3), rgb[:, :3].reshape(-1, 3),
                  rgb[:, -3:].reshape(-1, 3)):
        q = strip.astype(np.int32) >> 3
        keys = (q[:, 0] << 10) | (q[:, 1] << 5) | q[:, 2]
        values, counts = np.unique(keys, return_counts=True)
        best = int(np.argmax(counts))
        if counts[best] < 0.35 * len(keys):
            continue
        colours.append(strip[keys == values[best]].astype(np.int16).mean(axis=0)
                       .astype(np.int16))
    if not colours:
        return np.zeros((0, 3), dtype=np.int16)
    return np.unique(np.stack(colours), axis=0)


def test_border_colours_by_counting_equal_sorting() -> None:
    """Counting colour keys finds the same dominant border colours as sorting them, including
    strips where two colours are equally common (the smaller key wins in both)."""
    rng = np.random.default_rng(5)
    pictures = [screenshot(photo(3)), photo(4), render(make_chat(1, app=APPS[0], theme=THEMES[0]))]
    for _ in range(300):  # two colours, about half each: ties and near-ties are common
        two = rng.integers(0, 248, (2, 3), dtype=np.uint8)
        pictures.append(two[(rng.random((12, 18)) < 0.5).astype(np.intp)])
    found = 0
    for p in pictures:
        rgb = np.ascontiguousarray(np.asarray(p, dtype=np.uint8)[..., :3])
        expected = _plain_border_colours(rgb)
        assert np.array_equal(regions._border_colours(rgb), expected)
        found += len(expected)
    assert found > 100  # most strips had a dominant colour to find
