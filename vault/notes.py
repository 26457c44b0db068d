"""Use cases for notes and timeline events."""

from __future__ import annotations

from vault import repo
from vault.records import Note, TimelineEvent
from vault.store import Vault


def add_note(vault: Vault, case_id: str, text: str, *, item_id: str = "") -> Note:
    note = Note(repo.new_id(), case_id, text, item_id=item_id, created_utc=vault.now().iso_utc())
    with vault.transaction() as db:
        repo.put(db, note)
        vault.log("note_added", item_id or case_id, {"note": note.id})
    return note


def list_notes(vault: Vault, case_id: str | None = None) -> list[Note]:
    return repo.list_records(vault.db, Note, case_id)


def add_event(vault: Vault, case_id: str, date: str, kind: str, description: str) -> TimelineEvent:
    event = TimelineEvent(
        repo.new_id(), case_id, date, kind, description, created_utc=vault.now().iso_utc()
    )
    with vault.transaction() as db:
        repo.put(db, event)
        vault.log("event_added", case_id, {"event": event.id, "kind": kind})
    return event


def list_events(vault: Vault, case_id: str | None = None) -> list[TimelineEvent]:
    events = repo.list_records(vault.db, TimelineEvent, case_id)
    return sorted(events, key=lambda e: e.date)
