"""Use cases for cases: create, find, edit, list, delete.

A case holds everything about one harm: who was harmed (a pseudonym; the real name only if the
person wants it stored), what happened, what is known about the offender (성명불상 when the name
is unknown), consents, the counsellor and statute tags. A counsellor's vault holds many cases.
"""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from typing import Any

from vault import evidence, repo
from vault.collect.dates import optional_when
from vault.errors import AnsimError, NotFound, ValueRejected
from vault.records import (
    Case,
    Consent,
    EvidenceItem,
    HarmKind,
    Link,
    Note,
    Offender,
    Recheck,
    Sighting,
    Takedown,
    TimelineEvent,
)
from vault.store import Vault

#: Fields of a case a person sets; ``id`` and the two timestamps are Ansim's.
CASE_FIELDS = frozenset(
    f.name for f in dataclasses.fields(Case) if f.name not in ("id", "created_utc", "updated_utc")
)


class CaseChoiceNeeded(AnsimError):
    title = "This vault has more than one case."
    next_step = "Say which one with --case (see 'ansim case list')."


class ConfirmationNeeded(AnsimError):
    title = "Deleting a case needs your explicit confirmation."
    next_step = "Nothing was deleted. Confirm by typing the case title when asked, or use --yes."


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(fields) - CASE_FIELDS)
    if unknown:
        raise ValueRejected(
            "A case has no field called " + ", ".join(unknown) + ".",
            key="case_field",
            fields=", ".join(unknown),
        )
    out = dict(fields)
    if "harm_kinds" in out:
        try:
            out["harm_kinds"] = tuple(dict.fromkeys(HarmKind(h) for h in out["harm_kinds"]))
        except ValueError:
            raise ValueRejected(
                "Unknown kind of harm.",
                next_step="Use: " + ", ".join(h.value for h in HarmKind) + ".",
                key="harm_kind",
                kinds=", ".join(h.value for h in HarmKind),
            ) from None
    for key in ("offenders", "consents", "statutes"):
        if key in out:
            out[key] = tuple(out[key])
    for c in out.get("consents", ()):
        if not isinstance(c, Consent):
            raise ValueRejected("A consent record is malformed.", key="consent_malformed")
    for o in out.get("offenders", ()):
        if not isinstance(o, Offender):
            raise ValueRejected("An offender record is malformed.", key="offender_malformed")
    if "consents" in out:
        out["consents"] = tuple(
            replace(c, date=optional_when(c.date, what="The consent date")) for c in out["consents"]
        )
    for key, label in (("incident_start", "The start date"), ("incident_end", "The end date")):
        if key in out:
            out[key] = optional_when(str(out[key]), what=label)
    for key in ("title", "pseudonym", "real_name", "counsellor", "incident_place"):
        if key in out:
            out[key] = str(out[key]).strip()
    return out


def create_case(vault: Vault, title: str, pseudonym: str = "", **fields: Any) -> Case:
    """Create a case. ``fields`` are any other :class:`Case` fields (see :data:`CASE_FIELDS`)."""
    now = vault.now().iso_utc()
    cleaned = _clean({"title": title, "pseudonym": pseudonym, **fields})
    cleaned["title"] = cleaned["title"] or "Case"
    case = Case(id=repo.new_id(), created_utc=now, updated_utc=now, **cleaned)
    with vault.transaction() as db:
        repo.put(db, case)
        vault.log("case_created", case.id)
    return case


def list_cases(vault: Vault) -> list[Case]:
    return repo.list_records(vault.db, Case)


def get_case(vault: Vault, ref: str) -> Case:
    """Find a case by id (or id prefix) or by its exact title."""
    try:
        return repo.get(vault.db, Case, ref)
    except NotFound:
        matches = [c for c in list_cases(vault) if c.title.strip() == ref.strip()]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise CaseChoiceNeeded(
                "More than one case has that title.",
                next_step="Use the case id instead.",
                key="case_title_ambiguous",
            ) from None
        raise NotFound(
            f"No case has the id or the title '{ref}'.",
            next_step="See your cases with 'ansim case list', or make one with "
            "'ansim case new \"TITLE\"'.",
            key="no_case",
            ref=ref,
        ) from None


