"""Evidence commands: cases, adding files and folders, links, captures, notes, events, and
listing, showing, editing, extracting and deleting what was collected.

Each handler collects its input, calls one use case in ``vault`` and prints the result; ``--json``
on read commands prints one JSON document on standard output. Progress goes to standard error.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ui.cli import common
from ui.cli.common import emit_json, lang, say
from vault import cases, codec, custody, evidence, i18n, links, notes
from vault.collect import capture
from vault.collect.dates import optional_when
from vault.collect.folder import FileRejected
from vault.collect.importer import (
    FileResult,
    ImportOptions,
    ImportProgress,
    ImportReport,
    Outcome,
    import_paths,
)
from vault.errors import InputRejected, NotFound
from vault.records import (
    Case,
    Consent,
    EvidenceItem,
    HarmKind,
    Link,
    Note,
    Offender,
    Source,
    TimelineEvent,
)
from vault.store import Vault

if TYPE_CHECKING:
    Sub = argparse._SubParsersAction[argparse.ArgumentParser]


# ---------------------------------------------------------------------- registration
def register(sub: Sub) -> None:
    _register_case(sub)

    p = sub.add_parser("add", help="encrypt files or whole folders into the vault")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE_OR_FOLDER")
    _case_arg(p)
    p.add_argument("--note", default="", help="a note to attach to each added item")
    _source_args(p, with_url=True)
    _item_args(p)
    p.add_argument(
        "--remove-originals",
        action="store_true",
        help="after each file is safely in the vault and verified, overwrite and delete the "
        "original (SSDs, backups and cloud sync may still keep copies)",
    )
    p.add_argument("--progress", action="store_true", help="always show progress on stderr")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("add-link", help="record a web address you saw but could not save")
    p.add_argument("url")
    _case_arg(p)
    _source_args(p, with_url=False)
    p.add_argument("--note", default="")
    p.add_argument("--seen-at", default="", help="when you saw it, e.g. 2024-03-01 21:15")
    p.add_argument("--captured-by", default="", help="who recorded it (a pseudonym)")
    p.add_argument("--tag", action="append", default=[], help="a tag (repeat for more)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_add_link)

    p = sub.add_parser(
        "capture", help="take a screenshot or the clipboard's picture into the vault"
    )
    p.add_argument("what", choices=("screen", "clipboard"))
    _case_arg(p)
    p.add_argument(
        "--delay", type=float, default=0.0, metavar="SECONDS", help="wait before the screenshot"
    )
    _source_args(p, with_url=True)
    p.add_argument("--description", default="")
    p.add_argument("--captured-by", default="")
    p.add_argument("--tag", action="append", default=[])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_capture)

    p = sub.add_parser("note", help="write a note about the case or one item")
    p.add_argument("text")
    _case_arg(p)
    p.add_argument("--item", help="the item (id or exhibit number like E0003) it is about")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_note)

    p = sub.add_parser("event", help="add a dated event to the case timeline")
    p.add_argument("date", help="e.g. 2024-03-01 or 2024-03-01 21:15")
    p.add_argument("kind", help="e.g. " + ", ".join(notes.EVENT_KINDS[:5]) + " (or your own)")
    p.add_argument("description")
    _case_arg(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_event)

    p = sub.add_parser("list", help="list evidence items (or links, notes, timeline)")
    _case_arg(p)
    what = p.add_mutually_exclusive_group()
    what.add_argument("--links", action="store_const", dest="what", const="links")
    what.add_argument("--notes", action="store_const", dest="what", const="notes")
    what.add_argument("--events", action="store_const", dest="what", const="events")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list, what="items")

    p = sub.add_parser("show", help="show one item, link, note or event with its custody entries")
    p.add_argument("id")
    _case_arg(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("edit", help="change an item's or link's description, source or tags")
    p.add_argument("id")
    _case_arg(p)
    _source_args(p, with_url=True, defaults=None)
    p.add_argument("--description", default=None)
    p.add_argument("--captured-by", default=None)
    p.add_argument("--capture-time", default=None)
    p.add_argument("--tag", action="append", default=[], help="add a tag")
    p.add_argument("--untag", action="append", default=[], help="remove a tag")
    export = p.add_mutually_exclusive_group()
    export.add_argument("--include", action="store_const", dest="include", const=True)
    export.add_argument("--exclude", action="store_const", dest="include", const=False)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_edit, include=None)

    p = sub.add_parser("extract", help="decrypt one original to a path you choose (logged)")
    p.add_argument("id")
    _case_arg(p)
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--reason", default="")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser(
        "rm", help="delete an item (its stored copy is destroyed), link, note or event"
    )
    p.add_argument("id")
    _case_arg(p)
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--reason", default="")
    p.set_defaults(func=cmd_rm)


def _register_case(sub: Sub) -> None:
    case = sub.add_parser("case", help="create, list, show, edit or delete cases")
    case_sub = case.add_subparsers(dest="case_command", metavar="ACTION", required=True)
    parent = common.global_parent()

    p = case_sub.add_parser("new", help="create a case", parents=[parent])
    p.add_argument("title")
    _case_field_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_case_new)

    p = case_sub.add_parser("list", help="list cases", parents=[parent])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_case_list)

    p = case_sub.add_parser("show", help="show a case and what it holds", parents=[parent])
    p.add_argument("case", nargs="?", help="case id or title (default: the only case)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_case_show)

    p = case_sub.add_parser("edit", help="change a case", parents=[parent])
    p.add_argument("case")
    p.add_argument("--title", default=None)
    _case_field_args(p, editing=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_case_edit)

    p = case_sub.add_parser(
        "rm", help="delete a case and everything in it (asks you to confirm)", parents=[parent]
    )
    p.add_argument("case")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--reason", default="")
    p.set_defaults(func=cmd_case_rm)


def _case_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--case", help="case id or title (default: the only case)")


_SOURCE_FLAGS = (
    ("url", "--url", "the full web address, as in the address bar"),
    ("platform", "--platform", "site or app, e.g. X, Telegram, a forum's name"),
    ("post_title", "--post-title", "the post's title as shown"),
    ("uploader_id", "--uploader", "the uploader's ID or handle"),
    ("uploader_nickname", "--uploader-nickname", "the uploader's display name"),
    ("uploader_profile_url", "--uploader-url", "the uploader's profile address"),
    ("posted_at", "--posted-at", "when it was posted, exactly as displayed"),
    ("posted_at_timezone", "--posted-tz", "the time zone of --posted-at, e.g. +09:00"),
)


def _source_args(p: argparse.ArgumentParser, *, with_url: bool, defaults: str | None = "") -> None:
    for name, flag, text in _SOURCE_FLAGS:
        if name == "url" and not with_url:
            continue
        metavar = flag.lstrip("-").upper().replace("-", "_")
        p.add_argument(flag, dest=f"src_{name}", default=defaults, help=text, metavar=metavar)


def _source_from(args: argparse.Namespace, base: Source | None = None) -> Source:
    values = {
        name: getattr(args, f"src_{name}")
        for name, _f, _t in _SOURCE_FLAGS
        if getattr(args, f"src_{name}", None) is not None
    }
    return Source(**{**codec.to_plain(base or Source()), **values})


def _item_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--description", default="")
    p.add_argument("--captured-by", default="", help="who captured it (a pseudonym)")
    p.add_argument("--capture-time", default="", help="when it was captured, if not in EXIF")
    p.add_argument("--tag", action="append", default=[], help="a tag (repeat for more)")
    p.add_argument(
        "--exclude-from-export", action="store_true", help="keep it out of exports by default"
    )


def _case_field_args(p: argparse.ArgumentParser, *, editing: bool = False) -> None:
    d: Any = None if editing else ""
    p.add_argument("--pseudonym", default=d, help="what to call the person harmed")
    p.add_argument("--real-name", default=d, help="only if the person wants it stored")
    p.add_argument("--summary", default=d, help="what happened, in a few sentences")
    p.add_argument(
        "--harm",
        action="append",
        choices=[h.value for h in HarmKind],
        help="kind of harm (repeat for more)",
    )
    p.add_argument("--counsellor", default=d)
    p.add_argument("--statute", action="append", help="a statute tag (repeat for more)")
    p.add_argument("--place", default=d, help="where it happened")
    p.add_argument("--start", default=d, help="when it started (date)")
    p.add_argument("--end", default=d, help="when it ended (date)")
    p.add_argument("--offender-name", default=None, help="leave out if unknown (성명불상)")
    for flag in ("id", "nickname", "phone", "email", "url"):
        p.add_argument(f"--offender-{flag}", action="append", help="repeat for more")
    p.add_argument("--offender-notes", default=None)
    if editing:
        p.add_argument(
            "--add-offender",
            action="store_true",
            help="record the --offender-* details as another person instead of changing the first",
        )
    p.add_argument(
        "--consent",
        action="append",
        default=[],
        metavar="WHO:yes|no:DATE[:NOTE]",
        help="a consent, e.g. police:yes:2024-03-05 (repeat for more)",
    )


# ---------------------------------------------------------------------- rendering helpers
def item_summary(item: EvidenceItem) -> dict[str, Any]:
    data: dict[str, Any] = codec.to_plain(item)
    data["exhibit"] = item.exhibit
    data["exhibit_ko"] = item.exhibit_ko
    data["exif_sensitive"] = list(evidence.sensitive_exif_fields(item))
    return data


def _t(args: argparse.Namespace, key: str, **values: object) -> str:
    return i18n.t(key, lang(args), **values)


def _err(args: argparse.Namespace, exc: InputRejected | Exception) -> str:
    if isinstance(exc, FileRejected):
        key = f"evidence.why.{exc.reason}"
        text = _t(args, key)
        if text != key:
            return text
    if isinstance(exc, InputRejected):
        title, what, _next = i18n.error_text(exc, lang(args))
        return what or title
    return str(exc)


def _flag_text(args: argparse.Namespace, flag: str) -> str:
    text = _t(args, f"evidence.flag.{flag}")
    return evidence.FLAG_TEXT.get(flag, flag) if text == f"evidence.flag.{flag}" else text


def _open(args: argparse.Namespace) -> Vault:
    return common.open_vault(args)


def _case(vault: Vault, args: argparse.Namespace, *, create: bool = False) -> Case:
    return cases.resolve_case(vault, getattr(args, "case", None), create_if_none=create)


def _find_item(vault: Vault, args: argparse.Namespace, ref: str) -> EvidenceItem:
    """An item by id, id prefix, or exhibit number (E0003) in the chosen case."""
    try:
        return evidence.get_item(vault, ref)
    except NotFound:
        if ref.strip().upper().startswith("E") and ref.strip()[1:].isdigit():
            found = evidence.find_by_exhibit(vault, _case(vault, args).id, ref)
            if found is not None:
                return found
        raise


Record = EvidenceItem | Link | Note | TimelineEvent


def _find_any(vault: Vault, args: argparse.Namespace, ref: str) -> Record:
    try:
        return _find_item(vault, args, ref)
    except NotFound:
        pass
    for getter in (links.get_link, notes.get_note, notes.get_event):
        try:
            return getter(vault, ref)  # type: ignore[operator,no-any-return]
        except NotFound:
            continue
    raise NotFound(f"Nothing in the vault has the id '{ref}'.", key="no_id", ref=ref)


# ---------------------------------------------------------------------- add
class _ProgressLine:
    """A one-line progress display on standard error, redrawn at most a few times a second."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._last = 0.0
        self._shown = False

    def __call__(self, p: ImportProgress) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.2 and p.files_done < p.files_total:
            return
        self._last = now
        pct = 100 * p.bytes_done // p.bytes_total if p.bytes_total else 100
        name = p.current.name if p.current is not None else ""
        line = f"[{p.files_done}/{p.files_total}] {pct:3d}%  {p.bytes_done / 1e6:,.1f} MB  {name}"
        if sys.stderr.isatty():
            sys.stderr.write("\r" + line[:78].ljust(78))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()
        self._shown = True

    def done(self) -> None:
        if self._shown and sys.stderr.isatty():
            sys.stderr.write("\n")
            sys.stderr.flush()


