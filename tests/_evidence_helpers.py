"""Real test inputs for the evidence tests: photos made with Pillow, with real EXIF blocks."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import numpy as np
from PIL import Image

SERIAL = "SN-BODY-7Q4Z9"
LENS_SERIAL = "LENS-55X1"
OWNER = "Owner Kim Leak"


def photo(
    width: int = 320,
    height: int = 240,
    *,
    seed: int = 1,
    fmt: str = "JPEG",
    exif: bool = True,
    when: str = "2024:03:01 21:15:09",
    offset: str = "+09:00",
    orientation: int = 6,
    gps: bool = True,
) -> bytes:
    """A photo-like image (smooth gradients plus noise) with optional EXIF."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack(
        [
            (x * 255 // max(1, width - 1)),
            (y * 255 // max(1, height - 1)),
            ((x + y + seed * 37) % 256),
        ],
        axis=-1,
    ).astype(np.int16)
    noise = rng.integers(-20, 20, size=base.shape, dtype=np.int16)
    arr = np.clip(base + noise, 0, 255).astype(np.uint8)
    im = Image.fromarray(arr, "RGB")
    buf = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if exif:
        kwargs["exif"] = make_exif(when=when, offset=offset, orientation=orientation, gps=gps)
    if fmt == "JPEG":
        kwargs["quality"] = 85
    im.save(buf, fmt, **kwargs)
    return buf.getvalue()


def make_exif(*, when: str, offset: str, orientation: int, gps: bool) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "TestMaker"
    exif[0x0110] = "TestPhone 12"
    exif[0x0131] = "TestSoftware 1.0"
    ifd = exif.get_ifd(0x8769)
    ifd[0x9003] = when
    ifd[0x9004] = when
    if offset:
        ifd[0x9011] = offset
    ifd[0xA431] = SERIAL
    ifd[0xA435] = LENS_SERIAL
    ifd[0xA430] = OWNER
    if gps:
        g = exif.get_ifd(0x8825)
        g[1] = "N"
        g[2] = (37.0, 33.0, 59.88)
        g[3] = "E"
        g[4] = (126.0, 58.0, 40.12)
    return exif


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb):
    the IDAT holds only a few compressed rows, so it is small on disk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    row = b"\0" + b"\0" * width
    idat = zlib.compress(row * 4, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    return data[: int(len(data) * keep)]


def write_mp4(path: Any, scenes: list[np.ndarray], frames_per_scene: int = 8) -> None:
    """A small MPEG-4 video: each 160x120 RGB scene held for ``frames_per_scene`` frames at
    8 frames/s (needs PyAV; callers skip without it)."""
    import av

    h, w = scenes[0].shape[:2]
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=8)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        for scene in scenes:
            for _ in range(frames_per_scene):
                frame = av.VideoFrame.from_ndarray(scene, format="rgb24")
                for packet in stream.encode(frame):
                    out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
