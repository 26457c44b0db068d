"""Use cases for links: a web address recorded without a file, for content the person saw but
could not save (or that was deleted before they could). A link carries the same source fields as
an evidence item, and a scan can later try to capture it."""

from __future__ import annotations

from dataclasses import replace

from vault import repo
from vault.collect.dates import optional_when
from vault.errors import ValueRejected
from vault.records import Case, Link, Source
from vault.store import Vault


def _check_url(url: str) -> str:
    cleaned = url.strip()
    if not cleaned:
        raise ValueRejected(
            "The web address is empty.", next_step="Paste the full address.", key="url_empty"
        )
    if any(ch.isspace() for ch in cleaned):
        raise ValueRejected(
            "A web address cannot contain spaces.",
            next_step="Copy the full address from the browser's address bar and paste it.",
            key="url_spaces",
        )
    return cleaned


def add_link(
    vault: Vault,
    case_id: str,
    source: Source,
    *,
    note: str = "",
    seen_at: str = "",
    captured_by: str = "",
    tags: tuple[str, ...] = (),
) -> tuple[Link, bool]:
    """Record ``source.url`` for a case. Returns ``(link, already_there)``: the same address
    recorded twice in one case is reported, not stored twice."""
    repo.get(vault.db, Case, case_id)
    url = _check_url(source.url)
    existing = next((k for k in list_links(vault, case_id) if k.source.url == url), None)
    if existing is not None:
        return existing, True
    link = Link(
        id=repo.new_id(),
        case_id=case_id,
        source=replace(source, url=url),
        note=note.strip(),
        created_utc=vault.now().iso_utc(),
        seen_at=optional_when(seen_at, what="When you saw it"),
        captured_by=captured_by.strip(),
        tags=tuple(tags),
    )
    with vault.transaction() as db:
        repo.put(db, link)
        vault.log("link_added", link.id, {"case": case_id})
    return link, False


def list_links(vault: Vault, case_id: str | None = None) -> list[Link]:
    return repo.list_records(vault.db, Link, case_id)


def get_link(vault: Vault, link_id: str) -> Link:
    return repo.get(vault.db, Link, link_id)


EDITABLE_FIELDS = frozenset(
    {"source", "note", "seen_at", "captured_by", "tags", "last_checked_utc", "last_status"}
)


def update_link(vault: Vault, link: Link, **changes: object) -> Link:
    refused = sorted(set(changes) - EDITABLE_FIELDS)
    if refused:
        raise ValueRejected(
            "A link has no field called " + ", ".join(refused) + ".",
            key="link_field",
            fields=", ".join(refused),
        )
    if "source" in changes:
        src = changes["source"]
        if not isinstance(src, Source):
            raise ValueRejected("The source details are malformed.", key="source_malformed")
        changes["source"] = replace(src, url=_check_url(src.url))
    if "seen_at" in changes:
        changes["seen_at"] = optional_when(str(changes["seen_at"]), what="When you saw it")
    updated = replace(link, **changes)  # type: ignore[arg-type]
    with vault.transaction() as db:
        repo.put(db, updated)
        vault.log("link_edited", link.id, {"fields": sorted(changes)})
    return updated


def delete_link(vault: Vault, link: Link, *, reason: str = "") -> None:
    with vault.transaction() as db:
        repo.delete(db, Link, link.id)
        vault.log("link_deleted", link.id, {"reason": reason} if reason else {})
