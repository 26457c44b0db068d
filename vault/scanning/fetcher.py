"""Downloads for scans and re-checks: the only module of Ansim that talks to the network.

Every request is started by a scan or re-check the person asked for. Each one has connect/read
timeouts and an overall deadline, a byte cap enforced while streaming (the download is abandoned
as soon as it goes past the cap, and a too-large ``Content-Length`` is refused before reading),
redirects followed by hand so that every hop is checked against the allowed hosts, a per-host
concurrency limit and a minimum interval between requests to the same host, an honest
User-Agent and an optional proxy. Nothing is written to disk: bodies are held in memory only.
The environment's proxy variables are ignored on purpose (``trust_env=False``); a proxy is used
only when the person gives one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from urllib.parse import urljoin, urlsplit

import httpx

from vault.errors import InputRejected, NetworkError
from vault.scanning.progress import CancelSignal, ScanCancelled, cancel_check
from vault.sniff import sniff_mime


def _version() -> str:
    try:
        return metadata.version("ansim")
    except metadata.PackageNotFoundError:
        return "0.1.0"


USER_AGENT = f"Ansim/{_version()} (evidence re-upload check; +docs/scanning.md)"
#: Response headers kept on a sighting (nothing else about the server is stored).
KEPT_HEADERS = ("Date", "Last-Modified", "Content-Type", "Server")
_REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class FetchPolicy:
    """Limits for every request of one scan. The defaults suit a home connection."""

    connect_timeout_s: float = 10.0
    read_timeout_s: float = 20.0
    total_timeout_s: float = 120.0
    max_media_bytes: int = 64 * 1024 * 1024
    max_page_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    per_host_concurrency: int = 2
    per_host_interval_s: float = 0.5
    proxy: str | None = None
    user_agent: str = USER_AGENT


class FetchFailed(NetworkError):
    """One URL could not be fetched. ``reason`` is a stable code, ``what`` a plain sentence.

    Messages never contain the URL: callers attach it to their per-URL report themselves.
    """

    def __init__(
        self, reason: str, what: str, *, status: int = 0, key: str | None = None,
        **params: object,
    ) -> None:
        self.reason = reason
        self.status = status
        super().__init__(what, key=key or f"fetch.{reason}")
        self.params = {"status": status, **params}


@dataclass(frozen=True)
class FetchResult:
    """A response held in memory. ``mime`` is sniffed from the bytes, not taken from headers."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    data: bytes = field(repr=False)
    mime: str
    redirects: int


HostCheck = Callable[[str], bool]


