"""Rectangles worth hashing besides the whole image.

Global hashes cannot see through borders, screenshots or crops, so a fingerprint also carries:

- ``trim``: the image with uniform bars and borders peeled off (letterboxing, padding, frames);
- ``content``: the picture found inside a screenshot or a web page: pixels that differ from
  the flat UI colours along the image's edges, grouped into dense blocks;
- ``crop``: fixed sub-crops of the image (centre and corners at a few scales), so that a cropped
  copy, hashed whole, lands close to one of them.

All work happens on the small working copy (long side <= 512 px), in a few milliseconds.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

# Our images are small: OpenCV's worker threads cost more than they save, and a process that
# forks (a worker pool) after they exist can deadlock in the child.
cv2.setNumThreads(1)

U8Image = npt.NDArray[np.uint8]
Box = tuple[int, int, int, int]  # left, top, right, bottom in pixels (right/bottom exclusive)

#: Long side of the copy regions are cut from (cheap, and PDQ decimates to 64x64 anyway).
REGION_SIDE = 256
#: Smallest region worth hashing, as a share of the image's area, and in pixels per side.
MIN_REGION_AREA = 0.06
MIN_REGION_SIDE = 40

#: Sub-crops kept for cropped copies: (scale, x position, y position) with positions in [0, 1]
#: (0 = flush left/top, 0.5 = centred, 1 = flush right/bottom).
CROP_GRID: tuple[tuple[float, float, float], ...] = (
    (0.88, 0.5, 0.5),
    (0.88, 0.0, 0.0),
    (0.88, 1.0, 0.0),
    (0.88, 0.0, 1.0),
    (0.88, 1.0, 1.0),
    (0.76, 0.5, 0.5),
    (0.76, 0.0, 0.0),
    (0.76, 1.0, 0.0),
    (0.76, 0.0, 1.0),
    (0.76, 1.0, 1.0),
    (0.76, 0.5, 0.0),
    (0.76, 0.5, 1.0),
    (0.76, 0.0, 0.5),
    (0.76, 1.0, 0.5),
)


def crop_boxes(width: int, height: int) -> list[Box]:
    """The fixed sub-crop rectangles of a ``width`` x ``height`` image."""
    boxes: list[Box] = []
    for scale, px, py in CROP_GRID:
        w, h = round(width * scale), round(height * scale)
        x0, y0 = round((width - w) * px), round((height - h) * py)
        boxes.append((x0, y0, x0 + w, y0 + h))
    return boxes


def components(mask: npt.NDArray[Any]) -> tuple[int, npt.NDArray[np.int32],
                                               npt.NDArray[np.int32]]:
    """8-connected components of a 0/1 mask: (count with the background, labels, stats), as
    ``cv2.connectedComponentsWithStats`` gives them. Grana's block-based algorithm gives the
    same labels and stats and, measured on working copies, is about 2.5 times faster than
    OpenCV's default with statistics."""
    n, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(
        mask, 8, cv2.CV_32S, cv2.CCL_GRANA)
    return int(n), np.asarray(labels, dtype=np.int32), np.asarray(stats, dtype=np.int32)


def _luma(rgb: U8Image) -> npt.NDArray[np.float32]:
    return np.asarray(
        rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114, dtype=np.float32
    )


#: Rows/columns examined first at each side by ``trim_box``; the whole image only when a
#: uniform run reaches this far (a real border), so a borderless image costs a few strips.
_TRIM_BAND = 8


def trim_box(rgb: U8Image, *, tolerance: float = 10.0) -> Box | None:
    """Peel rows and columns that are uniform and close to the border colour, from each side."""
    h, w = rgb.shape[:2]
    if h > 2 * _TRIM_BAND and w > 2 * _TRIM_BAND:
        # The same statistics as below, computed on the edge strips only (luma is per pixel
        # and each row's/column's mean and deviation depend on that row/column alone, so the
        # values are identical); enough whenever no uniform run reaches the strip's end.
        b = _TRIM_BAND
        top_y, bottom_y = _luma(rgb[:b]), _luma(rgb[h - b:])
        left_y, right_y = _luma(rgb[:, :b]), _luma(rgb[:, w - b:])
        runs = (
            _uniform_run(top_y.std(axis=1), top_y.mean(axis=1), range(b), tolerance),
            _uniform_run(bottom_y.std(axis=1), bottom_y.mean(axis=1), range(b - 1, -1, -1),
                         tolerance),
            _uniform_run(left_y.std(axis=0), left_y.mean(axis=0), range(b), tolerance),
            _uniform_run(right_y.std(axis=0), right_y.mean(axis=0), range(b - 1, -1, -1),
                         tolerance),
        )
        if max(runs) < b:
            top, bottom, left, right = runs
            box = (left, top, w - right, h - bottom)
            return box if _useful(box, w, h) else None
    y = _luma(rgb)
    row_std, col_std = y.std(axis=1), y.std(axis=0)
    row_mean, col_mean = y.mean(axis=1), y.mean(axis=0)
    top = _uniform_run(row_std, row_mean, range(h), tolerance)
    if top >= h:
        return None
    bottom = _uniform_run(row_std, row_mean, range(h - 1, -1, -1), tolerance)
    left = _uniform_run(col_std, col_mean, range(w), tolerance)
    right = _uniform_run(col_std, col_mean, range(w - 1, -1, -1), tolerance)
    box = (left, top, w - right, h - bottom)
    return box if _useful(box, w, h) else None


