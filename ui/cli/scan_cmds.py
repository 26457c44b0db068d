"""Scan commands: ``scan``, ``sightings``, ``confirm``, ``reject``, ``takedown new|list|update|
draft|recipients``, ``recheck`` and ``hashes``.

Each handler collects its input, calls one use case (``vault.scanning``, ``vault.sightings``,
``vault.takedowns``, ``exporters.hashlists``) and prints the result; ``--json`` prints one JSON
document on standard output. The progress bar goes to standard error. Ctrl-C stops a scan
cleanly: what was found so far is kept and the scan is logged as stopped.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from ui.cli import common
from ui.cli.common import UsageError, emit_json, lang, say
from vault import cases, codec, i18n, repo, sightings, takedowns
from vault.errors import NotFound
from vault.records import EvidenceItem, Sighting, SightingStatus, TakedownStatus
from vault.store import Vault

if TYPE_CHECKING:
    from vault.scanning import FetchPolicy, ScanIssue, ScanProgress, ScanReport, ScanSource

    Sub = argparse._SubParsersAction[argparse.ArgumentParser]

# The network and image libraries are imported only when a scan command runs, so every other
# command starts faster.
HASH_FORMATS = ("hma", "csv")

SHOWN_ISSUES = 20


def register(sub: Sub) -> None:
    p = sub.add_parser(
        "scan",
        help="look for re-uploads of your pictures in a folder or on web pages",
        description="Compare every picture in a folder, a list of web addresses, or a web page "
        "(and the same site's pages it links to) with the pictures in the vault. Only the "
        "addresses you give are contacted; your pictures and fingerprints are never sent. "
        "Matches are saved as sightings; nothing else is kept.",
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--folder", type=Path, metavar="DIR", help="a folder tree to look through")
    src.add_argument("--urls", type=Path, metavar="FILE", help="a text file, one address a line")
    src.add_argument("--page", metavar="URL", help="a web page; links on the same site are "
                     "followed up to --depth levels")
    src.add_argument("--links", action="store_true", help="the web links saved in the vault")
    p.add_argument("--depth", type=int, default=1, help="link levels to follow (default 1)")
    p.add_argument("--max-pages", type=int, default=30, help="most pages to fetch (default 30)")
    p.add_argument("--allow-host", action="append", default=[], metavar="HOST",
                   help="another host the scan may contact (e.g. the site's image server)")
    p.add_argument("--case", help="look only for this case's pictures (default: every case)")
    p.add_argument("--proxy", metavar="URL", help="send requests through this proxy "
                   "(e.g. socks5://127.0.0.1:9050 for Tor)")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for a server")
    p.add_argument("--max-mb", type=int, default=64, help="largest download in MiB (default 64)")
    p.add_argument("--quick", action="store_true",
                   help="compare the pictures' hashes only, without the check of local "
                   "features: faster, but most crops and many screenshots are missed "
                   "(default: a thorough scan that finds them)")
    p.add_argument("--progress", action="store_true", help="always show progress on stderr")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_scan)

    p = sub.add_parser("sightings", help="list re-uploads found by scans")
    p.add_argument("--case")
    p.add_argument("--status", choices=[s.value for s in SightingStatus])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_sightings)

    for name, helptext in (("confirm", "mark a sighting as a real re-upload"),
                           ("reject", "mark a sighting as not a match (not raised again)")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("id", metavar="SIGHTING")
        p.add_argument("--note", default="")
        p.add_argument("--json", action="store_true")
        p.set_defaults(func=cmd_review, review=name)

    p = sub.add_parser("takedown", help="track removal requests for sightings")
    tsub = p.add_subparsers(dest="takedown_command", metavar="ACTION", required=True)
    parent = common.global_parent()
    q = tsub.add_parser("new", parents=[parent], help="record a removal request")
    q.add_argument("sightings", nargs="+", metavar="SIGHTING")
    q.add_argument("--to", required=True, metavar="RECIPIENT",
                   help="a key from 'ansim takedown recipients' (e.g. kcsc, d4u) or a name")
    q.add_argument("--channel", default="web_form", help=f"one of {', '.join(takedowns.CHANNELS)}")
    q.add_argument("--date", default="", help="when it was sent, YYYY-MM-DD (default today)")
    q.add_argument("--ticket", default="")
    q.add_argument("--note", default="")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_takedown_new)
    q = tsub.add_parser("list", parents=[parent], help="list removal requests")
    q.add_argument("--case")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_takedown_list)
    q = tsub.add_parser("update", parents=[parent], help="record a status change")
    q.add_argument("id", metavar="TAKEDOWN")
    q.add_argument("status", choices=[s.value for s in TakedownStatus])
    q.add_argument("--ticket")
    q.add_argument("--date")
    q.add_argument("--note", default="")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_takedown_update)
    q = tsub.add_parser("draft", parents=[parent],
                        help="print a removal request to send yourself (--lang ko|en)")
    q.add_argument("id", metavar="TAKEDOWN")
    q.add_argument("--contact", default="", help="where the reply should go")
    q.set_defaults(func=cmd_takedown_draft)
    q = tsub.add_parser("recipients", parents=[parent],
                        help="where requests can go (verify details before use)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_takedown_recipients)

    p = sub.add_parser("recheck", help="check whether sightings are still online")
    p.add_argument("--case")
    p.add_argument("--proxy", metavar="URL")
    p.add_argument("--timeout", type=float, default=20.0)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_recheck)

    p = sub.add_parser("hashes", help="write a case's hash list for a platform or hotline")
    p.add_argument("case", metavar="CASE")
    p.add_argument("--out", type=Path, required=True, metavar="FILE")
    p.add_argument("--format", choices=HASH_FORMATS, default="hma",
                   help="hma: signal_type,value lines for Meta's HMA; csv: every hash with its "
                   "exhibit number")
    p.add_argument("--originals-only", action="store_true",
                   help="leave out the copies of confirmed sightings")
    p.set_defaults(func=cmd_hashes)


# ---------------------------------------------------------------------- helpers
class _Bar:
    def __init__(self, enabled: bool, language: str) -> None:
        self.enabled = enabled
        self.lang = language
        self._last = 0.0
        self._shown = False

    def __call__(self, p: ScanProgress) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.2 and p.stage not in ("done", "cancelled"):
            return
        self._last = now
        line = i18n.t("scan.progress", self.lang, seen=p.seen, checked=p.checked, pages=p.pages,
                      matched=p.matched, errors=p.errors, rate=p.rate)
        sys.stderr.write("\r" + line[:78].ljust(78))
        sys.stderr.flush()
        self._shown = True

    def done(self) -> None:
        if self._shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


@contextmanager
def _ctrl_c_stops(stop: threading.Event) -> Iterator[None]:
    """Turn Ctrl-C into a clean stop of the scan (the handler only sets an event)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _case_id(vault: Vault, ref: str | None) -> str | None:
    return cases.get_case(vault, ref).id if ref else None