def _result_json(r: FileResult) -> dict[str, Any]:
    data: dict[str, Any] = {"file": str(r.path), "status": r.outcome.value}
    if r.item is not None:
        data.update(
            id=r.item.id,
            exhibit=r.item.exhibit,
            duplicate=r.outcome == Outcome.DUPLICATE,
            flags=list(r.flags),
            sha256=r.item.sha256,
        )
    if r.error is not None:
        data["error"] = r.error.message()
    if r.removal is not None:
        data["original_removed"] = r.removal.removed
        if r.removal.reason:
            data["original_kept_because"] = r.removal.reason
    return data


def _say_result(args: argparse.Namespace, r: FileResult) -> None:
    name = r.path.name or str(r.path)
    if r.outcome == Outcome.FAILED:
        assert r.error is not None
        say(_t(args, "cli.add.failed", name=name, reason=_err(args, r.error)))
        return
    assert r.item is not None
    key = "cli.add.duplicate" if r.outcome == Outcome.DUPLICATE else "cli.add.added"
    say(_t(args, key, exhibit=r.item.exhibit, name=name))
    for flag in r.flags:
        say("  " + _flag_text(args, flag))
    if r.removal is not None:
        if r.removal.removed:
            say("  " + _t(args, "evidence.cli.original_removed"))
        else:
            say("  " + _t(args, "evidence.cli.original_kept", reason=r.removal.reason))


