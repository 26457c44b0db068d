"""Zip a bag so that the same bag always gives the same bytes.

Entries are the bag's regular files under one top folder (the bag's name), sorted by path (as
UTF-8 bytes), stored without compression (originals are already compressed, and stored entries
do not depend on the zlib version), with a fixed time (1980-01-01 00:00) and fixed permissions
(0644, 0755 for the verify script). Nothing else (owner, access time, extra fields, comment) is
written. Files of 2 GiB or more use ZIP64 records, decided by their size alone.
"""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path

from exporters.bundle import layout

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
CHUNK = 1024 * 1024


def bag_files(bag: Path) -> list[str]:
    """Every regular file under ``bag`` as sorted "/" paths; refuses links and odd files."""
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(bag, followlinks=False):
        for name in [*dirnames, *filenames]:
            full = Path(dirpath) / name
            mode = full.lstat().st_mode
            if stat.S_ISLNK(mode) or not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                raise ValueError("the bag holds a link or special file")
        for name in filenames:
            found.append((Path(dirpath) / name).relative_to(bag).as_posix())
    return sorted(found, key=lambda p: p.encode("utf-8"))


def zip_bag(
    bag: Path,
    out: Path,
    top: str,
    on_bytes: Callable[[int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> None:
    """Write ``out`` (which must not exist) from the bag folder; entries under ``top/``."""
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED) as zf:
        for rel in bag_files(bag):
            src = bag.joinpath(*rel.split("/"))
            info = zipfile.ZipInfo(f"{top}/{rel}", date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3  # Unix, so the permission bits below are read
            perms = 0o755 if rel in layout.EXECUTABLE_FILES else 0o644
            info.external_attr = (stat.S_IFREG | perms) << 16
            info.file_size = src.stat().st_size
            with (
                open(src, "rb") as f,
                zf.open(info, "w", force_zip64=info.file_size >= zipfile.ZIP64_LIMIT) as dst,
            ):
                while chunk := f.read(CHUNK):
                    if should_cancel is not None and should_cancel():
                        from exporters.bundle.writer import ExportCancelled

                        raise ExportCancelled()
                    dst.write(chunk)
                    if on_bytes is not None:
                        on_bytes(len(chunk))
        zf.comment = b""
        raw.flush()
    with open(out, "rb") as f:
        os.fsync(f.fileno())
