"""A real threaded HTTP server on loopback for scan tests, and photo-like test images.

Every request the server receives is recorded (path and Host header), so tests can assert that
nothing was requested that should not have been. Routes are plain data: a body, a status,
headers, an optional delay before answering, an optional close-delimited stream of N bytes.
"""

from __future__ import annotations

import gzip
import io
import struct
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
from PIL import Image, ImageDraw


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    stream_bytes: int = 0  # > 0: send this many bytes without Content-Length, then close


class ScanServer:
    """``with ScanServer("127.0.0.1") as srv: srv.routes["/a"] = Route(b"..."); srv.url("/a")``"""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def version_string(self) -> str:
                return "test-server/1.0"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:  # noqa: N802
                with server._lock:
                    server.requests.append((self.path, self.headers.get("Host", "")))
                    server.user_agents.append(self.headers.get("User-Agent", ""))
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                self._counted = True
                try:
                    self._answer()
                finally:
                    self._done()

            def _done(self) -> None:
                """A request stops counting as in flight before its last bytes are sent: the
                client may read them and start its next request before this thread runs again,
                and that must not look like one request too many."""
                if self._counted:
                    self._counted = False
                    with server._lock:
                        server.in_flight -= 1

            def _answer(self) -> None:
                route = server.routes.get(self.path)
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", "9")
                    self.end_headers()
                    self.wfile.write(b"not found")
                    return
                if route.delay_s and server._stop.wait(route.delay_s):
                    return
                self._done()
                try:
                    self.send_response(route.status)
                    for k, v in route.headers.items():
                        self.send_header(k, v)
                    if route.stream_bytes:
                        self.end_headers()
                        block = b"\xff" * 65536
                        sent = 0
                        while sent < route.stream_bytes and not server._stop.is_set():
                            self.wfile.write(block)
                            sent += len(block)
                        return
                    if "Content-Length" not in route.headers:
                        self.send_header("Content-Length", str(len(route.body)))
                    self.end_headers()
                    self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.user_agents: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._httpd = ThreadingHTTPServer((host, 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def paths(self) -> list[str]:
        with self._lock:
            return [p for p, _ in self.requests]

    def __enter__(self) -> ScanServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()


@contextmanager
def servers(*hosts: str) -> Iterator[list[ScanServer]]:
    started = [ScanServer(h) for h in hosts]
    for s in started:
        s.__enter__()
    try:
        yield started
    finally:
        for s in started:
            s.__exit__()


# -- test pictures -----------------------------------------------------------------------------


def photo(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A photo-like RGB picture: smooth colour fields, shapes and fine grain, unique per seed."""
    rng = np.random.default_rng(seed)
    w, h = size
    base = Image.fromarray(rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)).resize(
        size, Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(base)
    for _ in range(28):
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        x1 = x0 + int(rng.integers(w // 12, w // 3))
        y1 = y0 + int(rng.integers(h // 12, h // 3))
        r, g, b = (int(c) for c in rng.integers(0, 256, 3))
        colour = (r, g, b)
        if rng.random() < 0.5:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        else:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
    arr = np.asarray(base, dtype=np.int16) + rng.integers(-6, 7, (h, w, 3), dtype=np.int16)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def encode(im: Image.Image, fmt: str = "JPEG", **kw: Any) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


def screenshot_of(im: Image.Image) -> Image.Image:
    """The picture shown inside a phone screenshot: status bar, caption bar, grey margins."""
    w, h = im.size
    canvas = Image.new("RGB", (w + 80, h + 260), (238, 238, 238))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, w + 80, 60), fill=(20, 20, 20))
    draw.text((20, 20), "12:34  LTE  87%", fill=(255, 255, 255))
    canvas.paste(im, (40, 110))
    draw.rectangle((0, h + 140, w + 80, h + 260), fill=(255, 255, 255))
    draw.text((30, h + 170), "look at this lol  #leak  1,204 likes", fill=(0, 0, 0))
    return canvas


def png_bomb(width: int = 60000, height: int = 60000) -> bytes:
    """A PNG whose header claims a gigantic picture (a 'decompression bomb')."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 4096)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def gzip_bomb(size: int) -> bytes:
    """``size`` zero bytes, gzip-compressed (a few KiB on the wire)."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as gz:
        block = b"\x00" * (1 << 20)
        for _ in range(size // len(block)):
            gz.write(block)
    return buf.getvalue()
