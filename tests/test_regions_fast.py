"""The fast paths of region detection give exactly what the plain computation gives."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tests.fixtures_fp.photos import photo, screenshot
from vault.fingerprints import regions


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