def cmd_add(args: argparse.Namespace) -> int:
    options = ImportOptions(
        source=_source_from(args),
        description=args.description,
        captured_by=args.captured_by,
        capture_time=optional_when(args.capture_time, what="The capture time"),
        tags=tuple(args.tag),
        note=args.note,
        include_in_export=not args.exclude_from_export,
        remove_originals=args.remove_originals,
    )
    if args.remove_originals and not args.json:
        print(_t(args, "evidence.cli.remove_warning"), file=sys.stderr)
    with _open(args) as vault:
        case = _case(vault, args, create=True)
        show = args.progress or (sys.stderr.isatty() and not args.json)
        progress = _ProgressLine(show)
        try:
            report = import_paths(vault, args.files, case.id, options, on_progress=progress)
        finally:
            progress.done()
    return _report_add(args, case, report)


def _report_add(args: argparse.Namespace, case: Case, report: ImportReport) -> int:
    if args.json:
        emit_json(
            {
                "case": case.id,
                "results": [_result_json(r) for r in report.results],
                "added": report.added,
                "duplicates": report.duplicates,
                "failed": report.failed,
                "originals_removed": report.removed,
                "cancelled": report.cancelled,
            }
        )
    else:
        for r in report.results:
            _say_result(args, r)
        if len(report.results) > 1:
            say(
                _t(
                    args,
                    "cli.add.summary",
                    added=report.added,
                    duplicates=report.duplicates,
                    failed=report.failed,
                )
            )
    if report.stopped_by is not None:
        common.print_error(report.stopped_by, lang(args))
        return common.exit_code_for(report.stopped_by)
    if report.cancelled:
        return common.EXIT_INTERRUPTED
    return common.EXIT_ERROR if report.failed else common.EXIT_OK


