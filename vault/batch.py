"""Add many files (and whole folders) in one go, one calm result per file.

A file that cannot be taken (unreadable, vanished, a folder loop, a hostile image) gets its own
error and the batch continues. The caller can watch progress and cancel between files; anything
added before a cancel stays safely in the vault.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from vault import evidence
from vault.errors import AnsimError, InputRejected, StorageFull, VaultLocked
from vault.records import EvidenceItem
from vault.store import Vault

MAX_FILES = 100_000


@dataclass(frozen=True)
class FileResult:
    """What happened to one path: ``item`` when added (or already there), else ``error``."""

    path: Path
    item: EvidenceItem | None = None
    duplicate: bool = False
    error: AnsimError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class BatchReport:
    results: tuple[FileResult, ...]
    cancelled: bool = False

    @property
    def added(self) -> int:
        return sum(1 for r in self.results if r.ok and not r.duplicate)

    @property
    def duplicates(self) -> int:
        return sum(1 for r in self.results if r.duplicate)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if not r.ok)


def parse_pasted_paths(text: str) -> list[Path]:
    """Paths pasted one per line (quotes from file managers and blank lines are ignored)."""
    paths: list[Path] = []
    for line in text.splitlines():
        cleaned = line.strip().strip("'\"")
        if cleaned.startswith("file://"):
            cleaned = cleaned[len("file://") :]
        if cleaned:
            paths.append(Path(os.path.expanduser(cleaned)))
    return paths


def expand_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Files first as given; folders walked in name order without following links to folders
    (which avoids loops). Unreadable folders are skipped here; files report their own errors."""
    count = 0
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            for root, dirs, files in os.walk(path, followlinks=False):
                dirs.sort()
                for name in sorted(files):
                    count += 1
                    if count > MAX_FILES:
                        return
                    yield Path(root) / name
        else:
            count += 1
            if count > MAX_FILES:
                return
            yield path


def add_paths(
    vault: Vault,
    paths: Iterable[Path],
    case_id: str,
    *,
    on_result: Callable[[int, FileResult], None] | None = None,
    on_bytes: Callable[[int], None] | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> BatchReport:
    """Add every file under ``paths`` to ``case_id``. Stops early only when cancelled, the disk
    is full or the vault was locked (those would fail every following file too)."""
    results: list[FileResult] = []
    cancelled = False
    for index, path in enumerate(expand_paths(paths)):
        if is_cancelled is not None and is_cancelled():
            cancelled = True
            break
        try:
            res = evidence.add_file(vault, path, case_id, on_progress=on_bytes)
            result = FileResult(path, res.item, res.is_duplicate)
        except (StorageFull, VaultLocked):
            raise
        except AnsimError as exc:
            result = FileResult(path, error=exc)
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            result = FileResult(path, error=InputRejected(f"It could not be read ({reason})."))
        results.append(result)
        if on_result is not None:
            on_result(index, result)
    return BatchReport(tuple(results), cancelled)
