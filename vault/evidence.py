"""Use cases for evidence items: add a file or stream, list, show, edit, extract, delete.

The CLI and the TUI both call these. Each one that changes the vault runs in one transaction and
leaves a custody entry; originals are streamed, never loaded whole, and never modified.

What happens to an image at import (all in memory, nothing written in plaintext):

- its header is probed (format, pixel size, EXIF) without decoding pixels; the pixel count is
  checked before any decoding, so decompression bombs are never opened;
- EXIF capture time and orientation are read; the EXIF fields are kept inside the vault only,
  and GPS and device/person-identifying fields are left out of exports unless asked
  (:func:`exportable_exif`);
- its fingerprint is computed from the bytes buffered while they stream into the vault (images up
  to :data:`FINGERPRINT_MAX_BYTES`) and stored in the same transaction.

**Decision: broken images are kept.** An image that is truncated, corrupt or too large to open
safely is still stored, byte for byte, because the original bytes are the evidence. The item
gets a flag (:data:`FLAG_TEXT` lists them) and the import reports it; it is never decoded again.
Only files with nothing in them (0 bytes) and paths that cannot be read are refused.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from vault import fingerprint_docs, repo
from vault.collect.exif import is_sensitive
from vault.collect.folder import FileRejected, kind_problem, stat_problem
from vault.collect.probe import (
    FLAG_TOO_LARGE,
    FLAG_UNREADABLE,
    ImageProbe,
    ImageProblem,
    check_decodes,
    probe_image,
)
from vault.errors import AnsimError, InputRejected, ValueRejected
from vault.records import (
    CaptureMethod,
    Case,
    EvidenceItem,
    ItemKind,
    Source,
)
from vault.sniff import HEAD_BYTES, kind_for_mime, sniff_mime
from vault.store import Vault

if TYPE_CHECKING:
    from vault.fingerprints import Fingerprint

log = logging.getLogger(__name__)

Progress = Callable[[int], None]

#: Images up to this size are buffered in memory while they stream in, to fingerprint them.
FINGERPRINT_MAX_BYTES = 64 * 1024 * 1024

FLAG_NOT_CHECKED = "image_not_checked"
FLAG_FINGERPRINT_FAILED = "fingerprint_failed"
FLAG_CHANGED_SINCE = "file_changed_during_import"
#: Every flag an item can carry, with the English sentence shown for it (translations live in
#: ``vault/locales/evidence.*.json`` under ``evidence.flag.<code>``).
FLAG_TEXT: dict[str, str] = {
    FLAG_UNREADABLE: "Could not be read as an image (damaged or incomplete). The original bytes "
    "are kept exactly as they were.",
    FLAG_TOO_LARGE: "Claims to be too large to open safely (this is how 'decompression bomb' "
    "files look). Kept as a file and never opened.",
    FLAG_NOT_CHECKED: "Too large to check in memory. Kept as a file; scans cannot look for "
    "copies of it.",
    FLAG_CHANGED_SINCE: "The original file changed after it was read; the vault keeps the "
    "bytes as they were read.",
    FLAG_FINGERPRINT_FAILED: "No fingerprint could be made, so scans cannot look for copies of "
    "it. The original is kept.",
}


class ImportCancelled(AnsimError):
    title = "The import was stopped."
    next_step = "Everything added before you stopped it is safely in the vault."


@dataclass(frozen=True)
class AddResult:
    item: EvidenceItem
    duplicate_of: EvidenceItem | None = None

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of is not None

    @property
    def flags(self) -> tuple[str, ...]:
        return self.item.flags


class _Reader:
    """Wrap a binary stream: keep its first bytes (MIME sniffing), buffer an image's bytes up to
    a cap (fingerprinting in memory), report progress, and stop when asked to."""

    def __init__(
        self,
        f: BinaryIO,
        on_progress: Progress | None,
        cancelled: Callable[[], bool] | None,
        buffer_cap: int,
    ) -> None:
        self._f = f
        self._head: list[bytes] = []
        self._head_len = 0
        self.head = b""
        self.total = 0
        self._on_progress = on_progress
        self._cancelled = cancelled
        self._cap = buffer_cap
        self._parts: list[bytes] | None = [] if buffer_cap > 0 else None

    def read(self, n: int = -1) -> bytes:
        if self._cancelled is not None and self._cancelled():
            raise ImportCancelled()
        data = self._f.read(n)
        if not data:
            return data
        if self._head_len < HEAD_BYTES:
            piece = data[: HEAD_BYTES - self._head_len]
            self._head.append(piece)
            self._head_len += len(piece)
            self.head = b"".join(self._head)
            if (
                self._parts is not None
                and self._head_len >= 64
                and not _looks_like_image(self.head)
            ):
                self._parts = None
        self.total += len(data)
        if self._parts is not None:
            if self.total > self._cap:
                self._parts = None
            else:
                self._parts.append(data)
        if self._on_progress is not None:
            self._on_progress(len(data))
        return data

    def buffered(self) -> bytes | None:
        """All bytes read, if they were an image small enough to keep; else None."""
        if self._parts is None or not _looks_like_image(self.head):
            return None
        return b"".join(self._parts)


def _looks_like_image(head: bytes) -> bool:
    return sniff_mime(head[:HEAD_BYTES]).startswith("image/")


def open_input(path: Path) -> BinaryIO:
    """Open a file for import with a clear error for every way it can fail."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise stat_problem(exc) from None
    problem = kind_problem(st.st_mode)
    if problem is not None:
        raise problem
    try:
        f = open(path, "rb")  # noqa: SIM115 - returned to the caller
    except OSError as exc:
        raise stat_problem(exc) from None
    if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):  # swapped between stat and open
        f.close()
        raise FileRejected(
            "not_regular", "This is not a regular file (a device, pipe or socket)."
        )
    return f


