"""Turn the files and folders a person chose into a flat, ordered list of files to import.

Folders are walked without following shortcuts (symbolic links) to other folders, so a link
loop can never trap the walk; a shortcut to a file is taken like the file. Every entry that
cannot be taken (a shortcut pointing nowhere or to itself, a device or pipe, a folder this
computer does not let Ansim read) is listed too, with its reason, so nothing is skipped silently.
"""

from __future__ import annotations

import contextlib
import errno
import getpass
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vault.errors import InputRejected


class FileRejected(InputRejected):
    """A file that cannot be imported, with a stable ``reason`` code so front ends can show the
    sentence in the person's language (``evidence.why.<reason>`` in the catalogs)."""

    title = InputRejected.title

    def __init__(
        self, reason: str, what: str, *, next_step: str | None = None, **params: object
    ) -> None:
        self.reason = reason
        super().__init__(what, next_step=next_step, key=f"file.{reason}", **params)


@dataclass(frozen=True)
class Candidate:
    """One file to import: its path, the sub-folder it was found in, its size when known, or
    the reason it cannot be imported."""

    path: Path
    folder: str = ""  # "/"-separated, starting with the chosen folder's own name
    size: int = 0
    problem: FileRejected | None = None


def stat_problem(exc: OSError) -> FileRejected:
    """A calm sentence for an ``OSError`` raised while looking at or opening a path."""
    if isinstance(exc, FileNotFoundError):
        return FileRejected(
            "missing",
            "The file is not there any more (it was moved or deleted), or it is a shortcut "
            "that points nowhere.",
        )
    if isinstance(exc, PermissionError):
        return FileRejected("permission", "This computer does not let Ansim read the file.")
    if exc.errno == errno.ELOOP:
        return FileRejected("loop", "The path is a shortcut that points to itself (a loop).")
    if exc.errno == errno.ENAMETOOLONG:
        return FileRejected("too_long", "The path is too long for this computer to open.")
    detail = exc.strerror or "unknown error"
    return FileRejected("read_error", f"The file could not be read ({detail}).", detail=detail)


def kind_problem(mode: int) -> FileRejected | None:
    if stat.S_ISDIR(mode):
        return FileRejected("folder", "This is a folder, not a file.")
    if not stat.S_ISREG(mode):
        return FileRejected(
            "not_regular", "This is not a regular file (a device, pipe or socket)."
        )
    return None


def _one(path: Path, folder: str) -> Candidate:
    try:
        st = os.stat(path)
    except OSError as exc:
        return Candidate(path, folder, 0, stat_problem(exc))
    return Candidate(path, folder, st.st_size, kind_problem(st.st_mode))


def _label(top: Path) -> str:
    """The chosen folder's own name, kept so items remember where they came from; a folder
    named like the OS account (someone's home folder) becomes "folder", so no user name is
    recorded."""
    name = top.resolve().name or top.name
    private = {Path.home().name}
    with contextlib.suppress(Exception):
        private.add(getpass.getuser())
    if not name or name in private:
        return "folder"
    return name


def _walk(top: Path) -> list[Candidate]:
    found: list[Candidate] = []
    label = _label(top)

    def on_error(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else top
        found.append(Candidate(where, label, 0, stat_problem(exc)))

    for dirpath, dirnames, filenames in os.walk(top, onerror=on_error, followlinks=False):
        here = Path(dirpath)
        rel = here.relative_to(top)
        folder = "/".join((label, *rel.parts))
        dirnames.sort()
        for d in list(dirnames):
            if (here / d).is_symlink():
                found.append(
                    Candidate(
                        here / d,
                        folder,
                        0,
                        FileRejected(
                            "link_to_folder",
                            "This is a shortcut to another folder; Ansim does not follow it.",
                            next_step="Add that folder itself if you want its files.",
                        ),
                    )
                )
                dirnames.remove(d)
        for name in sorted(filenames):
            found.append(_one(here / name, folder))
    return found


def expand(paths: Sequence[Path]) -> list[Candidate]:
    """Every file named or found inside the folders named, in a stable order."""
    out: list[Candidate] = []
    for raw in paths:
        path = Path(raw)
        try:
            is_dir = stat.S_ISDIR(os.stat(path).st_mode)
        except OSError as exc:
            out.append(Candidate(path, "", 0, stat_problem(exc)))
            continue
        if is_dir:
            out.extend(_walk(path))
        else:
            out.append(_one(path, ""))
    return out
