"""Read one case out of an unlocked vault into a ``ComplaintData`` (nothing is written)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace

from exporters.complaint.errors import ResidentNumberNeedsRealName
from exporters.complaint.model import (
    Agent,
    ComplaintData,
    EventRow,
    ExhibitRow,
    Party,
    RelatedCases,
    SightingRow,
    TakedownRow,
    normalise_resident_number,
)
from exporters.complaint.thumbnails import blurred_thumbnail
from vault import notes, repo, statutes
from vault.errors import AnsimError
from vault.records import (
    Case,
    EvidenceItem,
    ItemKind,
    Sighting,
    SightingStatus,
    Source,
    Takedown,
)
from vault.store import Vault

log = logging.getLogger(__name__)

#: Thumbnails are made only from images up to this size (they are decoded in memory).
THUMBNAIL_MAX_BYTES = 40 * 1024 * 1024


def _uploader(source: Source) -> str:
    parts = [p for p in (source.uploader_nickname, source.uploader_id) if p]
    if len(parts) == 2 and parts[0] != parts[1]:
        return f"{parts[0]} ({parts[1]})"
    return parts[0] if parts else ""


def _posted_at(source: Source) -> str:
    if source.posted_at and source.posted_at_timezone:
        return f"{source.posted_at} ({source.posted_at_timezone})"
    return source.posted_at


def _thumbnail(vault: Vault, item: EvidenceItem) -> bytes | None:
    if item.blob is None or item.kind != ItemKind.IMAGE or item.size > THUMBNAIL_MAX_BYTES:
        return None
    try:
        data = vault.read_blob_bytes(item.blob.blob_id, limit=THUMBNAIL_MAX_BYTES)
    except (AnsimError, ValueError):
        # A thumbnail is optional: a damaged or missing copy is reported by 'ansim check',
        # and the document still lists the exhibit with its hash.
        log.info("a thumbnail was skipped because its stored copy could not be read")
        return None
    return blurred_thumbnail(data)


def exhibit_row(item: EvidenceItem, thumbnail: bytes | None = None) -> ExhibitRow:
    src = item.source
    return ExhibitRow(
        exhibit_no=item.exhibit_no,
        kind=item.kind.value,
        description=item.description,
        mime=item.mime,
        size=item.size,
        sha256=item.sha256,
        source_url=src.url,
        platform=src.platform,
        post_title=src.post_title,
        uploader=_uploader(src),
        uploader_profile_url=src.uploader_profile_url,
        posted_at=_posted_at(src),
        capture_time=item.capture_time,
        imported_utc=item.imported_utc,
        captured_by=item.captured_by,
        thumbnail_png=thumbnail,
    )


def _complainant(case: Case, pseudonymous: bool, details: Party | None) -> Party:
    details = details or Party()
    if pseudonymous:
        # A pseudonymous document never carries the real name or a resident number.
        return Party(
            name=case.pseudonym,
            address=details.address,
            occupation=details.occupation,
            office_address=details.office_address,
            phone=details.phone,
            email=details.email,
        )
    name = details.name or case.real_name
    return Party(
        name=name,
        resident_number=details.resident_number,
        address=details.address,
        occupation=details.occupation,
        office_address=details.office_address,
        phone=details.phone,
        email=details.email,
    )


def assemble(
    vault: Vault,
    case: Case,
    *,
    pseudonymous: bool = True,
    resident_number: str | None = None,
    complainant: Party | None = None,
    agent: Agent | None = None,
    related: RelatedCases | None = None,
    station: str = "",
    bundle_id: str = "",
    cert_fingerprint: str = "",
    include_thumbnails: bool = False,
    include_notes: bool = False,
    document_date: dt.date | None = None,
) -> ComplaintData:
    """Everything about ``case`` a complaint draft shows, in exhibit order."""
    if resident_number:
        if pseudonymous:
            raise ResidentNumberNeedsRealName()
        rrn = normalise_resident_number(resident_number)
        complainant = replace(complainant or Party(), resident_number=rrn)
    db = vault.db
    items = [
        i for i in repo.list_records(db, EvidenceItem, case.id) if i.include_in_export
    ]
    items.sort(key=lambda i: i.exhibit_no)
    by_id = {i.id: i for i in items}
    exhibits = tuple(
        exhibit_row(i, _thumbnail(vault, i) if include_thumbnails else None) for i in items
    )
    sightings = [
        s
        for s in repo.list_records(db, Sighting, case.id)
        if s.status != SightingStatus.REJECTED
    ]
    sightings.sort(key=lambda s: (s.retrieved_utc, s.id))
    sighting_exhibit = {s.id: by_id[s.item_id].exhibit_no for s in sightings if s.item_id in by_id}
    sighting_rows = []
    for s in sightings:
        copy = by_id.get(s.item_id)
        matched = by_id.get(s.matched_item_id)
        src = copy.source if copy is not None else Source()
        sighting_rows.append(
            SightingRow(
                exhibit_no=copy.exhibit_no if copy is not None else 0,
                matched_exhibit_no=matched.exhibit_no if matched is not None else 0,
                page_url=s.page_url,
                media_url=s.media_url,
                retrieved_utc=s.retrieved_utc,
                http_status=s.http_status,
                sha256=s.sha256,
                band=s.band,
                matched_how=s.matched_how,
                status=s.status.value,
                platform=src.platform,
                uploader=_uploader(src),
                posted_at=_posted_at(src),
            )
        )
    takedowns = sorted(repo.list_records(db, Takedown, case.id), key=lambda t: (t.date, t.id))
    takedown_rows = tuple(
        TakedownRow(
            recipient=t.recipient,
            channel=t.channel,
            date=t.date,
            ticket=t.ticket,
            status=t.status.value,
            sighting_exhibits=tuple(
                sighting_exhibit[sid] for sid in t.sighting_ids if sid in sighting_exhibit
            ),
            history=tuple((h.utc, h.status.value, h.note) for h in t.history),
        )
        for t in takedowns
    )
    events = tuple(
        EventRow(e.date, e.kind, e.description) for e in notes.list_events(vault, case.id)
    )
    chosen = tuple(s for s in (statutes.get(sid) for sid in case.statutes) if s is not None)
    suggested = not chosen
    if suggested:
        chosen = statutes.suggested_for(tuple(k.value for k in case.harm_kinds))
    return ComplaintData(
        case_id=case.id,
        document_date=document_date or vault.now().local().date(),
        complainant=_complainant(case, pseudonymous, complainant),
        pseudonymous=pseudonymous,
        agent=agent or Agent(),
        offenders=case.offenders,
        harm_kinds=tuple(k.value for k in case.harm_kinds),
        summary=case.summary,
        incident_place=case.incident_place,
        incident_start=case.incident_start,
        incident_end=case.incident_end,
        statutes=chosen,
        statutes_suggested=suggested and bool(chosen),
        exhibits=exhibits,
        sightings=tuple(sighting_rows),
        takedowns=takedown_rows,
        events=events,
        notes=tuple(n.text for n in notes.list_notes(vault, case.id) if not n.item_id),
        include_notes=include_notes,
        related=related or RelatedCases(),
        station=station.strip(),
        bundle_id=bundle_id,
        cert_fingerprint=cert_fingerprint,
    )
