"""Korean and English text for every front end and export.

Catalogs are JSON files ``vault/locales/<area>.<lang>.json`` (one area per feature, so features
can be changed independently); all areas of a language are merged. ``tests/test_i18n.py`` fails
when a key exists in one language and not the other.

Error messages: ``error_text(exc, lang)`` looks up ``error.<ClassName>.title`` and
``error.<ClassName>.next`` and falls back to the English text built into the error class.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

from vault.errors import AnsimError

LANGS = ("ko", "en")
DEFAULT_LANG = "ko"
_DIR = Path(__file__).with_name("locales")


@cache
def catalog(lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted(_DIR.glob(f"*.{lang}.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def areas() -> set[str]:
    return {p.name.split(".")[0] for p in _DIR.glob("*.json")}


def guess_lang() -> str:
    """Korean when the system locale is Korean, English otherwise."""
    for var in ("ANSIM_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "ko" if value.lower().startswith("ko") else "en"
    return "en"


def t(key: str, lang: str = DEFAULT_LANG, /, **values: object) -> str:
    """Translate ``key``; missing keys fall back to English, then to the key itself."""
    text = catalog(lang).get(key) or catalog("en").get(key) or key
    if values:
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def error_text(exc: AnsimError, lang: str) -> tuple[str, str, str]:
    """(title, what happened, what to do next) for an error, in ``lang``."""
    code = exc.code
    cat = catalog(lang)
    title = cat.get(f"error.{code}.title") or exc.title
    nxt = exc.next_step
    if f"error.{code}.next" in cat and nxt == type(exc).next_step:
        nxt = cat[f"error.{code}.next"]
    return title, exc.what, nxt
