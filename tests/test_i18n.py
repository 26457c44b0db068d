"""Every catalog key exists in Korean and in English, in every area of vault/locales, and every
key the app asks for exists."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest

from vault import i18n

LOCALES = Path(i18n.__file__).with_name("locales")
TUI = Path(__file__).resolve().parent.parent / "ui" / "tui"


def _catalog(area: str, lang: str) -> dict[str, str]:
    path = LOCALES / f"{area}.{lang}.json"
    assert path.is_file(), f"{path.name} is missing: every area needs a ko and an en catalog"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("area", sorted(i18n.areas()))
def test_every_key_is_in_both_languages(area: str) -> None:
    ko, en = _catalog(area, "ko"), _catalog(area, "en")
    assert sorted(set(en) - set(ko)) == [], f"{area}: in English only"
    assert sorted(set(ko) - set(en)) == [], f"{area}: in Korean only"


@pytest.mark.parametrize("area", sorted(i18n.areas()))
def test_placeholders_match_between_languages(area: str) -> None:
    ko, en = _catalog(area, "ko"), _catalog(area, "en")
    fmt = string.Formatter()
    for key in set(ko) & set(en):
        names_ko = {f for _, f, _, _ in fmt.parse(ko[key]) if f}
        names_en = {f for _, f, _, _ in fmt.parse(en[key]) if f}
        assert names_ko == names_en, key


@pytest.mark.parametrize("area", sorted(i18n.areas()))
def test_no_empty_translation(area: str) -> None:
    for lang in i18n.LANGS:
        empty = [k for k, v in _catalog(area, lang).items() if not str(v).strip()]
        assert empty == [], f"{area}.{lang}"


def test_every_literal_key_the_app_uses_exists() -> None:
    """``self.tr("...")`` and ``tr(lang, "...")`` with a literal key (f-string keys are checked
    by the flows that render them)."""
    pattern = re.compile(r"""\btr\((?:[a-z_.]+, )?"([a-z0-9_.]+)"[,)]""")
    used: set[str] = set()
    for source in TUI.rglob("*.py"):
        used.update(pattern.findall(source.read_text(encoding="utf-8")))
    assert len(used) > 100
    for lang in i18n.LANGS:
        missing = sorted(k for k in used if f"tui.{k}" not in i18n.catalog(lang))
        assert missing == [], lang


def test_every_key_binding_label_exists() -> None:
    pattern = re.compile(r"""Key\("[^"]+", "[a-z_.]+", "([a-z_]+)\"""")
    labels: set[str] = set()
    for source in TUI.rglob("*.py"):
        labels.update(pattern.findall(source.read_text(encoding="utf-8")))
    for lang in i18n.LANGS:
        assert sorted(k for k in labels if f"tui.key.{k}" not in i18n.catalog(lang)) == []