def _exhibit(vault: Vault, item_id: str) -> str:
    try:
        return repo.get(vault.db, EvidenceItem, item_id).exhibit
    except NotFound:  # a deleted item still lets the list print
        return "-"


def _policy(args: argparse.Namespace) -> FetchPolicy:
    from vault.scanning import FetchPolicy

    if args.timeout <= 0:
        raise UsageError("--timeout must be more than 0 seconds.", key="scan_timeout")
    max_mb = getattr(args, "max_mb", 64)
    if max_mb <= 0:
        raise UsageError("--max-mb must be at least 1.", key="scan_max_mb")
    return FetchPolicy(read_timeout_s=args.timeout, connect_timeout_s=min(args.timeout, 10.0),
                       max_media_bytes=max_mb << 20, proxy=args.proxy or None)


def _source(args: argparse.Namespace, case_id: str | None) -> ScanSource:
    from vault.scanning import FolderSource, LinksSource, PageSource, check_url, read_url_list

    if args.depth < 0 or args.max_pages < 1:
        raise UsageError("--depth must be 0 or more and --max-pages at least 1.",
                         key="scan_depth")
    if args.folder is not None:
        return FolderSource(args.folder)
    if args.urls is not None:
        src = read_url_list(args.urls)
        return replace(src, extra_hosts=tuple(args.allow_host))
    if args.page is not None:
        return PageSource(check_url(args.page), depth=args.depth, max_pages=args.max_pages,
                          extra_hosts=tuple(args.allow_host))
    return LinksSource(case_id)


def issue_text(i: ScanIssue, language: str) -> str:
    """A per-address problem in the person's language (the English sentence as a fallback)."""
    if language == "en" or f"scan.issue.{i.code}" not in i18n.catalog(language):
        return i.reason
    return i18n.t(f"scan.issue.{i.code}", language, status=i.status, reason=i.reason)


def _issue(i: ScanIssue) -> dict[str, object]:
    return {"where": i.where, "code": i.code, "reason": i.reason, "status": i.status}


def _sighting_json(vault: Vault, s: Sighting) -> dict[str, Any]:
    d: dict[str, Any] = dict(codec.to_plain(s))
    d["exhibit"] = _exhibit(vault, s.item_id)
    d["matched_exhibit"] = _exhibit(vault, s.matched_item_id)
    return d


