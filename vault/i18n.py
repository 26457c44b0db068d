"""Korean and English text for every front end and export.

Catalogs are JSON files ``vault/locales/<area>.<lang>.json`` (one area per feature, so features
can be changed independently); all areas of a language are merged. ``tests/test_i18n.py`` fails
when a key exists in one language and not the other.

Error messages: ``error_text(exc, lang)`` looks up ``error.<ClassName>.title`` and
``error.<ClassName>.next`` (for the class or the nearest parent with the same sentence), the
raise site's ``error.what.<key>`` / ``error.next.<key>`` (see ``AnsimError``), and falls back to
the English text built into the error when a translation is missing.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

from vault.errors import AnsimError, Sentence, VaultDamaged

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


def _class_text(exc: AnsimError, attr: str, suffix: str, cat: dict[str, str]) -> str:
    """The translation of a class-level ``title`` / ``next_step``: the error's own class or
    the nearest parent whose sentence is the same (a subclass may reuse its parent's)."""
    value = str(getattr(exc, attr))
    for cls in type(exc).__mro__:
        if not (isinstance(cls, type) and issubclass(cls, AnsimError)):
            continue
        if getattr(cls, attr) == value and f"error.{cls.__name__}.{suffix}" in cat:
            return cat[f"error.{cls.__name__}.{suffix}"]
    return value


def _format(text: str, values: dict[str, object]) -> str:
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        return text


def _values(params: dict[str, object], lang: str) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, value in params.items():
        if name.endswith("_key"):
            out[name.removesuffix("_key")] = t(f"error.word.{value}", lang)
        elif isinstance(value, AnsimError):
            out[name] = _detail(value, lang)
        elif isinstance(value, list | tuple) and all(isinstance(v, AnsimError) for v in value):
            out[name] = " ".join(_detail(v, lang) for v in value)  # type: ignore[arg-type]
        else:
            out[name] = value
    return out


def _detail(exc: AnsimError, lang: str) -> str:
    """The translated "what happened" sentence, without the affected part of a VaultDamaged."""
    if exc.key:
        text = catalog(lang).get(f"error.what.{exc.key}") or catalog("en").get(
            f"error.what.{exc.key}"
        )
        if text:
            return _format(text, _values(exc.params, lang))
    return exc.detail if isinstance(exc, VaultDamaged) else exc.what


def error_what(exc: AnsimError, lang: str) -> str:
    """What happened, in ``lang`` (English text of the raise site when no key was given)."""
    detail = _detail(exc, lang)
    if not isinstance(exc, VaultDamaged):
        return detail
    if exc.part_key:
        part = _format(t(f"error.part.{exc.part_key}", lang), _values(exc.params, lang))
    else:
        part = exc.part
    return " ".join(x for x in (t("error.affected", lang, part=part), detail) if x)


def sentence(text: str, lang: str) -> str:
    """``text`` in ``lang`` when it is a :class:`~vault.errors.Sentence`, else unchanged."""
    if not isinstance(text, Sentence):
        return text
    found = catalog(lang).get(text.key) or catalog("en").get(text.key)
    return _format(found, _values(text.params, lang)) if found else str(text)


def error_text(exc: AnsimError, lang: str) -> tuple[str, str, str]:
    """(title, what happened, what to do next) for an error, in ``lang``."""
    cat = catalog(lang)
    title = _class_text(exc, "title", "title", cat)
    if exc.next_step == type(exc).next_step:
        nxt = _class_text(exc, "next_step", "next", cat)
    elif exc.key and f"error.next.{exc.key}" in cat:
        nxt = _format(cat[f"error.next.{exc.key}"], _values(exc.params, lang))
    else:
        nxt = exc.next_step
    return title, error_what(exc, lang), nxt
