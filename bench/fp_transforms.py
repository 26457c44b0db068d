"""The seeded transform suite: what re-uploaders do to a picture."""

from __future__ import annotations

import io
from collections.abc import Callable

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

U8 = np.ndarray
Transform = Callable[[U8, np.random.Generator], U8]


def _pil(a: U8) -> Image.Image:
    return Image.fromarray(a)


def _arr(im: Image.Image) -> U8:
    return np.ascontiguousarray(np.asarray(im.convert("RGB"), dtype=np.uint8))


def jpeg_bytes(a: U8, quality: int) -> bytes:
    buf = io.BytesIO()
    _pil(a).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _jpeg(q: int) -> Transform:
    def f(a: U8, rng: np.random.Generator) -> U8:
        return _arr(Image.open(io.BytesIO(jpeg_bytes(a, q))))
    return f


def _resize(scale: float) -> Transform:
    def f(a: U8, rng: np.random.Generator) -> U8:
        h, w = a.shape[:2]
        return _arr(_pil(a).resize((max(16, round(w * scale)), max(16, round(h * scale))),
                                   Image.Resampling.LANCZOS))
    return f


def _crop(frac: float, centred: bool) -> Transform:
    def f(a: U8, rng: np.random.Generator) -> U8:
        h, w = a.shape[:2]
        kw, kh = round(w * (1 - frac)), round(h * (1 - frac))
        fx, fy = (0.5, 0.5) if centred else (float(rng.uniform(0, 1)), float(rng.uniform(0, 1)))
        x0, y0 = round((w - kw) * fx), round((h - kh) * fy)
        return np.ascontiguousarray(a[y0:y0 + kh, x0:x0 + kw])
    return f


def _border(a: U8, rng: np.random.Generator) -> U8:
    h, w = a.shape[:2]
    p = float(rng.uniform(0.05, 0.15))
    colour = tuple(int(c) for c in rng.choice([0, 255, 128], size=1).repeat(3))
    return cv2.copyMakeBorder(a, round(h * p), round(h * p), round(w * p * 0.5),
                              round(w * p * 0.5), cv2.BORDER_CONSTANT, value=colour)


def _rotate(deg: float) -> Transform:
    def f(a: U8, rng: np.random.Generator) -> U8:
        sign = 1 if rng.random() < 0.5 else -1
        return _arr(_pil(a).rotate(sign * deg, Image.Resampling.BILINEAR, expand=False))
    return f


def _mirror(a: U8, rng: np.random.Generator) -> U8:
    return np.ascontiguousarray(np.fliplr(a))


def _turn(k: int) -> Transform:
    def f(a: U8, rng: np.random.Generator) -> U8:
        return np.ascontiguousarray(np.rot90(a, k))
    return f


def _colour(a: U8, rng: np.random.Generator) -> U8:
    im = ImageEnhance.Color(_pil(a)).enhance(float(rng.uniform(0.3, 1.8)))
    hsv = np.asarray(im.convert("HSV")).copy()
    hsv[..., 0] = (hsv[..., 0].astype(int) + int(rng.integers(10, 30))) % 256
    return _arr(Image.fromarray(hsv, "HSV"))


def _contrast(a: U8, rng: np.random.Generator) -> U8:
    im = ImageEnhance.Contrast(_pil(a)).enhance(float(rng.choice([0.6, 1.5])))
    return _arr(ImageEnhance.Brightness(im).enhance(float(rng.uniform(0.85, 1.15))))


def _gray(a: U8, rng: np.random.Generator) -> U8:
    return _arr(_pil(a).convert("L"))


def _blur(a: U8, rng: np.random.Generator) -> U8:
    return _arr(_pil(a).filter(ImageFilter.GaussianBlur(radius=max(a.shape[:2]) / 400)))


def _noise(a: U8, rng: np.random.Generator) -> U8:
    return np.clip(a + rng.normal(0, 12, size=a.shape), 0, 255).astype(np.uint8)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:
        return ImageFont.load_default()