def _print_issues(title_key: str, issues: tuple[ScanIssue, ...], language: str) -> None:
    if not issues:
        return
    say(i18n.t(title_key, language, count=len(issues)))
    for i in issues[:SHOWN_ISSUES]:
        say(i18n.t("scan.error_line", language, where=i.where, reason=issue_text(i, language)))
    if len(issues) > SHOWN_ISSUES:
        say(i18n.t("scan.more", language, count=len(issues) - SHOWN_ISSUES))


def _report_json(vault: Vault, r: ScanReport) -> dict[str, Any]:
    p = r.progress
    return {
        "scan_id": r.scan_id, "source": r.source_kind, "case": r.case_id,
        "mode": r.mode, "cancelled": r.cancelled,
        "sightings": [_sighting_json(vault, s) for s in r.sightings],
        "errors": [_issue(i) for i in r.errors], "skipped": [_issue(i) for i in r.skipped],
        "warnings": list(r.warnings), "already_known": r.already_known,
        "false_positives_skipped": r.false_positives_skipped,
        "not_fingerprinted": r.not_fingerprinted,
        "progress": {"seen": p.seen, "checked": p.checked, "pages": p.pages,
                     "matched": p.matched, "errors": p.errors, "skipped": p.skipped,
                     "downloaded_bytes": p.downloaded_bytes, "seconds": round(p.elapsed_s, 3)},
    }


# ---------------------------------------------------------------------- handlers
def cmd_scan(args: argparse.Namespace) -> int:
    from vault.scanning import run_scan

    language = lang(args)
    with common.open_vault(args) as vault:
        case_id = _case_id(vault, args.case)
        source = _source(args, case_id)
        policy = _policy(args)
        bar = _Bar(args.progress or (sys.stderr.isatty() and not args.json), language)
        stop = threading.Event()
        with _ctrl_c_stops(stop):
            try:
                report = run_scan(vault, source, case_id=case_id, policy=policy,
                                  on_progress=bar, cancel=stop, quick=args.quick)
            finally:
                bar.done()
        if args.json:
            emit_json(_report_json(vault, report))
        else:
            _print_scan(vault, report, language)
    return common.EXIT_INTERRUPTED if report.cancelled else common.EXIT_OK


def _print_scan(vault: Vault, r: ScanReport, language: str) -> None:
    p = r.progress
    key = "scan.cancelled" if r.cancelled else "scan.done"
    say(i18n.t(key, language, checked=p.checked, matched=len(r.sightings), errors=len(r.errors)))
    for s in r.sightings:
        say(i18n.t("scan.sighting", language, id=s.id, exhibit=_exhibit(vault, s.item_id),
                   matched=_exhibit(vault, s.matched_item_id), band=s.band, how=s.matched_how,
                   where=s.final_url or s.media_url))
    for w in r.warnings:
        say(i18n.t("scan.warning", language, text=w))
    _print_issues("scan.errors", r.errors, language)
    _print_issues("scan.skipped", r.skipped, language)
    for key, n in (("scan.known", r.already_known),
                   ("scan.false_positives", r.false_positives_skipped),
                   ("scan.not_fingerprinted", r.not_fingerprinted)):
        if n:
            say(i18n.t(key, language, count=n))
    if r.sightings:
        say(i18n.t("scan.review", language))
    if r.quick:
        say(i18n.t("scan.quick_note", language))


def cmd_sightings(args: argparse.Namespace) -> int:
    language = lang(args)
    with common.open_vault(args) as vault:
        case_id = _case_id(vault, args.case)
        status = SightingStatus(args.status) if args.status else None
        found = sightings.list_sightings(vault, case_id, status=status)
        if args.json:
            emit_json({"sightings": [_sighting_json(vault, s) for s in found]})
            return common.EXIT_OK
        if not found:
            say(i18n.t("sightings.none", language))
        for s in found:
            say(i18n.t("sightings.line", language, id=s.id, status=s.status.value,
                       exhibit=_exhibit(vault, s.item_id),
                       matched=_exhibit(vault, s.matched_item_id), band=s.band,
                       how=s.matched_how, retrieved=s.retrieved_utc,
                       where=s.final_url or s.media_url))
    return common.EXIT_OK


def cmd_review(args: argparse.Namespace) -> int:
    with common.open_vault(args) as vault:
        if args.review == "confirm":
            s = sightings.confirm(vault, args.id, note=args.note)
            key = "sightings.confirmed"
        else:
            s = sightings.reject(vault, args.id, note=args.note)
            key = "sightings.rejected"
        if args.json:
            emit_json(_sighting_json(vault, s))
        else:
            say(i18n.t(key, lang(args), id=s.id))
    return common.EXIT_OK