def cmd_add_link(args: argparse.Namespace) -> int:
    args.src_url = args.url
    with _open(args) as vault:
        case = _case(vault, args, create=True)
        link, existed = links.add_link(
            vault,
            case.id,
            _source_from(args),
            note=args.note,
            seen_at=args.seen_at,
            captured_by=args.captured_by,
            tags=tuple(args.tag),
        )
    if args.json:
        emit_json({"case": case.id, "link": codec.to_plain(link), "duplicate": existed})
    else:
        say(
            _t(
                args,
                "evidence.cli.link_exists" if existed else "evidence.cli.link_added",
                id=link.id,
            )
        )
    return 0


def cmd_capture(args: argparse.Namespace) -> int:
    details = capture.CaptureDetails(
        source=_source_from(args),
        description=args.description,
        captured_by=args.captured_by,
        tags=tuple(args.tag),
    )
    with _open(args) as vault:
        case = _case(vault, args, create=True)
        if args.what == "screen":
            if args.delay > 0:
                time.sleep(min(args.delay, 60.0))
            results = [capture.capture_screen(vault, case.id, details)]
        else:
            results = capture.capture_clipboard(vault, case.id, details)
    if args.json:
        emit_json(
            {
                "case": case.id,
                "results": [{**item_summary(r.item), "duplicate": r.is_duplicate} for r in results],
            }
        )
    else:
        for r in results:
            key = "cli.add.duplicate" if r.is_duplicate else "cli.add.added"
            say(_t(args, key, exhibit=r.item.exhibit, name=r.item.original_name))
    return 0


