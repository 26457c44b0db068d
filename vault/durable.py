"""Crash-safe file writes and the single-writer lock.

``atomic_write`` follows the sequence the design calls for: write a temporary file in the same
folder, flush, fsync, ``os.replace`` over the target, then fsync the folder, so after a crash the
target holds either the old bytes or the new bytes, never a mixture.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, BinaryIO

from vault.errors import StorageFull, VaultInUse


def fsync_dir(path: Path) -> None:
    if sys.platform == "win32":  # pragma: no cover - directories cannot be fsynced on Windows
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(f: IO[bytes]) -> None:
    f.flush()
    if sys.platform == "darwin":  # pragma: no cover
        import fcntl

        fcntl.fcntl(f.fileno(), fcntl.F_FULLFSYNC)  # type: ignore[attr-defined]
    else:
        os.fsync(f.fileno())


def replace(src: Path, dst: Path) -> None:
    """``os.replace`` with a bounded retry for Windows' transient sharing violations."""
    for attempt in range(10):
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            if sys.platform != "win32" or attempt == 9:
                raise
            time.sleep(0.05 * (attempt + 1))


#: ``atomic_write`` names its temporary file ``.<target>.<pid>.tmp`` next to the target; a crash
#: can leave one behind (ciphertext only), which the vault sweeps at unlock.
TMP_PREFIX = "."
TMP_SUFFIX = ".tmp"


def open_private(path: Path, *, exclusive: bool = False) -> BinaryIO:
    """Open ``path`` for writing, readable by the owner only (0600), truncating unless
    ``exclusive`` (then the file must not exist yet)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    flags |= getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, 0o600)
    try:
        return os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        raise


def storage_error(exc: OSError) -> Exception:
    """Turn a low-level write failure into the error a person can act on."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFull(
            "There is no free space left on the disk (or your storage quota is used up).",
            key="disk_full",
        )
    if exc.errno == errno.EFBIG:
        return StorageFull(
            "The file is too large for this disk or folder to hold.", key="file_too_big"
        )
    detail = exc.strerror or str(exc)
    return StorageFull(f"The system said: {detail}.", key="system_said", detail=detail)


def atomic_write(target: Path, data: bytes | Sequence[bytes | memoryview]) -> None:
    """Durably replace ``target`` with ``data`` (bytes, or parts written one after the other so
    large buffers need not be joined); the old contents survive any failure."""
    tmp = target.with_name(f"{TMP_PREFIX}{target.name}.{os.getpid()}{TMP_SUFFIX}")
    parts = (data,) if isinstance(data, bytes | bytearray | memoryview) else data
    try:
        with open_private(tmp) as f:
            for part in parts:
                f.write(part)
            fsync_file(f)
        replace(tmp, target)
        fsync_dir(target.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise storage_error(exc) from exc


class VaultLock:
    """An exclusive advisory lock on ``<vault>/lock`` held while a vault is open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if sys.platform == "win32":  # pragma: no cover
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise VaultInUse() from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the lock
            self._fd = None

    def __enter__(self) -> VaultLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