def _takedown_json(td: Any) -> dict[str, Any]:
    return dict(codec.to_plain(td))


def cmd_takedown_new(args: argparse.Namespace) -> int:
    with common.open_vault(args) as vault:
        first = sightings.get_sighting(vault, args.sightings[0])
        td = takedowns.new_takedown(vault, first.case_id, args.sightings, args.to,
                                    args.channel, date=args.date, ticket=args.ticket,
                                    note=args.note)
        if args.json:
            emit_json(_takedown_json(td))
        else:
            say(i18n.t("takedown.created", lang(args), id=td.id, count=len(td.sighting_ids)))
    return common.EXIT_OK


def cmd_takedown_list(args: argparse.Namespace) -> int:
    language = lang(args)
    with common.open_vault(args) as vault:
        found = takedowns.list_takedowns(vault, _case_id(vault, args.case))
        if args.json:
            emit_json({"takedowns": [_takedown_json(t) for t in found]})
            return common.EXIT_OK
        if not found:
            say(i18n.t("takedown.none", language))
        for td in found:
            say(i18n.t("takedown.line", language, id=td.id, status=td.status.value,
                       date=td.date, recipient=takedowns.recipient_label(td.recipient, language),
                       channel=td.channel, ticket=td.ticket or "-",
                       count=len(td.sighting_ids)))
            for h in td.history:
                say(i18n.t("takedown.history", language, utc=h.utc, status=h.status.value,
                           note=h.note))
    return common.EXIT_OK


def cmd_takedown_update(args: argparse.Namespace) -> int:
    with common.open_vault(args) as vault:
        td = takedowns.update_takedown(vault, args.id, args.status, note=args.note,
                                       ticket=args.ticket, date=args.date)
        if args.json:
            emit_json(_takedown_json(td))
        else:
            say(i18n.t("takedown.updated", lang(args), id=td.id, status=td.status.value))
    return common.EXIT_OK


def cmd_takedown_draft(args: argparse.Namespace) -> int:
    with common.open_vault(args) as vault:
        say(takedowns.draft_notice(vault, args.id, lang(args), contact=args.contact))
    return common.EXIT_OK


def cmd_takedown_recipients(args: argparse.Namespace) -> int:
    language = lang(args)
    recips = takedowns.recipients()
    if args.json:
        emit_json({"recipients": [codec.to_plain(r) for r in recips]})
        return common.EXIT_OK
    for r in recips:
        say(i18n.t("takedown.recipient", language, key=r.key, name=r.name(language)))
        for c in r.channels:
            say(i18n.t("takedown.channel", language, kind=c.kind, value=c.value,
                       note=c.note_ko if language == "ko" else c.note_en))
        say(i18n.t("takedown.verify", language, source=r.source, checked=r.checked))
    return common.EXIT_OK


def cmd_recheck(args: argparse.Namespace) -> int:
    from vault.scanning import recheck, recheck_detail

    language = lang(args)
    with common.open_vault(args) as vault:
        case_id = _case_id(vault, args.case)
        stop = threading.Event()
        with _ctrl_c_stops(stop):
            result = recheck(vault, case_id, policy=_policy(args), cancel=stop)
        if args.json:
            emit_json({"rechecks": [codec.to_plain(r) for r in result.rechecks],
                       "reappeared": list(result.reappeared), "cancelled": result.cancelled,
                       "not_checkable": result.not_checkable})
        else:
            counts = {k: 0 for k in ("online", "changed", "gone", "error")}
            for r in result.rechecks:
                counts[r.outcome] = counts.get(r.outcome, 0) + 1
                say(i18n.t("recheck.line", language, id=r.sighting_id, outcome=r.outcome,
                           status=r.http_status or "-", detail=recheck_detail(r, language)))
            say(i18n.t("recheck.done", language, count=len(result.rechecks), **counts))
            for tid in result.reappeared:
                say(i18n.t("recheck.reappeared", language, id=tid))
            if result.not_checkable:
                say(i18n.t("recheck.not_checkable", language, count=result.not_checkable))
    return common.EXIT_INTERRUPTED if result.cancelled else common.EXIT_OK


def cmd_hashes(args: argparse.Namespace) -> int:
    from exporters.hashlists import export_hashlist

    language = lang(args)
    with common.open_vault(args) as vault:
        case = cases.get_case(vault, args.case)
        res = export_hashlist(vault, case.id, args.out, fmt=args.format,
                              include_sightings=not args.originals_only)
    say(i18n.t("hashes.done", language, lines=res.lines, items=res.items, path=res.path))
    say(i18n.t("hashes.note", language))
    return common.EXIT_OK