# ---------------------------------------------------------------------- notes and events
def cmd_note(args: argparse.Namespace) -> int:
    with _open(args) as vault:
        if args.item:
            item = _find_item(vault, args, args.item)
            note = notes.add_note(vault, item.case_id, args.text, item_id=item.id)
        else:
            case = _case(vault, args, create=True)
            note = notes.add_note(vault, case.id, args.text)
    if args.json:
        emit_json(codec.to_plain(note))
    else:
        say(_t(args, "evidence.cli.note_added", id=note.id))
    return 0


def cmd_event(args: argparse.Namespace) -> int:
    with _open(args) as vault:
        case = _case(vault, args, create=True)
        event = notes.add_event(vault, case.id, args.date, args.kind, args.description)
    if args.json:
        emit_json(codec.to_plain(event))
    else:
        say(_t(args, "evidence.cli.event_added", id=event.id, date=event.date))
    return 0


# ---------------------------------------------------------------------- list / show
def cmd_list(args: argparse.Namespace) -> int:
    with _open(args) as vault:
        case_id = cases.get_case(vault, args.case).id if args.case else None
        if args.what == "links":
            rows: list[Any] = links.list_links(vault, case_id)
        elif args.what == "notes":
            rows = notes.list_notes(vault, case_id)
        elif args.what == "events":
            rows = notes.list_events(vault, case_id)
        else:
            rows = evidence.list_items(vault, case_id)
    if args.json:
        emit_json(
            [item_summary(r) if isinstance(r, EvidenceItem) else codec.to_plain(r) for r in rows]
        )
        return 0
    if not rows:
        say(_t(args, "cli.list.empty" if args.what == "items" else "evidence.cli.nothing"))
    for r in rows:
        say(_one_line(r))
    return 0


def _one_line(r: Record) -> str:
    if isinstance(r, EvidenceItem):
        flag = " !" if r.flags else ""
        return f"{r.id}  {r.exhibit}  {r.kind.value:9s} {r.size:>12,d}  {r.original_name}{flag}"
    if isinstance(r, Link):
        return f"{r.id}  {r.source.platform or '-':12s} {r.source.url}"
    if isinstance(r, Note):
        first = r.text.splitlines()[0] if r.text else ""
        return f"{r.id}  {r.created_utc}  {first[:60]}"
    return f"{r.id}  {r.date:25s} {r.kind:20s} {r.description[:40]}"


def cmd_show(args: argparse.Namespace) -> int:
    with _open(args) as vault:
        record = _find_any(vault, args, args.id)
        subject = record.id if isinstance(record, EvidenceItem | Link) else ""
        entries = custody.entries(vault.db, subject) if subject else []
        item_notes = (
            notes.list_notes(vault, record.case_id, item_id=record.id)
            if isinstance(record, EvidenceItem)
            else []
        )
        copies = evidence.derived_copies(vault, record) if isinstance(record, EvidenceItem) else []
        has_fp = isinstance(record, EvidenceItem) and evidence.fingerprint_of(vault, record.id)
    if isinstance(record, EvidenceItem):
        data = item_summary(record)
        data["notes"] = [codec.to_plain(n) for n in item_notes]
        data["derived_copies"] = [c.id for c in copies]
        data["has_fingerprint"] = bool(has_fp)
        data["record_type"] = "item"
    else:
        data = codec.to_plain(record)
        data["record_type"] = type(record).__name__.lower().replace("timelineevent", "event")
    data["custody"] = [e.__dict__ for e in entries]
    if args.json:
        emit_json(data)
        return 0
    if isinstance(record, EvidenceItem):
        _show_item(args, record, item_notes, bool(has_fp))
    else:
        for key, value in codec.to_plain(record).items():
            if isinstance(value, dict):
                for k, v in value.items():
                    if v:
                        say(f"{key + '.' + k:22s} {v}")
            elif value not in ("", [], None):
                say(f"{key:22s} {value}")
    if entries:
        say("custody:")
        for e in entries:
            say(f"  {e.seq:5d} {e.utc} {e.action}")
    return 0


