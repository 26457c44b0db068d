"""``ansim export`` (a sealed evidence bundle) and ``ansim verify`` (check one, no vault needed).

Handlers only collect input, call ``exporters.bundle.export_case`` / ``verify_bundle`` and print
the result; all the work and every check lives in ``exporters.bundle``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ui.cli import common
from ui.cli.common import UsageError, emit_json, say
from vault import cases, i18n

TIMESTAMP_HELP = (
    "add an RFC 3161 timestamp from this server (e.g. one your lawyer names). Only the SHA-256 "
    "of the signature is sent, but the server learns the time and your IP address. Off unless "
    "given."
)


def _langs(value: str) -> tuple[str, ...]:
    langs = tuple(v.strip().lower() for v in value.split(",") if v.strip())
    if not langs or any(lg not in i18n.LANGS for lg in langs):
        raise argparse.ArgumentTypeError("use ko, en or ko,en")
    return tuple(dict.fromkeys(langs))


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # Our --lang takes a list ("ko,en") where the global one takes ko|en. "resolve" edits the
    # parent's --lang action in place, so this parser gets a fresh parent of its own (the
    # shared one, added by main's add_parser, would then break --lang for every command).
    p = argparse._SubParsersAction.add_parser(
        sub,
        "export",
        help="export a case as a sealed, signed evidence bundle (BagIt folder and zip)",
        parents=[common.global_parent()],
        conflict_handler="resolve",
    )
    p.add_argument("case", nargs="?", help="case id or title (default: the only case)")
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder to write into")
    p.add_argument("--zip", action="store_true", help="also write a deterministic .zip")
    p.add_argument(
        "--items", nargs="+", default=(), metavar="ID", help="only these items (id or E0001)"
    )
    p.add_argument(
        "--marked-only", action="store_true", help="only items marked for export"
    )
    p.add_argument(
        "--hash-only",
        action="store_true",
        help="leave the original files out; keep their records and hashes",
    )
    p.add_argument(
        "--lang",
        dest="export_langs",
        type=_langs,
        default=None,
        metavar="ko,en",
        help="languages of the documents (default: ko,en)",
    )
    p.add_argument("--timestamp-url", default="", metavar="URL", help=TIMESTAMP_HELP)
    p.add_argument(
        "--include-sensitive-exif",
        action="store_true",
        help="include EXIF location (GPS) and device serial numbers (left out by default)",
    )
    p.add_argument(
        "--no-complaint",
        action="store_true",
        help="leave out the complaint documents (e.g. for a platform or a hotline)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("verify", help="check a sealed bundle (folder or zip); no vault needed")
    p.add_argument("bundle", type=Path, metavar="BUNDLE")
    p.add_argument(
        "--fingerprint",
        default="",
        metavar="AB:CD:...",
        help="the certificate fingerprint you were given separately, to compare",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_verify)


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{n} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} bytes"  # pragma: no cover


def _ui_lang(args: argparse.Namespace) -> str:
    if getattr(args, "lang", None):
        return str(args.lang)
    chosen = getattr(args, "export_langs", None)
    return chosen[0] if chosen else common.lang(args)


class _Progress:
    """Percent on stderr, only when someone is watching a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        pct = done * 100 // total
        if pct != self.last:
            self.last = pct
            print(f"\r{pct:3d}%", end="", file=sys.stderr, flush=True)

    def finish(self) -> None:
        if self.enabled and self.last >= 0:
            print("", file=sys.stderr)