def host_key(url: str) -> str:
    """``host:port`` of a URL (lower-case, default ports filled in): what "same site" means."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{host}:{port}"


class _HostGate:
    """Per-host concurrency limit and minimum interval between request starts."""

    def __init__(self, concurrency: int, interval_s: float) -> None:
        self._concurrency = max(1, concurrency)
        self._interval = max(0.0, interval_s)
        self._lock = threading.Lock()
        self._sems: dict[str, threading.BoundedSemaphore] = {}
        self._next: dict[str, float] = {}

    def acquire(self, host: str, cancelled: Callable[[], bool]) -> threading.BoundedSemaphore:
        with self._lock:
            sem = self._sems.setdefault(host, threading.BoundedSemaphore(self._concurrency))
        while not sem.acquire(timeout=0.1):
            if cancelled():
                raise ScanCancelled()
        while True:
            with self._lock:
                now = time.monotonic()
                start = self._next.get(host, 0.0)
                if now >= start:
                    self._next[host] = now + self._interval
                    return sem
            if cancelled():
                sem.release()
                raise ScanCancelled()
            time.sleep(min(0.1, start - now))


class Fetcher:
    """A short-lived HTTP client for one scan. Use as a context manager; thread-safe."""

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        allowed: HostCheck | None = None,
        cancel: CancelSignal = None,
    ) -> None:
        self.policy = policy or FetchPolicy()
        self._allowed = allowed
        self._cancelled = cancel_check(cancel)
        self._gate = _HostGate(self.policy.per_host_concurrency, self.policy.per_host_interval_s)
        p = self.policy
        try:
            self._client = httpx.Client(
                timeout=httpx.Timeout(p.read_timeout_s, connect=p.connect_timeout_s),
                follow_redirects=False,
                headers={"User-Agent": p.user_agent, "Accept": "*/*"},
                proxy=p.proxy or None,
                trust_env=False,
                limits=httpx.Limits(max_connections=16, max_keepalive_connections=8),
            )
        except (ImportError, ValueError, httpx.InvalidURL) as exc:
            raise InputRejected(
                "The proxy address cannot be used.",
                next_step="Check the proxy address (for example http://127.0.0.1:8080 or "
                "socks5://127.0.0.1:9050; SOCKS needs the optional 'socksio' package).",
                key="proxy_address",
            ) from exc

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def is_allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        return self._allowed is None or self._allowed(url)

    def fetch(self, url: str, *, max_bytes: int | None = None) -> FetchResult:
        """GET ``url`` following at most ``policy.max_redirects`` checked redirects."""
        cap = self.policy.max_media_bytes if max_bytes is None else max_bytes
        seen: set[str] = set()
        current = url
        deadline = time.monotonic() + self.policy.total_timeout_s
        for hops in range(self.policy.max_redirects + 1):
            if self._cancelled():
                raise ScanCancelled()
            if not self.is_allowed(current):
                if hops == 0:
                    raise FetchFailed(
                        "off_site", "The address is not on the site being scanned, or is not "
                        "a web address; it was not requested."
                    )
                raise FetchFailed(
                    "off_site", "The address redirects to another site, which was not "
                    "requested (only the site being scanned is contacted).",
                    key="fetch.off_site_redirect",
                )
            if current in seen:
                raise FetchFailed("redirect_loop", "The address redirects in a circle.")
            seen.add(current)
            status, headers, location, data = self._one(current, cap, deadline)
            if status in _REDIRECTS and location:
                current = urljoin(current, location).split("#", 1)[0]
                continue
            if not 200 <= status < 300:
                raise FetchFailed(
                    "http_status", _status_sentence(status), status=status,
                    key=f"fetch.http.{status_kind(status)}",
                )
            return FetchResult(
                url=url,
                final_url=current,
                status=status,
                headers=headers,
                data=data,
                mime=sniff_mime(data[:65536]),
                redirects=hops,
            )
        raise FetchFailed("too_many_redirects", "The address redirects too many times.")

    def _one(
        self, url: str, cap: int, deadline: float
    ) -> tuple[int, dict[str, str], str, bytes]:
        sem = self._gate.acquire(host_key(url), self._cancelled)
        try:
            with self._client.stream("GET", url) as resp:
                headers = {k: resp.headers[k] for k in KEPT_HEADERS if k in resp.headers}
                location = resp.headers.get("Location", "")
                if resp.status_code in _REDIRECTS or not 200 <= resp.status_code < 300:
                    return resp.status_code, headers, location, b""
                declared = resp.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > cap:
                    raise FetchFailed("too_large", _too_large(cap), mib=_mib(cap))
                chunks: list[bytes] = []
                total = 0
                for chunk in resp.iter_bytes(65536):
                    total += len(chunk)
                    if total > cap:
                        raise FetchFailed("too_large", _too_large(cap), mib=_mib(cap))
                    chunks.append(chunk)
                    if self._cancelled():
                        raise ScanCancelled()
                    if time.monotonic() > deadline:
                        raise FetchFailed(
                            "too_slow",
                            "The server sent the file too slowly; the download was given up.",
                        )
                return resp.status_code, headers, location, b"".join(chunks)
        except httpx.TimeoutException as exc:
            raise FetchFailed("timeout", "The server did not answer in time.") from exc
        except httpx.ProxyError as exc:
            raise FetchFailed("proxy", "The proxy refused or failed the request.") from exc
        except (httpx.TransportError, httpx.DecodingError) as exc:
            raise FetchFailed(
                "unreachable", "The server could not be reached or broke off the connection."
            ) from exc
        finally:
            sem.release()


def _mib(cap: int) -> int:
    return cap // (1024 * 1024) or 1


def _too_large(cap: int) -> str:
    return f"The file is larger than the download limit ({_mib(cap)} MiB) and was not downloaded."


def status_kind(status: int) -> str:
    """Which of the sentences of :func:`_status_sentence` an HTTP status gets."""
    if status in (404, 410):
        return "not_there"
    if status in (401, 403):
        return "refused"
    if status == 451:
        return "legal"
    if status == 429:
        return "slow_down"
    return "server_error" if status >= 500 else "other"


def _status_sentence(status: int) -> str:
    if status in (404, 410):
        return f"The server says the file is not there (HTTP {status})."
    if status in (401, 403):
        return f"The server refused access (HTTP {status}); it may need a login."
    if status == 451:
        return "The server says the content was removed for legal reasons (HTTP 451)."
    if status == 429:
        return "The server asked Ansim to slow down (HTTP 429)."
    if status >= 500:
        return f"The server had an error (HTTP {status})."
    return f"The server answered with HTTP {status}."
