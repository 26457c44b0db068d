"""Draw a ``vault.preview.PreviewCells`` grid with half blocks: "▀" in the top colour on the
bottom colour. The cells come from memory; nothing is written anywhere."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from vault.preview import PreviewCells

HALF_BLOCK = "\u2580"


def cells_to_text(cells: PreviewCells) -> Text:
    text = Text(no_wrap=True, overflow="crop")
    styles: dict[tuple[tuple[int, int, int], tuple[int, int, int]], Style] = {}
    for i, row in enumerate(cells.rows):
        if i:
            text.append("\n")
        for top, bottom in row:
            style = styles.get((top, bottom))
            if style is None:
                style = Style.parse(
                    f"rgb({top[0]},{top[1]},{top[2]}) on rgb({bottom[0]},{bottom[1]},{bottom[2]})"
                )
                styles[(top, bottom)] = style
            text.append(HALF_BLOCK, style)
    return text


class PreviewView(Static):
    """Shows a preview grid, or a short line of text (loading, no preview, ...)."""

    DEFAULT_CSS = """
    PreviewView { width: auto; height: auto; min-width: 10; min-height: 3; }
    """

    def __init__(self, message: str = "", *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(message, id=id)
        self.blurred = True
        self.has_picture = False

    def show_cells(self, cells: PreviewCells) -> None:
        self.blurred = cells.blurred
        self.has_picture = True
        self.update(cells_to_text(cells))

    def show_message(self, message: str) -> None:
        self.has_picture = False
        self.blurred = True
        self.update(message)
