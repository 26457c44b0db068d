"""Sightings: re-uploads found by scans, their review, and the known false positives.

A sighting is recorded only for a candidate that matched a vault item. Its downloaded copy is
stored encrypted as an evidence item of kind ``SIGHTING`` (capture method ``SCAN_DOWNLOAD``), so it
has an exhibit number and goes into exports like any other evidence. Review: ``confirm`` or
``reject``; a rejected sighting's SHA-256 is remembered (inside the encrypted metadata only) as a
known false positive, and later scans do not raise the same bytes again.
"""

from __future__ import annotations

import io
import sqlite3
from dataclasses import dataclass, field, replace
from typing import BinaryIO
from urllib.parse import urlsplit

from vault import evidence, fingerprint_docs, repo
from vault.errors import NotFound
from vault.records import (
    CaptureMethod,
    EvidenceItem,
    ItemKind,
    Sighting,
    SightingStatus,
    Source,
)
from vault.store import Vault

_DDL = (
    "CREATE TABLE IF NOT EXISTS scan_false_positives "
    "(sha256 TEXT PRIMARY KEY, sighting_id TEXT NOT NULL, utc TEXT NOT NULL)"
)


def _ensure(db: sqlite3.Connection) -> None:
    db.execute(_DDL)


@dataclass(frozen=True)
class SightingFacts:
    """What a scan learnt about one matching candidate (everything a sighting records)."""

    page_url: str
    media_url: str
    final_url: str
    http_status: int
    headers: dict[str, str]
    retrieved_utc: str
    sha256: str = field(repr=False)
    md5: str = field(repr=False)
    matched_item_id: str
    band: str
    score: float
    matched_how: str
    match_detail: str = ""
    original_name: str = ""


def known_false_positives(vault: Vault) -> frozenset[str]:
    """SHA-256 digests of candidates the person rejected."""
    _ensure(vault.db)
    return frozenset(str(r[0]) for r in vault.db.execute("SELECT sha256 FROM scan_false_positives"))


def _platform(url: str) -> str:
    return (urlsplit(url).hostname or "") if url.startswith(("http://", "https://")) else ""


def _name_for(facts: SightingFacts) -> str:
    if facts.original_name:
        return facts.original_name
    path = urlsplit(facts.final_url or facts.media_url).path
    return path.rsplit("/", 1)[-1] or "download"


