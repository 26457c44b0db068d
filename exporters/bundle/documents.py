"""The JSON and CSV documents inside a bundle's payload, built from vault records.

Nothing here names a local path or an OS user. EXIF is included only through
``vault.evidence.exportable_exif`` (GPS and device serials only when asked for); if that
function is not available, EXIF is left out entirely.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from vault import codec, i18n
from vault.records import EvidenceItem

CSV_COLUMNS = (
    "exhibit",
    "exhibit_ko",
    "file",
    "original_name",
    "kind",
    "mime",
    "size",
    "sha256",
    "md5",
    "imported_utc",
    "capture_time",
    "source_url",
    "platform",
    "description",
    "id",
)
HASH_COLUMNS = ("exhibit", "file", "size", "sha256", "md5")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportedItem:
    item: EvidenceItem
    folder: str  # data/evidence/E0001
    file: str  # bag path of the original, "" in a hash-only bundle
    exif: dict[str, str] | None  # None when EXIF is left out


def json_line(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def jsonl(values: Iterable[Any]) -> bytes:
    return b"".join(json_line(v) + b"\n" for v in values)


def exif_for(item: EvidenceItem, include_sensitive: bool) -> dict[str, str] | None:
    from vault import evidence

    fn = getattr(evidence, "exportable_exif", None)
    if fn is None:
        return None
    result = fn(item, include_sensitive=include_sensitive)
    return {str(k): str(v) for k, v in dict(result).items()}


def item_document(e: ExportedItem) -> dict[str, Any]:
    item = e.item
    doc: dict[str, Any] = {
        "exhibit": item.exhibit,
        "exhibit_ko": item.exhibit_ko,
        "id": item.id,
        "case_id": item.case_id,
        "kind": item.kind.value,
        "original_name": item.original_name,
        "file": e.file.rsplit("/", 1)[-1] if e.file else "",
        "original_included": bool(e.file),
        "size": item.size,
        "mime": item.mime,
        "sha256": item.sha256,
        "md5": item.md5,
        "imported_utc": item.imported_utc,
        "imported_offset_minutes": item.imported_offset_minutes,
        "capture_time": item.capture_time,
        "capture_time_source": item.capture_time_source,
        "captured_by": item.captured_by,
        "capture_method": item.capture_method.value,
        "source": codec.to_plain(item.source),
        "description": item.description,
        "tags": list(item.tags),
        "derived_from": item.derived_from,
        "derived_from_sha256": getattr(item, "derived_from_sha256", ""),
        "derivation": getattr(item, "derivation", ""),
        "width": getattr(item, "width", 0),
        "height": getattr(item, "height", 0),
        "original_folder": getattr(item, "original_folder", ""),
        "file_modified_utc": getattr(item, "file_modified_utc", ""),
        "flags": list(getattr(item, "flags", ())),
    }
    if e.exif is not None:
        doc["exif"] = e.exif
    return doc


def item_json(e: ExportedItem) -> bytes:
    text = json.dumps(item_document(e), ensure_ascii=False, sort_keys=True, indent=2)
    return text.encode() + b"\n"


def _cell(value: object) -> str:
    """Spreadsheet-safe text: a leading formula character is quoted with an apostrophe."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def evidence_csv(items: Sequence[ExportedItem], lang: str) -> bytes:
    """The exhibit index for Excel: UTF-8 with BOM, CRLF, headers in ``lang``."""
    header = [i18n.t(f"export.csv.{c}", lang) for c in CSV_COLUMNS]
    rows = []
    for e in items:
        it = e.item
        rows.append(
            [
                it.exhibit,
                it.exhibit_ko,
                e.file.removeprefix("data/"),
                it.original_name,
                it.kind.value,
                it.mime,
                it.size,
                it.sha256,
                it.md5,
                it.imported_utc,
                it.capture_time,
                it.source.url,
                it.source.platform,
                it.description,
                it.id,
            ]
        )
    return _csv(header, rows)


def evidence_jsonl(items: Sequence[ExportedItem]) -> bytes:
    return jsonl(item_document(e) for e in items)


def hashes_csv(items: Sequence[ExportedItem], lang: str) -> bytes:
    header = [i18n.t(f"export.csv.{c}", lang) for c in HASH_COLUMNS]
    rows = [
        [e.item.exhibit, e.file.removeprefix("data/"), e.item.size, e.item.sha256, e.item.md5]
        for e in items
    ]
    return _csv(header, rows)
