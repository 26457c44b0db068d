"""The public custody chain written into a bundle, and its check.

The vault's own chain is sealed with HMACs under a key only the vault holds, and it covers every
item in the vault. A bundle instead carries a NEW chain over just the exported items' entries (and
their sightings and take-down requests) plus the export entry, linked by plain SHA-256 so anyone
can recompute it:

    entry_hash = SHA-256( canonical JSON of the entry without "entry_hash" )
    canonical  = UTF-8, keys sorted, no spaces (",", ":"), non-ASCII kept as is
    prev_hash  = entry_hash of the entry before; the first entry's prev_hash is 64 zeros

Each entry keeps the vault's sequence number (``vault_seq``), time and original entry hash
(``vault_entry_hash``), so the vault can later show the same entries inside its full chain. The
last hash and the number of entries are written into ``bag-info.txt``, which the signature
covers: removing, reordering or editing any entry is detected.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from vault.records import CustodyEntry

GENESIS = "0" * 64
FIELDS = (
    "seq",
    "utc",
    "offset_minutes",
    "actor",
    "action",
    "subject",
    "details",
    "vault_seq",
    "vault_entry_hash",
    "prev_hash",
)


def canonical(entry: Mapping[str, Any]) -> bytes:
    return json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _hash(entry: Mapping[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "entry_hash"}
    return hashlib.sha256(canonical(body)).hexdigest()


@dataclass(frozen=True)
class PublicChain:
    entries: tuple[dict[str, Any], ...]

    @property
    def head(self) -> str:
        return str(self.entries[-1]["entry_hash"]) if self.entries else GENESIS

    def jsonl(self) -> bytes:
        return b"".join(canonical(e) + b"\n" for e in self.entries)


def build(vault_entries: Iterable[CustodyEntry], export_entry: CustodyEntry) -> PublicChain:
    """Re-chain ``vault_entries`` (in vault order) followed by ``export_entry``."""
    out: list[dict[str, Any]] = []
    prev = GENESIS
    for seq, e in enumerate([*vault_entries, export_entry], 1):
        entry: dict[str, Any] = {
            "seq": seq,
            "utc": e.utc,
            "offset_minutes": e.offset_minutes,
            "actor": e.actor,
            "action": e.action,
            "subject": e.subject,
            "details": e.details,
            "vault_seq": e.seq,
            "vault_entry_hash": e.entry_hash,
            "prev_hash": prev,
        }
        entry["entry_hash"] = _hash(entry)
        prev = entry["entry_hash"]
        out.append(entry)
    return PublicChain(tuple(out))


@dataclass(frozen=True)
class ChainProblem:
    code: str  # "unreadable" | "order" | "link" | "changed" | "head" | "count"
    line: int  # 1-based line number in the file, 0 for the whole log


@dataclass(frozen=True)
class ChainCheck:
    entries: int
    head: str
    problems: tuple[ChainProblem, ...]


def check(data: bytes, expected_head: str | None, expected_count: int | None) -> ChainCheck:
    """Recompute every link; report every problem (not just the first)."""
    problems: list[ChainProblem] = []
    prev, count, expected_seq = GENESIS, 0, 1
    for line_no, raw in enumerate(data.split(b"\n"), 1):
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw.decode("utf-8"))
            if not isinstance(entry, dict) or not all(k in entry for k in FIELDS):
                raise ValueError
        except ValueError:
            problems.append(ChainProblem("unreadable", line_no))
            continue
        count += 1
        if entry["seq"] != expected_seq:
            problems.append(ChainProblem("order", line_no))
        if entry["prev_hash"] != prev:
            problems.append(ChainProblem("link", line_no))
        if _hash(entry) != entry.get("entry_hash"):
            problems.append(ChainProblem("changed", line_no))
        expected_seq = int(entry["seq"]) + 1 if isinstance(entry["seq"], int) else expected_seq + 1
        prev = str(entry.get("entry_hash", ""))
    if expected_head is not None and prev != expected_head:
        problems.append(ChainProblem("head", 0))
    if expected_count is not None and count != expected_count:
        problems.append(ChainProblem("count", 0))
    return ChainCheck(count, prev, tuple(problems))