def _uniform_run(std: npt.NDArray[np.float32], mean: npt.NDArray[np.float32], order: range,
                 tolerance: float) -> int:
    """How many rows (columns) in ``order`` are uniform and close to the first one."""
    first = float(mean[order[0]])
    n = 0
    for i in order:
        if std[i] > tolerance * 0.6 or abs(float(mean[i]) - first) > tolerance:
            break
        n += 1
    return n


def _useful(box: Box, w: int, h: int) -> bool:
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    if bw < MIN_REGION_SIDE or bh < MIN_REGION_SIDE:
        return False
    if bw * bh < MIN_REGION_AREA * w * h:
        return False
    if max(bw, bh) > 5 * min(bw, bh):
        return False
    # Nearly the whole image: the whole-image hash already covers it.
    return not (bw >= 0.97 * w and bh >= 0.97 * h)


def _border_colours(rgb: U8Image) -> npt.NDArray[np.int16]:
    """The dominant colour of each edge strip that is mostly one flat colour."""
    strips = (
        rgb[:3].reshape(-1, 3),
        rgb[-3:].reshape(-1, 3),
        rgb[:, :3].reshape(-1, 3),
        rgb[:, -3:].reshape(-1, 3),
    )
    colours: list[npt.NDArray[np.int16]] = []
    for strip in strips:
        q = (strip >> 3).astype(np.int32)
        keys = (q[:, 0] << 10) | (q[:, 1] << 5) | q[:, 2]
        # The most common 15-bit colour key (the smallest of equally common ones, as sorting
        # would give), counted in one pass instead of sorting the strip.
        counts = np.bincount(keys)
        best = int(np.argmax(counts))
        if counts[best] < 0.35 * len(keys):
            continue
        colours.append(strip[keys == best].astype(np.int16).mean(axis=0).astype(np.int16))
    if not colours:
        return np.zeros((0, 3), dtype=np.int16)
    return np.unique(np.stack(colours), axis=0)


#: Passes of ``content_boxes`` over what earlier passes left of a block.
_PASSES = 3


def content_boxes(rgb: U8Image, *, limit: int = 3) -> list[Box]:
    """Rectangles of dense picture content inside flat UI colours (screenshots, pages)."""
    return content_layout(rgb, limit=limit)[1]


#: What ``content_layout`` finds: the content mask (None without flat UI colours) and boxes.
Layout = tuple[npt.NDArray[np.uint8] | None, list[Box]]


