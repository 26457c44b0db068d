"""Text screenshots: a chat thread, a threat message, a profile page. Flat UI colours and lines
of text, no picture.

Victims of sextortion keep screenshots of the threats. Such a screenshot has no picture inside
it (``image.framed_box`` finds nothing, or only a block of message bubbles), so until
fingerprint version 4 it was fingerprinted like a photo. But other people's screenshots of the
same messenger share its whole frame: status bar, header, input bar, wallpaper, bubble shapes
and font, all at the same place. Measured (``bench/bench_chats.py``), that frame made other
chats match at the decision threshold through the keypoint stage and through a bubble block
taken for "the picture inside".

What tells two chats apart is the text and where it stands. So a stored text screenshot
(``ImageFingerprint.text_screen``) keeps its keypoints only on the text and bubbles of the
message area (``keypoint_mask``), not on the app's bars at the top and bottom or on its
background, and the index asks more of it (``vault.matching``): its whole hash has the stricter
``text`` family, and a keypoint match must spread over the message area.

Detection (``is_text_screen``) works on the working copy (long side <= 512 px):

1. **Flat colours.** Up to ``MAX_COLOURS`` colours, each the centre of the most common
   remaining 15-bit colour cell with every pixel within ``FLAT_TOLERANCE`` of it, covering
   at least ``MIN_COLOUR_SHARE`` of the image; together they must cover ``MIN_FLAT_SHARE``.
   A photo's smooth shading spreads over many colours; a UI is a few fills.
2. **No picture.** What is left (text, icons, edges, pictures) must be thin: eroded by one
   pixel, its largest block covers less than ``MAX_SOLID_SHARE`` (pictures and photos are
   solid; strokes of text vanish).
3. **Lines of text.** Glyph-sized pieces of what is left, joined sideways, must form at least
   ``MIN_TEXT_LINES`` lines of three glyphs or more, holding ``MIN_TEXT_SHARE`` of it. Line
   drawings, wood grain and particle wallpapers are flat and thin but not lines of text.
   A phone screenshot (``PHONE_ASPECT``) flatter still (``PHONE_FLAT_SHARE``) needs only
   ``PHONE_TEXT_LINES``: a thread of two messages has little text.

Thresholds were set on generated chats (150 full threads and 300 more, half of them cut to
their last 2-4 messages: all detected) against 417 real photos from Debian packages in four
orientations (none detected; text share at most 0.06, tall flat drawings at most one line of
text) and phone and browser screenshots around them. A block that region detection finds in
a screenshot of text is still the picture inside it when it holds no text
(``holds_picture``). See ``docs/fingerprints.md``, section 8.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import numpy.typing as npt

from vault.fingerprints.regions import MIN_REGION_AREA, components

U8Image = npt.NDArray[np.uint8]

#: A pixel belongs to a flat colour when every channel is within this of it.
FLAT_TOLERANCE = 10
#: At most this many flat colours, each covering at least this share of the image.
MAX_COLOURS = 6
MIN_COLOUR_SHARE = 0.01
#: The flat colours cover at least this share of a text screenshot.
MIN_FLAT_SHARE = 0.75
#: How far under ``MIN_FLAT_SHARE`` a sample of the pixels may come and still be looked at.
SAMPLE_MARGIN = 0.05
#: The largest solid block that is not a flat colour covers less than this share: a picture
#: smaller than a region worth hashing on its own (``regions.MIN_REGION_AREA``; an avatar, a
#: sticker, a small photo in a chat) does not make a screenshot of text a frame around it.
MAX_SOLID_SHARE = MIN_REGION_AREA
#: Lines of text a text screenshot shows, and the share of its non-flat pixels in them.
MIN_TEXT_LINES = 6
MIN_TEXT_SHARE = 0.2
#: A phone screenshot (at least this many times as tall as wide) that is flatter still needs
#: only this many lines: a short thread of two or three messages and the app's own labels
#: (clock, name, placeholder) shows 2-5. Tall flat drawings (Tux Paint stamps on white)
#: showed at most one.
PHONE_ASPECT = 1.7
PHONE_FLAT_SHARE = 0.85
PHONE_TEXT_LINES = 2

#: The app's bars (status bar, header, input bar, navigation) are left out of a text
#: screenshot's keypoints: this share of the height at the top and at the bottom. Phone
#: messengers use 8-15 % at the top and 8-13 % at the bottom.
TOP_BAND = 0.15
BOTTOM_BAND = 0.13
#: In the message area, the background colours (each covering this share of it, pixels within
#: ``BACKGROUND_TOLERANCE``; a faint wallpaper pattern falls inside) carry no keypoints.
BACKGROUND_SHARE = 0.08
BACKGROUND_TOLERANCE = 20


def flat_colours(rgb: U8Image, *, tolerance: int = FLAT_TOLERANCE,
                 min_share: float = MIN_COLOUR_SHARE, limit: int = MAX_COLOURS
                 ) -> npt.NDArray[np.bool_]:
    """Where ``rgb`` shows one of its few dominant flat colours (h x w bool)."""
    h, w = rgb.shape[:2]
    img = np.ascontiguousarray(rgb)
    q = img >> 3
    keys = ((q[..., 0].astype(np.uint16) << 10) | (q[..., 1].astype(np.uint16) << 5)
            | q[..., 2]).ravel()
    counts = np.bincount(keys, minlength=1 << 15)
    flat = np.zeros(h * w, dtype=bool)
    need = max(1.0, min_share * h * w)
    for _ in range(limit):
        best = int(np.argmax(counts))
        if counts[best] < need:
            break
        # The centre of the most common 15-bit colour cell, and every pixel near it.
        colour = np.array([(best >> 10) & 31, (best >> 5) & 31, best & 31]) * 8 + 4
        lo = np.clip(colour - tolerance, 0, 255).astype(np.uint8)
        hi = np.clip(colour + tolerance, 0, 255).astype(np.uint8)
        near = cv2.inRange(img, lo, hi).ravel() > 0
        new = near & ~flat
        counts -= np.bincount(keys[new], minlength=1 << 15)
        counts[best] = 0  # a cell whose pixels all lie just outside the tolerance
        flat |= near
    return flat.reshape(h, w)


def text_lines(rgb: U8Image) -> npt.NDArray[np.bool_] | None:
    """Where the lines of text are (h x w bool) when ``rgb`` (a working copy) looks like a
    screenshot of text: a few flat colours, no picture, lines of text (see the module doc).
    None for anything else."""
    h, w = rgb.shape[:2]
    if min(h, w) < 64:
        return None
    # The share of flat colours on a sample of about 6,000 pixels first, with a margin far
    # wider than the sample's error: most photos stop here, at a small part of the cost. Then
    # the share on every pixel decides.
    step = max(1, round(math.sqrt(h * w / 6_000)))
    if float(flat_colours(rgb[::step, ::step]).mean()) < MIN_FLAT_SHARE - SAMPLE_MARGIN:
        return None
    flat = flat_colours(rgb)
    flat_share = float(flat.mean())
    if flat_share < MIN_FLAT_SHARE:
        return None
    rest = np.logical_not(flat).view(np.uint8)
    pieces = components(rest)
    n, _labels, stats = pieces
    largest = MAX_SOLID_SHARE * h * w
    # Eroding only shrinks the pieces, so the solid check is needed only when one is large.
    if n > 1 and stats[1:, cv2.CC_STAT_AREA].max() >= largest:
        m, _solid_labels, solid_stats = components(cv2.erode(rest, np.ones((3, 3), np.uint8)))
        if m > 1 and solid_stats[1:, cv2.CC_STAT_AREA].max() >= largest:
            return None
    lines, count, share = _lines_of_text(rest, pieces)
    if count >= MIN_TEXT_LINES and share >= MIN_TEXT_SHARE:
        return lines
    phone = h >= PHONE_ASPECT * w and flat_share >= PHONE_FLAT_SHARE
    return lines if phone and count >= PHONE_TEXT_LINES else None


def is_text_screen(rgb: U8Image) -> bool:
    """True when ``rgb`` (a working copy) looks like a screenshot of text."""
    return text_lines(rgb) is not None


#: A block that region detection finds in a screenshot of text is a picture (a drawing or a
#: flat graphic in a page, with the page's text beside it) when lines of text cover less than
#: this share of it and it lies below the app's top bar and above its bottom bar. Blocks of
#: message bubbles measured 0.12 or more, pictures at most 0.03; the app's header lies in
#: the top band.
PICTURE_MAX_TEXT = 0.06


def holds_picture(lines: npt.NDArray[np.bool_], box: tuple[int, int, int, int]) -> bool:
    """Whether ``box`` (pixels of the working copy), a block region detection found in a
    screenshot of text whose ``text_lines`` are ``lines``, is a picture rather than part of
    the app (message bubbles, the header)."""
    h = lines.shape[0]
    x0, y0, x1, y1 = box
    if y1 <= TOP_BAND * h or y0 >= (1 - BOTTOM_BAND) * h:
        return False
    part = lines[y0:y1, x0:x1]
    return part.size > 0 and float(part.mean()) < PICTURE_MAX_TEXT


def _lines_of_text(rest: U8Image,
                   pieces: tuple[int, npt.NDArray[np.int32], npt.NDArray[np.int32]]
                   ) -> tuple[npt.NDArray[np.bool_], int, float]:
    """The pixels of the lines of text in a mask of non-flat pixels (``pieces``: its
    ``regions.components``), how many lines, and the share of the mask's pixels in them.

    A glyph is a piece of the mask between 3 px and 6 % of the short side tall and at most 20 %
    of it wide; glyphs are joined sideways over 2.5 % of the short side, and a joined piece
    holding three glyphs or more, at least three times as wide as tall, is a line."""
    h, w = rest.shape
    side = min(h, w)
    none = np.zeros((h, w), dtype=bool)
    n, labels, stats = pieces
    total = int(stats[1:, cv2.CC_STAT_AREA].sum()) if n > 1 else 0
    if total == 0:
        return none, 0, 0.0
    st = stats[1:]
    hs, ws = st[:, cv2.CC_STAT_HEIGHT], st[:, cv2.CC_STAT_WIDTH]
    glyph = (hs >= 3) & (hs <= 0.06 * side) & (ws <= 0.2 * side)
    if not glyph.any():
        return none, 0, 0.0
    keep = np.zeros(n, dtype=np.uint8)
    keep[1:][glyph] = 1
    glyphs = keep[labels]
    joined = cv2.dilate(glyphs, np.ones((1, max(3, round(0.025 * side))), np.uint8))
    m, jlabels, jstats = components(joined)
    gst = st[glyph]
    cy = np.clip(gst[:, 1] + gst[:, 3] // 2, 0, h - 1)
    cx = np.clip(gst[:, 0] + gst[:, 2] // 2, 0, w - 1)
    owner = jlabels[cy, cx]
    per_line = np.bincount(owner, minlength=m)
    jw, jh = jstats[:, cv2.CC_STAT_WIDTH], jstats[:, cv2.CC_STAT_HEIGHT]
    is_line = (per_line >= 3) & (jw >= 3 * jh) & (jh <= 0.08 * side)
    is_line[0] = False
    in_lines = int(gst[is_line[owner], cv2.CC_STAT_AREA].sum())
    return is_line[jlabels], int(is_line.sum()), in_lines / total


def keypoint_mask(rgb: U8Image) -> U8Image:
    """Where a text screenshot's keypoints may lie (255) in ``rgb``: the text and bubbles of
    the message area, i.e. not the bars at the top and bottom (``TOP_BAND``,
    ``BOTTOM_BAND``) and not the message area's background colours."""
    h, w = rgb.shape[:2]
    y0, y1 = round(TOP_BAND * h), round((1 - BOTTOM_BAND) * h)
    mask = np.zeros((h, w), dtype=np.uint8)
    if y1 - y0 < 8:
        return mask
    body = np.ascontiguousarray(rgb[y0:y1])
    background = flat_colours(body, tolerance=BACKGROUND_TOLERANCE, min_share=BACKGROUND_SHARE,
                              limit=3)
    text = np.logical_not(background).view(np.uint8)
    mask[y0:y1] = cv2.dilate(text, np.ones((5, 5), np.uint8)) * 255
    return mask
