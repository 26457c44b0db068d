"""Complaint drafts: the Korean 고소장 and the English incident report.

Public API:

- ``build_documents(vault, case, ...)`` -> ``[(file name, bytes), ...]``: what the bundle
  exporter puts into ``data/complaint/`` (signed PDFs, optionally .docx and .txt).
- ``export_complaint(vault, case, out, ...)``: one document written to a path the person chose,
  recorded in the custody log (what ``ansim complaint`` and the TUI call).
- ``render(data, lang, fmt)``: the pure function over ``ComplaintData`` (no vault needed), used
  by golden tests; PDFs from it are unsigned and byte-stable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from exporters.complaint.assemble import assemble
from exporters.complaint.blocks import Document
from exporters.complaint.complaint_ko import complaint_document
from exporters.complaint.errors import (
    OutputExists,
    OutputFolderMissing,
    ResidentNumberInvalid,
    ResidentNumberNeedsRealName,
    UnsupportedDocument,
)
from exporters.complaint.model import (
    Agent,
    AgentKind,
    Answer,
    ComplaintData,
    EventRow,
    ExhibitRow,
    Party,
    RelatedCases,
    SightingRow,
    TakedownRow,
)
from exporters.complaint.output import remove_quietly, target_path, write_new_file
from exporters.complaint.report_en import report_document
from exporters.complaint.text_writer import render_text
from vault import evidence
from vault.records import Case
from vault.signing import load_export_key
from vault.store import Vault

__all__ = [
    "FORMATS",
    "LANGS",
    "Agent",
    "AgentKind",
    "Answer",
    "ComplaintData",
    "EventRow",
    "ExhibitRow",
    "ExportResult",
    "OutputExists",
    "OutputFolderMissing",
    "Party",
    "RelatedCases",
    "ResidentNumberInvalid",
    "ResidentNumberNeedsRealName",
    "SightingRow",
    "TakedownRow",
    "UnsupportedDocument",
    "assemble",
    "build_documents",
    "document",
    "export_complaint",
    "file_name",
    "render",
]

LANGS = ("ko", "en")
FORMATS = ("pdf", "docx", "txt")


def _check(lang: str, fmt: str) -> None:
    if lang not in LANGS or fmt not in FORMATS:
        raise UnsupportedDocument()


def file_name(lang: str, fmt: str) -> str:
    """``complaint-ko.pdf`` for the 고소장, ``incident-report-en.pdf`` for the English report."""
    stem = "complaint-ko" if lang == "ko" else "incident-report-en"
    return f"{stem}.{fmt}"


def document(data: ComplaintData, lang: str) -> Document:
    """The 고소장 (``ko``) or the incident report (``en``) as format-neutral blocks."""
    from exporters.complaint.fonts import korean_font

    embedded = korean_font().embedded
    if lang == "ko":
        return complaint_document(data, font_embedded=embedded)
    return report_document(data, font_embedded=embedded)


def render(data: ComplaintData, lang: str, fmt: str) -> bytes:
    """Pure rendering of ``data``; PDFs are unsigned and byte-stable for the same input."""
    _check(lang, fmt)
    doc = document(data, lang)
    # reportlab, python-docx and pyHanko load only when a document is made, so that commands
    # which never make one (and the CLI's start-up) stay fast.
    if fmt == "pdf":
        from exporters.complaint.pdf_writer import render_pdf

        return render_pdf(doc)
    if fmt == "docx":
        from exporters.complaint.docx_writer import render_docx

        return render_docx(doc)
    return render_text(doc)


def _reason(data: ComplaintData) -> str:
    return f"Ansim evidence export, case {data.case_id}"


def build_documents(
    vault: Vault,
    case: Case,
    langs: tuple[str, ...] = ("ko", "en"),
    bundle_id: str = "",
    cert_fingerprint: str = "",
    pseudonymous: bool = True,
    resident_number: str | None = None,
    include_thumbnails: bool = False,
    *,
    formats: tuple[str, ...] = ("pdf",),
    complainant: Party | None = None,
    agent: Agent | None = None,
    related: RelatedCases | None = None,
    station: str = "",
    document_date: dt.date | None = None,
) -> list[tuple[str, bytes]]:
    """Signed PDFs (and, if asked, .docx/.txt) of the complaint documents for ``case``.

    Nothing is written and nothing is logged here: the caller (the bundle export) records the
    export in the custody log.
    """
    from exporters.complaint.signing import sign_pdf

    for lang in langs:
        for fmt in formats:
            _check(lang, fmt)
    key = load_export_key(vault)
    data = assemble(
        vault,
        case,
        pseudonymous=pseudonymous,
        resident_number=resident_number,
        complainant=complainant,
        agent=agent,
        related=related,
        station=station,
        bundle_id=bundle_id,
        cert_fingerprint=cert_fingerprint or key.fingerprint,
        include_thumbnails=include_thumbnails,
        document_date=document_date,
    )
    out: list[tuple[str, bytes]] = []
    for lang in langs:
        for fmt in formats:
            blob = render(data, lang, fmt)
            if fmt == "pdf":
                blob = sign_pdf(blob, key, reason=_reason(data))
            out.append((file_name(lang, fmt), blob))
    return out


@dataclass(frozen=True)
class ExportResult:
    path: Path
    lang: str
    fmt: str
    exhibits: int
    signed: bool
    font_embedded: bool


def export_complaint(
    vault: Vault,
    case: Case,
    out: Path,
    *,
    lang: str = "ko",
    fmt: str = "pdf",
    pseudonymous: bool = True,
    resident_number: str | None = None,
    include_thumbnails: bool = False,
    complainant: Party | None = None,
    agent: Agent | None = None,
    related: RelatedCases | None = None,
    station: str = "",
) -> ExportResult:
    """Write one complaint document to ``out`` (a new file, or a new file named
    ``complaint-ko.pdf`` etc. inside ``out`` when it is a folder) and record it in the custody
    log; if the log cannot be written, the file is removed again."""
    _check(lang, fmt)
    [(_, blob)] = build_documents(
        vault,
        case,
        langs=(lang,),
        pseudonymous=pseudonymous,
        resident_number=resident_number,
        include_thumbnails=include_thumbnails,
        formats=(fmt,),
        complainant=complainant,
        agent=agent,
        related=related,
        station=station,
    )
    path = target_path(out, file_name(lang, fmt))
    write_new_file(path, blob)
    exhibits = sum(1 for i in evidence.list_items(vault, case.id) if i.include_in_export)
    try:
        with vault.transaction():
            vault.log(
                "complaint_exported",
                case.id,
                {
                    "lang": lang,
                    "format": fmt,
                    "pseudonymous": pseudonymous,
                    "resident_number_included": bool(resident_number),
                    "thumbnails": include_thumbnails,
                    "exhibits": exhibits,
                },
            )
    except BaseException:
        # An export the custody log does not know about must not exist.
        remove_quietly(path)
        raise
    from exporters.complaint.fonts import korean_font

    return ExportResult(path, lang, fmt, exhibits, fmt == "pdf", korean_font().embedded)

