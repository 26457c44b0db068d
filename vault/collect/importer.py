"""Import files and whole folders: one use case for the CLI and the TUI.

Every file gets its own outcome (added, already in the vault, or could not be added with a
plain reason); one bad file never stops the batch. Progress is reported as bytes and files go
by, and the import can be cancelled between chunks (what was finished stays in the vault).
With ``remove_originals`` each original is removed only after the vault's copy has been read
back and verified and the original still holds exactly those bytes (see
:mod:`vault.collect.remove` for what "removed" can and cannot promise).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from vault import evidence, notes
from vault.collect.folder import Candidate, expand
from vault.collect.remove import Removal, secure_remove, verify_vault_copy
from vault.errors import AnsimError, VaultError
from vault.records import EvidenceItem, Source
from vault.store import Vault

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    ADDED = "added"
    DUPLICATE = "duplicate"
    FAILED = "failed"


@dataclass(frozen=True)
class ImportOptions:
    """What to record with every file of one import."""

    source: Source = field(default_factory=Source)
    description: str = ""
    captured_by: str = ""
    capture_time: str = ""  # as entered; wins over EXIF
    tags: tuple[str, ...] = ()
    note: str = ""  # attached to each newly added item
    include_in_export: bool = True
    remove_originals: bool = False


@dataclass(frozen=True)
class ImportProgress:
    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    current: Path | None  # shown to the person importing only; never logged


@dataclass(frozen=True)
class FileResult:
    """The outcome for one path. ``path`` is the person's own path, for display only."""

    path: Path
    outcome: Outcome
    item: EvidenceItem | None = None
    error: AnsimError | None = None
    removal: Removal | None = None

    @property
    def flags(self) -> tuple[str, ...]:
        return self.item.flags if self.item is not None and self.outcome == Outcome.ADDED else ()


@dataclass(frozen=True)
class ImportReport:
    results: tuple[FileResult, ...]
    cancelled: bool = False
    #: A problem with the vault itself (disk full, damaged) that stopped the batch early.
    stopped_by: AnsimError | None = None

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def added(self) -> int:
        return self.count(Outcome.ADDED)

    @property
    def duplicates(self) -> int:
        return self.count(Outcome.DUPLICATE)

    @property
    def failed(self) -> int:
        return self.count(Outcome.FAILED)

    @property
    def removed(self) -> int:
        return sum(1 for r in self.results if r.removal is not None and r.removal.removed)


class _Tracker:
    def __init__(
        self, candidates: list[Candidate], on_progress: Callable[[ImportProgress], None] | None
    ) -> None:
        self.files_total = len(candidates)
        self.bytes_total = sum(c.size for c in candidates if c.problem is None)
        self.files_done = 0
        self.bytes_done = 0
        self.current: Path | None = None
        self._cb = on_progress

    def emit(self) -> None:
        if self._cb is not None:
            self._cb(
                ImportProgress(
                    self.files_done,
                    self.files_total,
                    min(self.bytes_done, max(self.bytes_total, self.bytes_done)),
                    max(self.bytes_total, self.bytes_done),
                    self.current,
                )
            )

    def chunk(self, n: int) -> None:
        self.bytes_done += n
        self.emit()


def import_paths(
    vault: Vault,
    paths: Sequence[Path],
    case_id: str,
    options: ImportOptions | None = None,
    *,
    on_progress: Callable[[ImportProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ImportReport:
    """Import every file named in ``paths`` and every file inside the folders named there."""
    opts = options or ImportOptions()
    candidates = expand(paths)
    tracker = _Tracker(candidates, on_progress)
    results: list[FileResult] = []
    tracker.emit()
    for cand in candidates:
        if cancelled is not None and cancelled():
            return ImportReport(tuple(results), cancelled=True)
        tracker.current = cand.path
        expected_end = tracker.bytes_done + cand.size
        try:
            result = _import_one(vault, cand, case_id, opts, tracker, cancelled)
        except evidence.ImportCancelled:
            return ImportReport(tuple(results), cancelled=True)
        except VaultError as exc:
            results.append(FileResult(cand.path, Outcome.FAILED, error=exc))
            return ImportReport(tuple(results), stopped_by=exc)
        results.append(result)
        tracker.files_done += 1
        tracker.bytes_done = max(tracker.bytes_done, expected_end)
        tracker.emit()
    return ImportReport(tuple(results))


def _import_one(
    vault: Vault,
    cand: Candidate,
    case_id: str,
    opts: ImportOptions,
    tracker: _Tracker,
    cancelled: Callable[[], bool] | None,
) -> FileResult:
    if cand.problem is not None:
        return FileResult(cand.path, Outcome.FAILED, error=cand.problem)
    try:
        res = evidence.add_file(
            vault,
            cand.path,
            case_id,
            original_folder=cand.folder,
            source=opts.source,
            description=opts.description,
            captured_by=opts.captured_by,
            capture_time=opts.capture_time,
            tags=opts.tags,
            include_in_export=opts.include_in_export,
            on_progress=tracker.chunk,
            cancelled=cancelled,
        )
    except (evidence.ImportCancelled, VaultError):
        raise
    except AnsimError as exc:
        return FileResult(cand.path, Outcome.FAILED, error=exc)
    if opts.note and not res.is_duplicate:
        notes.add_note(vault, case_id, opts.note, item_id=res.item.id)
    removal = _remove_original(vault, cand.path, res.item) if opts.remove_originals else None
    outcome = Outcome.DUPLICATE if res.is_duplicate else Outcome.ADDED
    return FileResult(cand.path, outcome, item=res.item, removal=removal)


def _remove_original(vault: Vault, path: Path, item: EvidenceItem) -> Removal:
    if item.blob is None:
        return Removal(False, "There is no stored copy to check against, so the original stays.")
    try:
        verify_vault_copy(vault, item.blob.blob_id, item.sha256)
    except AnsimError:
        return Removal(False, "The copy in the vault could not be verified, so the original stays.")
    removal = secure_remove(path, item.sha256)
    with vault.transaction():
        vault.log(
            "original_removed" if removal.removed else "original_kept",
            item.id,
            {"verified": True} if removal.removed else {"verified": True, "removed": False},
        )
    return removal