def _exhibit_no(vault: Vault, case_id: str) -> int:
    return repo.next_counter(vault.db, f"exhibit:{case_id}")


@dataclass(frozen=True)
class _ImageFacts:
    flags: tuple[str, ...] = ()
    width: int = 0
    height: int = 0
    exif: dict[str, str] | None = None
    capture_time: str = ""
    fingerprint_json: str = ""


def _examine_image(
    data: bytes | None, mime: str, *, head: bytes = b"", fingerprint: bool = True
) -> _ImageFacts:
    """Probe, read EXIF and fingerprint an image held in memory. Never raises.

    An image too large to hold in memory is only probed from its first bytes (``head``),
    where JPEG and most other formats keep their size and EXIF."""
    if not mime.startswith("image/"):
        return _ImageFacts()
    if data is None:
        try:
            partial = probe_image(head)
        except ImageProblem:
            return _ImageFacts(flags=(FLAG_NOT_CHECKED,))
        return _ImageFacts(
            flags=(FLAG_NOT_CHECKED,),
            width=partial.width,
            height=partial.height,
            exif=dict(partial.exif.fields),
            capture_time=partial.exif.capture_time,
        )
    try:
        probe: ImageProbe = probe_image(data)
    except ImageProblem as exc:
        return _ImageFacts(flags=(exc.code,))
    facts = _ImageFacts(
        width=probe.width,
        height=probe.height,
        exif=dict(probe.exif.fields),
        capture_time=probe.exif.capture_time,
    )
    if not fingerprint:
        return facts
    try:
        from vault.fingerprints import fingerprint_image

        fp = fingerprint_image(data)
        return replace(facts, fingerprint_json=json.dumps(fp.to_json(), sort_keys=True))
    except InputRejected:
        pass
    except Exception as exc:  # a fingerprint bug must never lose an import
        log.warning("fingerprinting failed unexpectedly: %s", type(exc).__name__)
    try:
        check_decodes(data)
    except ImageProblem as exc:
        return replace(facts, flags=(exc.code,))
    return replace(facts, flags=(FLAG_FINGERPRINT_FAILED,))


