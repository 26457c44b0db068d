"""Takedown requests: where a removal request went, when, how, and what became of it.

A takedown covers one or more sightings of one case and keeps its whole status history
(drafted, sent, acknowledged, removed, refused, reappeared), each change a custody entry.
Recipients (platforms, 방송미디어통신심의위원회, d4u, the Seoul centre, search engines) and the
notice templates are data files under ``vault/data/takedown/``, so contact details can be
corrected without touching code; every recipient carries a "verify before use" source note.
Notices are drafted for the person to send themselves: Ansim never sends anything.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date as date_cls
from functools import cache
from pathlib import Path
from string import Template

from vault import repo
from vault.errors import InputRejected, NotFound
from vault.records import (
    Case,
    EvidenceItem,
    Sighting,
    SightingStatus,
    Takedown,
    TakedownStatus,
    TakedownUpdate,
)
from vault.store import Vault

DATA_DIR = Path(__file__).with_name("data") / "takedown"
CHANNELS = ("web_form", "email", "phone", "post", "in_person", "other")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Channel:
    kind: str  # "web_form" | "email" | "phone" | "post"
    value: str
    note_ko: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class Recipient:
    """Where takedown requests can go. ``source`` says where the details were taken from and
    ``checked`` when; they must be verified before use (organisations rename and move)."""

    key: str
    kind: str  # "regulator" | "support" | "police" | "platform" | "search" | "hash_sharing"
    name_ko: str
    name_en: str
    channels: tuple[Channel, ...]
    notes_ko: str
    notes_en: str
    source: str
    checked: str

    def name(self, lang: str) -> str:
        return self.name_ko if lang == "ko" else self.name_en


@cache
def recipients() -> tuple[Recipient, ...]:
    """All known recipients, from ``recipients.json``."""
    raw = json.loads((DATA_DIR / "recipients.json").read_text(encoding="utf-8"))
    out = []
    for r in raw["recipients"]:
        out.append(Recipient(
            key=r["key"], kind=r["kind"], name_ko=r["name_ko"], name_en=r["name_en"],
            channels=tuple(Channel(**c) for c in r["channels"]),
            notes_ko=r.get("notes_ko", ""), notes_en=r.get("notes_en", ""),
            source=r["source"], checked=r["checked"],
        ))
    return tuple(out)


def find_recipient(key: str) -> Recipient | None:
    k = key.strip().lower()
    return next((r for r in recipients() if r.key == k), None)


def recipient_label(key: str, lang: str) -> str:
    r = find_recipient(key)
    return r.name(lang) if r else key


def _check_date(value: str) -> str:
    value = value.strip()
    if not _DATE.match(value):
        raise InputRejected("The date must look like 2026-03-01 (year-month-day).",
                            key="takedown_date_form")
    try:
        date_cls.fromisoformat(value)
    except ValueError:
        raise InputRejected("That date does not exist in the calendar.",
                            key="takedown_date_real") from None
    return value


def _today(vault: Vault) -> str:
    return vault.now().local().date().isoformat()


def new_takedown(
    vault: Vault,
    case_id: str,
    sighting_ids: list[str] | tuple[str, ...],
    recipient: str,
    channel: str,
    *,
    date: str = "",
    ticket: str = "",
    note: str = "",
) -> Takedown:
    """Record a takedown request (status ``drafted``) for sightings of one case."""
    if not recipient.strip():
        raise InputRejected("Say where the request goes (a platform or organisation).",
                            key="takedown_recipient")
    if not sighting_ids:
        raise InputRejected("Choose at least one sighting for the request.",
                            key="takedown_no_sightings")
    case = repo.get(vault.db, Case, case_id)
    sightings = [repo.get(vault.db, Sighting, sid) for sid in sighting_ids]
    if any(s.case_id != case.id for s in sightings):
        raise InputRejected("All sightings of one request must belong to the same case.",
                            key="takedown_mixed_cases")
    if any(s.status == SightingStatus.REJECTED for s in sightings):
        raise InputRejected(
            "A sighting you marked as not a match cannot be part of a request.",
            key="takedown_rejected_sighting",
        )
    when = _check_date(date) if date else _today(vault)
    now = vault.now().iso_utc()
    td = Takedown(
        id=repo.new_id(),
        case_id=case.id,
        sighting_ids=tuple(dict.fromkeys(s.id for s in sightings)),
        recipient=recipient.strip(),
        channel=channel.strip() or "other",
        date=when,
        ticket=ticket.strip(),
        status=TakedownStatus.DRAFTED,
        history=(TakedownUpdate(now, TakedownStatus.DRAFTED, note),),
    )
    with vault.transaction() as db:
        repo.put(db, td)
        vault.log("takedown_created", td.id, {
            "case": case.id, "sightings": list(td.sighting_ids), "recipient": td.recipient,
            "channel": td.channel, "date": td.date,
        })
    return td


def list_takedowns(vault: Vault, case_id: str | None = None) -> list[Takedown]:
    return repo.list_records(vault.db, Takedown, case_id)


def get_takedown(vault: Vault, takedown_id: str) -> Takedown:
    return repo.get(vault.db, Takedown, takedown_id)


def update_takedown(
    vault: Vault,
    takedown_id: str,
    status: TakedownStatus | str,
    *,
    note: str = "",
    ticket: str | None = None,
    date: str | None = None,
) -> Takedown:
    """Add a status change to the request's history (and optionally its ticket or date)."""
    try:
        new_status = TakedownStatus(status)
    except ValueError:
        allowed = ", ".join(s.value for s in TakedownStatus)
        raise InputRejected(f"Unknown status. Use one of: {allowed}.",
                            key="takedown_status", allowed=allowed) from None
    td = get_takedown(vault, takedown_id)
    changes: dict[str, object] = {"status": new_status}
    if ticket is not None:
        changes["ticket"] = ticket.strip()
    if date is not None:
        changes["date"] = _check_date(date)
    update = TakedownUpdate(vault.now().iso_utc(), new_status, note)
    updated = replace(td, history=(*td.history, update), **changes)  # type: ignore[arg-type]
    with vault.transaction() as db:
        repo.put(db, updated)
        details: dict[str, object] = {"status": new_status.value, "from": td.status.value}
        if ticket is not None:
            details["ticket"] = updated.ticket
        if note:
            details["note"] = note
        vault.log("takedown_updated", td.id, details)
    return updated