def _show_item(
    args: argparse.Namespace, item: EvidenceItem, item_notes: list[Note], has_fp: bool
) -> None:
    data = item_summary(item)
    for key in (
        "id",
        "exhibit",
        "exhibit_ko",
        "kind",
        "original_name",
        "original_folder",
        "size",
        "mime",
        "sha256",
        "md5",
        "imported_utc",
        "imported_offset_minutes",
        "file_modified_utc",
        "capture_time",
        "capture_time_source",
        "captured_by",
        "capture_method",
        "description",
        "include_in_export",
        "width",
        "height",
        "derived_from",
        "derived_from_sha256",
        "derivation",
    ):
        value = data[key]
        if key == "md5" and not value and item.blob is not None:
            value = _t(args, "tui.detail.md5_later")
        if value not in ("", 0) or key in ("size", "include_in_export"):
            say(f"{key:22s} {value}")
    if item.tags:
        say(f"{'tags':22s} {', '.join(item.tags)}")
    for key, value in codec.to_plain(item.source).items():
        if value:
            say(f"{'source.' + key:22s} {value}")
    sensitive = set(evidence.sensitive_exif_fields(item))
    for key, value in sorted(item.exif.items()):
        mark = " *" if key in sensitive else ""
        say(f"{'exif.' + key:22s} {value}{mark}")
    if sensitive:
        say("  " + _t(args, "evidence.cli.exif_sensitive"))
    for flag in item.flags:
        say(f"{'flag':22s} {_flag_text(args, flag)}")
    say(f"{'fingerprint':22s} {'yes' if has_fp else 'no'}")
    for n in item_notes:
        say(f"{'note':22s} {n.text}")


# ---------------------------------------------------------------------- edit / extract / rm
def cmd_edit(args: argparse.Namespace) -> int:
    with _open(args) as vault:
        record = _find_any(vault, args, args.id)
        if isinstance(record, EvidenceItem):
            changes: dict[str, object] = {}
            source = _source_from(args, record.source)
            if source != record.source:
                changes["source"] = source
            if args.description is not None:
                changes["description"] = args.description
            if args.captured_by is not None:
                changes["captured_by"] = args.captured_by
            if args.capture_time is not None:
                changes["capture_time"] = optional_when(args.capture_time, what="The capture time")
            tags = _retag(record.tags, args.tag, args.untag)
            if tags != record.tags:
                changes["tags"] = tags
            if args.include is not None:
                changes["include_in_export"] = args.include
            updated: Record = evidence.update_item(vault, record, **changes) if changes else record
        elif isinstance(record, Link):
            link_changes: dict[str, object] = {}
            source = _source_from(args, record.source)
            if source != record.source:
                link_changes["source"] = source
            if args.captured_by is not None:
                link_changes["captured_by"] = args.captured_by
            tags = _retag(record.tags, args.tag, args.untag)
            if tags != record.tags:
                link_changes["tags"] = tags
            updated = links.update_link(vault, record, **link_changes) if link_changes else record
        else:
            raise InputRejected("Only items and links can be edited; add a new note instead.",
                                key="edit_only_items")
    if args.json:
        emit_json(
            item_summary(updated) if isinstance(updated, EvidenceItem) else codec.to_plain(updated)
        )
    else:
        say(_t(args, "evidence.cli.edited", id=updated.id))
    return 0


def _retag(tags: tuple[str, ...], add: list[str], remove: list[str]) -> tuple[str, ...]:
    out = [t for t in tags if t not in remove]
    out.extend(t for t in add if t not in out)
    return tuple(out)


