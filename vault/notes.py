"""Use cases for notes and timeline events.

A note is free text about a case or one item. A timeline event is something that happened on a
date ("reported to police", "counselling session", "takedown request sent"); events sort by
their date, which is stored as ISO 8601 (see :mod:`vault.collect.dates`).
"""

from __future__ import annotations

from dataclasses import replace

from vault import repo
from vault.collect.dates import normalise_when
from vault.errors import ValueRejected
from vault.records import Case, EvidenceItem, Note, TimelineEvent
from vault.store import Vault

#: Suggested event kinds (free text is accepted too); labels in ``vault/locales/evidence.*``.
EVENT_KINDS = (
    "incident",
    "discovered",
    "reported_to_police",
    "police_statement",
    "counselling",
    "legal_advice",
    "takedown_requested",
    "takedown_done",
    "contact_from_offender",
    "court",
    "other",
)


_FIELD_WORDS = {"The note": "note_text", "The kind of event": "event_kind"}


def _text(text: str, what: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise ValueRejected(
            f"{what} is empty.",
            next_step="Write something, then try again.",
            key="field_empty",
            field_key=_FIELD_WORDS.get(what, "value"),
        )
    return cleaned


def add_note(vault: Vault, case_id: str, text: str, *, item_id: str = "") -> Note:
    """Add a note to a case, or to one item of it (``item_id``)."""
    repo.get(vault.db, Case, case_id)
    if item_id:
        item = repo.get(vault.db, EvidenceItem, item_id)
        if item.case_id != case_id:
            raise ValueRejected("That item belongs to another case.", key="other_case_item")
        item_id = item.id
    note = Note(
        repo.new_id(),
        case_id,
        _text(text, "The note"),
        item_id=item_id,
        created_utc=vault.now().iso_utc(),
    )
    with vault.transaction() as db:
        repo.put(db, note)
        vault.log("note_added", item_id or case_id, {"note": note.id})
    return note


def list_notes(
    vault: Vault, case_id: str | None = None, *, item_id: str | None = None
) -> list[Note]:
    found = repo.list_records(vault.db, Note, case_id)
    return found if item_id is None else [n for n in found if n.item_id == item_id]


def get_note(vault: Vault, note_id: str) -> Note:
    return repo.get(vault.db, Note, note_id)


def edit_note(vault: Vault, note: Note, text: str) -> Note:
    updated = replace(note, text=_text(text, "The note"))
    with vault.transaction() as db:
        repo.put(db, updated)
        vault.log("note_edited", note.item_id or note.case_id, {"note": note.id})
    return updated


def delete_note(vault: Vault, note: Note) -> None:
    with vault.transaction() as db:
        repo.delete(db, Note, note.id)
        vault.log("note_deleted", note.item_id or note.case_id, {"note": note.id})


def add_event(vault: Vault, case_id: str, date: str, kind: str, description: str) -> TimelineEvent:
    """Add a dated event to a case's timeline. ``kind`` is one of :data:`EVENT_KINDS` or free
    text; ``date`` is normalised to ISO 8601 (a clear error when it cannot be)."""
    repo.get(vault.db, Case, case_id)
    event = TimelineEvent(
        repo.new_id(),
        case_id,
        normalise_when(date, what="The event's date"),
        _text(kind, "The kind of event"),
        description.strip(),
        created_utc=vault.now().iso_utc(),
    )
    with vault.transaction() as db:
        repo.put(db, event)
        vault.log("event_added", case_id, {"event": event.id})
    return event


def list_events(vault: Vault, case_id: str | None = None) -> list[TimelineEvent]:
    events = repo.list_records(vault.db, TimelineEvent, case_id)
    return sorted(events, key=lambda e: e.date)


def get_event(vault: Vault, event_id: str) -> TimelineEvent:
    return repo.get(vault.db, TimelineEvent, event_id)


def delete_event(vault: Vault, event: TimelineEvent) -> None:
    with vault.transaction() as db:
        repo.delete(db, TimelineEvent, event.id)
        vault.log("event_deleted", event.case_id, {"event": event.id})
