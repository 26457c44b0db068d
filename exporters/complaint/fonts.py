"""Find and register a Korean TrueType font so every glyph is embedded (as a subset) in the PDF.

Policy: NanumGothic (or another Korean TrueType font: Nanum Barun Gothic, Malgun Gothic,
AppleGothic) from a font folder packaged with Ansim, the user's font folders, or the system's.
reportlab cannot load CFF-based OpenType (e.g. Noto Sans CJK .otf), so those are skipped. Only when
no TrueType font is found do we fall back to reportlab's built-in CID font HYSMyeongJo-Medium,
which is *not* embedded (a PDF reader must supply it); documents say so on the cover.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

log = logging.getLogger(__name__)

PACKAGED_DIR = Path(__file__).with_name("fonts")
CID_FALLBACK = "HYSMyeongJo-Medium"

#: (regular, bold) file names in order of preference.
CANDIDATES: tuple[tuple[str, str], ...] = (
    ("NanumGothic.ttf", "NanumGothicBold.ttf"),
    ("NanumBarunGothic.ttf", "NanumBarunGothicBold.ttf"),
    ("malgun.ttf", "malgunbd.ttf"),
    ("AppleGothic.ttf", "AppleGothic.ttf"),
)


@dataclass(frozen=True)
class FontChoice:
    regular: str  # reportlab font names
    bold: str
    embedded: bool  # False only for the CID fallback
    family: str  # shown in warnings and the docs


def font_dirs() -> list[Path]:
    """Folders searched for fonts, packaged folder first, on Linux, macOS and Windows."""
    home = Path.home()
    dirs = [PACKAGED_DIR]
    if sys.platform == "win32":
        windir = Path(os.environ.get("WINDIR", r"C:\Windows"))
        local = os.environ.get("LOCALAPPDATA", "")
        dirs += [windir / "Fonts"]
        if local:
            dirs.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
    elif sys.platform == "darwin":
        dirs += [
            home / "Library" / "Fonts",
            Path("/Library/Fonts"),
            Path("/System/Library/Fonts/Supplemental"),
            Path("/System/Library/Fonts"),
        ]
    else:
        data_home = Path(os.environ.get("XDG_DATA_HOME", home / ".local" / "share"))
        dirs += [
            data_home / "fonts",
            home / ".fonts",
            Path("/usr/local/share/fonts"),
            Path("/usr/share/fonts/truetype/nanum"),
            Path("/usr/share/fonts/nanum"),
            Path("/usr/share/fonts"),
        ]
    return dirs


def _find(name: str, dirs: list[Path]) -> Path | None:
    for d in dirs:
        direct = d / name
        if direct.is_file():
            return direct
    for d in dirs:
        if not d.is_dir():
            continue
        try:
            for path in d.rglob(name):
                if path.is_file():
                    return path
        except OSError:
            continue
    return None


def find_korean_ttf(dirs: list[Path] | None = None) -> tuple[Path, Path] | None:
    """(regular, bold) paths of the first Korean TrueType font found; bold may equal regular."""
    dirs = font_dirs() if dirs is None else dirs
    for regular_name, bold_name in CANDIDATES:
        regular = _find(regular_name, dirs)
        if regular is None:
            continue
        bold = _find(bold_name, [regular.parent]) or regular
        return regular, bold
    return None


def _register_ttf(name: str, path: Path) -> bool:
    if name in pdfmetrics.getRegisteredFontNames():
        return True
    try:
        pdfmetrics.registerFont(TTFont(name, str(path)))
    except (TTFError, OSError) as exc:
        log.warning("a Korean font could not be loaded (%s)", type(exc).__name__)
        return False
    return True


@cache
def korean_font() -> FontChoice:
    """The font every complaint document uses (registered with reportlab once per process)."""
    found = find_korean_ttf()
    if found is not None:
        regular, bold = found
        family = regular.stem
        if _register_ttf(f"Ansim-{family}", regular):
            bold_name = f"Ansim-{family}-Bold"
            if bold == regular or not _register_ttf(bold_name, bold):
                bold_name = f"Ansim-{family}"
            return FontChoice(f"Ansim-{family}", bold_name, True, family)
    if CID_FALLBACK not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FALLBACK))
    log.warning("no Korean TrueType font found; using the built-in, non-embedded CID font")
    return FontChoice(CID_FALLBACK, CID_FALLBACK, False, CID_FALLBACK)
