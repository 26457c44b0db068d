"""``ansim complaint``: write a complaint draft (고소장) or an English incident report.

The document language is the global ``--lang`` (ko: 고소장, en: incident report). The handler
only collects input and calls ``exporters.complaint.export_complaint``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from exporters.complaint import (
    FORMATS,
    Agent,
    AgentKind,
    Party,
    ResidentNumberNeedsRealName,
    export_complaint,
)
from ui.cli import common
from ui.cli.common import UsageError, emit_json, lang, read_secret, say
from vault import cases, i18n


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "complaint",
        help="write a complaint draft (고소장, --lang ko) or incident report (--lang en)",
    )
    p.add_argument("case", nargs="?", help="case id or title (default: the only case)")
    p.add_argument("--out", required=True, type=Path, metavar="FILE", help="new file to write")
    names = p.add_mutually_exclusive_group()
    names.add_argument(
        "--pseudonym",
        dest="pseudonymous",
        action="store_true",
        default=True,
        help="use the case's pseudonym (가명) for the person harmed (the default)",
    )
    names.add_argument(
        "--real-name",
        dest="pseudonymous",
        action="store_false",
        help="use the real name recorded in the case",
    )
    p.add_argument("--station", default="", help="police station the complaint is addressed to")
    p.add_argument(
        "--format",
        choices=FORMATS,
        help="pdf (signed), docx or txt (editable); default: from the --out file name, else pdf",
    )
    p.add_argument(
        "--resident-number-prompt",
        action="store_true",
        help="ask for the resident registration number (only with --real-name; never stored)",
    )
    p.add_argument(
        "--thumbnails",
        action="store_true",
        help="add heavily blurred thumbnails of image exhibits (none by default)",
    )
    p.add_argument("--address", default="", help="complainant's address (not stored)")
    p.add_argument("--phone", default="", help="complainant's phone number (not stored)")
    p.add_argument("--email", default="", help="complainant's e-mail (not stored)")
    p.add_argument(
        "--agent",
        choices=("legal", "attorney"),
        help="filed by a legal representative (법정대리인) or an attorney (고소대리인)",
    )
    p.add_argument("--agent-name", default="", help="the representative's name")
    p.add_argument("--agent-phone", default="", help="the representative's phone")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_complaint)


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    suffix = Path(args.out).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else "pdf"


def cmd_complaint(args: argparse.Namespace) -> int:
    lg = lang(args)
    if args.resident_number_prompt and args.pseudonymous:
        raise ResidentNumberNeedsRealName()
    if (args.agent_name or args.agent_phone) and not args.agent:
        raise UsageError(
            "Say who the representative is with --agent legal or --agent attorney.",
            key="complaint_agent",
        )
    fmt = _format(args)
    with common.open_vault(args) as vault:
        case = cases.resolve_case(vault, args.case, create_if_none=False)
        resident = None
        if args.resident_number_prompt:
            resident = read_secret(args, i18n.t("complaint.prompt.resident_number", lg)) or None
        result = export_complaint(
            vault,
            case,
            args.out,
            lang=lg,
            fmt=fmt,
            pseudonymous=args.pseudonymous,
            resident_number=resident,
            include_thumbnails=args.thumbnails,
            complainant=Party(address=args.address, phone=args.phone, email=args.email),
            agent=Agent(AgentKind(args.agent), args.agent_name, args.agent_phone)
            if args.agent
            else None,
            station=args.station,
        )
    if args.json:
        emit_json(
            {
                "path": str(result.path),
                "lang": result.lang,
                "format": result.fmt,
                "exhibits": result.exhibits,
                "signed": result.signed,
                "font_embedded": result.font_embedded,
            }
        )
        return common.EXIT_OK
    key = "complaint.done.ko" if result.lang == "ko" else "complaint.done.en"
    say(i18n.t(key, lg, path=result.path, exhibits=result.exhibits))
    if result.signed:
        say(i18n.t("complaint.signed", lg))
    else:
        say(i18n.t("complaint.editable", lg))
    if not result.font_embedded:
        say(i18n.t("complaint.font_fallback", lg))
    return common.EXIT_OK
