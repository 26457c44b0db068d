"""A bounded, same-site crawl: pages are fetched breadth-first up to ``depth`` link levels and
``max_pages`` pages; the media each page shows are yielded as :class:`MediaRef` for checking.

The crawl never leaves the allowed hosts (the fetcher refuses them, redirects included), never
runs scripts and never submits forms. A URL that turns out to be a picture or video instead of a
page is yielded with its bytes already fetched, so it is not downloaded twice.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from vault.scanning.fetcher import Fetcher, FetchFailed, FetchResult
from vault.scanning.html_links import decode_html, extract_links, looks_like_media
from vault.scanning.progress import ScanCancelled

_HTML = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class MediaRef:
    """A picture or video to check: where it was shown and where it is."""

    page_url: str
    media_url: str
    prefetched: FetchResult | None = field(default=None, repr=False)


OnPage = Callable[[str], None]
OnError = Callable[[str, FetchFailed], None]


def crawl(
    fetcher: Fetcher,
    start_urls: Sequence[str],
    *,
    depth: int,
    max_pages: int,
    on_page: OnPage,
    on_error: OnError,
    cancelled: Callable[[], bool],
) -> Iterator[MediaRef]:
    """Yield every media reference found, each media URL once."""
    queue: deque[tuple[str, int]] = deque((u, 0) for u in start_urls)
    queued = set(start_urls)
    media_seen: set[str] = set()
    pages = 0
    while queue:
        if cancelled():
            raise ScanCancelled()
        url, level = queue.popleft()
        if looks_like_media(url):
            # A picture or video address given directly: checked by the workers in parallel.
            if level == 0 and url not in media_seen:
                media_seen.add(url)
                yield MediaRef(page_url="", media_url=url)
            continue
        if pages >= max_pages:
            break
        try:
            res = fetcher.fetch(url, max_bytes=max(fetcher.policy.max_page_bytes,
                                                   fetcher.policy.max_media_bytes))
        except FetchFailed as exc:
            on_error(url, exc)
            continue
        if not res.mime.startswith(_HTML) and res.mime != "text/plain":
            if res.final_url not in media_seen and url not in media_seen:
                media_seen.update((url, res.final_url))
                yield MediaRef(page_url="", media_url=url, prefetched=res)
            continue
        if len(res.data) > fetcher.policy.max_page_bytes:
            on_error(url, FetchFailed("too_large", "The page is larger than the page limit.",
                                           key="fetch.page_too_large"))
            continue
        pages += 1
        on_page(url)
        links = extract_links(decode_html(res.data, res.headers.get("Content-Type", "")),
                              res.final_url)
        for media in links.media:
            if media not in media_seen:
                media_seen.add(media)
                yield MediaRef(page_url=res.final_url, media_url=media)
        if level < depth:
            for link in links.pages:
                if link not in queued and fetcher.is_allowed(link):
                    queued.add(link)
                    queue.append((link, level + 1))