def mark_reappeared(vault: Vault, sighting_id: str, note: str) -> list[Takedown]:
    """Every ``removed`` takedown covering ``sighting_id`` becomes ``reappeared``."""
    out = []
    for td in list_takedowns(vault):
        if sighting_id in td.sighting_ids and td.status == TakedownStatus.REMOVED:
            out.append(update_takedown(vault, td.id, TakedownStatus.REAPPEARED, note=note))
    return out


@cache
def _template(lang: str) -> Template:
    name = "notice.ko.txt" if lang == "ko" else "notice.en.txt"
    return Template((DATA_DIR / name).read_text(encoding="utf-8"))


@cache
def _lines(lang: str) -> dict[str, str]:
    data: dict[str, dict[str, str]] = json.loads(
        (DATA_DIR / "notice_parts.json").read_text(encoding="utf-8"))
    return data["ko" if lang == "ko" else "en"]


def draft_notice(vault: Vault, takedown_id: str, lang: str = "ko", *, contact: str = "") -> str:
    """A removal request for the person to send themselves, in Korean or English.

    Uses the case's pseudonym (never the real name), each sighting's addresses, when it was
    retrieved and the SHA-256 of the copy, and the template in the data folder.
    """
    td = get_takedown(vault, takedown_id)
    case = repo.get(vault.db, Case, td.case_id)
    parts = _lines(lang)
    items = []
    for n, sid in enumerate(td.sighting_ids, 1):
        s = repo.get(vault.db, Sighting, sid)
        try:
            exhibit = repo.get(vault.db, EvidenceItem, s.item_id)
            label = exhibit.exhibit_ko if lang == "ko" else exhibit.exhibit
        except NotFound:  # the copy may have been deleted; the notice still works
            label = ""
        items.append(Template(parts["item"]).safe_substitute(
            n=n,
            exhibit=label,
            page_url=s.page_url or "-",
            media_url=s.final_url or s.media_url or "-",
            retrieved=s.retrieved_utc,
            sha256=s.sha256,
        ).rstrip())
    return _template(lang).safe_substitute(
        recipient=recipient_label(td.recipient, lang),
        date=_today(vault),
        case_ref=f"{td.case_id}/{td.id}",
        person=case.pseudonym or parts["anonymous"],
        items="\n".join(items),
        count=len(items),
        contact=contact or parts["contact_placeholder"],
    )
