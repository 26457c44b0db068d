"""Walk a folder tree for a scan: nested folders, symbolic links without loops, clear reasons
for every file that is left out. Nothing is opened here except to read a few magic bytes."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from vault.errors import ValueRejected
from vault.fingerprints import sniff
from vault.scanning.progress import ScanCancelled

#: Reason given for files that are not pictures or videos (counted, not listed one by one).
NOT_MEDIA = "not a picture or video"


@dataclass(frozen=True)
class FolderFile:
    """A picture or video found in the tree; ``rel`` is its path relative to the root."""

    path: Path
    rel: str
    kind: str  # "image" | "video"
    size: int


@dataclass(frozen=True)
class FolderSkip:
    """A file or folder left out, and why (a plain sentence)."""

    rel: str
    reason: str
    error: bool  # True when something went wrong (unreadable), False when skipped on purpose
    code: str = "unreadable"  # "unreadable" | "loop" | "over_cap" | "not_media"


def check_folder(root: Path) -> os.stat_result:
    """``root``'s status when it is a folder Ansim may open; else ``ValueRejected``."""
    try:
        st = Path(root).stat()
    except FileNotFoundError:
        raise ValueRejected(
            "The folder does not exist.",
            next_step="Check the folder's name and where it is, then try again.",
            key="folder_missing") from None
    except OSError:
        raise ValueRejected(
            "This computer does not let Ansim open the folder.",
            next_step="Choose a folder you can open, or check who may read this one.",
            key="folder_denied") from None
    if not stat.S_ISDIR(st.st_mode):
        raise ValueRejected("This is a file, not a folder.", next_step="Choose a folder.",
                            key="folder_is_file")
    return st


def walk_folder(
    root: Path, *, max_file_bytes: int, cancelled: Callable[[], bool] = lambda: False
) -> Iterator[FolderFile | FolderSkip]:
    """Every picture and video under ``root``, in a stable (sorted) order."""
    root = Path(root)
    st = check_folder(root)
    seen_dirs: set[tuple[int, int]] = {(st.st_dev, st.st_ino)}
    seen_files: set[tuple[int, int]] = set()
    stack: list[tuple[Path, str]] = [(root, "")]
    while stack:
        folder, rel_folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            yield FolderSkip(rel_folder or ".", "This folder could not be opened.", True)
            continue
        subdirs: list[tuple[Path, str]] = []
        for entry in entries:
            if cancelled():
                raise ScanCancelled()
            rel = f"{rel_folder}/{entry.name}" if rel_folder else entry.name
            try:
                est = os.stat(entry.path)  # follows symbolic links
            except OSError:
                yield FolderSkip(rel, "This file or link could not be opened (a broken or "
                                 "looping link, or no permission).", True)
                continue
            key = (est.st_dev, est.st_ino)
            if stat.S_ISDIR(est.st_mode):
                if key in seen_dirs:
                    yield FolderSkip(rel, "A link back to a folder already scanned (skipped, "
                                     "to avoid a loop).", False, "loop")
                    continue
                seen_dirs.add(key)
                subdirs.append((Path(entry.path), rel))
                continue
            if not stat.S_ISREG(est.st_mode):
                continue
            if key in seen_files:
                continue
            seen_files.add(key)
            yield _classify(Path(entry.path), rel, est.st_size, max_file_bytes)
        stack.extend(reversed(subdirs))


def _classify(path: Path, rel: str, size: int, cap: int) -> FolderFile | FolderSkip:
    if size == 0:
        return FolderSkip(rel, NOT_MEDIA, False, "not_media")
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError:
        return FolderSkip(rel, "This computer does not let Ansim read the file.", True)
    kind = sniff(head)
    if kind is None:
        return FolderSkip(rel, NOT_MEDIA, False, "not_media")
    if size > cap:
        mib = cap // (1024 * 1024) or 1
        return FolderSkip(rel, f"The file is larger than the scan limit ({mib} MiB).", False,
                          "over_cap")
    return FolderFile(path=path, rel=rel, kind=kind, size=size)