def record_sighting(
    vault: Vault, facts: SightingFacts, content: BinaryIO | bytes, *, case_id: str,
    scan_id: str = "", fingerprint_json: str = "",
) -> Sighting:
    """Store the downloaded copy as evidence and record the sighting (two commits).

    ``fingerprint_json`` (the candidate's fingerprint, already computed by the scan) is kept
    with the copy so it need not be computed again.
    """
    matched = repo.get(vault.db, EvidenceItem, facts.matched_item_id)
    stream = io.BytesIO(content) if isinstance(content, bytes) else content
    shown_at = facts.page_url or facts.media_url
    source = Source(url=shown_at, platform=_platform(shown_at))
    description = (
        f"Re-upload found by a scan; it matches {matched.exhibit} ({facts.band}, "
        f"{facts.matched_how}). Media address: {facts.final_url or facts.media_url}"
    )
    added = evidence.add_stream(
        vault, stream, case_id,
        original_name=_name_for(facts),
        source=source,
        description=description,
        capture_method=CaptureMethod.SCAN_DOWNLOAD,
        capture_time=facts.retrieved_utc,
        capture_time_source="retrieved",
        kind=ItemKind.SIGHTING,
        fingerprint=False,
        details={"scan": scan_id} if scan_id else None,
    )
    item = added.item
    now = vault.now()
    with vault.transaction() as db:
        if added.is_duplicate:
            # The same bytes are already evidence (an exact copy of the original, or the same
            # file seen at another address): a new exhibit shares the encrypted blob.
            item = replace(
                item,
                id=repo.new_id(),
                exhibit_no=repo.next_counter(db, f"exhibit:{case_id}"),
                kind=ItemKind.SIGHTING,
                original_name=_name_for(facts),
                imported_utc=now.iso_utc(),
                imported_offset_minutes=now.offset_minutes,
                capture_method=CaptureMethod.SCAN_DOWNLOAD,
                capture_time=facts.retrieved_utc,
                capture_time_source="retrieved",
                source=source,
                description=description,
                derived_from="",
                derived_from_sha256="",
                derivation="",
                original_folder="",
                file_modified_utc="",
                tags=(),
            )
            repo.put(db, item)
            vault.log("imported", item.id, {"case": case_id, "sha256": item.sha256,
                                            "size": item.size, "method": "scan_download",
                                            "shares_blob_with": added.item.id})
        if fingerprint_json and repo.get_fingerprint(db, item.id) is None:
            fingerprint_docs.put(vault, db, item.id, fingerprint_json)
        sighting = Sighting(
            id=repo.new_id(),
            case_id=case_id,
            item_id=item.id,
            matched_item_id=facts.matched_item_id,
            page_url=facts.page_url,
            media_url=facts.media_url,
            final_url=facts.final_url,
            http_status=facts.http_status,
            headers=dict(facts.headers),
            retrieved_utc=facts.retrieved_utc,
            sha256=facts.sha256,
            md5=facts.md5,
            band=facts.band,
            score=facts.score,
            matched_how=facts.matched_how,
            scan_id=scan_id,
            match_detail=facts.match_detail,
        )
        repo.put(db, sighting)
        vault.log("sighting_recorded", sighting.id, {
            "case": case_id, "item": item.id, "matches": facts.matched_item_id,
            "band": facts.band, "how": facts.matched_how, "sha256": facts.sha256,
            "url": facts.final_url or facts.media_url, "scan": scan_id,
        })
    return sighting


def list_sightings(
    vault: Vault, case_id: str | None = None, *, status: SightingStatus | None = None
) -> list[Sighting]:
    found = repo.list_records(vault.db, Sighting, case_id)
    return [s for s in found if status is None or s.status == status]


def get_sighting(vault: Vault, sighting_id: str) -> Sighting:
    return repo.get(vault.db, Sighting, sighting_id)


def confirm(vault: Vault, sighting_id: str, *, note: str = "") -> Sighting:
    """Mark a sighting as a real re-upload of the matched item."""
    s = get_sighting(vault, sighting_id)
    updated = replace(s, status=SightingStatus.CONFIRMED, review_note=note)
    with vault.transaction() as db:
        _ensure(db)
        db.execute("DELETE FROM scan_false_positives WHERE sha256 = ?", (s.sha256,))
        repo.put(db, updated)
        vault.log("sighting_confirmed", s.id, {"note": note} if note else {})
    return updated


def reject(vault: Vault, sighting_id: str, *, note: str = "") -> Sighting:
    """Mark a sighting as a false positive: its bytes will not be raised again by later scans.

    The downloaded copy stays in the vault (nothing is destroyed silently) but is left out of
    exports; delete it with the evidence commands if it should go.
    """
    s = get_sighting(vault, sighting_id)
    if s.status == SightingStatus.REJECTED:
        return s
    updated = replace(s, status=SightingStatus.REJECTED, review_note=note)
    with vault.transaction() as db:
        _ensure(db)
        db.execute(
            "INSERT OR REPLACE INTO scan_false_positives VALUES (?, ?, ?)",
            (s.sha256, s.id, vault.now().iso_utc()),
        )
        repo.put(db, updated)
        try:
            item: EvidenceItem | None = repo.get(db, EvidenceItem, s.item_id)
        except NotFound:  # the copy may have been deleted already
            item = None
        if item is not None and item.include_in_export:
            repo.put(db, replace(item, include_in_export=False))
        details: dict[str, object] = {"sha256": s.sha256}
        if note:
            details["note"] = note
        vault.log("sighting_rejected", s.id, details)
    return updated
