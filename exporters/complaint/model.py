"""What a complaint draft is made of: plain frozen data, assembled from the vault or by a test.

``ComplaintData`` holds everything the renderers need and nothing else, so the Korean 고소장, the
English incident report, and their .docx and text versions are pure functions of it. Details the
vault never stores (a resident registration number, an address typed at export time) enter here
and nowhere else.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum

from exporters.complaint.errors import ResidentNumberInvalid
from vault.records import Offender
from vault.statutes import Statute

#: More sightings than this go into a separate 범죄일람표 instead of the 범죄사실 text.
CRIME_LIST_THRESHOLD = 5

_RRN = re.compile(r"^(\d{6})-?(\d{7})$")


def normalise_resident_number(value: str) -> str:
    """``YYMMDD-NNNNNNN`` from what a person typed (the value is never echoed in errors)."""
    m = _RRN.match(value.strip().replace(" ", ""))
    if m is None:
        raise ResidentNumberInvalid()
    return f"{m.group(1)}-{m.group(2)}"


class AgentKind(StrEnum):
    NONE = ""
    LEGAL = "legal"  # 법정대리인 (e.g. a parent of a minor)
    ATTORNEY = "attorney"  # 고소대리인 (a lawyer)


class Answer(StrEnum):
    """A yes/no question of the form; UNKNOWN leaves both boxes empty for the person to tick."""

    UNKNOWN = ""
    YES = "yes"
    NO = "no"


@dataclass(frozen=True)
class Party:
    """고소인 details. Only ``name`` comes from the vault; the rest is typed at export time."""

    name: str = ""
    resident_number: str = ""
    address: str = ""
    occupation: str = ""
    office_address: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Agent:
    kind: AgentKind = AgentKind.NONE
    name: str = ""
    phone: str = ""
    address: str = ""


@dataclass(frozen=True)
class RelatedCases:
    """관련사건의 수사 및 재판 여부: three questions and where, as the person answers them."""

    duplicate_complaint: Answer = Answer.UNKNOWN
    criminal_investigation: Answer = Answer.UNKNOWN
    civil_suit: Answer = Answer.UNKNOWN
    where: str = ""


@dataclass(frozen=True)
class ExhibitRow:
    """One exhibit exactly as the bundle numbers it (E0001 = 갑 제1호증) with its SHA-256."""

    exhibit_no: int
    kind: str
    description: str
    mime: str
    size: int
    sha256: str
    source_url: str = ""
    platform: str = ""
    post_title: str = ""
    uploader: str = ""
    uploader_profile_url: str = ""
    posted_at: str = ""
    capture_time: str = ""
    imported_utc: str = ""
    captured_by: str = ""
    thumbnail_png: bytes | None = None

    @property
    def exhibit(self) -> str:
        return f"E{self.exhibit_no:04d}"

    @property
    def exhibit_ko(self) -> str:
        return f"갑 제{self.exhibit_no}호증"

    @property
    def is_document(self) -> bool:
        """증거서류 (documents, captured pages, chats) rather than 증거물 (media files)."""
        return self.kind in ("document", "web_page", "chat")


@dataclass(frozen=True)
class SightingRow:
    """A re-upload found by a scan; ``exhibit_no`` is its downloaded copy (0 when none)."""

    exhibit_no: int
    matched_exhibit_no: int
    page_url: str
    media_url: str
    retrieved_utc: str
    http_status: int
    sha256: str
    band: str
    matched_how: str
    status: str
    platform: str = ""
    uploader: str = ""
    posted_at: str = ""


@dataclass(frozen=True)
class TakedownRow:
    recipient: str
    channel: str
    date: str
    ticket: str
    status: str
    sighting_exhibits: tuple[int, ...] = ()
    history: tuple[tuple[str, str, str], ...] = ()  # (utc, status, note)


@dataclass(frozen=True)
class EventRow:
    date: str
    kind: str
    description: str


@dataclass(frozen=True)
class ComplaintData:
    """Everything a complaint draft or incident report shows, in exhibit order."""

    case_id: str
    document_date: dt.date
    complainant: Party
    pseudonymous: bool = True
    agent: Agent = field(default_factory=Agent)
    offenders: tuple[Offender, ...] = ()
    harm_kinds: tuple[str, ...] = ()
    summary: str = ""
    incident_place: str = ""
    incident_start: str = ""
    incident_end: str = ""
    statutes: tuple[Statute, ...] = ()
    statutes_suggested: bool = False
    exhibits: tuple[ExhibitRow, ...] = ()
    sightings: tuple[SightingRow, ...] = ()
    takedowns: tuple[TakedownRow, ...] = ()
    events: tuple[EventRow, ...] = ()
    notes: tuple[str, ...] = ()
    include_notes: bool = False
    related: RelatedCases = field(default_factory=RelatedCases)
    station: str = ""
    bundle_id: str = ""
    cert_fingerprint: str = ""

    @property
    def uses_crime_list(self) -> bool:
        return len(self.sightings) > CRIME_LIST_THRESHOLD

    @property
    def documents(self) -> tuple[ExhibitRow, ...]:
        return tuple(e for e in self.exhibits if e.is_document)

    @property
    def objects(self) -> tuple[ExhibitRow, ...]:
        return tuple(e for e in self.exhibits if not e.is_document)
