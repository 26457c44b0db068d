"""What a scan looks at: a folder tree, a file of URLs, a web page (bounded same-site crawl), or
the links already saved in the vault ("re-check my links")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from vault.errors import InputRejected

#: Largest URL list file read.
MAX_URL_FILE_BYTES = 4 * 1024 * 1024
#: Most URLs taken from one list.
MAX_URLS = 100_000


@dataclass(frozen=True)
class FolderSource:
    """Every file under ``root`` (nested folders included; each file and folder at most once,
    even through symbolic links). Files larger than ``max_file_bytes`` are skipped with a reason."""

    root: Path
    max_file_bytes: int = 1024 * 1024 * 1024

    kind = "folder"


@dataclass(frozen=True)
class UrlListSource:
    """Each URL is fetched once: a picture or video is checked itself; a web page has the media
    it shows checked (no further crawling). Redirects may only go to hosts of the list."""

    urls: tuple[str, ...]
    extra_hosts: tuple[str, ...] = ()

    kind = "urls"


@dataclass(frozen=True)
class PageSource:
    """A web page and a bounded crawl of the same site: links followed ``depth`` levels deep,
    at most ``max_pages`` pages. Only the page's own host (``host:port``) and ``extra_hosts`` are
    ever contacted, including for images and redirects."""

    url: str
    depth: int = 1
    max_pages: int = 30
    extra_hosts: tuple[str, ...] = ()

    kind = "page"


@dataclass(frozen=True)
class LinksSource:
    """The vault's saved links (``Link`` records) of one case, or of every case."""

    case_id: str | None = None

    kind = "links"


ScanSource = FolderSource | UrlListSource | PageSource | LinksSource


def check_url(url: str) -> str:
    """A web address as typed, trimmed, or ``InputRejected`` if it is not http(s)."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputRejected(
            "This is not a web address Ansim can check.",
            next_step="Give a full address starting with http:// or https://.",
            key="url_not_web",
        )
    return url


def read_url_list(path: Path) -> UrlListSource:
    """Read a text file of URLs: one per line; blank lines and lines starting with # ignored.

    Lines that are not http(s) addresses are refused as a whole, with their line numbers, so
    that nothing is silently left out.
    """
    try:
        if path.stat().st_size > MAX_URL_FILE_BYTES:
            raise InputRejected("The list of addresses is too large (over 4 MiB).",
                                key="url_list_too_large")
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except FileNotFoundError:
        raise InputRejected("The list of addresses does not exist.",
                            key="url_list_missing") from None
    except PermissionError:
        raise InputRejected("This computer does not let Ansim read the list.",
                            key="url_list_denied") from None
    except IsADirectoryError:
        raise InputRejected("This is a folder, not a list of addresses.",
                            key="url_list_is_folder") from None
    except OSError as exc:
        raise InputRejected(f"The list could not be read ({exc.strerror}).",
                            key="url_list_unreadable", reason=exc.strerror or "") from None
    urls: dict[str, None] = {}
    bad: list[int] = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            urls.setdefault(check_url(line), None)
        except InputRejected:
            bad.append(n)
    if bad:
        shown = ", ".join(str(n) for n in bad[:10]) + (" ..." if len(bad) > 10 else "")
        raise InputRejected(
            f"Some lines of the list are not web addresses (lines {shown}).",
            next_step="Fix or remove those lines (each line needs http:// or https://) and try "
            "again.",
            key="url_list_bad_lines",
            lines=shown,
        )
    if not urls:
        raise InputRejected("The list has no web addresses in it.", key="url_list_empty")
    if len(urls) > MAX_URLS:
        raise InputRejected(f"The list has more than {MAX_URLS} addresses; split it up.",
                            key="url_list_too_long", limit=MAX_URLS)
    return UrlListSource(tuple(urls))
