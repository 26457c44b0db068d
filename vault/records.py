"""Typed, frozen records for everything the vault holds.

All of these live only inside the encrypted metadata. ``id`` fields are short random hex strings;
exhibit numbers (``E0001``) are per case and never reused inside that case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class HarmKind(StrEnum):
    ILLEGAL_FILMING = "illegal_filming"
    NONCONSENSUAL_DISTRIBUTION = "nonconsensual_distribution"
    DEEPFAKE = "deepfake"
    SEXTORTION = "sextortion"
    OTHER = "other"


class ItemKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    DOCUMENT = "document"
    WEB_PAGE = "web_page"
    CHAT = "chat"
    SIGHTING = "sighting"
    OTHER = "other"


class CaptureMethod(StrEnum):
    FILE_IMPORT = "file_import"
    SCREEN_CAPTURE = "screen_capture"
    CLIPBOARD = "clipboard"
    SCAN_DOWNLOAD = "scan_download"
    ENTERED = "entered"


@dataclass(frozen=True)
class Offender:
    """What is known about the person who did it; ``name`` empty means 성명불상 (unknown)."""

    name: str = ""
    ids: tuple[str, ...] = ()
    nicknames: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    profile_urls: tuple[str, ...] = ()
    notes: str = ""


@dataclass(frozen=True)
class Consent:
    """One consent given by the person harmed, e.g. to share with police, legal aid or platforms."""

    recipient: str  # "police" | "legal_aid" | "platforms" | free text
    given: bool
    date: str  # ISO date as entered
    note: str = ""


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    pseudonym: str
    real_name: str = ""
    summary: str = ""
    harm_kinds: tuple[HarmKind, ...] = ()
    offenders: tuple[Offender, ...] = ()
    counsellor: str = ""
    consents: tuple[Consent, ...] = ()
    statutes: tuple[str, ...] = ()
    incident_place: str = ""
    incident_start: str = ""  # as entered, ISO date or datetime
    incident_end: str = ""
    created_utc: str = ""
    updated_utc: str = ""


@dataclass(frozen=True)
class Source:
    """Where a piece of content was seen: every field as displayed, nothing inferred."""

    url: str = ""
    platform: str = ""
    post_title: str = ""
    uploader_id: str = ""
    uploader_nickname: str = ""
    uploader_profile_url: str = ""
    posted_at: str = ""  # as displayed
    posted_at_timezone: str = ""  # e.g. "Asia/Seoul" or "+09:00"

    def is_empty(self) -> bool:
        return not any(getattr(self, f) for f in self.__dataclass_fields__)


@dataclass(frozen=True)
class BlobRef:
    """A pointer to an encrypted blob; the key lives only in the encrypted metadata."""

    blob_id: str
    size: int
    sha256: str
    md5: str  # '' for a large file until its MD5 is first needed (evidence.complete_digests)


@dataclass(frozen=True)
class EvidenceItem:
    id: str
    case_id: str
    exhibit_no: int  # 1 -> "E0001" / "갑 제1호증"
    kind: ItemKind
    blob: BlobRef | None
    original_name: str
    size: int
    mime: str
    sha256: str
    md5: str  # '' until computed, for files over store.MD5_INLINE_LIMIT
    imported_utc: str
    imported_offset_minutes: int
    capture_time: str = ""  # from EXIF or as entered
    capture_time_source: str = ""  # "exif" | "entered" | ""
    captured_by: str = ""
    capture_method: CaptureMethod = CaptureMethod.FILE_IMPORT
    source: Source = field(default_factory=Source)
    description: str = ""
    tags: tuple[str, ...] = ()
    include_in_export: bool = True
    derived_from: str = ""  # id of the original item for derived copies
    exif: dict[str, str] = field(default_factory=dict)
    # Added for issue 3 (collecting):
    derived_from_sha256: str = ""  # SHA-256 of the original a derived copy was made from
    derivation: str = ""  # how a derived copy was made, e.g. "blurred_preview"
    flags: tuple[str, ...] = ()  # e.g. "image_unreadable", "fingerprint_failed" (see evidence)
    width: int = 0  # pixel size read from the image header (0 when not an image)
    height: int = 0
    original_folder: str = ""  # sub-folder inside an imported folder, "/"-separated, no root
    file_modified_utc: str = ""  # the original file's modification time, as the OS reported it

    @property
    def exhibit(self) -> str:
        return f"E{self.exhibit_no:04d}"

    @property
    def exhibit_ko(self) -> str:
        return f"갑 제{self.exhibit_no}호증"


@dataclass(frozen=True)
class Link:
    """A URL recorded without a file, for content seen but not saved."""

    id: str
    case_id: str
    source: Source
    note: str = ""
    created_utc: str = ""
    last_checked_utc: str = ""
    last_status: str = ""
    # Added for issue 3 (collecting):
    seen_at: str = ""  # when the person saw it, as entered
    captured_by: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Note:
    id: str
    case_id: str
    text: str
    item_id: str = ""
    created_utc: str = ""


@dataclass(frozen=True)
class TimelineEvent:
    id: str
    case_id: str
    date: str  # ISO date or datetime as entered
    kind: str  # "reported_to_police", "counselling", "takedown", "incident", free text
    description: str
    created_utc: str = ""


@dataclass(frozen=True)
class CustodyEntry:
    """One link of the chain of custody."""

    seq: int
    utc: str
    offset_minutes: int
    actor: str
    action: str
    subject: str  # item/case id or ""
    details: dict[str, object]
    prev_hash: str
    entry_hash: str


class SightingStatus(StrEnum):
    NEEDS_REVIEW = "needs_review"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Sighting:
    """A re-upload found by a scan; its downloaded copy is an evidence item of kind SIGHTING."""

    id: str
    case_id: str
    item_id: str  # the evidence item (kind SIGHTING) holding the downloaded copy
    matched_item_id: str  # the vault item it matches
    page_url: str
    media_url: str
    final_url: str
    http_status: int
    headers: dict[str, str]
    retrieved_utc: str
    sha256: str
    md5: str
    band: str  # "strong" | "probable" | "needs_review"
    score: float
    matched_how: str  # "exact" | "whole" | "region" | "rotation" | "mirror" | "video" ...
    status: SightingStatus = SightingStatus.NEEDS_REVIEW
    scan_id: str = ""
    # Added for issue 5 (scanning):
    match_detail: str = ""  # a short plain phrase, e.g. "mirrored", "picture inside a screenshot"
    review_note: str = ""  # the note given when it was confirmed or rejected


class TakedownStatus(StrEnum):
    DRAFTED = "drafted"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    REMOVED = "removed"
    REFUSED = "refused"
    REAPPEARED = "reappeared"


@dataclass(frozen=True)
class TakedownUpdate:
    utc: str
    status: TakedownStatus
    note: str = ""


@dataclass(frozen=True)
class Takedown:
    id: str
    case_id: str
    sighting_ids: tuple[str, ...]
    recipient: (
        str  # platform name, "KCSC" (방송통신심의위원회), "d4u", "seoul_center", search engine
    )
    channel: str  # "web_form" | "email" | "phone" | "post" | free text
    date: str
    ticket: str = ""
    status: TakedownStatus = TakedownStatus.DRAFTED
    history: tuple[TakedownUpdate, ...] = ()


@dataclass(frozen=True)
class Recheck:
    """One re-check of a sighting URL: still online, changed or gone."""

    id: str
    sighting_id: str
    utc: str
    outcome: str  # "online" | "changed" | "gone" | "error"
    http_status: int
    sha256: str = ""
    detail: str = ""  # the plain English sentence (kept as evidence, exported as is)
    detail_key: str = ""  # its catalog key, so each front end shows it in the person's language
    detail_values: dict[str, str] = field(default_factory=dict)
