"""The statute data file: complete, sourced, marked for verification, and loadable without
reportlab (the vault and the TUI offer statute tags from it)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO
from vault import statutes


def test_every_statute_names_its_source_and_verification() -> None:
    entries = statutes.all_statutes()
    assert len({s.id for s in entries}) == len(entries)
    for s in entries:
        for value in (s.law_ko, s.law_en, s.article, s.article_en, s.title_ko, s.title_en,
                      s.charge_ko, s.charge_en, s.summary_ko, s.summary_en):
            assert value.strip(), s.id
        assert "국가법령정보센터" in s.source, s.id
        assert "verify against 국가법령정보센터 before use" in s.last_verified, s.id
        assert not s.charge_ko.endswith("죄"), s.id  # 고소취지 appends 죄 itself


def test_the_issues_statutes_are_all_offered() -> None:
    cited = {(s.law_short_ko, s.article.split()[0]) for s in statutes.all_statutes()}
    for law, article in [
        ("성폭력처벌법", "제14조"),
        ("성폭력처벌법", "제14조의2"),
        ("성폭력처벌법", "제14조의3"),
        ("성폭력처벌법", "제13조"),
        ("청소년성보호법", "제11조"),
        ("정보통신망법", "제44조의7"),
        ("정보통신망법", "제70조"),
        ("형법", "제283조"),
        ("형법", "제324조"),
        ("형법", "제350조"),
        ("스토킹처벌법", "제18조"),
    ]:
        assert (law, article) in cited, (law, article)


def test_suggestions_follow_the_kind_of_harm() -> None:
    ids = [s.id for s in statutes.suggested_for(("deepfake",))]
    assert ids == ["sva-14-2"]
    assert "sva-14-3" in [s.id for s in statutes.suggested_for(("sextortion",))]
    assert statutes.suggested_for(()) == ()
    assert statutes.get("no-such-statute") is None


def test_loading_statutes_does_not_load_the_pdf_libraries() -> None:
    code = (
        "import sys\n"
        "from vault import statutes\n"
        "statutes.all_statutes()\n"
        "print(any(m.split('.')[0] in ('reportlab', 'pyhanko', 'docx') for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, timeout=120, check=True)
    assert out.stdout.strip() == "False"