def _video_fingerprint(path: Path, sha256: str) -> tuple[str, tuple[str, ...], str]:
    """Fingerprint a video from its original file, if it still holds the bytes imported.
    Returns the fingerprint document, flags, and the file's MD5 ('' when it failed)."""
    try:
        from vault.fingerprints import fingerprint_video

        fp = fingerprint_video(path)
    except InputRejected:
        return "", (FLAG_FINGERPRINT_FAILED,), ""
    except Exception as exc:
        log.warning("video fingerprinting failed unexpectedly: %s", type(exc).__name__)
        return "", (FLAG_FINGERPRINT_FAILED,), ""
    if fp.sha256 != sha256:
        return "", (FLAG_FINGERPRINT_FAILED, FLAG_CHANGED_SINCE), ""
    return json.dumps(fp.to_json(), sort_keys=True), (), fp.md5


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
    include_in_export: bool = True,
    original_folder: str = "",
    file_modified_utc: str = "",
    derived_from: EvidenceItem | None = None,
    derivation: str = "",
    video_path: Path | None = None,
    fingerprint: bool = True,
    on_progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    details: dict[str, object] | None = None,
) -> AddResult:
    """Encrypt ``src`` into the vault as a new evidence item of ``case_id`` and commit.

    ``capture_time`` as entered wins over the EXIF capture time. The same bytes already in this
    case are not stored twice: the result then names the existing item (``duplicate_of``) and
    the attempt is recorded in the custody log. ``video_path`` (the original file) lets a video
    be fingerprinted after import. Raises ``InputRejected`` for empty or unreadable input and
    ``ImportCancelled`` when ``cancelled()`` turns true; the vault is then unchanged.
    """
    repo.get(vault.db, Case, case_id)  # NotFound before any work for a case that is gone
    reader = _Reader(src, on_progress, cancelled, FINGERPRINT_MAX_BYTES)
    with vault.transaction() as db:
        try:
            ref, duplicate = vault.put_blob(reader)  # type: ignore[arg-type]
        except OSError as exc:
            raise FileRejected(
                "read_incomplete",
                f"The file could not be read to the end ({exc.strerror or 'read error'}).",
                detail=exc.strerror or "read error",
            ) from None
        if reader.total == 0:
            if not duplicate:
                vault.forget_blob_key(ref.blob_id)
                vault.remove_blob_file(ref.blob_id)
            raise FileRejected("empty", "The file is empty (0 bytes); there is nothing to keep.")
        same_blob = (
            [
                i
                for i in repo.list_records(db, EvidenceItem)
                if i.blob and i.blob.blob_id == ref.blob_id
            ]
            if duplicate
            else []
        )
        in_case = next((i for i in same_blob if i.case_id == case_id), None)
        if in_case is not None:
            vault.log(
                "import_duplicate", in_case.id, {"case": case_id, "method": capture_method.value}
            )
            return AddResult(in_case, duplicate_of=in_case)
        mime = sniff_mime(reader.head)
        item_kind = kind or kind_for_mime(mime)
        facts = _ImageFacts()
        fp_json = ""
        if same_blob:  # the same bytes in another case: reuse what was learnt then
            other = same_blob[0]
            exif_time = other.capture_time if other.capture_time_source == "exif" else ""
            facts = _ImageFacts(other.flags, other.width, other.height, dict(other.exif), exif_time)
            fp_json = repo.get_fingerprint(db, other.id) or ""
        else:
            facts = _examine_image(
                reader.buffered(), mime, head=reader.head, fingerprint=fingerprint
            )
            fp_json = facts.fingerprint_json
            if fingerprint and video_path is not None and item_kind == ItemKind.VIDEO:
                fp_json, video_flags, video_md5 = _video_fingerprint(video_path, ref.sha256)
                facts = replace(facts, flags=facts.flags + video_flags)
                if not ref.md5 and video_md5:  # a large video: its fingerprint read it whole
                    vault.record_md5(ref.blob_id, video_md5)
                    ref = replace(ref, md5=video_md5)
        if capture_time:
            time_source = capture_time_source or "entered"
        elif facts.capture_time:
            capture_time, time_source = facts.capture_time, "exif"
        else:
            time_source = ""
        now = vault.now()
        item = EvidenceItem(
            id=repo.new_id(),
            case_id=case_id,
            exhibit_no=_exhibit_no(vault, case_id),
            kind=item_kind,
            blob=ref,
            original_name=original_name,
            size=ref.size,
            mime=mime,
            sha256=ref.sha256,
            md5=ref.md5,
            imported_utc=now.iso_utc(),
            imported_offset_minutes=now.offset_minutes,
            capture_time=capture_time,
            capture_time_source=time_source,
            captured_by=captured_by,
            capture_method=capture_method,
            source=source or Source(),
            description=description,
            tags=tuple(tags),
            include_in_export=include_in_export,
            derived_from=derived_from.id if derived_from else "",
            derived_from_sha256=derived_from.sha256 if derived_from else "",
            derivation=derivation,
            exif=facts.exif or {},
            flags=facts.flags,
            width=facts.width,
            height=facts.height,
            original_folder=original_folder,
            file_modified_utc=file_modified_utc,
        )
        repo.put(db, item)
        if fp_json:
            fingerprint_docs.put(vault, db, item.id, fp_json)
        entry: dict[str, object] = {
            "case": case_id,
            "sha256": ref.sha256,
            "size": ref.size,
            "method": capture_method.value,
            "exhibit": item.exhibit,
        }
        if derived_from is not None:
            entry["derived_from"] = derived_from.id
        if item.flags:
            entry["flags"] = list(item.flags)
        vault.log("imported", item.id, {**entry, **(details or {})})
    return AddResult(item)


