"""Use cases for evidence items: add a file, list, show, extract, delete.

The CLI and the TUI both call these. Each one that changes the vault runs in one transaction and
leaves a custody entry; originals are streamed, never loaded whole, and never modified.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from vault import repo
from vault.errors import InputRejected
from vault.records import (
    CaptureMethod,
    EvidenceItem,
    ItemKind,
    Source,
)
from vault.sniff import HEAD_BYTES, kind_for_mime, sniff_mime
from vault.store import Vault

Progress = Callable[[int], None]


@dataclass(frozen=True)
class AddResult:
    item: EvidenceItem
    duplicate_of: EvidenceItem | None = None

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of is not None


class _SniffingReader:
    """Wrap a binary stream: remember its first bytes (for MIME sniffing) and count progress."""

    def __init__(self, f: BinaryIO, on_progress: Progress | None) -> None:
        self._f = f
        self.head = b""
        self.total = 0
        self._on_progress = on_progress

    def read(self, n: int = -1) -> bytes:
        data = self._f.read(n)
        if len(self.head) < HEAD_BYTES and data:
            self.head += data[: HEAD_BYTES - len(self.head)]
        self.total += len(data)
        if self._on_progress is not None and data:
            self._on_progress(len(data))
        return data


def open_input(path: Path) -> BinaryIO:
    """Open a file for import with a clear error for every way it can fail."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputRejected(
            "The file does not exist (it may have been moved or deleted)."
        ) from None
    except PermissionError:
        raise InputRejected("This computer does not let Ansim read the file.") from None
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            raise InputRejected("The path is a shortcut that points to itself (a loop).") from None
        raise InputRejected(f"The file could not be read ({exc.strerror}).") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputRejected("This is a folder, not a file.")
    if not stat.S_ISREG(st.st_mode):
        raise InputRejected("This is not a regular file (a device, pipe or socket).")
    try:
        return open(path, "rb")  # noqa: SIM115 - returned to the caller
    except PermissionError:
        raise InputRejected("This computer does not let Ansim read the file.") from None
    except OSError as exc:
        raise InputRejected(f"The file could not be read ({exc.strerror}).") from None


def _exhibit_no(vault: Vault, case_id: str) -> int:
    return repo.next_counter(vault.db, f"exhibit:{case_id}")


def add_stream(
    vault: Vault,
    src: BinaryIO,
    case_id: str,
    *,
    original_name: str,
    source: Source | None = None,
    description: str = "",
    captured_by: str = "",
    capture_method: CaptureMethod = CaptureMethod.FILE_IMPORT,
    capture_time: str = "",
    capture_time_source: str = "",
    tags: tuple[str, ...] = (),
    kind: ItemKind | None = None,
    on_progress: Progress | None = None,
    details: dict[str, object] | None = None,
) -> AddResult:
    """Encrypt ``src`` into the vault as a new evidence item of ``case_id`` and commit."""
    reader = _SniffingReader(src, on_progress)
    try:
        ref, duplicate = vault.put_blob(reader)  # type: ignore[arg-type]
    except OSError as exc:
        raise InputRejected(f"The file could not be read to the end ({exc.strerror}).") from None
    if duplicate:
        existing = next(
            (
                i
                for i in repo.list_records(vault.db, EvidenceItem, case_id)
                if i.blob is not None and i.blob.blob_id == ref.blob_id
            ),
            None,
        )
        if existing is not None:
            return AddResult(existing, duplicate_of=existing)
    mime = sniff_mime(reader.head)
    now = vault.now()
    with vault.transaction() as db:
        item = EvidenceItem(
            id=repo.new_id(),
            case_id=case_id,
            exhibit_no=_exhibit_no(vault, case_id),
            kind=kind or kind_for_mime(mime),
            blob=ref,
            original_name=original_name,
            size=ref.size,
            mime=mime,
            sha256=ref.sha256,
            md5=ref.md5,
            imported_utc=now.iso_utc(),
            imported_offset_minutes=now.offset_minutes,
            capture_time=capture_time,
            capture_time_source=capture_time_source,
            captured_by=captured_by,
            capture_method=capture_method,
            source=source or Source(),
            description=description,
            tags=tags,
        )
        repo.put(db, item)
        vault.log(
            "imported",
            item.id,
            {
                "case": case_id,
                "sha256": ref.sha256,
                "size": ref.size,
                "method": capture_method.value,
                **(details or {}),
            },
        )
    return AddResult(item)


def add_file(vault: Vault, path: Path, case_id: str, **kwargs: object) -> AddResult:
    path = Path(path)
    with open_input(path) as f:
        return add_stream(vault, f, case_id, original_name=path.name, **kwargs)  # type: ignore[arg-type]


def list_items(vault: Vault, case_id: str | None = None) -> list[EvidenceItem]:
    return repo.list_records(vault.db, EvidenceItem, case_id)


def get_item(vault: Vault, item_id: str) -> EvidenceItem:
    return repo.get(vault.db, EvidenceItem, item_id)


def extract_item(vault: Vault, item: EvidenceItem, out: Path, *, reason: str = "") -> Path:
    """Decrypt the original to a path the user chose; logged as a custody entry."""
    out = Path(out)
    if out.is_dir():
        out = out / (Path(item.original_name).name or item.exhibit)
    if out.exists():
        raise InputRejected(
            "A file with that name already exists there.",
            next_step="Choose another name or folder; Ansim never overwrites files.",
        )
    if item.blob is None:
        raise InputRejected("This record has no stored file (it is a link or a note).")
    vault.extract_blob(item.blob.blob_id, out)
    with vault.transaction():
        vault.log("extracted", item.id, {"reason": reason} if reason else {})
    return out


def update_item(vault: Vault, item: EvidenceItem, **changes: object) -> EvidenceItem:
    updated = replace(item, **changes)  # type: ignore[arg-type]
    with vault.transaction() as db:
        repo.put(db, updated)
        vault.log("item_edited", item.id, {"fields": sorted(changes)})
    return updated


def delete_item(vault: Vault, item: EvidenceItem, *, reason: str = "") -> None:
    """Crypto-shred the item's blob (unless another item shares it) and remove its record."""
    shred: str | None = None
    with vault.transaction() as db:
        repo.delete(db, EvidenceItem, item.id)
        repo.delete_fingerprint(db, item.id)
        if item.blob is not None:
            still_used = any(
                i.blob is not None and i.blob.blob_id == item.blob.blob_id
                for i in repo.list_records(db, EvidenceItem)
            )
            if not still_used:
                shred = item.blob.blob_id
                vault.forget_blob_key(shred)
        details: dict[str, object] = {"sha256": item.sha256, "crypto_shredded": shred is not None}
        if reason:
            details["reason"] = reason
        vault.log("deleted", item.id, details)
    if shred is not None:
        vault.remove_blob_file(shred)
