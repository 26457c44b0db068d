"""Statutes a case can be tagged with, read from ``vault/data/statutes.json``.

The wording lives in the data file, not in code, so a lawyer can review and update it. Every
entry names where its wording comes from (``source``) and when it was last checked
(``last_verified``); the one-line summaries are paraphrases, never the statute text, and must be
checked against 국가법령정보센터 before a document is filed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).with_name("data") / "statutes.json"


@dataclass(frozen=True)
class Statute:
    """One statute entry; ``charge_ko`` is the 죄명 used in 고소취지 (without the final 죄)."""

    id: str
    law_ko: str
    law_short_ko: str
    law_en: str
    article: str
    article_en: str
    title_ko: str
    title_en: str
    charge_ko: str
    charge_en: str
    summary_ko: str
    summary_en: str
    harm_kinds: tuple[str, ...]
    source: str
    last_verified: str

    def citation(self, lang: str) -> str:
        """``성폭력처벌법 제14조 (카메라 등을 이용한 촬영)`` or the English equivalent."""
        if lang == "ko":
            return f"{self.law_ko} {self.article} ({self.title_ko})"
        return f"{self.law_en}, {self.article_en} ({self.title_en})"

    def summary(self, lang: str) -> str:
        return self.summary_ko if lang == "ko" else self.summary_en

    def charge(self, lang: str) -> str:
        return self.charge_ko if lang == "ko" else self.charge_en


@dataclass(frozen=True)
class StatuteData:
    statutes: tuple[Statute, ...]
    verify_note_ko: str
    verify_note_en: str
    charge_names_source: str

    def verify_note(self, lang: str) -> str:
        return self.verify_note_ko if lang == "ko" else self.verify_note_en


def _statute(raw: dict[str, object]) -> Statute:
    kinds = raw.get("harm_kinds", [])
    return Statute(
        id=str(raw["id"]),
        law_ko=str(raw["law_ko"]),
        law_short_ko=str(raw["law_short_ko"]),
        law_en=str(raw["law_en"]),
        article=str(raw["article"]),
        article_en=str(raw["article_en"]),
        title_ko=str(raw["title_ko"]),
        title_en=str(raw["title_en"]),
        charge_ko=str(raw["charge_ko"]),
        charge_en=str(raw["charge_en"]),
        summary_ko=str(raw["summary_ko"]),
        summary_en=str(raw["summary_en"]),
        harm_kinds=tuple(str(k) for k in kinds) if isinstance(kinds, list) else (),
        source=str(raw["source"]),
        last_verified=str(raw["last_verified"]),
    )


@cache
def load(path: Path = DATA_FILE) -> StatuteData:
    raw = json.loads(path.read_text(encoding="utf-8"))
    about = raw["about"]
    return StatuteData(
        statutes=tuple(_statute(s) for s in raw["statutes"]),
        verify_note_ko=str(about["verify_note_ko"]),
        verify_note_en=str(about["verify_note_en"]),
        charge_names_source=str(about["charge_names_source"]),
    )


def all_statutes() -> tuple[Statute, ...]:
    return load().statutes


def get(statute_id: str) -> Statute | None:
    return next((s for s in all_statutes() if s.id == statute_id), None)


def suggested_for(harm_kinds: tuple[str, ...]) -> tuple[Statute, ...]:
    """Statutes the data file links to these harm kinds, in file order (a suggestion only)."""
    wanted = set(harm_kinds)
    return tuple(s for s in all_statutes() if wanted.intersection(s.harm_kinds))
