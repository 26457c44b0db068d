"""``export_case``: build a sealed evidence bundle for one case.

Order of work (why it is safe):
1. everything is written into ``<out>/.ansim-partial-<random>/`` (never mistaken for a bundle);
2. payload first (originals streamed from the vault and hashed while copying), then the
   manifest, bag-info, ``verify/``, the tag manifest, its signature, the optional timestamp;
3. the optional zip is written as ``<out>/.<name>.zip.partial``;
4. both are renamed to their final names, then the export is recorded in the vault's custody
   log and committed. If that commit fails, the finished bundle is removed again, so a bundle
   exists exactly when the vault records it. Any failure removes the partial files.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import secrets
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from exporters.bundle import (
    bagit_files,
    cms,
    deterministic_zip,
    documents,
    layout,
    public_chain,
    templates,
    tsa,
)
from exporters.bundle.writer import BagWriter, ExportCancelled
from vault import custody, evidence, i18n, repo
from vault.cases import get_case
from vault.durable import fsync_dir, storage_error
from vault.errors import AnsimError, ExportError, InputRejected, NotFound, VaultDamaged
from vault.records import (
    Case,
    CustodyEntry,
    EvidenceItem,
    Recheck,
    Sighting,
    Takedown,
)
from vault.signing import load_export_key
from vault.store import Vault

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


class ExportStopped(ExportError):
    title = "The export was cancelled."
    next_step = "Nothing was written and nothing in your vault was changed."


@dataclass(frozen=True)
class ExportOptions:
    """What the person chose. ``items`` are ids, id prefixes or exhibit numbers (E0001, 1)."""

    out_dir: Path
    items: tuple[str, ...] = ()
    marked_only: bool = False
    include_originals: bool = True
    langs: tuple[str, ...] = ("ko", "en")
    make_zip: bool = False
    timestamp_url: str = ""
    include_sensitive_exif: bool = False


@dataclass(frozen=True)
class ExportResult:
    bundle_id: str
    bag_path: Path
    zip_path: Path | None
    cert_fingerprint: str
    exhibits: tuple[str, ...]
    payload_bytes: int
    payload_files: int
    timestamp_utc: str = ""  # the server's time when a timestamp was added
    timestamp_error: str = ""  # why a requested timestamp is missing ("" when none was asked)
    notes: tuple[str, ...] = field(default_factory=tuple)  # parts left out, in plain words


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("ansim")
    except Exception:
        return "0.1.0"


# ---------------------------------------------------------------------------- selection
def _matches(item: EvidenceItem, ref: str) -> bool:
    r = ref.strip()
    if not r:
        return False
    if r == item.id or (len(r) >= 4 and item.id.startswith(r)):
        return True
    digits = r.upper().removeprefix("E")
    return digits.isdigit() and int(digits) == item.exhibit_no


def select_items(vault: Vault, case: Case, options: ExportOptions) -> list[EvidenceItem]:
    items = sorted(evidence.list_items(vault, case.id), key=lambda i: i.exhibit_no)
    if options.items:
        chosen: list[EvidenceItem] = []
        for ref in options.items:
            hits = [i for i in items if _matches(i, ref)]
            if len(hits) != 1:
                raise NotFound(
                    f"No single evidence item of this case matches '{ref}'.",
                    next_step="Check the item numbers with 'ansim list' and try again.",
                )
            if hits[0] not in chosen:
                chosen.append(hits[0])
        items = sorted(chosen, key=lambda i: i.exhibit_no)
    if options.marked_only:
        items = [i for i in items if i.include_in_export]
    if not items:
        raise ExportError(
            "No evidence items were chosen for this export.",
            next_step="Add evidence to the case, or choose other items, and export again.",
        )
    return items


# ---------------------------------------------------------------------------- helpers
def _check_out_dir(vault: Vault, out_dir: Path) -> Path:
    out = Path(out_dir).expanduser()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(
            "The output folder could not be created.",
            next_step="Choose a folder you can write to (for example on a USB stick).",
        ) from exc
    resolved, vault_dir = out.resolve(), vault.path.resolve()
    if resolved == vault_dir or vault_dir in resolved.parents:
        raise InputRejected(
            "The output folder is inside the vault folder, where readable copies must never be.",
            next_step="Choose a folder outside the vault.",
        )
    return out


def _free_name(out: Path, base: str) -> str:
    name, n = base, 1
    while (out / name).exists() or (out / f"{name}.zip").exists():
        n += 1
        name = f"{base}-{n}"
    return name


def _copy_original(writer: BagWriter, vault: Vault, item: EvidenceItem, rel: str) -> None:
    assert item.blob is not None
    written = writer.write_stream(rel, vault.read_blob(item.blob.blob_id))
    if written.sha256 != item.sha256 or written.size != item.size:
        raise VaultDamaged(
            f"evidence item {item.exhibit}",
            "The stored copy does not match the hash recorded when it was added.",
        )


def _related(
    vault: Vault, case: Case, items: Sequence[EvidenceItem]
) -> tuple[list[Sighting], list[Recheck], list[Takedown]]:
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


def _optional_files(
    module: str, function: str, *args: object, **kwargs: object
) -> list[tuple[str, bytes]] | None:
    """Call another exporter if it is installed; ``None`` when it is absent or failed."""
    import importlib
    import importlib.util

    try:
        if importlib.util.find_spec(module) is None:
            return None
        fn = getattr(importlib.import_module(module), function, None)
    except ImportError:
        return None
    if fn is None:
        return None
    try:
        return [(str(n), bytes(b)) for n, b in fn(*args, **kwargs)]
    except Exception:  # another exporter's failure must not lose this export
        log.warning("an optional part of the export could not be built (%s)", module)
        return None


# ---------------------------------------------------------------------------- build
@dataclass
class _Build:
    vault: Vault
    case: Case
    options: ExportOptions
    items: list[EvidenceItem]
    writer: BagWriter
    bundle_id: str
    notes: list[str] = field(default_factory=list)
    info_extra: list[tuple[str, str]] = field(default_factory=list)


def _write_payload(b: _Build, lang: str, fingerprint: str) -> list[documents.ExportedItem]:
    exported: list[documents.ExportedItem] = []
    for item in b.items:
        folder = layout.exhibit_dir(item.exhibit)
        rel = ""
        if b.options.include_originals and item.blob is not None:
            rel = f"{folder}/{layout.safe_file_name(item.original_name)}"
            _copy_original(b.writer, b.vault, item, rel)
        exif = documents.exif_for(item, b.options.include_sensitive_exif)
        e = documents.ExportedItem(item, folder, rel, exif)
        b.writer.write_bytes(f"{folder}/{layout.ITEM_JSON}", documents.item_json(e))
        exported.append(e)
    b.writer.write_bytes(layout.INDEX_CSV, documents.evidence_csv(exported, lang))
    b.writer.write_bytes(layout.INDEX_JSONL, documents.evidence_jsonl(exported))

    sightings, rechecks, takedowns = _related(b.vault, b.case, b.items)
    if sightings:
        b.writer.write_bytes(layout.SIGHTINGS, documents.jsonl(map(_plain, sightings)))
    if rechecks:
        b.writer.write_bytes(layout.RECHECKS, documents.jsonl(map(_plain, rechecks)))
    if takedowns:
        b.writer.write_bytes(layout.TAKEDOWNS, documents.jsonl(map(_plain, takedowns)))

    b.writer.write_bytes(layout.HASHES_CSV, documents.hashes_csv(exported, lang))
    extra = _optional_files(
        "exporters.hashlists", "build_hash_lists", b.vault, b.case, items=tuple(b.items)
    )
    for name, data in extra or []:
        safe = layout.safe_file_name(name, "hash-list")
        if safe != "hashes.csv":
            b.writer.write_bytes(f"{layout.HASHES_DIR}/{safe}", data)
    complaint = _optional_files(
        "exporters.complaint",
        "build_documents",
        b.vault,
        b.case,
        langs=b.options.langs,
        bundle_id=b.bundle_id,
        cert_fingerprint=fingerprint,
    )
    if complaint:
        for name, data in complaint:
            b.writer.write_bytes(f"{layout.COMPLAINT_DIR}/{layout.safe_file_name(name)}", data)
        b.info_extra.append(("Ansim-Complaint", "included"))
    else:
        b.info_extra.append(("Ansim-Complaint", "not included (not available in this version)"))
        b.notes.append("complaint_missing")

    subjects = {i.id for i in b.items} | {s.id for s in sightings} | {t.id for t in takedowns}
    history = [e for e in custody.entries(b.vault.db) if e.subject in subjects]
    seq, _head = custody.head(b.vault.db)
    now = b.vault.now()
    declaration = CustodyEntry(
        seq=seq + 1,
        utc=now.iso_utc(),
        offset_minutes=now.offset_minutes,
        actor=b.vault.actor,
        action="exported",
        subject=b.case.id,
        details=_export_details(b, fingerprint),
        prev_hash="",
        entry_hash="",
    )
    chain = public_chain.build(history, declaration)
    b.writer.write_bytes(layout.CUSTODY_LOG, chain.jsonl())
    b.info_extra += [
        (layout.INFO_CUSTODY_ENTRIES, str(len(chain.entries))),
        (layout.INFO_CUSTODY_HEAD, chain.head),
    ]
    return exported


def _plain(record: object) -> object:
    from vault import codec

    return codec.to_plain(record)


def _export_details(b: _Build, fingerprint: str) -> dict[str, object]:
    return {
        "bundle_id": b.bundle_id,
        "exhibits": [i.exhibit for i in b.items],
        "items": [i.id for i in b.items],
        "originals_included": b.options.include_originals,
        "certificate_sha256": fingerprint,
    }


def _write_tags(b: _Build, fingerprint: str, cert_pem: bytes) -> bytes:
    w = b.writer
    payload = w.payload()
    w.write_bytes(layout.MANIFEST, bagit_files.manifest_bytes(w.sha256_of(payload)))
    now = b.vault.now()
    info = [
        ("Bag-Software-Agent", f"Ansim {_version()}"),
        ("Bagging-Date", now.utc.date().isoformat()),
        ("Ansim-Export-Time", now.iso_utc()),
        (layout.INFO_BUNDLE_ID, b.bundle_id),
        ("Internal-Sender-Identifier", f"case {b.case.id}"),
        (layout.INFO_OXUM, bagit_files.oxum(sum(x.size for x in payload.values()), len(payload))),
        ("Ansim-Bundle-Format", layout.FORMAT_VERSION),
        ("Ansim-Items", str(len(b.items))),
        ("Ansim-Originals", "included" if b.options.include_originals else "hash-only"),
        ("Ansim-Languages", ",".join(b.options.langs)),
        (layout.INFO_CERT, fingerprint),
        *b.info_extra,
    ]
    w.write_bytes(layout.BAGIT_TXT, bagit_files.BAGIT_TXT_CONTENT)
    w.write_bytes(layout.BAG_INFO, bagit_files.bag_info_bytes(info))
    w.write_bytes(layout.CERTIFICATE, cert_pem)
    values = {"bundle_id": b.bundle_id, "fingerprint": fingerprint, "created": now.iso_utc()}
    w.write_bytes(layout.HOWTO_KO, templates.howto("ko", values))
    w.write_bytes(layout.HOWTO_EN, templates.howto("en", values))
    w.write_bytes(layout.SCRIPT, templates.verify_script())
    tagmanifest = bagit_files.manifest_bytes(w.sha256_of(layout.SIGNED_TAG_FILES))
    w.write_bytes(layout.TAGMANIFEST, tagmanifest)
    return tagmanifest


def _cleanup(*paths: Path) -> None:
    for p in paths:
        with contextlib.suppress(OSError):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            elif p.exists() or p.is_symlink():
                p.unlink()


def export_case(
    vault: Vault,
    case_ref: str | Case,
    options: ExportOptions,
    *,
    on_progress: Progress | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> ExportResult:
    """Export a case as a sealed bundle (and zip); record the export in the custody log."""
    case = case_ref if isinstance(case_ref, Case) else get_case(vault, case_ref)
    langs = tuple(lg for lg in options.langs if lg in i18n.LANGS) or ("ko", "en")
    items = select_items(vault, case, options)
    out = _check_out_dir(vault, options.out_dir)
    key = load_export_key(vault)
    fingerprint = key.fingerprint
    number = _peek_counter(vault, f"export:{case.id}") + 1
    bundle_id = f"ansim:{vault.vault_id[:8]}:{case.id}:{number:04d}"
    name = _free_name(out, f"ansim-bundle-{case.id}-{number:04d}")

    originals = sum(i.size for i in items if i.blob is not None) if options.include_originals else 0
    total = originals * (2 if options.make_zip else 1)
    done = 0

    def on_bytes(n: int) -> None:
        nonlocal done
        done += n
        if on_progress is not None:
            on_progress(min(done, total), total)

    partial = out / f".ansim-partial-{secrets.token_hex(8)}"
    partial_zip = out / f".{name}.zip.partial"
    final, final_zip = out / name, out / f"{name}.zip"
    result_notes: list[str] = []
    ts_utc, ts_error = "", ""
    try:
        partial.mkdir(mode=0o755)
        writer = BagWriter(partial, on_bytes, should_cancel)
        chosen = dataclasses.replace(options, langs=langs)
        b = _Build(vault, case, chosen, items, writer, bundle_id)
        _write_payload(b, langs[0], fingerprint)
        tagmanifest = _write_tags(b, fingerprint, key.cert_pem)
        signature = cms.sign_detached(key, tagmanifest)
        writer.write_bytes(layout.SIGNATURE, signature)
        if options.timestamp_url:
            try:
                stamp = tsa.request_timestamp(options.timestamp_url, signature)
            except AnsimError as exc:
                ts_error = i18n.error_text(exc, langs[0])[1] or exc.title
            else:
                writer.write_bytes(layout.TIMESTAMP, stamp.response_der)
                writer.write_bytes(layout.TIMESTAMP_CHAIN, stamp.chain_pem)
                ts_utc = stamp.gen_time.isoformat().replace("+00:00", "Z")
        fsync_dir(partial)
        if options.make_zip:
            deterministic_zip.zip_bag(partial, partial_zip, name, on_bytes, should_cancel)
        os.replace(partial, final)
        if options.make_zip:
            os.replace(partial_zip, final_zip)
        fsync_dir(out)
        result_notes = b.notes
    except ExportCancelled:
        _cleanup(partial, partial_zip, final, final_zip)
        raise ExportStopped() from None
    except OSError as exc:
        _cleanup(partial, partial_zip, final, final_zip)
        raise storage_error(exc) from exc
    except BaseException:
        _cleanup(partial, partial_zip, final, final_zip)
        raise
    try:
        with vault.transaction() as db:
            repo.next_counter(db, f"export:{case.id}")
            details = _export_details(b, fingerprint)
            details.update(
                {
                    "tagmanifest_sha256": writer.written[layout.TAGMANIFEST].sha256,
                    "signature_sha256": writer.written[layout.SIGNATURE].sha256,
                    "zip": options.make_zip,
                    "timestamp": bool(ts_utc),
                }
            )
            vault.log("exported", case.id, details)
    except BaseException:
        _cleanup(final, final_zip)
        raise
    payload = writer.payload()
    return ExportResult(
        bundle_id=bundle_id,
        bag_path=final,
        zip_path=final_zip if options.make_zip else None,
        cert_fingerprint=fingerprint,
        exhibits=tuple(i.exhibit for i in items),
        payload_bytes=sum(x.size for x in payload.values()),
        payload_files=len(payload),
        timestamp_utc=ts_utc,
        timestamp_error=ts_error,
        notes=tuple(result_notes),
    )


def _peek_counter(vault: Vault, name: str) -> int:
    row = vault.db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
    return 0 if row is None else int(row[0])
