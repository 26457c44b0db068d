"""Evidence commands: add, list, show, extract, rm, and cases."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ui.cli import common
from ui.cli.common import emit_json, lang, say
from vault import cases, codec, custody, evidence, i18n, notes
from vault.errors import InputRejected
from vault.records import EvidenceItem


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("add", help="encrypt files into the vault")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--case", help="case id or title (default: the only case)")
    p.add_argument("--note", default="", help="a note to attach to each added item")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("list", help="list evidence items")
    p.add_argument("--case")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="show one item's record, hashes and custody entries")
    p.add_argument("id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("extract", help="decrypt one original to a path you choose (logged)")
    p.add_argument("id")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--reason", default="")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("rm", help="delete an item for good (its stored copy is destroyed)")
    p.add_argument("id")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--reason", default="")
    p.set_defaults(func=cmd_rm)


def item_summary(item: EvidenceItem) -> dict[str, Any]:
    data: dict[str, Any] = codec.to_plain(item)
    data["exhibit"] = item.exhibit
    data["exhibit_ko"] = item.exhibit_ko
    return data


def cmd_add(args: argparse.Namespace) -> int:
    lg = lang(args)
    results: list[dict[str, Any]] = []
    failed = 0
    with common.open_vault(args) as vault:
        case = cases.resolve_case(vault, args.case)
        for path in args.files:
            try:
                res = evidence.add_file(vault, path, case.id)
            except InputRejected as exc:
                failed += 1
                results.append({"file": str(path), "error": exc.message()})
                if not args.json:
                    say(
                        i18n.t(
                            "cli.add.failed",
                            lg,
                            name=path.name,
                            reason=i18n.error_text(exc, lg)[1] or exc.title,
                        )
                    )
                continue
            if args.note and not res.is_duplicate:
                notes.add_note(vault, case.id, args.note, item_id=res.item.id)
            key = "cli.add.duplicate" if res.is_duplicate else "cli.add.added"
            results.append(
                {
                    "file": str(path),
                    "id": res.item.id,
                    "exhibit": res.item.exhibit,
                    "duplicate": res.is_duplicate,
                }
            )
            if not args.json:
                say(i18n.t(key, lg, exhibit=res.item.exhibit, name=path.name))
    if args.json:
        emit_json({"case": case.id, "results": results})
    elif len(args.files) > 1:
        dups = sum(1 for r in results if r.get("duplicate"))
        say(
            i18n.t(
                "cli.add.summary",
                lg,
                added=len(results) - failed - dups,
                duplicates=dups,
                failed=failed,
            )
        )
    return 0 if failed == 0 else common.EXIT_ERROR


def cmd_list(args: argparse.Namespace) -> int:
    with common.open_vault(args) as vault:
        case_id = cases.get_case(vault, args.case).id if args.case else None
        items = evidence.list_items(vault, case_id)
    if args.json:
        emit_json([item_summary(i) for i in items])
        return 0
    if not items:
        say(i18n.t("cli.list.empty", lang(args)))
    for i in items:
        say(f"{i.id}  {i.exhibit}  {i.kind.value:9s} {i.size:>12,d}  {i.original_name}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with common.open_vault(args) as vault:
        item = evidence.get_item(vault, args.id)
        entries = custody.entries(vault.db, item.id)
        item_notes = [n for n in notes.list_notes(vault, item.case_id) if n.item_id == item.id]
    data = item_summary(item)
    data["custody"] = [e.__dict__ for e in entries]
    data["notes"] = [codec.to_plain(n) for n in item_notes]
    if args.json:
        emit_json(data)
        return 0
    for key in (
        "id",
        "exhibit",
        "exhibit_ko",
        "kind",
        "original_name",
        "size",
        "mime",
        "sha256",
        "md5",
        "imported_utc",
        "capture_time",
        "captured_by",
        "capture_method",
    ):
        say(f"{key:16s} {data[key]}")
    for key, value in codec.to_plain(item.source).items():
        if value:
            say(f"{'source.' + key:16s} {value}")
    for n in item_notes:
        say(f"{'note':16s} {n.text}")
    say("custody:")
    for e in entries:
        say(f"  {e.seq:5d} {e.utc} {e.action}")
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    with common.open_vault(args) as vault:
        item = evidence.get_item(vault, args.id)
        out = evidence.extract_item(vault, item, args.out, reason=args.reason)
    say(i18n.t("cli.extract.done", lang(args), path=out))
    return 0


def cmd_rm(args: argparse.Namespace) -> int:
    with common.open_vault(args) as vault:
        item = evidence.get_item(vault, args.id)
        if not args.yes:
            answer = input(f"Delete {item.exhibit} ({item.original_name}) for good? [y/N] ")
            if answer.strip().lower() not in ("y", "yes", "예", "네"):
                return common.EXIT_ERROR
        evidence.delete_item(vault, item, reason=args.reason)
    say(i18n.t("cli.rm.done", lang(args), exhibit=item.exhibit))
    return 0
