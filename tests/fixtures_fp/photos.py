"""Photo-like images generated with numpy and OpenCV, and re-uploader style edits.

A "photo" is fractal colour noise (smooth shading at several scales, like light and surfaces)
with a few soft shapes and fine sensor grain. Each seed gives a different, unrelated image.
"""

from __future__ import annotations

import io
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

U8 = npt.NDArray[np.uint8]


def photo(seed: int, width: int = 640, height: int = 480) -> U8:
    rng = np.random.default_rng(seed)
    img = np.zeros((height, width, 3), dtype=np.float32)
    for octave, weight in ((3, 90.0), (6, 45.0), (12, 22.0), (24, 10.0), (48, 5.0)):
        small = rng.normal(0.0, 1.0, size=(octave, max(2, octave * width // height), 3))
        img += weight * cv2.resize(small.astype(np.float32), (width, height),
                                   interpolation=cv2.INTER_CUBIC)
    img += 128.0
    for _ in range(int(rng.integers(3, 7))):
        centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        axes = (int(rng.integers(20, width // 3)), int(rng.integers(20, height // 3)))
        colour = tuple(float(c) for c in rng.uniform(0, 255, size=3))
        layer = np.zeros_like(img)
        cv2.ellipse(layer, centre, axes, float(rng.uniform(0, 180)), 0, 360, colour, -1)
        mask = cv2.GaussianBlur((layer.sum(axis=2) > 0).astype(np.float32), (0, 0), 3)[..., None]
        img = img * (1 - 0.7 * mask) + layer * 0.7 * mask
    img += rng.normal(0.0, 3.0, size=img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def encode(rgb: npt.NDArray[Any], fmt: str = "PNG", **params: Any) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, fmt, **params)
    return buf.getvalue()


def jpeg(rgb: U8, quality: int = 75) -> bytes:
    return encode(rgb, "JPEG", quality=quality)


def resize(rgb: U8, scale: float) -> U8:
    h, w = rgb.shape[:2]
    size = (max(8, round(w * scale)), max(8, round(h * scale)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.LANCZOS))


def crop(rgb: U8, frac: float, fx: float = 0.5, fy: float = 0.5) -> U8:
    """Remove ``frac`` of width and height; ``fx``/``fy`` place the kept window (0..1)."""
    h, w = rgb.shape[:2]
    kw, kh = round(w * (1 - frac)), round(h * (1 - frac))
    x0, y0 = round((w - kw) * fx), round((h - kh) * fy)
    return np.ascontiguousarray(rgb[y0:y0 + kh, x0:x0 + kw])


def screenshot(rgb: U8, seed: int = 0) -> U8:
    """The picture shown in a phone app: status bar, header, caption text, buttons."""
    rng = np.random.default_rng(seed)
    sw, sh = 720, 1480
    canvas = np.full((sh, sw, 3), 255, dtype=np.uint8)
    canvas[:60] = (30, 30, 30)
    cv2.putText(canvas, "9:41", (20, 42), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2)
    canvas[60:170] = (245, 245, 245)
    cv2.putText(canvas, "someone_posted", (110, 128), cv2.FONT_HERSHEY_SIMPLEX, 1.1, (0, 0, 0), 2)
    cv2.circle(canvas, (55, 115), 35, (200, 120, 80), -1)
    h, w = rgb.shape[:2]
    pw = sw
    ph = round(h * pw / w)
    pic = np.asarray(Image.fromarray(rgb).resize((pw, ph), Image.Resampling.BILINEAR))
    top = 180
    canvas[top:top + ph] = pic[: sh - top]
    y = top + ph + 50
    for _ in range(3):
        words = " ".join("lorem"[: int(rng.integers(2, 6))] for _ in range(6))
        if y < sh - 150:
            cv2.putText(canvas, words, (20, y), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (40, 40, 40), 2)
        y += 45
    canvas[sh - 110:] = (250, 250, 250)
    for x in (120, 360, 600):
        cv2.circle(canvas, (x, sh - 55), 25, (90, 90, 90), 3)
    return canvas
