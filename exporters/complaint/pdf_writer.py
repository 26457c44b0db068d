"""Render a ``Document`` to PDF bytes with reportlab, in memory, byte-stable (invariant mode).

Every page carries the case id and "page N / M". Long URLs and SHA-256 values sit in full-width
rows and paragraphs that wrap anywhere (``wordWrap='CJK'``), so nothing runs off the page.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus import PageBreak as RLPageBreak

from exporters.complaint import blocks as b
from exporters.complaint.fonts import FontChoice, korean_font

MARGIN = 18 * mm
ROWS_PER_TABLE = 10
#: Table cells longer than this are cut (with a note) so one row never outgrows a page; the
#: editable .docx/.txt versions keep the full text.
CELL_CHARS = 500
DETAIL_CHARS = 2000
_PAD = 4
_GRID = colors.HexColor("#888888")
_HEAD_BG = colors.HexColor("#E8E8E8")
_DETAIL_BG = colors.HexColor("#F6F6F6")


def _styles(font: FontChoice) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "body", fontName=font.regular, fontSize=10, leading=15, splitLongWords=1, spaceAfter=4
    )
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11, spaceAfter=2),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10.5, spaceAfter=0),
        "cellhead": ParagraphStyle(
            "cellhead", parent=base, fontName=font.bold, fontSize=8, leading=10.5, spaceAfter=0
        ),
        "title": ParagraphStyle(
            "title",
            parent=base,
            fontName=font.bold,
            fontSize=20,
            leading=28,
            alignment=TA_CENTER,
            spaceAfter=12,
        ),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "notice": ParagraphStyle(
            "notice",
            parent=base,
            fontSize=9,
            leading=13,
            borderColor=_GRID,
            borderWidth=0.5,
            borderPadding=5,
            backColor=_DETAIL_BG,
            spaceBefore=6,
            spaceAfter=10,
        ),
        "h1": ParagraphStyle(
            "h1", parent=base, fontName=font.bold, fontSize=13, leading=18, spaceBefore=10,
            spaceAfter=6,
        ),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=font.bold, fontSize=11, leading=15, spaceBefore=6,
            spaceAfter=4,
        ),
    }


def _break_long_word(word: str, width: float, font: str, size: float) -> list[str]:
    """Split one token (a URL, a hash) into pieces that each fit ``width``."""
    pieces: list[str] = []
    current: list[str] = []
    used = 0.0
    for ch in word:
        w = stringWidth(ch, font, size)
        if current and used + w > width:
            pieces.append("".join(current))
            current, used = [], 0.0
        current.append(ch)
        used += w
    if current:
        pieces.append("".join(current))
    return pieces


def _cap(value: str, limit: int) -> str:
    if len(value) <= limit:
        return value
    return value[:limit] + " … [cut here; the full text is in the .docx/.txt version]"


def _text(value: str, width: float | None = None, style: ParagraphStyle | None = None) -> str:
    """Escape user text for a Paragraph, keeping line breaks and pre-splitting tokens wider than
    ``width`` (reportlab's own long-word splitting is very slow on long URLs)."""
    lines = []
    for line in value.split("\n"):
        if width is not None and style is not None:
            words = []
            for word in line.split(" "):
                if stringWidth(word, style.fontName, style.fontSize) > width:
                    words.append(
                        "<br/>".join(
                            escape(p)
                            for p in _break_long_word(word, width, style.fontName, style.fontSize)
                        )
                    )
                else:
                    words.append(escape(word))
            lines.append(" ".join(words))
        else:
            lines.append(escape(line))
    return "<br/>".join(lines)


def _numbered_canvas(footer: str, font: FontChoice) -> type[Canvas]:
    class NumberedCanvas(Canvas):  # type: ignore[misc]
        """Defers pages so each footer can say "page N / M"."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._saved: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab API
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._saved)
            for state in self._saved:
                self.__dict__.update(state)
                self._draw_footer(total)
                super().showPage()
            super().save()

        def _draw_footer(self, total: int) -> None:
            width, _ = self._pagesize
            self.saveState()
            self.setFont(font.regular, 8)
            self.setFillColor(colors.HexColor("#444444"))
            self.drawString(MARGIN, 10 * mm, footer)
            self.drawRightString(width - MARGIN, 10 * mm, f"{self._pageNumber} / {total}")
            self.restoreState()

    return NumberedCanvas


class _Renderer:
    def __init__(self, font: FontChoice, width: float) -> None:
        self.font = font
        self.width = width
        self.st = _styles(font)

    def para(self, text: str, style: str = "body") -> Paragraph:
        st = self.st[style]
        return Paragraph(_text(text, self.width - 12, st), st)

    def cell(self, text: str, width: float, style: str = "cell") -> Paragraph:
        st = self.st[style]
        return Paragraph(_text(text, width - 2 * _PAD - 1, st), st)

    def block(self, block: b.Block) -> list[Flowable]:
        if isinstance(block, b.Heading):
            return [self.para(block.text, "h1" if block.level == 1 else "h2")]
        if isinstance(block, b.Para):
            return [self.para(block.text, block.style.value)]
        if isinstance(block, b.Fields):
            return [self.fields(block)]
        if isinstance(block, b.Table):
            return self.table(block)
        if isinstance(block, b.Thumbnail):
            img = Image(io.BytesIO(block.png), width=30 * mm, height=30 * mm, kind="proportional")
            return [KeepTogether([img, self.para(block.caption, "small")])]
        return [RLPageBreak()]

    def fields(self, block: b.Fields) -> Table:
        widths = [self.width * 0.26, self.width * 0.74]
        data = [
            [self.cell(k, widths[0], "cellhead"), self.cell(v, widths[1])] for k, v in block.rows
        ]
        t = Table(data, colWidths=widths)
        t.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), self.font.regular),
                    ("GRID", (0, 0), (-1, -1), 0.5, _GRID),
                    ("BACKGROUND", (0, 0), (0, -1), _HEAD_BG),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), _PAD),
                    ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
                ]
            )
        )
        t.spaceAfter = 6
        return t

    def table(self, block: b.Table) -> list[Flowable]:
        if not block.rows:
            return [self.para(block.empty_text, "small")] if block.empty_text else []
        # reportlab re-measures a whole table each time it splits one across pages, which is
        # quadratic in its length; short tables (the header repeats on each) keep 200+
        # exhibits fast.
        out: list[Flowable] = []
        for start in range(0, len(block.rows), ROWS_PER_TABLE):
            out.append(self._table_part(block, block.rows[start : start + ROWS_PER_TABLE]))
        out.append(Spacer(1, 6))
        return out

    def _table_part(self, block: b.Table, rows: tuple[b.Row, ...]) -> Flowable:
        ncols = len(block.header)
        widths = [self.width * w for w in block.widths]
        data: list[list[Any]] = [
            [self.cell(h, w, "cellhead") for h, w in zip(block.header, widths, strict=True)]
        ]
        cmds: list[tuple[Any, ...]] = [
            ("FONTNAME", (0, 0), (-1, -1), self.font.regular),
            ("GRID", (0, 0), (-1, -1), 0.5, _GRID),
            ("BACKGROUND", (0, 0), (-1, 0), _HEAD_BG),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("LEFTPADDING", (0, 0), (-1, -1), _PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
        ]
        for row in rows:
            first = len(data)
            data.append(
                [self.cell(_cap(c, CELL_CHARS), w) for c, w in zip(row.cells, widths, strict=True)]
            )
            for detail in row.details:
                r = len(data)
                detail_cell = self.cell(_cap(detail, DETAIL_CHARS), self.width)
                data.append([detail_cell] + [""] * (ncols - 1))
                cmds += [("SPAN", (0, r), (-1, r)), ("BACKGROUND", (0, r), (-1, r), _DETAIL_BG)]
            # An exhibit's row and its URL/hash lines always stay on one page.
            cmds.append(("NOSPLIT", (0, first), (-1, len(data) - 1)))
        t = LongTable(
            data,
            colWidths=widths,
            repeatRows=1,
            splitByRow=1,
        )
        t.setStyle(TableStyle(cmds))
        return t


def render_pdf(doc: b.Document, *, font: FontChoice | None = None) -> bytes:
    """The unsigned PDF of ``doc``; identical input gives identical bytes."""
    font = font or korean_font()
    out = io.BytesIO()
    width = A4[0] - 2 * MARGIN
    template = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=doc.title,
        author="Ansim",
        creator="Ansim",
        producer="Ansim",
        subject=doc.footer,
        invariant=1,
        initialFontName=font.regular,
        lang=doc.lang,
    )
    r = _Renderer(font, width)
    story: list[Flowable] = []
    for block in doc.blocks:
        story.extend(r.block(block))
    template.build(story, canvasmaker=_numbered_canvas(doc.footer, font))
    return out.getvalue()