def cmd_export(args: argparse.Namespace) -> int:
    lg = _ui_lang(args)
    args.lang = lg
    if args.items and args.marked_only:
        raise UsageError("Use either --items or --marked-only, not both.",
                         key="export_items_or_marked")
    from exporters.bundle import ExportOptions, export_case

    options = ExportOptions(
        out_dir=args.out,
        items=tuple(args.items),
        marked_only=args.marked_only,
        include_originals=not args.hash_only,
        langs=args.export_langs or ("ko", "en"),
        make_zip=args.zip,
        timestamp_url=args.timestamp_url,
        include_sensitive_exif=args.include_sensitive_exif,
        include_complaint=not args.no_complaint,
    )
    progress = _Progress()
    with common.open_vault(args) as vault:
        case = cases.resolve_case(vault, args.case, create_if_none=False)
        try:
            result = export_case(vault, case, options, on_progress=progress)
        finally:
            progress.finish()
    code = common.EXIT_ERROR if result.timestamp_error else common.EXIT_OK
    if args.json:
        emit_json(
            {
                "bundle_id": result.bundle_id,
                "bag": str(result.bag_path),
                "zip": str(result.zip_path) if result.zip_path else None,
                "certificate_sha256": result.cert_fingerprint,
                "exhibits": list(result.exhibits),
                "payload_files": result.payload_files,
                "payload_bytes": result.payload_bytes,
                "timestamp_utc": result.timestamp_utc,
                "timestamp_error": result.timestamp_error,
                "notes": list(result.notes),
                "unmarked": list(result.unmarked),
            }
        )
        return code
    t = i18n.t
    say(
        t(
            "export.cli.done",
            lg,
            count=len(result.exhibits),
            files=result.payload_files,
            size=human_size(result.payload_bytes),
        )
    )
    say(t("export.cli.bag", lg, path=result.bag_path))
    if result.zip_path is not None:
        say(t("export.cli.zip", lg, path=result.zip_path))
    if args.hash_only:
        say(t("export.cli.hash_only", lg))
    say(t("export.cli.fingerprint", lg, fingerprint=result.cert_fingerprint))
    say(t("export.cli.fingerprint_help", lg))
    if result.timestamp_utc:
        say(t("export.cli.timestamp_ok", lg, time=result.timestamp_utc))
    if result.timestamp_error:
        reason = i18n.sentence(result.timestamp_error, lg)
        say(t("export.cli.timestamp_failed", lg, reason=reason))
    if result.unmarked:
        say(t("export.cli.unmarked", lg, exhibits=", ".join(result.unmarked)))
    if "complaint_missing" in result.notes:
        say(t("export.cli.complaint_missing", lg))
    if not args.hash_only:
        say(t("export.cli.readable_copy", lg))
    return code


def cmd_verify(args: argparse.Namespace) -> int:
    from exporters.bundle import verify_bundle

    lg = common.lang(args)
    progress = _Progress()
    try:
        report = verify_bundle(
            args.bundle, expected_fingerprint=args.fingerprint, on_progress=progress
        )
    finally:
        progress.finish()
    code = common.EXIT_OK if report.ok else common.EXIT_DAMAGED
    if args.json:
        emit_json(report.to_json(lg))
        return code
    t = i18n.t
    if report.bundle_id:
        say(
            t(
                "export.cli.verify_bundle",
                lg,
                bundle_id=report.bundle_id,
                case_id=report.case_id,
                sealed=report.sealed_utc,
            )
        )
        say(
            t(
                "export.cli.verify_files",
                lg,
                files=report.payload_files,
                size=human_size(report.payload_bytes),
                entries=report.custody_entries,
            )
        )
    if report.signer:
        say(t("export.cli.verify_signer", lg, signer=report.signer))
    if report.cert_fingerprint:
        say(t("export.cli.verify_fingerprint", lg, fingerprint=report.cert_fingerprint))
        if not args.fingerprint:
            say(t("export.cli.verify_fingerprint_help", lg))
    if report.timestamp_utc:
        say(
            t(
                "export.cli.verify_timestamp",
                lg,
                time=report.timestamp_utc,
                authority=report.timestamp_authority,
            )
        )
    for name in report.ignored:
        say(t("export.cli.verify_ignored", lg, path=name))
    if report.ok:
        say(t("export.cli.verify_ok", lg))
    else:
        say(t("export.cli.verify_failed", lg, count=len(report.problems)))
        for problem in report.problems:
            say(f"  - {problem.text(lg)}")
    return code
