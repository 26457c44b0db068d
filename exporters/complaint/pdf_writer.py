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
_GRID = colors.HexColor("#888888")
_HEAD_BG = colors.HexColor("#E8E8E8")
_DETAIL_BG = colors.HexColor("#F6F6F6")


def _styles(font: FontChoice) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "body", fontName=font.regular, fontSize=10, leading=15, wordWrap="CJK", spaceAfter=4
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


def _text(value: str) -> str:
    """Escape user text for a Paragraph, keeping line breaks."""
    return "<br/>".join(escape(line) for line in value.split("\n"))


def _numbered_canvas(footer: str, font: FontChoice) -> type[Canvas]:
    class NumberedCanvas(Canvas):
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
        return Paragraph(_text(text), self.st[style])

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
        data = [
            [Paragraph(_text(k), self.st["cellhead"]), Paragraph(_text(v), self.st["cell"])]
            for k, v in block.rows
        ]
        t = Table(data, colWidths=[self.width * 0.26, self.width * 0.74])
        t.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), self.font.regular),
                    ("GRID", (0, 0), (-1, -1), 0.5, _GRID),
                    ("BACKGROUND", (0, 0), (0, -1), _HEAD_BG),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        t.spaceAfter = 6
        return t

    def table(self, block: b.Table) -> list[Flowable]:
        if not block.rows:
            return [self.para(block.empty_text, "small")] if block.empty_text else []
        ncols = len(block.header)
        data: list[list[Any]] = [[Paragraph(_text(h), self.st["cellhead"]) for h in block.header]]
        cmds: list[tuple[Any, ...]] = [
            ("FONTNAME", (0, 0), (-1, -1), self.font.regular),
            ("GRID", (0, 0), (-1, -1), 0.5, _GRID),
            ("BACKGROUND", (0, 0), (-1, 0), _HEAD_BG),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
        for row in block.rows:
            data.append([Paragraph(_text(c), self.st["cell"]) for c in row.cells])
            for detail in row.details:
                r = len(data)
                data.append([Paragraph(_text(detail), self.st["cell"])] + [""] * (ncols - 1))
                cmds += [("SPAN", (0, r), (-1, r)), ("BACKGROUND", (0, r), (-1, r), _DETAIL_BG)]
        t = LongTable(
            data, colWidths=[self.width * w for w in block.widths], repeatRows=1, splitByRow=1
        )
        t.setStyle(TableStyle(cmds))
        return [t, Spacer(1, 6)]


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
