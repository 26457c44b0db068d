"""The English incident report: the same facts as the 고소장, laid out for legal aid, platforms
or police abroad (summary, timeline, exhibits with hashes, sightings and takedowns)."""

from __future__ import annotations

from dataclasses import dataclass

from exporters.complaint import blocks as b
from exporters.complaint.cover import cover
from exporters.complaint.model import ComplaintData, ExhibitRow
from exporters.complaint.wording import (
    HARM_EN,
    HOW_EN,
    KIND_EN,
    STATUS_EN,
    exhibits_en,
    join,
    label,
    size,
    when,
)
from vault import statutes

SECTIONS = (
    "1. Summary",
    "2. Timeline",
    "3. Exhibits",
    "4. Sightings (re-uploads found)",
    "5. Takedown requests",
    "6. Integrity of the evidence",
)


@dataclass(frozen=True)
class _Entry:
    sort_key: str
    when: str
    what: str
    evidence: str
    who: str
    handle: str


def _summary(data: ComplaintData) -> list[b.Block]:
    p = data.complainant
    person = f"{p.name or '(not given)'} (pseudonym)" if data.pseudonymous else p.name
    offenders = []
    for o in data.offenders:
        offenders.append(
            join(
                [
                    o.name or "name unknown",
                    "IDs: " + join(list(o.ids)) if o.ids else "",
                    "nicknames: " + join(list(o.nicknames)) if o.nicknames else "",
                    "phone: " + join(list(o.phones)) if o.phones else "",
                    "e-mail: " + join(list(o.emails)) if o.emails else "",
                    "profiles: " + join(list(o.profile_urls)) if o.profile_urls else "",
                ],
                "; ",
            )
        )
    period = " to ".join(v for v in (data.incident_start, data.incident_end) if v)
    rows: list[tuple[str, str]] = [
        ("Person harmed", person or "(not given)"),
        ("What happened", join([HARM_EN.get(k, k) for k in data.harm_kinds]) or "(not given)"),
        ("When", period or "(not given)"),
        ("Where", data.incident_place or join(sorted({e.platform for e in data.exhibits
                                                      if e.platform})) or "(not given)"),
        ("Person(s) responsible", "\n".join(offenders) or "unknown"),
        ("Evidence", f"exhibits: {len(data.exhibits)}; re-uploads found: "
                     f"{len(data.sightings)}; takedown requests: {len(data.takedowns)}"),
    ]
    out: list[b.Block] = [b.Heading(SECTIONS[0]), b.Fields(tuple(rows))]
    if data.summary:
        out.append(b.Para(data.summary))
    if data.statutes:
        note = statutes.load().verify_note("en")
        lead = (
            "Korean offences suggested from the kind of harm (to be confirmed by a lawyer):"
            if data.statutes_suggested
            else "Korean offences considered:"
        )
        out.append(b.Para(lead, b.Style.SMALL))
        for s in data.statutes:
            out.append(
                b.Para(f"- {s.citation('en')}: {s.summary_en} (source: {s.source}; {note})",
                       b.Style.SMALL)
            )
    return out


def _timeline(data: ComplaintData) -> list[b.Block]:
    entries = [
        _Entry(
            e.date,
            e.date,
            f"{e.kind.replace('_', ' ')}: {e.description}" if e.kind else e.description,
            "",
            "",
            "",
        )
        for e in data.events
    ]
    for s in data.sightings:
        entries.append(
            _Entry(
                s.retrieved_utc,
                when(s.retrieved_utc, "en"),
                f"Re-upload found ({label(HOW_EN, s.matched_how)}; "
                f"matches {exhibits_en([s.matched_exhibit_no])})",
                exhibits_en([s.exhibit_no]),
                s.uploader,
                s.page_url,
            )
        )
    for t in data.takedowns:
        entries.append(
            _Entry(
                t.date,
                t.date,
                f"Takedown request to {t.recipient} by {t.channel}"
                + (f" (ticket {t.ticket})" if t.ticket else "")
                + f"; status: {label(STATUS_EN, t.status)}",
                exhibits_en(t.sighting_exhibits),
                t.recipient,
                "",
            )
        )
    entries.sort(key=lambda e: e.sort_key)
    rows = tuple(
        b.Row((e.when, e.what, e.evidence, e.who), (f"Handle / URL: {e.handle}",) if e.handle
              else ())
        for e in entries
    )
    return [
        b.Heading(SECTIONS[1]),
        b.Table(("Date / time", "What happened", "Evidence", "Who"), rows,
                (0.22, 0.46, 0.14, 0.18), empty_text="No events recorded yet."),
    ]


