"""Render a ``Document`` as an editable Word file (python-docx), entirely in memory."""

from __future__ import annotations

import io

from docx import Document as new_docx
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from exporters.complaint import blocks as b

_FONT = "NanumGothic"
_ALIGN = {
    b.Style.TITLE: WD_ALIGN_PARAGRAPH.CENTER,
    b.Style.CENTER: WD_ALIGN_PARAGRAPH.CENTER,
    b.Style.RIGHT: WD_ALIGN_PARAGRAPH.RIGHT,
}


def _set_font(document: object) -> None:
    style = document.styles["Normal"]  # type: ignore[attr-defined]
    style.font.name = _FONT
    style.font.size = Pt(10)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), _FONT)


def render_docx(doc: b.Document) -> bytes:
    d = new_docx()
    _set_font(d)
    section = d.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(18))
    section.footer.paragraphs[0].text = doc.footer
    props = d.core_properties
    props.title = doc.title
    props.author = "Ansim"
    props.last_modified_by = "Ansim"
    props.comments = ""
    for block in doc.blocks:
        if isinstance(block, b.Heading):
            d.add_heading(block.text, level=min(block.level, 3))
        elif isinstance(block, b.Para):
            p = d.add_paragraph(block.text)
            if block.style in _ALIGN:
                p.alignment = _ALIGN[block.style]
            if block.style == b.Style.TITLE:
                for run in p.runs:
                    run.bold = True
                    run.font.size = Pt(16)
            elif block.style in (b.Style.SMALL, b.Style.NOTICE):
                for run in p.runs:
                    run.font.size = Pt(8.5)
        elif isinstance(block, b.Fields):
            t = d.add_table(rows=0, cols=2)
            t.style = "Table Grid"
            for k, v in block.rows:
                cells = t.add_row().cells
                cells[0].text, cells[1].text = k, v
        elif isinstance(block, b.Table):
            if not block.rows:
                if block.empty_text:
                    d.add_paragraph(block.empty_text)
                continue
            t = d.add_table(rows=1, cols=len(block.header))
            t.style = "Table Grid"
            for cell, head in zip(t.rows[0].cells, block.header, strict=True):
                cell.text = head
            for row in block.rows:
                cells = t.add_row().cells
                for cell, value in zip(cells, row.cells, strict=True):
                    cell.text = value
                for detail in row.details:
                    extra = t.add_row().cells
                    merged = extra[0].merge(extra[-1])
                    merged.text = detail
        elif isinstance(block, b.Thumbnail):
            d.add_picture(io.BytesIO(block.png), width=Mm(30))
            d.add_paragraph(block.caption)
        else:
            d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()
