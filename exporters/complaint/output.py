"""Write a finished document to a path the person chose: never overwrite, never leave a part.

The file is private to the user (0600). A hard link publishes it atomically without replacing
a file that appeared meanwhile; file systems without hard links (FAT/exFAT memory sticks) fall
back to a checked rename.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from exporters.complaint.errors import OutputExists, OutputFolderMissing
from vault import durable


def _exists_error() -> OutputExists:
    return OutputExists()


def target_path(out: Path, default_name: str) -> Path:
    """``out`` itself, or ``default_name`` inside it when ``out`` is a folder."""
    out = Path(out)
    return out / default_name if out.is_dir() else out


def write_new_file(path: Path, data: bytes) -> None:
    if path.exists():
        raise _exists_error()
    if not path.parent.is_dir():
        raise OutputFolderMissing()
    tmp = path.with_name(f".{path.name}.ansim-partial")
    try:
        with durable.open_private(tmp, exclusive=True) as f:
            f.write(data)
            durable.fsync_file(f)
        try:
            os.link(tmp, path)  # fails instead of replacing a file created meanwhile
        except FileExistsError:
            raise _exists_error() from None
        except OSError:
            if path.exists():
                raise _exists_error() from None
            durable.replace(tmp, path)
        durable.fsync_dir(path.parent)
    except FileExistsError:
        raise _exists_error() from None
    except OSError as exc:
        raise durable.storage_error(exc) from exc
    finally:
        tmp.unlink(missing_ok=True)


def remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
