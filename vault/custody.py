"""The chain of custody: every action on the vault is an entry linked to the one before it.

Each entry stores ``prev_hash`` (the previous entry's hash), its own ``entry_hash`` = SHA-256 of
its canonical JSON (which includes ``prev_hash``), and ``mac`` = HMAC(audit subkey, entry_hash).
The header keeps the sequence number and hash of the last entry, so deleting, reordering,
truncating or rolling back the log is detected. The hash chain alone (without the MAC) can be
checked by anyone, which is what exported custody logs rely on.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable

from vault.clock import Timestamp
from vault.crypto import keys
from vault.errors import Sentence
from vault.records import CustodyEntry

GENESIS = "0" * 64

DDL = """
CREATE TABLE IF NOT EXISTS custody (
    seq INTEGER PRIMARY KEY,
    utc TEXT NOT NULL,
    offset_minutes INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    entry_hash TEXT NOT NULL,
    mac TEXT NOT NULL
);
"""


def canonical(entry: dict[str, object]) -> bytes:
    return json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def entry_hash(
    seq: int,
    ts: Timestamp,
    actor: str,
    action: str,
    subject: str,
    details: dict[str, object],
    prev_hash: str,
) -> str:
    body = {
        "seq": seq,
        "utc": ts.iso_utc(),
        "offset_minutes": ts.offset_minutes,
        "actor": actor,
        "action": action,
        "subject": subject,
        "details": details,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical(body)).hexdigest()


def head(db: sqlite3.Connection) -> tuple[int, str]:
    row = db.execute("SELECT seq, entry_hash FROM custody ORDER BY seq DESC LIMIT 1").fetchone()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


def append(
    db: sqlite3.Connection,
    audit_key: bytes,
    ts: Timestamp,
    action: str,
    subject: str = "",
    details: dict[str, object] | None = None,
    actor: str = "",
    after: tuple[int, str] | None = None,
) -> CustodyEntry:
    """Append an entry after ``after`` (the head the header vouches for) or the table's end."""
    details = dict(details or {})
    seq, prev = after if after is not None else head(db)
    seq += 1
    digest = entry_hash(seq, ts, actor, action, subject, details, prev)
    db.execute(
        "INSERT INTO custody VALUES (?,?,?,?,?,?,?,?,?,?)",
        (
            seq,
            ts.iso_utc(),
            ts.offset_minutes,
            actor,
            action,
            subject,
            json.dumps(details, ensure_ascii=False, sort_keys=True),
            prev,
            digest,
            keys.mac(audit_key, bytes.fromhex(digest)).hex(),
        ),
    )
    return CustodyEntry(
        seq, ts.iso_utc(), ts.offset_minutes, actor, action, subject, details, prev, digest
    )


def _row_to_entry(row: tuple[object, ...]) -> CustodyEntry:
    seq, utc, off, actor, action, subject, details, prev, digest, _mac = row
    return CustodyEntry(
        int(str(seq)),
        str(utc),
        int(str(off)),
        str(actor),
        str(action),
        str(subject),
        json.loads(str(details)),
        str(prev),
        str(digest),
    )


def entries(db: sqlite3.Connection, subject: str | None = None) -> list[CustodyEntry]:
    if subject is None:
        rows = db.execute("SELECT * FROM custody ORDER BY seq").fetchall()
    else:
        rows = db.execute(
            "SELECT * FROM custody WHERE subject = ? ORDER BY seq", (subject,)
        ).fetchall()
    return [_row_to_entry(r) for r in rows]


def verify_chain(
    rows: Iterable[tuple[object, ...]], audit_key: bytes | None, head_seq: int, head_hash: str
) -> list[str]:
    """Return every problem found in the chain (empty when it is intact)."""
    problems: list[str] = []
    expected_seq, prev = 1, GENESIS
    last_seq, last_hash = 0, GENESIS
    for row in rows:
        seq, utc, off, actor, action, subject, details, prev_hash, digest, mac = row
        if seq != expected_seq:
            problems.append(
                Sentence(
                    f"entry {seq} is out of order or entries before it are missing",
                    "error.what.chain_order",
                    seq=seq,
                )
            )
        if prev_hash != prev:
            problems.append(
                Sentence(
                    f"entry {seq} does not link to the entry before it",
                    "error.what.chain_link",
                    seq=seq,
                )
            )
        recomputed = entry_hash(
            int(str(seq)),
            Timestamp.parse(str(utc), int(str(off))),
            str(actor),
            str(action),
            str(subject),
            json.loads(str(details)),
            str(prev_hash),
        )
        if recomputed != digest:
            problems.append(
                Sentence(
                    f"entry {seq} was changed after it was written",
                    "error.what.chain_changed",
                    seq=seq,
                )
            )
        elif audit_key is not None and not keys.mac_equal(
            keys.mac(audit_key, bytes.fromhex(recomputed)), bytes.fromhex(str(mac))
        ):
            problems.append(
                Sentence(
                    f"entry {seq} was not written by this vault",
                    "error.what.chain_foreign",
                    seq=seq,
                )
            )
        expected_seq = int(str(seq)) + 1
        prev = str(digest)
        last_seq, last_hash = int(str(seq)), str(digest)
    if (last_seq, last_hash) != (head_seq, head_hash):
        problems.append(
            Sentence(
                "the log does not end where the vault header says it ends "
                "(entries were removed, reordered or rolled back)",
                "error.what.chain_end",
            )
        )
    return problems


def verify(db: sqlite3.Connection, audit_key: bytes, head_seq: int, head_hash: str) -> list[str]:
    rows = db.execute("SELECT * FROM custody ORDER BY rowid").fetchall()
    return verify_chain(rows, audit_key, head_seq, head_hash)
