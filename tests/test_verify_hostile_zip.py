"""Hostile zips: ``ansim verify`` refuses unsafe entries without extracting or opening them."""

from __future__ import annotations

import stat
import struct
import warnings
import zipfile
from pathlib import Path

import pytest

from exporters.bundle import verify_bundle
from exporters.bundle.sources import ZipSource
from tests.test_bundle_fixtures import Sealed, shared_seal


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory) -> Sealed:
    return shared_seal(tmp_path_factory)


def rezip(sealed: Sealed, out: Path, extra: list[tuple[zipfile.ZipInfo, bytes]]) -> Path:
    """The sealed zip's entries, plus ``extra`` entries, written to ``out``."""
    with zipfile.ZipFile(sealed.zip) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "Duplicate name" is the point
            for info, data in extra:
                dst.writestr(info, data)
    return out


def entry(name: str, mode: int = stat.S_IFREG | 0o644) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.create_system = 3
    info.external_attr = mode << 16
    return info


def top(sealed: Sealed) -> str:
    return sealed.bag.name


def problems(path: Path) -> set[tuple[str, str, str]]:
    report = verify_bundle(path)
    assert not report.ok
    return {(p.code, p.path, p.detail) for p in report.problems}


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize(
    ("name", "mode", "detail"),
    [
        ("/etc/ansim-evil.txt", stat.S_IFREG | 0o644, "path"),
        ("{top}/data/../../ansim-evil.txt", stat.S_IFREG | 0o644, "path"),
        ("{top}\\..\\ansim-evil.txt", stat.S_IFREG | 0o644, "path"),
        ("C:/ansim-evil.txt", stat.S_IFREG | 0o644, "path"),
        ("{top}/data/evidence/E0001/link", stat.S_IFLNK | 0o777, "link"),
    ],
)
def test_unsafe_entries_are_refused_and_nothing_is_extracted(
    sealed: Sealed, tmp_path: Path, name: str, mode: int, detail: str
) -> None:
    name = name.format(top=top(sealed))
    hostile = rezip(sealed, tmp_path / "hostile.zip", [(entry(name, mode), b"/etc/passwd")])
    before = listing(tmp_path)
    found = problems(hostile)
    assert ("unsafe_entry", name, detail) in found
    assert listing(tmp_path) == before
    assert not (tmp_path.parent / "ansim-evil.txt").exists()


def test_duplicate_names_are_refused(sealed: Sealed, tmp_path: Path) -> None:
    name = f"{top(sealed)}/data/evidence/E0002/clip.mp4"
    hostile = rezip(sealed, tmp_path / "dup.zip", [(entry(name), b"a different video")])
    found = problems(hostile)
    assert ("duplicate_entry", name, "") in found
    # Neither copy is trusted: the item is reported missing rather than silently picked.
    assert ("missing", "data/evidence/E0002/clip.mp4", "") in found


def test_a_compression_bomb_is_not_inflated(sealed: Sealed, tmp_path: Path) -> None:
    info = entry(f"{top(sealed)}/data/evidence/E0001/bomb.bin")
    info.compress_type = zipfile.ZIP_DEFLATED
    hostile = rezip(sealed, tmp_path / "bomb.zip", [(info, bytes(32 * 1024 * 1024))])
    assert hostile.stat().st_size < 2 * 1024 * 1024
    assert ("unsafe_entry", info.filename, "ratio") in problems(hostile)


def test_declared_sizes_over_the_cap_are_refused_before_reading(
    sealed: Sealed, tmp_path: Path
) -> None:
    source = ZipSource(sealed.zip, max_total=1024)
    assert [(p.code, p.detail) for p in source.problems] == [("zip_bomb", "total")]
    assert source.files == {}
    source.close()


def _central_entries(data: bytes) -> list[int]:
    offsets, i = [], data.find(b"PK\x01\x02")
    while i != -1:
        offsets.append(i)
        i = data.find(b"PK\x01\x02", i + 4)
    return offsets


def test_overlapping_entries_are_refused(sealed: Sealed, tmp_path: Path) -> None:
    data = bytearray(sealed.zip.read_bytes())
    first, second = _central_entries(bytes(data))[:2]
    first_offset = struct.unpack_from("<I", data, first + 42)[0]
    struct.pack_into("<I", data, second + 42, first_offset)  # both point at one local header
    hostile = tmp_path / "overlap.zip"
    hostile.write_bytes(bytes(data))
    assert any(code == "zip_bomb" and detail == "overlap" for code, _, detail in problems(hostile))


def test_encrypted_entries_are_refused(sealed: Sealed, tmp_path: Path) -> None:
    data = bytearray(sealed.zip.read_bytes())
    first = _central_entries(bytes(data))[0]
    flags = struct.unpack_from("<H", data, first + 8)[0]
    struct.pack_into("<H", data, first + 8, flags | 0x1)
    hostile = tmp_path / "encrypted.zip"
    hostile.write_bytes(bytes(data))
    assert any(code == "unsafe_entry" and d == "encrypted" for code, _, d in problems(hostile))


def test_a_file_that_is_not_a_zip(tmp_path: Path) -> None:
    junk = tmp_path / "bundle.zip"
    junk.write_bytes(b"PK\x03\x04 this is not really a zip" * 10)
    assert problems(junk) == {("zip_unreadable", "", "")}


def test_a_zip_without_a_bag(tmp_path: Path) -> None:
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("a/readme.txt", "hello")
        zf.writestr("b/readme.txt", "hello")
    assert ("no_bag", "", "") in problems(plain)


def test_stray_entries_beside_the_bag_are_refused(sealed: Sealed, tmp_path: Path) -> None:
    hostile = rezip(sealed, tmp_path / "stray.zip", [(entry("README-FIRST.txt"), b"trust me")])
    assert ("unsafe_entry", "README-FIRST.txt", "outside") in problems(hostile)


def test_a_corrupted_entry_is_reported_not_trusted(sealed: Sealed, tmp_path: Path) -> None:
    data = bytearray(sealed.zip.read_bytes())
    name = f"{top(sealed)}/data/evidence/E0002/clip.mp4".encode()
    at = data.find(name) + len(name) + 100  # inside the stored video's bytes
    data[at] ^= 0xFF
    hostile = tmp_path / "crc.zip"
    hostile.write_bytes(bytes(data))
    assert ("unreadable", "data/evidence/E0002/clip.mp4", "") in problems(hostile)


def test_oversized_tag_files_fail_instead_of_being_skipped(
    sealed: Sealed, monkeypatch: pytest.MonkeyPatch
) -> None:
    from exporters.bundle import checks

    monkeypatch.setattr(checks, "MAX_TAG_FILE", 100)
    found = problems(sealed.zip)
    assert ("too_large", "tagmanifest-sha256.txt", "") in found
    assert ("too_large", "bag-info.txt", "") in found