def _exhibit_row(e: ExhibitRow) -> b.Row:
    source = join([e.platform, f"uploader: {e.uploader}" if e.uploader else "",
                   f"posted: {e.posted_at}" if e.posted_at else ""], "\n")
    captured = join([f"captured: {when(e.capture_time, 'en')}" if e.capture_time else "",
                     f"stored: {when(e.imported_utc, 'en')}" if e.imported_utc else ""], "\n")
    details = []
    if e.source_url:
        details.append(f"Source URL: {e.source_url}")
    if e.uploader_profile_url:
        details.append(f"Uploader profile: {e.uploader_profile_url}")
    details.append(f"SHA-256: {e.sha256}")
    desc = join([e.description, e.post_title], "\n") or label(KIND_EN, e.kind)
    return b.Row(
        (f"{e.exhibit}\n({e.exhibit_ko})", f"{desc}\n[{label(KIND_EN, e.kind)}, {size(e.size)}]",
         source, captured),
        tuple(details),
    )


def _exhibits(data: ComplaintData) -> list[b.Block]:
    out: list[b.Block] = [
        b.Heading(SECTIONS[2]),
        b.Table(("Exhibit", "Description", "Source", "Captured / stored"),
                tuple(_exhibit_row(e) for e in data.exhibits), (0.15, 0.35, 0.27, 0.23),
                empty_text="No exhibits."),
    ]
    thumbs = [e for e in data.exhibits if e.thumbnail_png]
    if thumbs:
        out.append(b.Para("Previews below are heavily blurred on purpose.", b.Style.SMALL))
        out.extend(b.Thumbnail(e.thumbnail_png or b"", e.exhibit) for e in thumbs)
    return out


def _sightings(data: ComplaintData) -> list[b.Block]:
    rows = []
    for n, s in enumerate(data.sightings, 1):
        details = [f"Page URL: {s.page_url}"]
        if s.media_url and s.media_url != s.page_url:
            details.append(f"Media URL: {s.media_url}")
        details.append(f"SHA-256: {s.sha256}")
        rows.append(
            b.Row(
                (str(n), when(s.retrieved_utc, "en"),
                 join([s.platform, f"uploader: {s.uploader}" if s.uploader else "",
                       f"posted: {s.posted_at}" if s.posted_at else ""], "\n"),
                 f"{label(HOW_EN, s.matched_how)} ({s.band}); "
                 f"matches {exhibits_en([s.matched_exhibit_no])}",
                 exhibits_en([s.exhibit_no]) or "-",
                 f"{label(STATUS_EN, s.status)}; HTTP {s.http_status}"),
                tuple(details),
            )
        )
    return [
        b.Heading(SECTIONS[3]),
        b.Table(("#", "Found", "Where", "Match", "Copy", "Status"), tuple(rows),
                (0.06, 0.2, 0.22, 0.24, 0.12, 0.16), empty_text="No re-uploads recorded."),
    ]


def _takedowns(data: ComplaintData) -> list[b.Block]:
    rows = tuple(
        b.Row(
            (t.recipient, t.channel, t.date, t.ticket, label(STATUS_EN, t.status)),
            tuple(
                ([f"Concerns: {exhibits_en(t.sighting_exhibits)}"] if t.sighting_exhibits
                 else [])
                + [f"{when(u, 'en')}: {label(STATUS_EN, s)} {n}".strip() for u, s, n in t.history]
            ),
        )
        for t in data.takedowns
    )
    return [
        b.Heading(SECTIONS[4]),
        b.Table(("Sent to", "Channel", "Date", "Ticket", "Status"), rows,
                (0.26, 0.16, 0.18, 0.22, 0.18), empty_text="No takedown requests recorded."),
    ]


def _integrity(data: ComplaintData) -> list[b.Block]:
    return [
        b.Heading(SECTIONS[5]),
        b.Para(
            "Each file's SHA-256 was computed when it entered the vault; originals are kept "
            "unaltered and encrypted, and every action on them is recorded in a hash-chained "
            "custody log included in the sealed bundle"
            + (f" (bundle id {data.bundle_id})" if data.bundle_id else "")
            + ". Korean courts accept digital copies when identity with the original and "
            "integrity are shown, typically by matching hash values."
        ),
    ]


def report_document(data: ComplaintData, *, font_embedded: bool = True) -> b.Document:
    blocks: list[b.Block] = cover(data, "en", "Incident report (draft)",
                                  font_embedded=font_embedded)
    for part in (_summary, _timeline, _exhibits, _sightings, _takedowns, _integrity):
        blocks.extend(part(data))
    if data.include_notes and data.notes:
        blocks.append(b.Heading("Notes"))
        blocks.extend(b.Para(n) for n in data.notes)
    return b.Document(
        title=f"Incident report (draft) - case {data.case_id}",
        lang="en",
        case_id=data.case_id,
        footer=f"Incident report draft · case {data.case_id}",
        blocks=tuple(blocks),
    )
