"""Find the pictures and videos a web page shows, and the pages it links to.

Parsed with the standard library's tolerant ``html.parser`` (no scripts are run, nothing is
fetched here). Followed: ``img`` ``src``/``srcset`` (and the lazy-loading ``data-src``/
``data-srcset``), ``picture``/``video``/``audio`` ``source`` ``src``/``srcset``, ``video``
``src``/``poster``, ``og:image``/``og:video``/``twitter:image`` meta tags, ``a href`` to image or
video files, ``link rel=image_src``, and ``url(...)`` in inline ``style`` attributes. A ``base
href`` is honoured. Only http(s) addresses are returned, without fragments, each once, in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

MEDIA_EXTENSIONS = (
    ".jpg", ".jpeg", ".jfif", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff",
    ".mp4", ".m4v", ".mov", ".webm", ".mkv", ".avi", ".flv", ".ts", ".3gp",
)
_META_MEDIA = {
    "og:image", "og:image:url", "og:image:secure_url", "og:video", "og:video:url",
    "og:video:secure_url", "twitter:image", "twitter:image:src", "twitter:player:stream",
}
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE)
#: Longest page text parsed; anything after it is ignored.
MAX_HTML_CHARS = 5 * 1024 * 1024


@dataclass(frozen=True)
class PageLinks:
    media: tuple[str, ...]
    pages: tuple[str, ...]


def looks_like_media(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(MEDIA_EXTENSIONS)


def srcset_urls(value: str) -> list[str]:
    """The URLs of a ``srcset`` ("a.jpg 1x, b.jpg 2x" or "a.jpg 480w, ...")."""
    out = []
    for part in value.split(","):
        words = part.strip().split()
        if words:
            out.append(words[0])
    return out


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base = ""
        self.media: list[str] = []
        self.pages: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and a.get("href") and not self.base:
            self.base = a["href"]
        if tag in ("img", "source", "video", "audio", "embed", "input"):
            for name in ("src", "data-src", "data-original", "data-lazy-src"):
                if a.get(name) and (tag != "input" or a.get("type", "").lower() == "image"):
                    self.media.append(a[name])
            for name in ("srcset", "data-srcset"):
                if a.get(name):
                    self.media.extend(srcset_urls(a[name]))
        if tag == "video" and a.get("poster"):
            self.media.append(a["poster"])
        if tag == "meta":
            key = (a.get("property") or a.get("name") or "").lower()
            if key in _META_MEDIA and a.get("content"):
                self.media.append(a["content"])
        if tag == "link" and "image_src" in a.get("rel", "").lower() and a.get("href"):
            self.media.append(a["href"])
        if tag in ("a", "area") and a.get("href"):
            href = a["href"]
            (self.media if looks_like_media(href) else self.pages).append(href)
        if tag in ("iframe", "frame") and a.get("src"):
            self.pages.append(a["src"])
        style = a.get("style", "")
        if "url(" in style.lower():
            self.media.extend(m.group(2) for m in _CSS_URL.finditer(style))


def _clean(base: str, ref: str) -> str | None:
    ref = ref.strip()
    if not ref or ref.startswith(("data:", "javascript:", "mailto:", "blob:", "#")):
        return None
    url = urljoin(base, ref).split("#", 1)[0]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return url


def _unique(urls: list[str], base: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for ref in urls:
        url = _clean(base, ref)
        if url is not None:
            seen.setdefault(url, None)
    return tuple(seen)


def extract_links(html: str, page_url: str) -> PageLinks:
    """Media and page links of ``html`` as absolute URLs (see the module doc)."""
    collector = _Collector()
    try:
        collector.feed(html[:MAX_HTML_CHARS])
        collector.close()
    except (AssertionError, ValueError):  # html.parser gives up on some broken markup
        pass
    base = urljoin(page_url, collector.base) if collector.base else page_url
    media = _unique(collector.media, base)
    pages = tuple(u for u in _unique(collector.pages, base) if u not in media)
    return PageLinks(media=media, pages=pages)


def decode_html(data: bytes, content_type: str = "") -> str:
    """Page bytes as text: the charset from the header or a meta tag, else UTF-8, leniently."""
    charset = ""
    m = re.search(r"charset=([\w-]+)", content_type, re.IGNORECASE)
    if m:
        charset = m.group(1)
    else:
        m2 = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", data[:4096], re.IGNORECASE)
        if m2:
            charset = m2.group(1).decode("ascii", "replace")
    for enc in (charset, "utf-8"):
        if not enc:
            continue
        try:
            return data.decode(enc, errors="replace")
        except LookupError:
            continue
    return data.decode("utf-8", errors="replace")
