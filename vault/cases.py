"""Use cases for cases: create, find, edit, list, delete."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from vault import repo
from vault.errors import AnsimError, NotFound
from vault.records import Case
from vault.store import Vault


class CaseChoiceNeeded(AnsimError):
    title = "This vault has more than one case."
    next_step = "Say which one with --case (see 'ansim case list')."


def create_case(vault: Vault, title: str, pseudonym: str = "", **fields: Any) -> Case:
    now = vault.now().iso_utc()
    case = Case(
        id=repo.new_id(),
        title=title.strip() or "Case",
        pseudonym=pseudonym.strip(),
        created_utc=now,
        updated_utc=now,
        **fields,
    )
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
        matches = [c for c in list_cases(vault) if c.title == ref]
        if len(matches) == 1:
            return matches[0]
        raise


def resolve_case(vault: Vault, ref: str | None, *, create_if_none: bool = True) -> Case:
    """The case a command means: the one named, or the only one, or a new first case."""
    if ref:
        return get_case(vault, ref)
    cases = list_cases(vault)
    if len(cases) == 1:
        return cases[0]
    if not cases and create_if_none:
        return create_case(vault, "My case", pseudonym="")
    if not cases:
        raise NotFound("There are no cases yet.", next_step="Create one with 'ansim case new'.")
    raise CaseChoiceNeeded()


def update_case(vault: Vault, case: Case, **changes: Any) -> Case:
    updated = replace(case, **changes, updated_utc=vault.now().iso_utc())
    with vault.transaction() as db:
        repo.put(db, updated)
        vault.log("case_edited", case.id, {"fields": sorted(changes)})
    return updated