def _text(a: U8, rng: np.random.Generator) -> U8:
    im = _pil(a).copy()
    h, w = a.shape[:2]
    d = ImageDraw.Draw(im)
    size = max(12, h // 12)
    words = ["LOOK", "at", "this", "OMG", "lol", "wow", "new", "leak", "2024", "!!!"]
    line = " ".join(rng.choice(words, size=4))
    d.text((w * 0.05, h * 0.8), line, fill=(255, 255, 255), font=_font(size),
           stroke_width=2, stroke_fill=(0, 0, 0))
    d.text((w * 0.05, h * 0.05), " ".join(rng.choice(words, size=3)), fill=(255, 255, 0),
           font=_font(size), stroke_width=2, stroke_fill=(0, 0, 0))
    return _arr(im)


def _watermark(a: U8, rng: np.random.Generator) -> U8:
    im = _pil(a).convert("RGBA")
    h, w = a.shape[:2]
    layer = Image.new("RGBA", im.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    size = max(12, w // 10)
    d.text((w * 0.2, h * 0.4), "@reuploader", fill=(255, 255, 255, 110), font=_font(size))
    d.text((w * 0.6, h * 0.9), "site.example", fill=(255, 255, 255, 160), font=_font(size // 2))
    return _arr(Image.alpha_composite(im, layer))


def _stretch(a: U8, rng: np.random.Generator) -> U8:
    h, w = a.shape[:2]
    return _arr(_pil(a).resize((round(w * 1.25), h), Image.Resampling.BILINEAR))


def phone_screenshot(a: U8, rng: np.random.Generator) -> U8:
    dark = rng.random() < 0.3
    bg, fg = ((0, 0, 0), (230, 230, 230)) if dark else ((255, 255, 255), (20, 20, 20))
    sw, sh = 1080, 2340
    im = Image.new("RGB", (sw, sh), bg)
    d = ImageDraw.Draw(im)
    d.rectangle((0, 0, sw, 90), fill=(20, 20, 20) if not dark else (0, 0, 0))
    d.text((40, 20), "12:0" + str(int(rng.integers(0, 9))), fill=(255, 255, 255), font=_font(44))
    d.ellipse((30, 120, 130, 220), fill=tuple(int(c) for c in rng.integers(0, 255, 3)))
    d.text((160, 145), "user_" + str(int(rng.integers(100, 999))), fill=fg, font=_font(46))
    h, w = a.shape[:2]
    ph = round(h * sw / w)
    top = 250
    ph = min(ph, sh - top - 500)
    pw = round(w * ph / h)
    pic = _pil(a).resize((pw, ph), Image.Resampling.BILINEAR)
    im.paste(pic, ((sw - pw) // 2, top))
    y = top + ph + 60
    for _ in range(3):
        d.text((40, y), " ".join(rng.choice(["so", "this", "is", "the", "pic", "haha", "from",
                                             "last", "night"], size=6)), fill=fg, font=_font(42))
        y += 60
    d.rectangle((0, sh - 140, sw, sh), fill=(245, 245, 245) if not dark else (20, 20, 20))
    return _arr(im)


def browser_screenshot(a: U8, rng: np.random.Generator) -> U8:
    sw, sh = 1920, 1080
    im = Image.new("RGB", (sw, sh), (240, 240, 240) if rng.random() < 0.5 else (255, 255, 255))
    d = ImageDraw.Draw(im)
    d.rectangle((0, 0, sw, 40), fill=(222, 225, 230))
    d.rectangle((10, 5, 300, 40), fill=(255, 255, 255))
    d.text((20, 10), "Photo - forum", fill=(0, 0, 0), font=_font(20))
    d.rectangle((0, 40, sw, 90), fill=(255, 255, 255))
    d.rounded_rectangle((120, 48, 1400, 82), radius=16, fill=(241, 243, 244))
    d.text((140, 54), "https://forum.example/thread/" + str(int(rng.integers(1000, 9999))),
           fill=(60, 60, 60), font=_font(20))
    h, w = a.shape[:2]
    ph = int(rng.integers(600, 880))
    pw = round(w * ph / h)
    if pw > 1300:
        pw = 1300
        ph = round(h * pw / w)
    pic = _pil(a).resize((pw, ph), Image.Resampling.BILINEAR)
    x0 = int(rng.integers(60, max(61, sw - pw - 300)))
    im.paste(pic, (x0, 130))
    for i in range(8):
        d.text((x0 + pw + 40, 140 + i * 40), " ".join(rng.choice(["reply", "quote", "nice",
               "who", "is", "she", "link"], size=3)), fill=(30, 30, 30), font=_font(24))
    d.text((x0, 140 + ph), "Posted by anon", fill=(80, 80, 80), font=_font(22))
    return _arr(im)


def _chain(*steps: Transform) -> Transform:
    def f(a: U8, rng: np.random.Generator) -> U8:
        for s in steps:
            a = s(a, rng)
        return a
    return f


#: (name, group, transform). Groups follow the issue's targets.
SUITE: list[tuple[str, str, Transform]] = [
    ("jpeg q20", "re-encode/resize/filter", _jpeg(20)),
    ("jpeg q50", "re-encode/resize/filter", _jpeg(50)),
    ("jpeg q90", "re-encode/resize/filter", _jpeg(90)),
    ("resize 0.3x", "re-encode/resize/filter", _resize(0.3)),
    ("resize 1.5x", "re-encode/resize/filter", _resize(1.5)),
    ("colour", "re-encode/resize/filter", _colour),
    ("contrast", "re-encode/resize/filter", _contrast),
    ("grayscale", "re-encode/resize/filter", _gray),
    ("blur", "re-encode/resize/filter", _blur),
    ("noise", "re-encode/resize/filter", _noise),
    ("mirror", "mirror/90-degree turns", _mirror),
    ("turn 90", "mirror/90-degree turns", _turn(1)),
    ("turn 180", "mirror/90-degree turns", _turn(2)),
    ("crop 5% centred", "crops <=20%/borders/rotation <=5", _crop(0.05, True)),
    ("crop 10% off-centre", "crops <=20%/borders/rotation <=5", _crop(0.10, False)),
    ("crop 20% centred", "crops <=20%/borders/rotation <=5", _crop(0.20, True)),
    ("crop 20% off-centre", "crops <=20%/borders/rotation <=5", _crop(0.20, False)),
    ("border", "crops <=20%/borders/rotation <=5", _border),
    ("rotate 2", "crops <=20%/borders/rotation <=5", _rotate(2)),
    ("rotate 5", "crops <=20%/borders/rotation <=5", _rotate(5)),
    ("crop 25% off-centre", "harder (no target)", _crop(0.25, False)),
    ("rotate 10", "harder (no target)", _rotate(10)),
    ("aspect stretch", "harder (no target)", _stretch),
    ("text overlay", "screenshots/overlays", _text),
    ("watermark", "screenshots/overlays", _watermark),
    ("phone screenshot", "screenshots/overlays", phone_screenshot),
    ("browser screenshot", "screenshots/overlays", browser_screenshot),
    ("chain: crop10+resize+jpeg40", "chains", _chain(_crop(0.10, False), _resize(0.6),
                                                     _jpeg(40))),
    ("chain: mirror+phone screenshot", "chains", _chain(_mirror, phone_screenshot)),
    ("chain: border+text+jpeg40", "chains", _chain(_border, _text, _jpeg(40))),
]
