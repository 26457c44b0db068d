"""Hostile and odd inputs give a valid fingerprint or InputRejected, never another exception."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.fixtures_fp.photos import encode, jpeg, photo
from vault.errors import InputRejected
from vault.fingerprints import ImageFingerprint, fingerprint_file, fingerprint_image


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge size, with one tiny IDAT (a classic bomb shape)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + _png_chunk(b"IEND", b""))


def _ok_or_rejected(data: bytes) -> ImageFingerprint | None:
    try:
        return fingerprint_image(data)
    except InputRejected as exc:
        assert exc.what and "/" not in exc.what
        return None


def test_bomb_is_rejected_before_decoding() -> None:
    with pytest.raises(InputRejected, match="larger than Ansim accepts"):
        fingerprint_image(_png_claiming(100_000, 100_000))


def test_real_compressed_bomb_is_rejected() -> None:
    buf = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(buf, "PNG")  # 144 MP in a few kB
    assert len(buf.getvalue()) < 100_000
    with pytest.raises(InputRejected):
        fingerprint_image(buf.getvalue())


def test_max_pixels_is_honoured() -> None:
    with pytest.raises(InputRejected):
        fingerprint_image(encode(photo(1, 320, 240)), max_pixels=10_000)


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9])
def test_truncated_jpeg(cut: float) -> None:
    data = jpeg(photo(2), 80)
    _ok_or_rejected(data[: int(len(data) * cut)])


def test_truncated_png_is_rejected() -> None:
    data = encode(photo(2))
    with pytest.raises(InputRejected):
        fingerprint_image(data[: len(data) // 2])


@pytest.mark.parametrize("data", [b"", b"\x00" * 100, b"GIF89a", b"\xff\xd8\xff\xe0garbage",
                                  b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, b"<svg></svg>"])
def test_garbage_is_rejected(data: bytes) -> None:
    with pytest.raises(InputRejected):
        fingerprint_image(data)


def test_missing_file_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(InputRejected):
        fingerprint_image(tmp_path / "nope.jpg")
    with pytest.raises(InputRejected):
        fingerprint_file(tmp_path / "nope.jpg")


def _modes() -> list[tuple[str, bytes]]:
    base = Image.fromarray(photo(3, 200, 150))
    out: list[tuple[str, bytes]] = []

    def save(name: str, im: Image.Image, fmt: str = "PNG", **kw: Any) -> None:
        buf = io.BytesIO()
        im.save(buf, fmt, **kw)
        out.append((name, buf.getvalue()))

    save("palette", base.convert("P"))
    p = base.convert("P")
    p.info["transparency"] = 0
    save("palette+transparency", p, transparency=0)
    rgba = base.convert("RGBA")
    alpha = np.zeros((150, 200), dtype=np.uint8)
    alpha[20:130, 30:170] = 255
    rgba.putalpha(Image.fromarray(alpha))
    save("rgba", rgba)
    save("la", base.convert("LA"))
    save("gray", base.convert("L"))
    save("bilevel", base.convert("1"))
    save("cmyk-jpeg", base.convert("CMYK"), "JPEG", quality=85)
    save("16-bit", Image.fromarray(np.asarray(base.convert("L"), dtype=np.uint16) * 257))
    save("float-tiff", Image.fromarray(np.asarray(base.convert("L"), dtype=np.float32) / 255),
         "TIFF")
    save("gif", base, "GIF")
    save("webp", base, "WEBP", quality=80)
    save("bmp", base, "BMP")
    save("1x1", Image.new("RGB", (1, 1), (200, 10, 10)))
    save("3x700", Image.new("RGB", (3, 100), (200, 10, 10)))
    save("thin", base.resize((2000, 60)))
    save("very-thin", base.resize((4000, 20)))
    save("tiny", base.resize((12, 9)))
    return out


@pytest.mark.parametrize(("name", "data"), _modes(), ids=[n for n, _ in _modes()])
def test_modes_and_shapes(name: str, data: bytes) -> None:
    fp = _ok_or_rejected(data)
    if name in ("palette", "gray", "cmyk-jpeg", "16-bit", "webp", "bmp", "gif", "rgba"):
        assert fp is not None, name
        assert not fp.low_quality
    if name in ("1x1", "tiny") and fp is not None:
        assert fp.low_quality
    if name == "very-thin":
        assert fp is None


def test_16_bit_matches_8_bit() -> None:
    from vault.matching import compare

    gray = np.asarray(Image.fromarray(photo(4, 320, 240)).convert("L"))
    a = fingerprint_image(encode(np.repeat(gray[..., None], 3, axis=2)))
    b = fingerprint_image(encode(gray.astype(np.uint16) * 257))
    m = compare(a, b)
    assert m is not None and m.band == "strong"


@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=0, max_size=2048))
def test_random_bytes_never_crash(data: bytes) -> None:
    _ok_or_rejected(data)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 400))
def test_bit_flips_never_crash(position: int, value: int) -> None:
    data = bytearray(jpeg(photo(5, 160, 120), 70))
    data[position % len(data)] ^= value & 0xFF
    _ok_or_rejected(bytes(data))
