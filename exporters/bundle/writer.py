"""Writes files into a bag being built, hashing as it goes (one pass, constant memory)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from exporters.bundle import layout


@dataclass(frozen=True)
class Written:
    path: str  # relative to the bag root, "/" separators
    size: int
    sha256: str


class ExportCancelled(Exception):
    """Raised inside the writer when the person cancels; the builder turns it into an error."""


class BagWriter:
    """Creates files under ``root``; remembers the SHA-256 and size of each one written."""

    def __init__(
        self,
        root: Path,
        on_bytes: Callable[[int], None] | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> None:
        self.root = root
        self.written: dict[str, Written] = {}
        self._on_bytes = on_bytes
        self._should_cancel = should_cancel

    def _target(self, rel: str) -> Path:
        if not layout.is_safe_relative_path(rel) or rel in self.written:
            raise ValueError(f"unsafe or repeated bag path {rel!r}")
        target = self.root.joinpath(*rel.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write_stream(self, rel: str, chunks: Iterable[bytes]) -> Written:
        target = self._target(rel)
        sha, size = hashlib.sha256(), 0
        mode = 0o755 if rel in layout.EXECUTABLE_FILES else 0o644
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                if self._should_cancel is not None and self._should_cancel():
                    raise ExportCancelled()
                f.write(chunk)
                sha.update(chunk)
                size += len(chunk)
                if self._on_bytes is not None:
                    self._on_bytes(len(chunk))
            f.flush()
            os.fsync(f.fileno())
        os.chmod(target, mode)  # independent of the umask, so the zip is the same everywhere
        done = Written(rel, size, sha.hexdigest())
        self.written[rel] = done
        return done

    def write_bytes(self, rel: str, data: bytes) -> Written:
        return self.write_stream(rel, (data,))

    def payload(self) -> dict[str, Written]:
        return {p: w for p, w in self.written.items() if p.startswith(layout.DATA + "/")}

    def sha256_of(self, paths: Iterable[str]) -> dict[str, str]:
        return {p: self.written[p].sha256 for p in paths}