def file_mtime_utc(st: os.stat_result) -> str:
    moment = datetime.fromtimestamp(st.st_mtime, UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def add_file(
    vault: Vault,
    path: Path,
    case_id: str,
    *,
    original_folder: str = "",
    **kwargs: object,
) -> AddResult:
    """Import one file. The file must not change while it is read: if its size or modification
    time differ afterwards, nothing is kept and the import says so."""
    path = Path(path)
    with open_input(path) as f:
        before = os.fstat(f.fileno())
        if before.st_size == 0:
            raise FileRejected("empty", "The file is empty (0 bytes); there is nothing to keep.")

        class _Changed(Exception):
            pass

        def verify_unchanged() -> None:
            after = os.fstat(f.fileno())
            if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
                raise _Changed()

        try:
            result = _add_checked(
                vault,
                f,
                case_id,
                path,
                original_folder,
                file_mtime_utc(before),
                verify_unchanged,
                kwargs,
            )
        except _Changed:
            raise FileRejected(
                "changed",
                "The file changed while Ansim was reading it (another program was still writing "
                "or deleting it), so nothing was kept.",
                next_step="Wait until the file is complete, then add it again.",
            ) from None
    return result


def _add_checked(
    vault: Vault,
    f: BinaryIO,
    case_id: str,
    path: Path,
    original_folder: str,
    mtime: str,
    verify_unchanged: Callable[[], None],
    kwargs: dict[str, object],
) -> AddResult:
    """Read at most the size the file had when opened (a file that keeps growing cannot make
    the import endless), then check it did not change."""
    remaining = {"n": os.fstat(f.fileno()).st_size, "checked": False}

    class _Checking:
        def read(self, n: int = -1) -> bytes:
            want = remaining["n"] if n < 0 else min(n, remaining["n"])
            data = f.read(want) if want > 0 else b""
            remaining["n"] -= len(data)
            if not data and not remaining["checked"]:
                remaining["checked"] = True
                verify_unchanged()
            return data

    return add_stream(
        vault,
        _Checking(),  # type: ignore[arg-type]
        case_id,
        original_name=path.name,
        original_folder=original_folder,
        file_modified_utc=mtime,
        video_path=path,
        **kwargs,  # type: ignore[arg-type]
    )


def add_derived(
    vault: Vault,
    original: EvidenceItem,
    data: bytes,
    *,
    derivation: str,
    original_name: str = "",
    description: str = "",
) -> AddResult:
    """Store a copy made from ``original`` (a blurred preview, a crop, a converted format). It
    points at the original by id and SHA-256 and never replaces it."""
    import io

    if not derivation.strip():
        raise ValueRejected(
            "Say how the copy was made (for example 'blurred_preview').", key="derived_how"
        )
    return add_stream(
        vault,
        io.BytesIO(data),
        original.case_id,
        original_name=original_name or f"{original.exhibit}-{derivation}",
        description=description,
        derived_from=original,
        derivation=derivation,
        include_in_export=False,
        source=original.source,
        capture_method=CaptureMethod.ENTERED,
        fingerprint=False,
    )


def derived_copies(vault: Vault, original: EvidenceItem) -> list[EvidenceItem]:
    return [i for i in list_items(vault, original.case_id) if i.derived_from == original.id]


def list_items(vault: Vault, case_id: str | None = None) -> list[EvidenceItem]:
    return repo.list_records(vault.db, EvidenceItem, case_id)


def get_item(vault: Vault, item_id: str) -> EvidenceItem:
    return repo.get(vault.db, EvidenceItem, item_id)


def find_by_exhibit(vault: Vault, case_id: str, exhibit: str) -> EvidenceItem | None:
    """The item of ``case_id`` with exhibit number ``E0001`` / ``1``, if any."""
    digits = exhibit.strip().upper().lstrip("E")
    if not digits.isdigit():
        return None
    no = int(digits)
    return next((i for i in list_items(vault, case_id) if i.exhibit_no == no), None)


def exportable_exif(item: EvidenceItem, include_sensitive: bool = False) -> dict[str, str]:
    """The item's EXIF fields for an export. Location (GPS) and fields that identify a device or
    a person (serial numbers, owner and artist names, unique ids) are left out unless
    ``include_sensitive`` is set because the person exporting asked for them."""
    if include_sensitive:
        return dict(item.exif)
    return {k: v for k, v in item.exif.items() if not is_sensitive(k)}


def sensitive_exif_fields(item: EvidenceItem) -> tuple[str, ...]:
    """Names of the item's EXIF fields that exports leave out by default."""
    return tuple(sorted(k for k in item.exif if is_sensitive(k)))


def orientation(item: EvidenceItem) -> int:
    """EXIF orientation 1-8 (0 when unknown); previews rotate by it, the original never is."""
    try:
        value = int(item.exif.get("Orientation", "0"))
    except ValueError:
        return 0
    return value if 1 <= value <= 8 else 0


def fingerprint_of(vault: Vault, item_id: str) -> Fingerprint | None:
    """The stored fingerprint of an item, or None (not an image/video, or it could not be
    made: see the item's flags)."""
    doc = repo.get_fingerprint(vault.db, item_id)
    if doc is None:
        return None
    try:
        return fingerprint_docs.load(vault, doc)
    except (ValueError, KeyError, TypeError):
        return None


def extract_item(vault: Vault, item: EvidenceItem, out: Path, *, reason: str = "") -> Path:
    """Decrypt the original to a path the user chose; logged as a custody entry."""
    out = Path(out)
    if out.is_dir():
        out = out / (Path(item.original_name).name or item.exhibit)
    if out.exists():
        raise ValueRejected(
            "A file with that name already exists there.",
            next_step="Choose another name or folder; Ansim never overwrites files.",
            key="output_exists",
        )
    if item.blob is None:
        raise ValueRejected(
            "This record has no stored file (it is a link or a note).", key="no_stored_file"
        )
    vault.extract_blob(item.blob.blob_id, out)
    with vault.transaction():
        vault.log("extracted", item.id, {"reason": reason} if reason else {})
    return out


#: Fields a person may change after import; the original bytes and their hashes never change.
EDITABLE_FIELDS = frozenset(
    {
        "description",
        "tags",
        "include_in_export",
        "captured_by",
        "capture_time",
        "capture_time_source",
        "source",
        "kind",
    }
)


def complete_digests(vault: Vault, items: Sequence[EvidenceItem]) -> list[EvidenceItem]:
    """``items`` with every MD5 filled in: a file over the import limit gets its MD5 now, read
    back from the vault (authenticated), recorded on its blob and item and logged, in one
    transaction. Exports call this first; items that already have one are returned as they are.
    """
    pending = [i for i in items if not i.md5 and i.blob is not None]
    if not pending:
        return list(items)
    digests: dict[str, str] = {}
    for item in pending:
        assert item.blob is not None
        if item.blob.blob_id not in digests:
            digests[item.blob.blob_id] = vault.compute_md5(item.blob.blob_id)
    done: dict[str, EvidenceItem] = {}
    with vault.transaction() as db:
        for blob_id, md5 in digests.items():
            vault.record_md5(blob_id, md5)
        for item in pending:
            assert item.blob is not None
            md5 = digests[item.blob.blob_id]
            current = repo.get(db, EvidenceItem, item.id)
            assert current.blob is not None
            updated = replace(current, md5=md5, blob=replace(current.blob, md5=md5))
            repo.put(db, updated)
            vault.log("md5_computed", item.id, {"sha256": item.sha256, "md5": md5})
            done[item.id] = updated
    return [done.get(i.id, i) for i in items]


def update_item(vault: Vault, item: EvidenceItem, **changes: object) -> EvidenceItem:
    """Change an item's descriptive fields (see :data:`EDITABLE_FIELDS`); logged."""
    refused = sorted(set(changes) - EDITABLE_FIELDS)
    if refused:
        raise ValueRejected(
            "Only the description, tags, export choice, capture details and source can be "
            "changed; what was imported stays as it was.",
            key="item_fields",
        )
    if "capture_time" in changes and "capture_time_source" not in changes:
        changes["capture_time_source"] = "entered" if changes["capture_time"] else ""
    updated = replace(item, **changes)  # type: ignore[arg-type]
    with vault.transaction() as db:
        repo.put(db, updated)
        vault.log("item_edited", item.id, {"fields": sorted(changes)})
    return updated


def delete_item(vault: Vault, item: EvidenceItem, *, reason: str = "") -> None:
    """Crypto-shred the item's blob (unless another item shares it) and remove its record."""
    for blob_id in _delete_in_transaction(vault, item, reason=reason):
        vault.remove_blob_file(blob_id)


def delete_items(vault: Vault, items: list[EvidenceItem], *, reason: str = "") -> None:
    """Delete several items in one transaction (used when a whole case is deleted)."""
    shredded: list[str] = []
    with vault.transaction():
        for item in items:
            shredded.extend(_delete_rows(vault, item, reason))
    for blob_id in shredded:
        vault.remove_blob_file(blob_id)


def _delete_in_transaction(vault: Vault, item: EvidenceItem, *, reason: str) -> list[str]:
    with vault.transaction():
        return _delete_rows(vault, item, reason)


def _delete_rows(vault: Vault, item: EvidenceItem, reason: str) -> list[str]:
    """Delete the rows; return the blobs whose keys were destroyed (files to remove after the
    commit): the item's own blob unless shared, and its fingerprint blob unless shared."""
    db = vault.db
    shred: str | None = None
    repo.delete(db, EvidenceItem, item.id)
    fingerprint_blob = fingerprint_docs.delete(vault, db, item.id)
    if item.blob is not None:
        still_used = any(
            i.blob is not None and i.blob.blob_id == item.blob.blob_id
            for i in repo.list_records(db, EvidenceItem)
        ) or fingerprint_docs.names_blob(db, item.blob.blob_id)
        if not still_used:
            shred = item.blob.blob_id
            vault.forget_blob_key(shred)
    details: dict[str, object] = {
        "sha256": item.sha256,
        "exhibit": item.exhibit,
        "crypto_shredded": shred is not None,
    }
    if reason:
        details["reason"] = reason
    vault.log("deleted", item.id, details)
    return [b for b in (shred, fingerprint_blob) if b is not None]