def cmd_extract(args: argparse.Namespace) -> int:
    with _open(args) as vault:
        item = _find_item(vault, args, args.id)
        out = evidence.extract_item(vault, item, args.out, reason=args.reason)
    say(_t(args, "cli.extract.done", path=out))
    return 0


def _confirm(args: argparse.Namespace, prompt: str, accept: tuple[str, ...]) -> bool:
    if args.yes:
        return True
    if not sys.stdin.isatty() or getattr(args, "passphrase_stdin", False):
        raise common.UsageError(
            "Deleting needs a confirmation, and there is no terminal to ask in.",
            next_step="Add --yes if you are sure.",
            key="confirm_no_terminal",
        )
    answer = input(prompt)
    return answer.strip() in accept


def cmd_rm(args: argparse.Namespace) -> int:
    with _open(args) as vault:
        record = _find_any(vault, args, args.id)
        if isinstance(record, EvidenceItem):
            prompt = _t(args, "evidence.cli.rm_confirm", exhibit=record.exhibit)
            if not _confirm(args, prompt, ("y", "yes", "Y", "예", "네", "ㅇ")):
                say(_t(args, "evidence.cli.not_deleted"))
                return common.EXIT_ERROR
            evidence.delete_item(vault, record, reason=args.reason)
            say(_t(args, "cli.rm.done", exhibit=record.exhibit))
            return 0
        if not _confirm(args, _t(args, "evidence.cli.rm_record_confirm"), ("y", "yes", "예", "네")):
            say(_t(args, "evidence.cli.not_deleted"))
            return common.EXIT_ERROR
        if isinstance(record, Link):
            links.delete_link(vault, record, reason=args.reason)
        elif isinstance(record, Note):
            notes.delete_note(vault, record)
        else:
            notes.delete_event(vault, record)
    say(_t(args, "evidence.cli.record_deleted", id=record.id))
    return 0


# ---------------------------------------------------------------------- cases
def _consents(specs: list[str]) -> list[Consent]:
    out = []
    for spec in specs:
        parts = spec.split(":", 3)
        answer = parts[1].strip().lower() if len(parts) >= 3 else ""
        if answer not in ("yes", "no", "y", "n", "예", "아니오"):
            raise common.UsageError(
                "A consent is written WHO:yes|no:DATE, e.g. police:yes:2024-03-05.",
                key="consent_form",
            )
        out.append(
            Consent(
                recipient=parts[0].strip(),
                given=parts[1].strip().lower() in ("yes", "y", "예"),
                date=parts[2].strip(),
                note=parts[3].strip() if len(parts) > 3 else "",
            )
        )
    return out


def _offender_from(args: argparse.Namespace, base: Offender | None) -> Offender | None:
    given = {
        "name": args.offender_name,
        "ids": args.offender_id,
        "nicknames": args.offender_nickname,
        "phones": args.offender_phone,
        "emails": args.offender_email,
        "profile_urls": args.offender_url,
        "notes": args.offender_notes,
    }
    changes = {k: tuple(v) if isinstance(v, list) else v for k, v in given.items() if v is not None}
    if not changes:
        return None
    return replace(base or Offender(), **changes)  # type: ignore[arg-type]


def _case_fields(args: argparse.Namespace, case: Case | None) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for attr, key in (
        ("pseudonym", "pseudonym"),
        ("real_name", "real_name"),
        ("summary", "summary"),
        ("counsellor", "counsellor"),
        ("place", "incident_place"),
        ("start", "incident_start"),
        ("end", "incident_end"),
    ):
        value = getattr(args, attr)
        if value is not None:
            fields[key] = value
    if args.harm:
        fields["harm_kinds"] = tuple(args.harm)
    if args.statute:
        fields["statutes"] = tuple(args.statute)
    if args.consent:
        fields["consents"] = (case.consents if case else ()) + tuple(_consents(args.consent))
    existing = case.offenders if case else ()
    adding = getattr(args, "add_offender", False) or not existing
    offender = _offender_from(args, None if adding else existing[0])
    if offender is not None:
        fields["offenders"] = existing + (offender,) if adding else (offender, *existing[1:])
    return fields


