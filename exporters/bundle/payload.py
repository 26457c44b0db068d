"""Everything under ``data/``: originals, item records, indexes, sightings and take-downs, hash
lists, complaint documents, and the public custody chain (which ends with the export itself)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from exporters.bundle import documents, layout, optional_parts, public_chain
from exporters.bundle.options import ExportOptions
from exporters.bundle.writer import BagWriter
from vault import codec, custody, repo
from vault.errors import VaultDamaged
from vault.records import Case, CustodyEntry, EvidenceItem, Recheck, Sighting, Takedown
from vault.store import Vault


@dataclass
class BuildContext:
    vault: Vault
    case: Case
    options: ExportOptions
    items: list[EvidenceItem]
    writer: BagWriter
    bundle_id: str
    fingerprint: str
    notes: list[str] = field(default_factory=list)
    info_extra: list[tuple[str, str]] = field(default_factory=list)

    def export_details(self) -> dict[str, object]:
        """What the custody entry of this export says (in the bundle and in the vault)."""
        return {
            "bundle_id": self.bundle_id,
            "exhibits": [i.exhibit for i in self.items],
            "items": [i.id for i in self.items],
            "originals_included": self.options.include_originals,
            "certificate_sha256": self.fingerprint,
        }


def _copy_original(ctx: BuildContext, item: EvidenceItem, rel: str) -> None:
    """Stream the original out of the vault, hashing as it is written, and check the hash."""
    assert item.blob is not None
    written = ctx.writer.write_stream(rel, ctx.vault.read_blob(item.blob.blob_id))
    if written.sha256 != item.sha256 or written.size != item.size:
        raise VaultDamaged(
            f"evidence item {item.exhibit}",
            "The stored copy does not match the hash recorded when it was added.",
            key="exhibit_hash",
            part_key="exhibit",
            exhibit=item.exhibit,
        )


def _related(
    vault: Vault, case: Case, items: Sequence[EvidenceItem]
) -> tuple[list[Sighting], list[Recheck], list[Takedown]]:
    """Sightings of (or holding) the exported items, their re-checks and take-down requests."""
    ids = {i.id for i in items}
    sightings = [
        s
        for s in repo.list_records(vault.db, Sighting, case.id)
        if s.item_id in ids or s.matched_item_id in ids
    ]
    sighting_ids = {s.id for s in sightings}
    rechecks = [r for r in repo.list_records(vault.db, Recheck) if r.sighting_id in sighting_ids]
    takedowns = [
        t
        for t in repo.list_records(vault.db, Takedown, case.id)
        if sighting_ids.intersection(t.sighting_ids)
    ]
    return sightings, rechecks, takedowns


def _write_evidence(ctx: BuildContext, lang: str) -> None:
    exported: list[documents.ExportedItem] = []
    for item in ctx.items:
        folder = layout.exhibit_dir(item.exhibit)
        rel = ""
        if ctx.options.include_originals and item.blob is not None:
            rel = f"{folder}/{layout.safe_file_name(item.original_name)}"
            _copy_original(ctx, item, rel)
        exif = documents.exif_for(item, ctx.options.include_sensitive_exif)
        e = documents.ExportedItem(item, folder, rel, exif)
        ctx.writer.write_bytes(f"{folder}/{layout.ITEM_JSON}", documents.item_json(e))
        exported.append(e)
    ctx.writer.write_bytes(layout.INDEX_CSV, documents.evidence_csv(exported, lang))
    ctx.writer.write_bytes(layout.INDEX_JSONL, documents.evidence_jsonl(exported))
    ctx.writer.write_bytes(layout.HASHES_CSV, documents.hashes_csv(exported, lang))


def _write_optional(ctx: BuildContext) -> None:
    hash_list = optional_parts.perceptual_hash_list(ctx.vault, ctx.case, ctx.items)
    if hash_list is not None:
        ctx.writer.write_bytes(layout.HASH_LIST_CSV, hash_list)
    if not ctx.options.include_complaint:
        ctx.info_extra.append(("Ansim-Complaint", "not included (not chosen)"))
        return
    complaint = optional_parts.complaint_documents(
        ctx.vault, ctx.case, ctx.options.langs, ctx.bundle_id, ctx.fingerprint
    )
    if complaint:
        for name, data in complaint:
            safe = layout.safe_file_name(name, "complaint.pdf")
            ctx.writer.write_bytes(f"{layout.COMPLAINT_DIR}/{safe}", data)
        ctx.info_extra.append(("Ansim-Complaint", "included"))
    else:
        ctx.info_extra.append(("Ansim-Complaint", "not included (not available)"))
        ctx.notes.append("complaint_missing")


def _write_custody(ctx: BuildContext, subjects: set[str]) -> None:
    history = [e for e in custody.entries(ctx.vault.db) if e.subject in subjects]
    seq, _head = custody.head(ctx.vault.db)
    now = ctx.vault.now()
    declaration = CustodyEntry(
        seq=seq + 1,  # the vault records the export as its next entry once the bundle is done
        utc=now.iso_utc(),
        offset_minutes=now.offset_minutes,
        actor=ctx.vault.actor,
        action="exported",
        subject=ctx.case.id,
        details=ctx.export_details(),
        prev_hash="",
        entry_hash="",
    )
    chain = public_chain.build(history, declaration)
    ctx.writer.write_bytes(layout.CUSTODY_LOG, chain.jsonl())
    ctx.info_extra += [
        (layout.INFO_CUSTODY_ENTRIES, str(len(chain.entries))),
        (layout.INFO_CUSTODY_HEAD, chain.head),
    ]


def write_payload(ctx: BuildContext) -> None:
    """Write every file under ``data/`` (the custody chain last, so it can name the export)."""
    lang = ctx.options.langs[0]
    _write_evidence(ctx, lang)
    sightings, rechecks, takedowns = _related(ctx.vault, ctx.case, ctx.items)
    for rel, records in (
        (layout.SIGHTINGS, sightings),
        (layout.RECHECKS, rechecks),
        (layout.TAKEDOWNS, takedowns),
    ):
        if records:
            ctx.writer.write_bytes(rel, documents.jsonl(codec.to_plain(r) for r in records))
    _write_optional(ctx)
    subjects = {i.id for i in ctx.items} | {s.id for s in sightings} | {t.id for t in takedowns}
    _write_custody(ctx, subjects)