def resolve_case(vault: Vault, ref: str | None, *, create_if_none: bool = True) -> Case:
    """The case a command means: the one named, or the only one, or a new first case. In an
    empty vault, with ``create_if_none``, a named case that does not exist yet is made with
    that title (the first ``ansim add --case "Title"``); once there are cases, a name that
    matches none is an error, so a typo cannot start a new case by mistake."""
    if ref:
        try:
            return get_case(vault, ref)
        except NotFound:
            if create_if_none and ref.strip() and not list_cases(vault):
                return create_case(vault, ref.strip(), pseudonym="")
            raise
    cases = list_cases(vault)
    if len(cases) == 1:
        return cases[0]
    if not cases and create_if_none:
        return create_case(vault, "My case", pseudonym="")
    if not cases:
        raise NotFound(
            "There are no cases yet.",
            next_step="Create one with 'ansim case new'.",
            key="no_cases",
        )
    raise CaseChoiceNeeded()


def update_case(vault: Vault, case: Case, **changes: Any) -> Case:
    """Change fields of a case (see :data:`CASE_FIELDS`); logged with the field names only."""
    cleaned = _clean(changes)
    if "title" in cleaned and not cleaned["title"]:
        raise ValueRejected("A case needs a title.", key="case_title_missing")
    updated = replace(case, **cleaned, updated_utc=vault.now().iso_utc())
    with vault.transaction() as db:
        repo.put(db, updated)
        vault.log("case_edited", case.id, {"fields": sorted(cleaned)})
    return updated


@dataclasses.dataclass(frozen=True)
class CaseContents:
    """Everything stored under one case (what deleting it would destroy)."""

    items: tuple[EvidenceItem, ...]
    links: tuple[Link, ...]
    notes: tuple[Note, ...]
    events: tuple[TimelineEvent, ...]
    sightings: tuple[Sighting, ...]
    takedowns: tuple[Takedown, ...]


def case_contents(vault: Vault, case: Case) -> CaseContents:
    db = vault.db
    return CaseContents(
        tuple(repo.list_records(db, EvidenceItem, case.id)),
        tuple(repo.list_records(db, Link, case.id)),
        tuple(repo.list_records(db, Note, case.id)),
        tuple(repo.list_records(db, TimelineEvent, case.id)),
        tuple(repo.list_records(db, Sighting, case.id)),
        tuple(repo.list_records(db, Takedown, case.id)),
    )


def delete_case(vault: Vault, case: Case, *, confirm: str, reason: str = "") -> CaseContents:
    """Delete a case and everything in it. Its items are crypto-shredded (each with its own
    custody entry). ``confirm`` must be the case's title or id, as typed by the person, so a
    case is never deleted by accident; otherwise :class:`ConfirmationNeeded` is raised."""
    if confirm.strip() not in (case.title, case.id) or not confirm.strip():
        raise ConfirmationNeeded()
    contents = case_contents(vault, case)
    evidence.delete_items(vault, list(contents.items), reason=reason or "case deleted")
    sighting_ids = {s.id for s in contents.sightings}
    with vault.transaction() as db:
        for cls, records in (
            (Link, contents.links),
            (Note, contents.notes),
            (TimelineEvent, contents.events),
            (Sighting, contents.sightings),
            (Takedown, contents.takedowns),
        ):
            for record in records:
                repo.delete(db, cls, record.id)
        for recheck in repo.list_records(db, Recheck):
            if recheck.sighting_id in sighting_ids:
                repo.delete(db, Recheck, recheck.id)
        repo.delete(db, Case, case.id)
        details: dict[str, object] = {
            "items": len(contents.items),
            "links": len(contents.links),
            "notes": len(contents.notes),
            "events": len(contents.events),
        }
        if reason:
            details["reason"] = reason
        vault.log("case_deleted", case.id, details)
    return contents
