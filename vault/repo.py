"""Generic storage of records inside the encrypted metadata database.

Every record type has a table ``(id, case_id, doc)`` where ``doc`` is the record's JSON. The
whole database lives in memory and is encrypted on commit (see vault.store), so no field is ever
on disk in plaintext. Feature modules call ``put``/``get``/``list_records`` and never write SQL for
record storage.
"""

from __future__ import annotations

import secrets
import sqlite3
from typing import Any, TypeVar

from vault import codec
from vault.errors import NotFound
from vault.records import (
    Case,
    EvidenceItem,
    Link,
    Note,
    Recheck,
    Sighting,
    Takedown,
    TimelineEvent,
)

R = TypeVar("R")

TABLES: dict[type, str] = {
    Case: "cases",
    EvidenceItem: "items",
    Link: "links",
    Note: "notes",
    TimelineEvent: "events",
    Sighting: "sightings",
    Takedown: "takedowns",
    Recheck: "rechecks",
}

DDL = (
    "".join(
        f"CREATE TABLE IF NOT EXISTS {t} (id TEXT PRIMARY KEY, case_id TEXT NOT NULL, "
        f"doc TEXT NOT NULL, seq INTEGER);\n"
        f"CREATE INDEX IF NOT EXISTS {t}_case ON {t}(case_id);\n"
        for t in TABLES.values()
    )
    + """
CREATE TABLE IF NOT EXISTS fingerprints (item_id TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""
)

_NAMES = {
    Case: "case",
    EvidenceItem: "item",
    Link: "link",
    Note: "note",
    TimelineEvent: "event",
    Sighting: "sighting",
    Takedown: "takedown",
    Recheck: "re-check",
}


def new_id() -> str:
    return secrets.token_hex(6)


def _table(cls: type) -> str:
    try:
        return TABLES[cls]
    except KeyError:
        raise TypeError(f"{cls.__name__} is not a stored record type") from None


def next_counter(db: sqlite3.Connection, name: str) -> int:
    row = db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
    value = 1 if row is None else int(row[0]) + 1
    db.execute("INSERT OR REPLACE INTO counters VALUES (?, ?)", (name, value))
    return value


def put(db: sqlite3.Connection, record: Any) -> None:
    table = _table(type(record))
    case_id = getattr(record, "case_id", "") if not isinstance(record, Case) else record.id
    db.execute(
        f"INSERT INTO {table} (id, case_id, doc, seq) VALUES (?, ?, ?, "  # noqa: S608
        f"COALESCE((SELECT MAX(seq) FROM {table}), 0) + 1) "
        "ON CONFLICT(id) DO UPDATE SET case_id = excluded.case_id, doc = excluded.doc",
        (record.id, case_id, codec.dumps(record)),
    )


def get(db: sqlite3.Connection, cls: type[R], record_id: str) -> R:
    """Find a record by its id or an unambiguous prefix of it (at least 4 characters)."""
    table = _table(cls)
    row = db.execute(f"SELECT doc FROM {table} WHERE id = ?", (record_id,)).fetchone()  # noqa: S608
    if row is None and len(record_id) >= 4:
        rows = db.execute(
            f"SELECT doc FROM {table} WHERE id LIKE ? ESCAPE '\\'",  # noqa: S608
            (record_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",),
        ).fetchall()
        row = rows[0] if len(rows) == 1 else None
    if row is None:
        raise NotFound(
            f"No {_NAMES[cls]} has the id '{record_id}'.",
            key="no_record",
            record_key=_NAMES[cls],
            id=record_id,
        )
    return codec.loads(cls, row[0])


def list_records(db: sqlite3.Connection, cls: type[R], case_id: str | None = None) -> list[R]:
    table = _table(cls)
    if case_id is None:
        rows = db.execute(f"SELECT doc FROM {table} ORDER BY seq")  # noqa: S608
    else:
        rows = db.execute(
            f"SELECT doc FROM {table} WHERE case_id = ? ORDER BY seq",  # noqa: S608
            (case_id,),
        )
    return [codec.loads(cls, r[0]) for r in rows]


def delete(db: sqlite3.Connection, cls: type, record_id: str) -> None:
    db.execute(f"DELETE FROM {_table(cls)} WHERE id = ?", (record_id,))  # noqa: S608


def put_fingerprint(db: sqlite3.Connection, item_id: str, doc_json: str) -> None:
    db.execute("INSERT OR REPLACE INTO fingerprints VALUES (?, ?)", (item_id, doc_json))


def get_fingerprint(db: sqlite3.Connection, item_id: str) -> str | None:
    row = db.execute("SELECT doc FROM fingerprints WHERE item_id = ?", (item_id,)).fetchone()
    return None if row is None else str(row[0])


def all_fingerprints(db: sqlite3.Connection) -> list[tuple[str, str]]:
    return [(str(a), str(b)) for a, b in db.execute("SELECT item_id, doc FROM fingerprints")]


def delete_fingerprint(db: sqlite3.Connection, item_id: str) -> None:
    db.execute("DELETE FROM fingerprints WHERE item_id = ?", (item_id,))


def has_fingerprint_doc(db: sqlite3.Connection, doc_json: str) -> bool:
    """Whether some item's stored fingerprint document is exactly ``doc_json``."""
    row = db.execute("SELECT 1 FROM fingerprints WHERE doc = ? LIMIT 1", (doc_json,)).fetchone()
    return row is not None


def any_record_mentions(db: sqlite3.Connection, cls: type, text: str) -> bool:
    """Whether the JSON of some stored record of ``cls`` contains ``text`` (one scan inside
    SQLite; meant for long random identifiers such as blob ids)."""
    row = db.execute(
        f"SELECT 1 FROM {_table(cls)} WHERE instr(doc, ?) > 0 LIMIT 1",  # noqa: S608
        (text,),
    ).fetchone()
    return row is not None
