"""Build and write hash lists (see the package docstring for what is and is not shared)."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from vault import evidence, repo
from vault.errors import ExportError, InputRejected
from vault.fingerprints import ImageFingerprint, VideoFingerprint
from vault.records import Case, EvidenceItem, ItemKind, Sighting, SightingStatus
from vault.scanning.index import item_fingerprints
from vault.store import Vault

FORMATS = ("hma", "csv")
#: PDQ hashes below this quality are not shared (too unreliable; Meta's guidance is 50).
MIN_PDQ_QUALITY = 50
CSV_COLUMNS = ("exhibit", "kind", "origin", "sha256", "md5", "pdq", "pdq_quality")


@dataclass(frozen=True)
class HashRow:
    """One picture or video: its exhibit number and hashes (``pdq`` empty when not shared)."""

    exhibit: str
    kind: str  # "image" | "video"
    #: "original" | "sighting" | "inner_picture" (the picture inside a screenshot item)
    origin: str
    sha256: str = field(repr=False)
    md5: str = field(repr=False)
    pdq: str = field(default="", repr=False)
    pdq_quality: int = 0


@dataclass(frozen=True)
class HashListResult:
    path: Path
    fmt: str
    items: int
    lines: int


def hash_rows(vault: Vault, case_id: str, *, include_sightings: bool = True) -> list[HashRow]:
    """The hash rows of a case: its pictures and videos, and (by default) the downloaded
    copies of sightings that were confirmed. A screenshot kept for the picture inside it
    (a post, a page) gets a second row, origin ``inner_picture``, with that picture's own
    PDQ hash: the picture is what comes back on other sites, without the app around it."""
    repo.get(vault.db, Case, case_id)
    items, fps, _missing = item_fingerprints(vault, case_id)
    originals = sorted(items.values(), key=lambda i: i.exhibit_no)
    rows = [
        row
        for item in evidence.complete_digests(vault, originals)  # large files: MD5 now
        for row in _rows(item, fps.get(item.id), "original")
    ]
    if include_sightings:
        confirmed = {s.item_id for s in repo.list_records(vault.db, Sighting, case_id)
                     if s.status == SightingStatus.CONFIRMED}
        copies = [item for item in repo.list_records(vault.db, EvidenceItem, case_id)
                  if item.id in confirmed and item.kind == ItemKind.SIGHTING]
        for item in evidence.complete_digests(vault, copies):
            rows.extend(_rows(item, evidence.fingerprint_of(vault, item.id), "sighting"))
    seen: set[tuple[str, str]] = set()
    unique = []
    for r in rows:
        if (r.sha256, r.pdq) not in seen:
            seen.add((r.sha256, r.pdq))
            unique.append(r)
    return unique


def _rows(
    item: EvidenceItem, fp: ImageFingerprint | VideoFingerprint | None, origin: str
) -> list[HashRow]:
    kind = "video" if isinstance(fp, VideoFingerprint) or item.mime.startswith("video/") \
        else "image"
    pdq, quality = "", 0
    if isinstance(fp, ImageFingerprint) and fp.pdq_quality >= MIN_PDQ_QUALITY:
        pdq, quality = fp.pdq, fp.pdq_quality
    rows = [HashRow(item.exhibit, kind, origin, item.sha256, item.md5, pdq, quality)]
    if isinstance(fp, ImageFingerprint) and fp.inner is not None:
        inner = fp.inner.fingerprint
        if inner.pdq_quality >= MIN_PDQ_QUALITY:
            rows.append(HashRow(item.exhibit, kind, "inner_picture", item.sha256, item.md5,
                                inner.pdq, inner.pdq_quality))
    return rows


def _hma_text(rows: list[HashRow]) -> tuple[str, int]:
    """``signal_type,signal_value`` lines with python-threatexchange's signal type names."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    n = 0
    for r in rows:
        if r.kind == "image":
            if r.pdq:
                w.writerow(("pdq", r.pdq))
                n += 1
        else:
            w.writerow(("video_md5", r.md5))
            n += 1
    return buf.getvalue(), n


def _csv_text(rows: list[HashRow]) -> tuple[str, int]:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in rows:
        w.writerow((r.exhibit, r.kind, r.origin, r.sha256, r.md5, r.pdq,
                    r.pdq_quality if r.pdq else ""))
    return buf.getvalue(), len(rows)


def export_hashlist(
    vault: Vault, case_id: str, out: Path, *, fmt: str = "hma", include_sightings: bool = True
) -> HashListResult:
    """Write the case's hash list to ``out`` (never overwriting) and log it as custody."""
    if fmt not in FORMATS:
        raise InputRejected(f"Unknown hash list format. Use one of: {', '.join(FORMATS)}.",
                            key="hashlist_format", formats=", ".join(FORMATS))
    rows = hash_rows(vault, case_id, include_sightings=include_sightings)
    if not rows:
        raise ExportError(
            "This case has no pictures or videos to make a hash list from.",
            next_step="Add the pictures or videos first.",
            key="hashlist_nothing",
        )
    text, lines = (_hma_text if fmt == "hma" else _csv_text)(rows)
    if lines == 0:
        raise ExportError(
            "None of the pictures has a hash reliable enough for this format.",
            next_step="Use --format csv, which also lists MD5 and SHA-256.",
            key="hashlist_no_reliable",
        )
    out = Path(out)
    try:
        with open(out, "x", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
    except FileExistsError:
        raise ExportError(
            "A file with that name already exists there.",
            next_step="Choose another name or folder; Ansim never overwrites files.",
            key="output_exists",
        ) from None
    except OSError as exc:
        raise ExportError(f"The hash list could not be written ({exc.strerror}).",
                          key="hashlist_write", reason=exc.strerror or "") from None
    with vault.transaction():
        vault.log("hashes_exported", case_id, {"format": fmt, "items": len(rows),
                                               "lines": lines})
    return HashListResult(out, fmt, len(rows), lines)
