"""``export_case``: build a sealed evidence bundle for one case.

Order of work (why it is safe):
1. everything is written into ``<out>/.ansim-partial-<random>/`` (never mistaken for a bundle);
2. the payload first (originals streamed from the vault and hashed while copying, see
   ``payload``), then the manifest, bag-info, ``verify/``, the tag manifest, its signature and
   the optional timestamp;
3. the optional zip is written as ``<out>/.<name>.zip.partial``;
4. both are renamed to their final names, then the export is recorded in the vault's custody
   log and committed. If that commit fails, the finished bundle is removed again, so a bundle
   exists exactly when the vault records it. Any failure removes the partial files.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

from exporters.bundle import bagit_files, cms, deterministic_zip, layout, templates, tsa
from exporters.bundle.options import ExportOptions, ExportResult, ExportStopped
from exporters.bundle.payload import BuildContext, write_payload
from exporters.bundle.selection import select_items
from exporters.bundle.writer import BagWriter, ExportCancelled
from vault import evidence, i18n, repo
from vault.cases import get_case
from vault.durable import fsync_dir, storage_error
from vault.errors import AnsimError, ExportError, ValueRejected
from vault.records import Case
from vault.signing import load_export_key
from vault.store import Vault

Progress = Callable[[int, int], None]


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("ansim")
    except Exception:  # not installed as a package (running from a checkout)
        return "0.1.0"


def _check_out_dir(vault: Vault, out_dir: Path) -> Path:
    out = Path(out_dir).expanduser()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(
            "The output folder could not be created.",
            next_step="Choose a folder you can write to (for example on a USB stick).",
            key="out_folder_create",
        ) from exc
    resolved, vault_dir = out.resolve(), vault.path.resolve()
    if resolved == vault_dir or vault_dir in resolved.parents:
        raise ValueRejected(
            "The output folder is inside the vault folder, where readable copies must never be.",
            next_step="Choose a folder outside the vault.",
            key="out_inside_vault",
        )
    return out


def _free_name(out: Path, base: str) -> str:
    name, n = base, 1
    while (out / name).exists() or (out / f"{name}.zip").exists():
        n += 1
        name = f"{base}-{n}"
    return name


def _exports_so_far(vault: Vault, case_id: str) -> int:
    row = vault.db.execute(
        "SELECT value FROM counters WHERE name = ?", (f"export:{case_id}",)
    ).fetchone()
    return 0 if row is None else int(row[0])


def _write_tags(ctx: BuildContext, cert_pem: bytes) -> bytes:
    """Manifest, bagit.txt, bag-info.txt, verify/ and, last, the tag manifest (returned)."""
    w = ctx.writer
    payload = w.payload()
    w.write_bytes(layout.MANIFEST, bagit_files.manifest_bytes(w.sha256_of(payload)))
    now = ctx.vault.now()
    info = [
        ("Bag-Software-Agent", f"Ansim {_version()}"),
        ("Bagging-Date", now.utc.date().isoformat()),
        ("Ansim-Export-Time", now.iso_utc()),
        (layout.INFO_BUNDLE_ID, ctx.bundle_id),
        ("Internal-Sender-Identifier", f"case {ctx.case.id}"),
        (layout.INFO_OXUM, bagit_files.oxum(sum(x.size for x in payload.values()), len(payload))),
        ("Ansim-Bundle-Format", layout.FORMAT_VERSION),
        ("Ansim-Items", str(len(ctx.items))),
        ("Ansim-Originals", "included" if ctx.options.include_originals else "hash-only"),
        ("Ansim-Languages", ",".join(ctx.options.langs)),
        (layout.INFO_CERT, ctx.fingerprint),
        *ctx.info_extra,
    ]
    w.write_bytes(layout.BAGIT_TXT, bagit_files.BAGIT_TXT_CONTENT)
    w.write_bytes(layout.BAG_INFO, bagit_files.bag_info_bytes(info))
    w.write_bytes(layout.CERTIFICATE, cert_pem)
    values = {"bundle_id": ctx.bundle_id, "fingerprint": ctx.fingerprint, "created": now.iso_utc()}
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
    """Export a case as a sealed bundle (and zip); record the export in the custody log.

    ``on_progress(done_bytes, total_bytes)`` follows the originals (twice with a zip);
    ``should_cancel()`` is polled between chunks and stops the export with nothing left behind.
    """
    case = case_ref if isinstance(case_ref, Case) else get_case(vault, case_ref)
    langs = tuple(dict.fromkeys(lg for lg in options.langs if lg in i18n.LANGS)) or ("ko", "en")
    options = dataclasses.replace(options, langs=langs)
    # A large file's MD5 is left for later at import; the item list and hash list need it.
    items = evidence.complete_digests(vault, select_items(vault, case, options))
    out = _check_out_dir(vault, options.out_dir)
    key = load_export_key(vault)
    number = _exports_so_far(vault, case.id) + 1
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
    writer = BagWriter(partial, on_bytes, should_cancel)
    ctx = BuildContext(vault, case, options, items, writer, bundle_id, key.fingerprint)
    ts_utc, ts_error = "", ""
    try:
        partial.mkdir(mode=0o755)
        write_payload(ctx)
        signature = cms.sign_detached(key, _write_tags(ctx, key.cert_pem))
        writer.write_bytes(layout.SIGNATURE, signature)
        if options.timestamp_url:
            try:
                stamp = tsa.request_timestamp(options.timestamp_url, signature)
            except AnsimError as exc:
                ts_error = exc.as_sentence()  # front ends translate it with i18n.sentence
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
            details = ctx.export_details()
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
        cert_fingerprint=key.fingerprint,
        exhibits=tuple(i.exhibit for i in items),
        payload_bytes=sum(x.size for x in payload.values()),
        payload_files=len(payload),
        timestamp_utc=ts_utc,
        timestamp_error=ts_error,
        notes=tuple(ctx.notes),
        unmarked=tuple(i.exhibit for i in items if not i.include_in_export),
    )