def _case_json(case: Case) -> dict[str, Any]:
    data: dict[str, Any] = codec.to_plain(case)
    return data


def cmd_case_new(args: argparse.Namespace) -> int:
    fields = _case_fields(args, None)
    pseudonym = fields.pop("pseudonym", "")
    with _open(args) as vault:
        case = cases.create_case(vault, args.title, pseudonym, **fields)
    if args.json:
        emit_json(_case_json(case))
    else:
        say(_t(args, "evidence.cli.case_created", id=case.id, title=case.title))
    return 0


def cmd_case_list(args: argparse.Namespace) -> int:
    with _open(args) as vault:
        rows = [(c, len(evidence.list_items(vault, c.id))) for c in cases.list_cases(vault)]
    if args.json:
        emit_json([{**_case_json(c), "item_count": n} for c, n in rows])
        return 0
    if not rows:
        say(_t(args, "evidence.cli.no_cases"))
    for c, n in rows:
        say(f"{c.id}  {c.title}  ({_t(args, 'evidence.cli.items', count=n)})")
    return 0


def cmd_case_show(args: argparse.Namespace) -> int:
    with _open(args) as vault:
        case = cases.resolve_case(vault, args.case, create_if_none=False)
        contents = cases.case_contents(vault, case)
    if args.json:
        emit_json(
            {
                "case": _case_json(case),
                "items": [item_summary(i) for i in contents.items],
                "links": [codec.to_plain(k) for k in contents.links],
                "notes": [codec.to_plain(n) for n in contents.notes],
                "events": [
                    codec.to_plain(e) for e in sorted(contents.events, key=lambda e: e.date)
                ],
            }
        )
        return 0
    for key, value in codec.to_plain(case).items():
        if key in ("offenders", "consents"):
            continue
        if value not in ("", [], None):
            say(f"{key:16s} {', '.join(value) if isinstance(value, list) else value}")
    for n, o in enumerate(case.offenders, 1):
        parts = [o.name or "성명불상"] + [
            f"{k}: {', '.join(v) if isinstance(v, list) else v}"
            for k, v in codec.to_plain(o).items()
            if k != "name" and v
        ]
        say(f"{'offender ' + str(n):16s} " + "; ".join(parts))
    for c in case.consents:
        given = "yes" if c.given else "no"
        say(f"{'consent':16s} {c.recipient}: {given} {c.date} {c.note}".rstrip())
    say("")
    for group, rows in (
        ("items", list(contents.items)),
        ("links", list(contents.links)),
        ("notes", list(contents.notes)),
        ("events", sorted(contents.events, key=lambda e: e.date)),
    ):
        say(f"{group} ({len(rows)}):")
        for r in rows:
            say("  " + _one_line(r))
    return 0


def cmd_case_edit(args: argparse.Namespace) -> int:
    with _open(args) as vault:
        case = cases.get_case(vault, args.case)
        fields = _case_fields(args, case)
        if args.title is not None:
            fields["title"] = args.title
        updated = cases.update_case(vault, case, **fields) if fields else case
    if args.json:
        emit_json(_case_json(updated))
    else:
        say(_t(args, "evidence.cli.case_edited", id=updated.id, title=updated.title))
    return 0


def cmd_case_rm(args: argparse.Namespace) -> int:
    with _open(args) as vault:
        case = cases.get_case(vault, args.case)
        contents = cases.case_contents(vault, case)
        if args.yes:
            confirm = case.id
        else:
            if not sys.stdin.isatty() or args.passphrase_stdin:
                raise cases.ConfirmationNeeded(
                    "There is no terminal to ask in.", next_step="Add --yes if you are sure.",
                    key="no_terminal_to_ask",
                )
            say(
                _t(
                    args,
                    "evidence.cli.case_rm_warning",
                    items=len(contents.items),
                    links=len(contents.links),
                    notes=len(contents.notes),
                )
            )
            confirm = input(_t(args, "evidence.cli.case_rm_prompt", title=case.title))
        deleted = cases.delete_case(vault, case, confirm=confirm, reason=args.reason)
    say(_t(args, "evidence.cli.case_deleted", items=len(deleted.items)))
    return 0
