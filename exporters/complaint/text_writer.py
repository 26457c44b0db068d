"""Render a ``Document`` as plain UTF-8 text a lawyer can rework in any editor."""

from __future__ import annotations

from exporters.complaint import blocks as b

_RULE = "=" * 72


def _table(block: b.Table) -> list[str]:
    if not block.rows:
        return [block.empty_text] if block.empty_text else []
    lines: list[str] = []
    for row in block.rows:
        for head, cell in zip(block.header, row.cells, strict=True):
            value = cell.replace("\n", " / ")
            lines.append(f"  {head}: {value}")
        lines.extend(f"    {d}" for d in row.details)
        lines.append("")
    return lines


def render_text(doc: b.Document) -> bytes:
    lines: list[str] = []
    for block in doc.blocks:
        if isinstance(block, b.Heading):
            lines += ["", block.text, ("-" if block.level > 1 else "=") * 40]
        elif isinstance(block, b.Para):
            if block.style == b.Style.TITLE:
                lines += ["", block.text.center(72).rstrip(), ""]
            elif block.style == b.Style.RIGHT:
                lines += [line.rjust(72) for line in block.text.split("\n")]
            else:
                lines += [*block.text.split("\n"), ""]
        elif isinstance(block, b.Fields):
            for k, v in block.rows:
                first, *rest = v.split("\n") if v else [""]
                lines.append(f"{k}: {first}")
                lines += [f"    {r}" for r in rest]
            lines.append("")
        elif isinstance(block, b.Table):
            lines += _table(block)
        elif isinstance(block, b.Thumbnail):
            lines.append(f"[blurred preview: {block.caption}]")
        else:
            lines += ["", _RULE, ""]
    lines.append("")
    lines.append(doc.footer)
    text = "\n".join(line.rstrip() for line in lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return (text.strip() + "\n").encode("utf-8")
