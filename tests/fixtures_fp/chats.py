"""Synthetic text-only phone screenshots: chat threads of three messenger layouts.

What a victim of sextortion keeps as evidence is often a screenshot of the threats: a chat
thread with the messenger's status bar, header and input bar, message bubbles left and right,
names and times, no picture. Other people's screenshots of the same messenger share all of
that frame. ``make_chat(seed)`` draws one conversation (seeded: the same seed gives the same
chat); ``render(chat)`` paints it as a phone screenshot (RGB uint8), optionally in the other
theme or scrolled.

Three layouts, each in a light and a dark theme:

- ``talk``: a Korean-style messenger (blue-grey background, yellow outgoing bubbles, white
  incoming ones with a rounded-square avatar and the sender's name, times beside the bubbles,
  date separator pills);
- ``bubble``: an iPhone-style messenger (white or black background, blue outgoing and grey
  incoming bubbles, a centred avatar and name in the header, centred time stamps);
- ``gram``: a green-header messenger (a faint doodle wallpaper, times and ticks inside the
  bubbles, a round microphone button).

Text is Korean or English in a real font (Nanum Gothic from ``fonts-nanum``, DejaVu Sans;
Pillow's default font when neither is installed). A chat may carry a sticker (the same few
drawings in every chat, as in real messengers) and photo avatars.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from tests.fixtures_fp.photos import photo

U8 = npt.NDArray[np.uint8]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
RGB = tuple[int, int, int]

APPS = ("talk", "bubble", "gram")
THEMES = ("light", "dark")
#: Phone screens (width, height) a chat is drawn on.
SCREENS = ((1080, 2340), (1080, 2400))

_FONT_DIRS = (Path("/usr/share/fonts/truetype/nanum"), Path("/usr/share/fonts/truetype/dejavu"))

EN = (
    "hey", "are you there?", "answer me", "I have your photos", "ok", "what do you want",
    "please delete them", "lol", "where are you?", "see you tomorrow", "did you get home ok",
    "haha yes", "call me when you can", "the link is still up", "you have 24 hours",
    "send 500 by tonight or everyone sees them", "please don't do this to me",
    "I'll send them to your friends and your family", "I know where you work",
    "check your messages", "why are you ignoring me", "last warning",
    "I already made a new account", "who else has them?", "I'm going to the police",
    "nobody will believe you", "just pay and it all goes away", "stop", "fine", "??",
    "you think this is a joke?", "I'm serious", "I need more time please",
    "tomorrow morning, I promise", "screenshot this if you want, I don't care",
    "they're already on the site", "take them down now", "how did you get these",
)
KO = (
    "안녕", "뭐해?", "사진 다 갖고 있어", "돈 보내면 지워줄게", "오늘 밤까지 50만원 보내",
    "제발 이러지 마", "친구들한테 다 뿌린다", "경찰에 신고할 거야", "ㅋㅋㅋ", "응", "알았어",
    "내일 봐", "어디야?", "답장해", "지우라고 했잖아", "링크 아직 있어", "왜 답이 없어",
    "진짜 마지막 경고야", "시간 좀 더 줘", "내일 아침에 보낼게 약속해", "장난하는 거 아니야",
    "너희 회사도 알아", "새 계정 또 만들었어", "그 사진 어떻게 구했어?", "이미 사이트에 올렸어",
    "당장 내려", "아무도 네 말 안 믿어", "돈만 보내면 끝나", "그만해", "??", "ㅠㅠ",
    "집에 잘 들어갔어?", "전화 좀 받아", "캡처하든지 말든지", "가족들한테도 보낼 거야",
)
NAMES_EN = ("Alex", "Jordan", "minjun_99", "Chris P.", "Sam", "unknown", "Daniel", "J")
NAMES_KO = ("민준", "지훈", "서연", "모르는 사람", "김도윤", "하준", "익명", "오빠")


@dataclass(frozen=True)
class Message:
    outgoing: bool
    text: str
    time: str
    sticker: int = -1  # index of a sticker drawing instead of text, or -1


@dataclass(frozen=True)
class Chat:
    app: str
    theme: str
    korean: bool
    contact: str
    clock: str
    date: str
    messages: tuple[Message, ...]
    screen: tuple[int, int]
    avatar: int  # -1: the app's default silhouette, else the seed of a photo avatar
    battery: int
    scroll: int = 0  # messages dropped from the end (the thread scrolled up)


def _time(rng: np.random.Generator, korean: bool) -> str:
    h, m = int(rng.integers(1, 13)), int(rng.integers(0, 60))
    if korean:
        return f"{'오전' if rng.random() < 0.4 else '오후'} {h}:{m:02d}"
    return f"{h}:{m:02d} {'AM' if rng.random() < 0.4 else 'PM'}"


def make_chat(seed: int, *, app: str | None = None, theme: str | None = None) -> Chat:
    """One seeded conversation (see the module doc)."""
    rng = np.random.default_rng(seed)
    app = app or APPS[int(rng.integers(0, len(APPS)))]
    theme = theme or THEMES[int(rng.random() < 0.35)]
    korean = bool(rng.random() < (0.7 if app == "talk" else 0.35))
    pool = KO if korean else EN
    n = int(rng.integers(7, 16))
    messages: list[Message] = []
    outgoing = bool(rng.random() < 0.5)
    t = _time(rng, korean)
    for _ in range(n):
        if rng.random() < 0.45:
            outgoing = not outgoing
        if rng.random() < 0.3:
            t = _time(rng, korean)
        parts = int(rng.choice([1, 1, 1, 2, 2, 3]))
        text = " ".join(str(rng.choice(pool)) for _ in range(parts))
        sticker = int(rng.integers(0, 3)) if rng.random() < 0.05 else -1
        messages.append(Message(outgoing, text, t, sticker))
    names = NAMES_KO if korean else NAMES_EN
    if korean:
        date = f"2024년 {int(rng.integers(1, 13))}월 {int(rng.integers(1, 29))}일"
    else:
        day = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[int(rng.integers(0, 7))]
        month = ("Mar", "Apr", "May", "Jun", "Jul")[int(rng.integers(0, 5))]
        date = f"{day}, {month} {int(rng.integers(1, 29))}"
    return Chat(
        app=app, theme=theme, korean=korean, contact=str(rng.choice(names)),
        clock=f"{int(rng.integers(0, 24))}:{int(rng.integers(0, 60)):02d}", date=date,
        messages=tuple(messages), screen=SCREENS[int(rng.integers(0, len(SCREENS)))],
        avatar=-1 if rng.random() < 0.6 else int(rng.integers(1000, 100000)),
        battery=int(rng.integers(8, 100)),
    )


@cache
def _font(size: int, bold: bool = False, korean: bool = True) -> Font:
    names = (("NanumGothicBold.ttf", "DejaVuSans-Bold.ttf") if bold
             else ("NanumGothic.ttf", "DejaVuSans.ttf"))
    if not korean:  # Latin text in the app's own font where it has one
        names = names[::-1]
    for name in names:
        for d in _FONT_DIRS:
            if (d / name).exists():
                return ImageFont.truetype(str(d / name), size)
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # very old Pillow
        return ImageFont.load_default()


@dataclass(frozen=True)
class _Style:
    bg: RGB
    header: RGB
    header_fg: RGB
    status_fg: RGB
    fg: RGB
    muted: RGB
    bubble_in: RGB
    bubble_out: RGB
    text_in: RGB
    text_out: RGB
    bar: RGB
    field: RGB
    accent: RGB


_STYLES: dict[tuple[str, str], _Style] = {
    ("talk", "light"): _Style((186, 206, 224), (186, 206, 224), (20, 20, 20), (20, 20, 20),
                              (20, 20, 20), (80, 90, 100), (255, 255, 255), (254, 229, 0),
                              (20, 20, 20), (20, 20, 20), (255, 255, 255), (245, 245, 245),
                              (254, 229, 0)),
    ("talk", "dark"): _Style((38, 38, 40), (38, 38, 40), (235, 235, 235), (235, 235, 235),
                             (235, 235, 235), (150, 150, 150), (62, 62, 66), (254, 229, 0),
                             (235, 235, 235), (20, 20, 20), (28, 28, 30), (50, 50, 54),
                             (254, 229, 0)),
    ("bubble", "light"): _Style((255, 255, 255), (247, 247, 247), (10, 10, 10), (10, 10, 10),
                                (10, 10, 10), (142, 142, 147), (233, 233, 235), (10, 132, 255),
                                (10, 10, 10), (255, 255, 255), (255, 255, 255), (255, 255, 255),
                                (10, 132, 255)),
    ("bubble", "dark"): _Style((0, 0, 0), (22, 22, 24), (240, 240, 240), (240, 240, 240),
                               (240, 240, 240), (142, 142, 147), (38, 38, 41), (10, 132, 255),
                               (240, 240, 240), (255, 255, 255), (0, 0, 0), (0, 0, 0),
                               (10, 132, 255)),
    ("gram", "light"): _Style((230, 221, 212), (0, 128, 105), (255, 255, 255), (255, 255, 255),
                              (20, 20, 20), (120, 120, 120), (255, 255, 255), (220, 248, 198),
                              (20, 20, 20), (20, 20, 20), (230, 221, 212), (255, 255, 255),
                              (0, 168, 132)),
    ("gram", "dark"): _Style((11, 20, 26), (31, 44, 52), (233, 237, 239), (233, 237, 239),
                             (233, 237, 239), (134, 150, 160), (31, 44, 52), (0, 92, 75),
                             (233, 237, 239), (233, 237, 239), (11, 20, 26), (31, 44, 52),
                             (0, 168, 132)),
}


def _wrap(text: str, font: Font, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        trial = f"{line} {word}".strip()
        if line and font.getlength(trial) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    if line:
        lines.append(line)
    return lines


def _status_bar(d: ImageDraw.ImageDraw, chat: Chat, st: _Style, w: int, s: float) -> int:
    h = round(90 * s)
    d.rectangle((0, 0, w, h), fill=st.header if chat.app != "bubble" else st.bg)
    fg = st.status_fg if chat.app != "bubble" else st.fg
    d.text((round(50 * s), round(22 * s)), chat.clock, fill=fg, font=_font(round(40 * s), True))
    x = w - round(60 * s)
    # battery, wifi, signal
    bw = round(64 * s)
    d.rounded_rectangle((x - bw, round(30 * s), x, round(62 * s)), radius=round(8 * s),
                        outline=fg, width=max(1, round(3 * s)))
    fill_w = round((bw - 10 * s) * chat.battery / 100)
    d.rectangle((x - bw + round(5 * s), round(35 * s), x - bw + round(5 * s) + fill_w,
                 round(57 * s)), fill=fg)
    x -= bw + round(30 * s)
    d.pieslice((x - round(50 * s), round(20 * s), x, round(70 * s)), 225, 315, fill=fg)
    x -= round(70 * s)
    for i in range(4):
        bh = round((12 + 10 * i) * s)
        d.rectangle((x + round(i * 14 * s), round(64 * s) - bh, x + round(i * 14 * s + 9 * s),
                     round(64 * s)), fill=fg)
    return h


def _avatar(im: Image.Image, chat: Chat, st: _Style, box: tuple[int, int, int, int],
            round_square: bool) -> None:
    x0, y0, x1, y1 = box
    size = x1 - x0
    mask = Image.new("L", (size, size), 0)
    md = ImageDraw.Draw(mask)
    if round_square:
        md.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 3, fill=255)
    else:
        md.ellipse((0, 0, size - 1, size - 1), fill=255)
    if chat.avatar >= 0:
        face = Image.fromarray(photo(chat.avatar, 96, 96)).resize((size, size))
    else:  # the app's default silhouette, the same in every chat
        face = Image.new("RGB", (size, size), (155, 188, 216) if chat.app == "talk"
                         else (170, 175, 185))
        fd = ImageDraw.Draw(face)
        fd.ellipse((size * 0.32, size * 0.18, size * 0.68, size * 0.54), fill=(255, 255, 255))
        fd.ellipse((size * 0.15, size * 0.6, size * 0.85, size * 1.2), fill=(255, 255, 255))
    im.paste(face, (x0, y0), mask)


def _sticker(d: ImageDraw.ImageDraw, kind: int, box: tuple[int, int, int, int]) -> None:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    if kind == 0:  # a crying face
        d.ellipse(box, fill=(255, 204, 51), outline=(120, 80, 0), width=6)
        d.ellipse((x0 + w * .28, y0 + h * .32, x0 + w * .4, y0 + h * .46), fill=(60, 40, 0))
        d.ellipse((x0 + w * .6, y0 + h * .32, x0 + w * .72, y0 + h * .46), fill=(60, 40, 0))
        d.arc((x0 + w * .3, y0 + h * .6, x0 + w * .7, y0 + h * .9), 200, 340, fill=(60, 40, 0),
              width=8)
        d.ellipse((x0 + w * .22, y0 + h * .48, x0 + w * .3, y0 + h * .66), fill=(90, 170, 255))
    elif kind == 1:  # a heart
        d.ellipse((x0, y0 + h * .1, x0 + w * .55, y0 + h * .6), fill=(235, 60, 90))
        d.ellipse((x0 + w * .45, y0 + h * .1, x1, y0 + h * .6), fill=(235, 60, 90))
        d.polygon([(x0 + w * .03, y0 + h * .45), (x1 - w * .03, y0 + h * .45),
                   (x0 + w * .5, y1)], fill=(235, 60, 90))
    else:  # a bear waving
        d.ellipse((x0 + w * .1, y0, x0 + w * .35, y0 + h * .25), fill=(150, 100, 60))
        d.ellipse((x0 + w * .65, y0, x0 + w * .9, y0 + h * .25), fill=(150, 100, 60))
        d.ellipse((x0 + w * .1, y0 + h * .08, x0 + w * .9, y0 + h * .85), fill=(170, 120, 75))
        d.ellipse((x0 + w * .35, y0 + h * .45, x0 + w * .65, y0 + h * .7), fill=(235, 210, 180))
        d.ellipse((x0 + w * .3, y0 + h * .3, x0 + w * .38, y0 + h * .4), fill=(30, 20, 10))
        d.ellipse((x0 + w * .62, y0 + h * .3, x0 + w * .7, y0 + h * .4), fill=(30, 20, 10))


def _wallpaper(w: int, h: int, st: _Style, dark: bool) -> Image.Image:
    """The ``gram`` wallpaper: faint doodles on the background colour (the same in every
    chat of a theme)."""
    im = Image.new("RGB", (w, h), st.bg)
    d = ImageDraw.Draw(im)
    rng = np.random.default_rng(7 if dark else 8)
    delta = 10 if dark else -12
    ink = tuple(max(0, min(255, c + delta)) for c in st.bg)
    for _ in range(w * h // 9000):
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        r = int(rng.integers(10, 26))
        kind = int(rng.integers(0, 3))
        if kind == 0:
            d.ellipse((x - r, y - r, x + r, y + r), outline=ink, width=3)
        elif kind == 1:
            d.line((x - r, y, x + r, y + r // 2), fill=ink, width=3)
        else:
            d.rectangle((x - r // 2, y - r // 2, x + r // 2, y + r // 2), outline=ink, width=3)
    return im


def render(chat: Chat, *, theme: str | None = None, scroll: int | None = None) -> U8:
    """The chat as a phone screenshot (RGB uint8); ``theme``/``scroll`` override the chat's."""
    if theme is not None or scroll is not None:
        chat = replace(chat, theme=theme or chat.theme,
                       scroll=chat.scroll if scroll is None else scroll)
    w, h = chat.screen
    s = w / 1080
    st = _STYLES[(chat.app, chat.theme)]
    dark = chat.theme == "dark"
    im = (_wallpaper(w, h, st, dark) if chat.app == "gram"
          else Image.new("RGB", (w, h), st.bg))
    d = ImageDraw.Draw(im)
    k = chat.korean
    top = _status_bar(d, chat, st, w, s)
    # Header
    if chat.app == "talk":
        hh = round(130 * s)
        d.rectangle((0, top, w, top + hh), fill=st.header)
        cy = top + hh // 2
        d.line((round(40 * s), cy, round(65 * s), cy - round(25 * s)), fill=st.header_fg,
               width=round(6 * s))
        d.line((round(40 * s), cy, round(65 * s), cy + round(25 * s)), fill=st.header_fg,
               width=round(6 * s))
        d.text((round(100 * s), cy - round(26 * s)), chat.contact, fill=st.header_fg,
               font=_font(round(46 * s), True, k))
        d.ellipse((w - round(210 * s), cy - round(22 * s), w - round(170 * s), cy + round(18 * s)),
                  outline=st.header_fg, width=round(5 * s))
        d.line((w - round(175 * s), cy + round(13 * s), w - round(158 * s), cy + round(30 * s)),
               fill=st.header_fg, width=round(5 * s))
        for i in range(3):
            y = cy - round(20 * s) + round(i * 20 * s)
            d.line((w - round(100 * s), y, w - round(50 * s), y), fill=st.header_fg,
                   width=round(5 * s))
    elif chat.app == "bubble":
        hh = round(230 * s)
        d.rectangle((0, top, w, top + hh), fill=st.header)
        d.line((0, top + hh, w, top + hh), fill=(200, 200, 200) if not dark else (50, 50, 50),
               width=2)
        cy = top + round(70 * s)
        d.line((round(40 * s), cy, round(65 * s), cy - round(28 * s)), fill=st.accent,
               width=round(7 * s))
        d.line((round(40 * s), cy, round(65 * s), cy + round(28 * s)), fill=st.accent,
               width=round(7 * s))
        a = round(110 * s)
        _avatar(im, chat, st, (w // 2 - a // 2, top + round(20 * s), w // 2 + a // 2,
                               top + round(20 * s) + a), False)
        f = _font(round(34 * s), False, k)
        d.text((w // 2 - f.getlength(chat.contact + " >") / 2, top + round(140 * s)),
               chat.contact + " >", fill=st.header_fg, font=f)
        hh += 2
    else:
        hh = round(150 * s)
        d.rectangle((0, top, w, top + hh), fill=st.header)
        cy = top + hh // 2
        d.line((round(30 * s), cy, round(55 * s), cy - round(25 * s)), fill=st.header_fg,
               width=round(6 * s))
        d.line((round(30 * s), cy, round(55 * s), cy + round(25 * s)), fill=st.header_fg,
               width=round(6 * s))
        a = round(100 * s)
        _avatar(im, chat, st, (round(75 * s), cy - a // 2, round(75 * s) + a, cy - a // 2 + a),
                False)
        d.text((round(200 * s), cy - round(45 * s)), chat.contact, fill=st.header_fg,
               font=_font(round(44 * s), True, k))
        d.text((round(200 * s), cy + round(8 * s)), "온라인" if k else "online",
               fill=st.header_fg, font=_font(round(32 * s), False, k))
        for i in range(3):
            d.ellipse((w - round(60 * s), cy - round(30 * s) + round(i * 25 * s),
                       w - round(50 * s), cy - round(20 * s) + round(i * 25 * s)),
                      fill=st.header_fg)
        d.rounded_rectangle((w - round(250 * s), cy - round(20 * s), w - round(200 * s),
                             cy + round(20 * s)), radius=round(6 * s), outline=st.header_fg,
                            width=round(5 * s))
    body_top = top + hh
    # Input bar at the bottom, with the phone's home indicator under it.
    nav = round(70 * s)
    bar = round(130 * s)
    bar_top = h - nav - bar
    d.rectangle((0, bar_top, w, h), fill=st.bar)
    if chat.app == "talk":
        d.line((round(45 * s), bar_top + bar // 2, round(95 * s), bar_top + bar // 2),
               fill=st.muted, width=round(6 * s))
        d.line((round(70 * s), bar_top + bar // 2 - round(25 * s), round(70 * s),
                bar_top + bar // 2 + round(25 * s)), fill=st.muted, width=round(6 * s))
        d.rounded_rectangle((round(130 * s), bar_top + round(22 * s), w - round(150 * s),
                             bar_top + bar - round(22 * s)), radius=round(40 * s), fill=st.field)
        d.text((w - round(110 * s), bar_top + round(38 * s)), "#", fill=st.muted,
               font=_font(round(50 * s), True))
    elif chat.app == "bubble":
        d.ellipse((round(30 * s), bar_top + round(25 * s), round(110 * s),
                   bar_top + round(105 * s)), fill=(233, 233, 235) if not dark else (38, 38, 41))
        d.rounded_rectangle((round(140 * s), bar_top + round(22 * s), w - round(40 * s),
                             bar_top + bar - round(22 * s)), radius=round(43 * s),
                            outline=(200, 200, 205) if not dark else (60, 60, 64),
                            width=round(3 * s), fill=st.field)
        d.text((round(180 * s), bar_top + round(42 * s)), "iMessage", fill=st.muted,
               font=_font(round(38 * s), False, False))
    else:
        d.rounded_rectangle((round(20 * s), bar_top + round(15 * s), w - round(160 * s),
                             bar_top + bar - round(15 * s)), radius=round(50 * s), fill=st.field)
        d.text((round(110 * s), bar_top + round(40 * s)), "메시지" if k else "Message",
               fill=st.muted, font=_font(round(40 * s), False, k))
        d.ellipse((w - round(140 * s), bar_top + round(10 * s), w - round(30 * s),
                   bar_top + round(120 * s)), fill=st.accent)
        d.rounded_rectangle((w - round(97 * s), bar_top + round(35 * s), w - round(73 * s),
                             bar_top + round(80 * s)), radius=round(12 * s), fill=(255, 255, 255))
    d.rounded_rectangle((w // 2 - round(140 * s), h - round(35 * s), w // 2 + round(140 * s),
                         h - round(25 * s)), radius=round(5 * s), fill=st.fg)
    # Messages, laid out from the bottom up (a thread scrolled to its newest message).
    visible = chat.messages[: len(chat.messages) - chat.scroll] if chat.scroll else chat.messages
    _messages(im, d, chat, st, visible, body_top, bar_top, w, s)
    return np.ascontiguousarray(np.asarray(im, dtype=np.uint8))


def _messages(im: Image.Image, d: ImageDraw.ImageDraw, chat: Chat, st: _Style,
              messages: tuple[Message, ...], body_top: int, bar_top: int, w: int,
              s: float) -> None:
    k = chat.korean
    f = _font(round(40 * s), False, k)
    small = _font(round(28 * s), False, k)
    pad_x, pad_y, line_h = round(32 * s), round(22 * s), round(52 * s)
    max_text = round(w * 0.58)
    y = bar_top - round(30 * s)
    avatar_left = chat.app == "talk"
    left0 = round(170 * s) if avatar_left else round(30 * s)
    for i in range(len(messages) - 1, -1, -1):
        m = messages[i]
        first_of_run = i == 0 or messages[i - 1].outgoing != m.outgoing
        if m.sticker >= 0:
            bw = bh = round(300 * s)
            lines: list[str] = []
        else:
            lines = _wrap(m.text, f, max_text)
            tw = max(round(f.getlength(line)) for line in lines)
            extra = round(150 * s) if chat.app == "gram" else 0  # the time inside the bubble
            bw = tw + 2 * pad_x + extra
            bh = len(lines) * line_h + 2 * pad_y - round(8 * s)
        name_h = round(44 * s) if (avatar_left and first_of_run and not m.outgoing) else 0
        y0 = y - bh
        if y0 - name_h < body_top + round(20 * s):
            break
        x0 = w - round(30 * s) - bw if m.outgoing else left0
        if m.sticker >= 0:
            _sticker(d, m.sticker, (x0, y0, x0 + bw, y0 + bh))
        else:
            fill = st.bubble_out if m.outgoing else st.bubble_in
            d.rounded_rectangle((x0, y0, x0 + bw, y0 + bh), radius=round(36 * s), fill=fill)
            colour = st.text_out if m.outgoing else st.text_in
            for j, line in enumerate(lines):
                d.text((x0 + pad_x, y0 + pad_y + j * line_h), line, fill=colour, font=f)
            if chat.app == "gram":
                stamp = m.time.split(" ")[-1] if k else m.time.split(" ")[0]
                d.text((x0 + bw - round(140 * s), y0 + bh - round(42 * s)),
                       stamp + (" ✓✓" if m.outgoing else ""), fill=st.muted, font=small)
        if chat.app == "talk":
            tw_ = small.getlength(m.time)
            tx = x0 - round(12 * s) - tw_ if m.outgoing else x0 + bw + round(12 * s)
            d.text((tx, y - round(34 * s)), m.time, fill=st.muted, font=small)
            if name_h:
                d.text((left0, y0 - name_h), chat.contact, fill=st.fg, font=small)
                a = round(110 * s)
                _avatar(im, chat, st, (round(35 * s), y0 - name_h, round(35 * s) + a,
                                       y0 - name_h + a), True)
        y = y0 - name_h - (round(34 * s) if first_of_run else round(12 * s))
        if chat.app == "bubble" and first_of_run and i % 4 == 0:
            label = f"{chat.date} {m.time}"
            lw = small.getlength(label)
            if y - round(50 * s) > body_top + round(20 * s):
                d.text((w / 2 - lw / 2, y - round(44 * s)), label, fill=st.muted, font=small)
                y -= round(64 * s)
    if chat.app != "bubble" and y > body_top + round(120 * s):
        # A date separator above the oldest visible message.
        label = chat.date
        lw = small.getlength(label)
        pill = (round(w / 2 - lw / 2 - 30 * s), y - round(70 * s),
                round(w / 2 + lw / 2 + 30 * s), y - round(20 * s))
        pill_fill = ((0, 0, 0) if chat.theme == "dark" else (160, 180, 200)) \
            if chat.app == "talk" else st.bubble_in
        d.rounded_rectangle(pill, radius=round(25 * s), fill=pill_fill)
        d.text((pill[0] + round(30 * s), pill[1] + round(8 * s)), label,
               fill=(255, 255, 255) if chat.app == "talk" else st.muted, font=small)