def content_layout(rgb: U8Image, *, limit: int = 3) -> Layout:
    """``content_boxes`` and the content mask they were found in (1 = not UI background);
    (None, []) when the image has no flat UI colours at its edges."""
    h, w = rgb.shape[:2]
    bg = _border_colours(rgb)
    if len(bg) == 0:
        return None, []
    # A pixel is background when every channel is within 12 of a UI colour.
    is_bg = np.zeros((h, w), dtype=np.uint8)
    for colour in bg:
        lo = np.clip(colour.astype(np.int32) - 12, 0, 255).astype(np.uint8)
        hi = np.clip(colour.astype(np.int32) + 12, 0, 255).astype(np.uint8)
        cv2.bitwise_or(is_bg, cv2.inRange(rgb, lo, hi), dst=is_bg)
    # Background is UI colour connected to the image's edge: the same colours inside the
    # picture (a dark sky beside a dark status bar) are part of the picture.
    _n, labels = cv2.connectedComponents(is_bg, connectivity=4)
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    inside = np.ones(int(labels.max()) + 1, dtype=np.uint8)
    inside[edge[edge > 0]] = 0
    content = inside[labels]
    share = content.mean()
    if share > 0.97 or share < MIN_REGION_AREA:
        return content, []
    # Density over 8x8 cells; text is sparse, pictures are dense.
    cell = 8
    ch, cw = max(1, h // cell), max(1, w // cell)
    dens = cv2.resize(content.astype(np.float32), (cw, ch), interpolation=cv2.INTER_AREA)
    dense0 = (dens >= 0.7).astype(np.uint8)
    closed = cv2.morphologyEx(dense0, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    dense = cv2.morphologyEx(closed, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    boxes: list[tuple[int, Box]] = []
    sx, sy = w / cw, h / ch
    # A block may join the picture to a bar beside it (an address bar a few pixels above a
    # picture): its refined box is then the bar, or the picture alone. Each pass takes the
    # refined boxes out of the dense cells and looks again at what is left.
    for _ in range(_PASSES):
        n, labels, stats, _ = cv2.connectedComponentsWithStats(dense, connectivity=4)
        left_over = False
        for i in range(1, n):
            x, y, bw, bh, area = (int(v) for v in stats[i])
            if area < 4:
                continue
            box = _refine(
                content,
                (round(x * sx), round(y * sy), round((x + bw) * sx), round((y + bh) * sy)),
            )
            if _useful(box, w, h) and not any(same_box(box, b) for _, b in boxes):
                boxes.append(((box[2] - box[0]) * (box[3] - box[1]), box))
            cx0, cy0 = int(box[0] / sx), int(box[1] / sy)
            cx1, cy1 = -(-box[2] * cw // w), -(-box[3] * ch // h)
            block = labels[cy0:cy1, cx0:cx1] == i
            if not block.any():
                continue
            dense[cy0:cy1, cx0:cx1][block] = 0
            left_over = left_over or int(np.count_nonzero(labels == i)) - int(block.sum()) >= 4
        if not left_over:
            break
    boxes.sort(reverse=True)
    return content, [b for _, b in boxes[:limit]]


def grown_box(content: npt.NDArray[np.uint8], box: Box) -> Box:
    """``box`` grown to the bounding box of the connected content (8-connected pixels of the
    content mask) found in its middle: the whole picture when only its densest part was
    detected."""
    x0, y0, x1, y1 = box
    mx, my = (x1 - x0) // 4, (y1 - y0) // 4
    _n, labels, stats = components(content)
    middle = np.unique(labels[y0 + my:y1 - my, x0 + mx:x1 - mx])
    for label in middle[middle > 0]:
        lx, ly, lw, lh, _area = (int(v) for v in stats[label])
        x0, y0 = min(x0, lx), min(y0, ly)
        x1, y1 = max(x1, lx + lw), max(y1, ly + lh)
    return (x0, y0, x1, y1)


def _longest_run(mask: npt.NDArray[np.bool_], gap: int = 2) -> tuple[int, int] | None:
    """(start, stop) of the longest run of True, bridging holes of up to ``gap`` entries."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return None
    breaks = np.flatnonzero(np.diff(idx) > gap + 1)
    starts = np.concatenate([[0], breaks + 1])
    stops = np.concatenate([breaks, [idx.size - 1]])
    k = int(np.argmax(idx[stops] - idx[starts]))
    return int(idx[starts[k]]), int(idx[stops[k]]) + 1


def _refine(content: npt.NDArray[np.uint8], box: Box) -> Box:
    """Snap a cell-aligned box to the longest run of densely filled rows, then columns.

    This drops caption lines, headers and avatars that touch the picture.
    """
    h, w = content.shape
    x0, y0, x1, y1 = box
    pad = 10
    ey0, ey1 = max(0, y0 - pad), min(h, y1 + pad)
    if x1 <= x0 or ey1 <= ey0:
        return box
    rows = _longest_run(content[ey0:ey1, x0:x1].mean(axis=1) >= 0.75)
    if rows is None:
        return box
    ny0, ny1 = ey0 + rows[0], ey0 + rows[1]
    ex0, ex1 = max(0, x0 - pad), min(w, x1 + pad)
    cols = _longest_run(content[ny0:ny1, ex0:ex1].mean(axis=0) >= 0.75)
    if cols is None:
        return box
    return (ex0 + cols[0], ny0, ex0 + cols[1], ny1)


def region_pixels(rgb: U8Image, box: Box) -> U8Image:
    """The pixels of ``box``, resized so the long side is at most ``REGION_SIDE``."""
    x0, y0, x1, y1 = box
    part = rgb[y0:y1, x0:x1]
    ph, pw = part.shape[:2]
    scale = REGION_SIDE / max(ph, pw)
    if scale < 1:
        size = (max(1, round(pw * scale)), max(1, round(ph * scale)))
        return np.ascontiguousarray(
            cv2.resize(part, size, interpolation=cv2.INTER_AREA), dtype=np.uint8
        )
    return np.ascontiguousarray(part)


def same_box(a: Box, b: Box, *, tolerance: float = 0.04) -> bool:
    """True when two boxes are nearly the same rectangle."""
    wa, ha = a[2] - a[0], a[3] - a[1]
    t = tolerance * max(wa, ha)
    return all(abs(p - q) <= t for p, q in zip(a, b, strict=True))
