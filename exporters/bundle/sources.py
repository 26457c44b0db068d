"""Read a bundle as a folder or straight from its zip, without extracting anything.

Both sources list regular files (relative "/" paths and sizes) and open them for streaming.
Anything unsafe is reported as a problem and never opened: links and special files in a folder;
in a zip, absolute paths, ``..``, backslashes and drive letters, links, duplicate names,
encrypted or unknown compression, declared sizes over the caps, implausible compression ratios,
and entries that overlap (a known zip-bomb trick). ``zipfile`` itself stops reading an entry at
its declared size and checks its CRC.
"""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from exporters.bundle import layout

MAX_TOTAL_BYTES = 256 * 1024**3  # far above any real case, far below a zip bomb
MAX_ENTRIES = 200_000
MAX_RATIO = 200  # uncompressed / compressed for deflated entries
RATIO_FLOOR = 1024 * 1024  # small entries may compress well (text)
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class SourceProblem:
    code: str  # "unsafe_entry" | "duplicate_entry" | "zip_bomb" | "zip_unreadable" | "no_bag"
    path: str
    detail: str = ""


@dataclass
class BundleSource:
    """Regular files of the bag (relative paths -> declared sizes) and how to open them."""

    name: str
    files: dict[str, int] = field(default_factory=dict)
    problems: list[SourceProblem] = field(default_factory=list)

    def open(self, path: str) -> BinaryIO:  # pragma: no cover - overridden
        raise NotImplementedError

    def chunks(self, path: str) -> Iterator[bytes]:
        with self.open(path) as f:
            while chunk := f.read(CHUNK):
                yield chunk

    def close(self) -> None:
        return None


class FolderSource(BundleSource):
    def __init__(self, root: Path) -> None:
        super().__init__(root.name)
        self.root = root
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            for name in sorted([*dirnames, *filenames]):
                full = Path(dirpath) / name
                rel = full.relative_to(root).as_posix()
                mode = full.lstat().st_mode
                if stat.S_ISLNK(mode):
                    self.problems.append(SourceProblem("unsafe_entry", rel, "link"))
                elif stat.S_ISREG(mode):
                    self.files[rel] = full.lstat().st_size
                elif not stat.S_ISDIR(mode):
                    self.problems.append(SourceProblem("unsafe_entry", rel, "special"))
            dirnames[:] = [d for d in dirnames if not (Path(dirpath) / d).is_symlink()]

    def open(self, path: str) -> BinaryIO:
        full = self.root.joinpath(*path.split("/"))
        fd = os.open(full, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        return os.fdopen(fd, "rb")


class ZipSource(BundleSource):
    def __init__(self, path: Path, max_total: int = MAX_TOTAL_BYTES) -> None:
        super().__init__(path.name)
        self._zf: zipfile.ZipFile | None = None
        self._infos: dict[str, zipfile.ZipInfo] = {}
        try:
            self._zf = zipfile.ZipFile(path)
            infos = self._zf.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            self.problems.append(SourceProblem("zip_unreadable", ""))
            return
        if len(infos) > MAX_ENTRIES:
            self.problems.append(SourceProblem("zip_bomb", "", "entries"))
            return
        if sum(i.file_size for i in infos) > max_total:
            self.problems.append(SourceProblem("zip_bomb", "", "total"))
            return
        self._check_overlap(infos)
        prefix = self._prefix([i.filename for i in infos])
        seen: set[str] = set()
        for info in infos:
            name = info.filename
            if name in seen:
                self.problems.append(SourceProblem("duplicate_entry", name))
                self._infos.pop(name[len(prefix) :], None)
                self.files.pop(name[len(prefix) :], None)
                continue
            seen.add(name)
            reason = self._unsafe(info)
            if reason:
                self.problems.append(SourceProblem("unsafe_entry", name, reason))
                continue
            if info.is_dir():
                continue
            if prefix and not name.startswith(prefix):
                self.problems.append(SourceProblem("unsafe_entry", name, "outside"))
                continue
            rel = name[len(prefix) :]
            self.files[rel] = info.file_size
            self._infos[rel] = info

    @staticmethod
    def _unsafe(info: zipfile.ZipInfo) -> str:
        name = info.filename
        if not layout.is_safe_relative_path(name.rstrip("/")):
            return "path"
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode) or (mode and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))):
            return "link"
        if info.flag_bits & 0x1:
            return "encrypted"
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return "compression"
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            return "size"
        if (
            info.compress_type == zipfile.ZIP_DEFLATED
            and info.file_size > RATIO_FLOOR
            and info.file_size > MAX_RATIO * max(info.compress_size, 1)
        ):
            return "ratio"
        return ""

    def _check_overlap(self, infos: list[zipfile.ZipInfo]) -> None:
        ordered = sorted(infos, key=lambda i: i.header_offset)
        for a, b in zip(ordered, ordered[1:], strict=False):
            end = a.header_offset + 30 + len(a.orig_filename.encode()) + a.compress_size
            if b.header_offset < end:
                self.problems.append(SourceProblem("zip_bomb", b.filename, "overlap"))

    def _prefix(self, names: list[str]) -> str:
        """"" for a bag at the top of the zip, "X/" for a bag in one top folder X."""
        if "bagit.txt" in names:
            return ""
        tops = [n[: -len("bagit.txt")] for n in names if n.endswith("/bagit.txt")]
        tops = [t for t in tops if t.count("/") == 1]
        if len(tops) == 1:
            return tops[0]
        self.problems.append(SourceProblem("no_bag", ""))
        return ""

    def open(self, path: str) -> BinaryIO:
        assert self._zf is not None
        return self._zf.open(self._infos[path])  # type: ignore[return-value]

    def close(self) -> None:
        if self._zf is not None:
            self._zf.close()


def open_source(path: Path) -> BundleSource:
    path = Path(path)
    if path.is_dir():
        return FolderSource(path)
    return ZipSource(path)
