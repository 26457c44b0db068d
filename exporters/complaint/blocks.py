"""A small, format-neutral document model: headings, paragraphs, field lists and tables.

The 고소장 and the incident report are written once as a ``Document`` of these blocks; the PDF,
.docx and plain-text writers each render the same blocks, so the editable versions say exactly
what the signed PDF says.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Style(StrEnum):
    BODY = "body"
    SMALL = "small"
    TITLE = "title"
    CENTER = "center"
    RIGHT = "right"
    NOTICE = "notice"


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Para:
    text: str
    style: Style = Style.BODY


@dataclass(frozen=True)
class Fields:
    """Label/value pairs, drawn as a two-column grid."""

    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Row:
    """One table row; ``details`` are full-width lines under it (URLs, hashes) so they wrap
    across the whole page and are never interleaved with other columns."""

    cells: tuple[str, ...]
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    widths: tuple[float, ...]  # fractions of the text width, summing to 1
    empty_text: str = ""


@dataclass(frozen=True)
class Thumbnail:
    png: bytes
    caption: str


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Heading | Para | Fields | Table | Thumbnail | PageBreak


@dataclass(frozen=True)
class Document:
    title: str
    lang: str
    case_id: str
    footer: str  # printed with the page number on every page
    blocks: tuple[Block, ...]
