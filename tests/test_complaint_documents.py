"""The 고소장 and the incident report rendered from ``ComplaintData`` (no vault), read back with
poppler's tools: every section, every exhibit hash, Korean text, embedded fonts, wrapping."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from docx import Document as read_docx
from PIL import Image, ImageStat

from exporters.complaint import render
from exporters.complaint.complaint_ko import SECTIONS as KO_SECTIONS
from exporters.complaint.errors import ResidentNumberInvalid
from exporters.complaint.model import CRIME_LIST_THRESHOLD, normalise_resident_number
from exporters.complaint.report_en import SECTIONS as EN_SECTIONS
from exporters.complaint.thumbnails import blurred_thumbnail
from tests._complaint_helpers import (
    LONG_KO,
    long_url,
    pdffonts,
    pdftotext,
    sample_data,
    squash,
)
from tests.conftest import REPO


@pytest.fixture(scope="module")
def ko_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ko") / "complaint-ko.pdf"
    path.write_bytes(render(sample_data(), "ko", "pdf"))
    return path


@pytest.fixture(scope="module")
def en_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("en") / "incident-report-en.pdf"
    path.write_bytes(render(sample_data(), "en", "pdf"))
    return path


@pytest.fixture(scope="module")
def long_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200 exhibits, long Korean text, long URLs and many sightings."""
    path = tmp_path_factory.mktemp("long") / "complaint-ko.pdf"
    path.write_bytes(render(sample_data(200, 40, long_text=True), "ko", "pdf"))
    return path


def test_korean_complaint_has_every_section_of_the_standard_form(ko_pdf: Path) -> None:
    text = pdftotext(ko_pdf)
    flat = squash(text)
    schedule = ("별지: 증거자료 세부 목록", "1. 인적증거", "2. 증거서류", "3. 증거물")
    facts = ("가. 일시", "나. 장소", "다. 범행 방법", "라. 결과")
    for heading in (*KO_SECTIONS, "고 소 장", *schedule, "4. 기타 증거", *facts):
        assert squash(heading) in flat, heading
    assert "고소인은 피고소인을" in text
    assert squash("죄로 고소하오니 처벌하여 주시기 바랍니다.") in flat
    assert squash("형법 제156조 무고죄") in flat
    assert "서울강남경찰서 귀중" in text
    assert "성명불상" in text
    assert "김안심 (가명)" in text
    assert "2026년 1월 2일" in text


def test_every_exhibit_is_cited_with_its_number_and_full_hash(ko_pdf: Path, en_pdf: Path) -> None:
    data = sample_data()
    ko, en = squash(pdftotext(ko_pdf)), squash(pdftotext(en_pdf))
    for e in data.exhibits:
        assert e.sha256 in ko and e.sha256 in en
        assert squash(e.exhibit_ko) in ko
        assert e.exhibit in en
    for s in data.sightings:
        assert s.sha256 in en


def test_cover_names_case_bundle_and_certificate_on_every_page(ko_pdf: Path) -> None:
    first = squash(pdftotext(ko_pdf, first=1, last=1))
    assert "c0ffee000001" in first and "bundle-0001" in first and "AB:CD:EF:01" in first
    assert "pdfsig" in first and "sha256sum-c" in first
    pages = int(
        next(
            line.split()[-1]
            for line in subprocess.run(
                ["pdfinfo", str(ko_pdf)], capture_output=True, text=True, check=True
            ).stdout.splitlines()
            if line.startswith("Pages:")
        )
    )
    assert pages >= 3
    for page in range(1, pages + 1):
        text = pdftotext(ko_pdf, first=page, last=page)
        assert "c0ffee000001" in text, page
        assert f"{page}/{pages}" in squash(text), page


def test_english_report_sections(en_pdf: Path) -> None:
    text = pdftotext(en_pdf)
    for heading in (*EN_SECTIONS, "Incident report (draft)", "How to verify"):
        assert squash(heading) in squash(text), heading
    assert "Date / time" in text and "What happened" in text and "Who" in text
    assert "Takedown request to" in text
    assert "김안심 (pseudonym)" in text


def test_all_fonts_are_embedded_truetype_subsets(ko_pdf: Path, en_pdf: Path) -> None:
    for pdf in (ko_pdf, en_pdf):
        rows = pdffonts(pdf)
        assert rows, "no fonts listed"
        for row in rows:
            assert row[-5] == "yes", row  # the "emb" column
            assert "+" in row[0], row  # a subset name such as AAAAAA+NanumGothic


def test_long_case_wraps_urls_and_hashes_and_adds_a_crime_list(long_pdf: Path) -> None:
    data = sample_data(200, 40, long_text=True)
    assert data.uses_crime_list
    flat = squash(pdftotext(long_pdf))
    for e in data.exhibits:
        assert e.sha256 in flat, e.exhibit
        assert squash(e.exhibit_ko) in flat
    assert squash(long_url(1)) in flat  # a 400-character URL, wrapped but whole
    assert squash(LONG_KO) in flat
    assert "별지:범죄일람표" in flat
    for s in data.sightings:
        assert s.sha256 in flat
        assert squash(s.page_url) in flat
    # Nothing ran off the page: at 72 dpi every text box lies within the A4 media box.
    bbox = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "12", str(long_pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout
    xs = [float(v) for v in __import__("re").findall(r'xMax="([0-9.]+)"', bbox)]
    assert xs and max(xs) <= 595.3


def test_few_sightings_are_told_in_the_facts_not_a_crime_list(ko_pdf: Path) -> None:
    assert sample_data().sightings and not sample_data().uses_crime_list
    text = squash(pdftotext(ko_pdf))
    assert "범죄일람표" not in text
    assert squash("미러 사이트에 게시된 게시물") in text
    assert len(sample_data(3, CRIME_LIST_THRESHOLD + 1).sightings) > CRIME_LIST_THRESHOLD


def test_pages_render_and_are_not_blank(ko_pdf: Path, tmp_path: Path) -> None:
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(ko_pdf), str(tmp_path / "p")],
                   check=True, timeout=120)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) >= 3
    for page in pages:
        with Image.open(page) as img:
            gray = img.convert("L")
            dark = sum(gray.histogram()[:128])
            assert dark > 500, page.name  # some text was drawn
            assert ImageStat.Stat(gray).stddev[0] > 5


def test_same_input_gives_identical_bytes() -> None:
    data = sample_data()
    assert render(data, "ko", "pdf") == render(data, "ko", "pdf")
    assert render(data, "en", "txt") == render(data, "en", "txt")


def test_pseudonymous_document_never_shows_the_real_name() -> None:
    pseudo = render(sample_data(name="김안심"), "ko", "txt").decode()
    assert "김안심 (가명)" in pseudo and "주민등록번호: 가명 고소로 기재하지 않음" in pseudo
    real = render(
        sample_data(pseudonymous=False, name="홍길순", resident_number="900101-2345678"),
        "ko",
        "txt",
    ).decode()
    assert "홍길순" in real and "(가명)" not in real
    assert "900101-2345678" in real


def test_resident_numbers_are_checked_and_normalised() -> None:
    assert normalise_resident_number(" 9001012345678 ") == "900101-2345678"
    with pytest.raises(ResidentNumberInvalid) as err:
        normalise_resident_number("90-01-01")
    assert "90-01-01" not in str(err.value)


def test_no_chosen_statute_leaves_the_offence_to_fill_in() -> None:
    text = render(replace(sample_data(), statutes=()), "ko", "txt").decode()
    assert "고소인은 피고소인을 ○○죄로 고소하오니 처벌하여 주시기 바랍니다." in text


def test_agent_and_related_cases_boxes() -> None:
    from exporters.complaint import Agent, AgentKind, Answer, RelatedCases

    data = replace(
        sample_data(),
        agent=Agent(AgentKind.ATTORNEY, "박변호", "02-000-0000"),
        related=RelatedCases(duplicate_complaint=Answer.NO, civil_suit=Answer.YES, where="서울"),
    )
    text = render(data, "ko", "txt").decode()
    assert "■ 고소대리인 (성명: 변호사 박변호" in text and "□ 법정대리인" in text
    assert "제출하였던 사실이 있습니다 □ / 없습니다 ■" in text
    assert "민사소송 중에 있습니다 ■ / 없습니다 □" in text
    assert "제출인  박변호  (인)" in text


def test_docx_is_editable_and_says_the_same(tmp_path: Path) -> None:
    data = sample_data()
    doc = read_docx(io.BytesIO(render(data, "ko", "docx")))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    for heading in KO_SECTIONS:
        assert heading in text
    for e in data.exhibits:
        assert e.sha256 in cells
    assert doc.core_properties.author == "Ansim"


def test_text_version_has_sections_and_hashes() -> None:
    data = sample_data()
    text = render(data, "en", "txt").decode("utf-8")
    for heading in EN_SECTIONS:
        assert heading in text
    for e in data.exhibits:
        assert f"SHA-256: {e.sha256}" in text


def test_blurred_thumbnail_keeps_no_detail() -> None:
    img = Image.new("L", (400, 400))
    for x in range(400):
        for y in range(0, 400, 8):
            img.putpixel((x, y), 255)  # sharp stripes
    raw = io.BytesIO()
    img.save(raw, format="PNG")
    thumb = blurred_thumbnail(raw.getvalue())
    assert thumb is not None
    with Image.open(io.BytesIO(thumb)) as t:
        assert max(t.size) <= 120
        assert ImageStat.Stat(t.convert("L")).stddev[0] < 10  # the stripes are gone
    assert blurred_thumbnail(b"not an image") is None


def test_no_images_in_the_pdf_unless_asked(ko_pdf: Path, tmp_path: Path) -> None:
    listed = subprocess.run(["pdfimages", "-list", str(ko_pdf)], capture_output=True,
                            text=True, check=True).stdout.splitlines()
    assert len(listed) == 2  # only the header lines
    with_thumb = replace(
        sample_data(),
        exhibits=tuple(
            replace(e, thumbnail_png=blurred_thumbnail(_png_bytes()))
            for e in sample_data().exhibits
        ),
    )
    path = tmp_path / "thumbs.pdf"
    path.write_bytes(render(with_thumb, "ko", "pdf"))
    listed = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True,
                            text=True, check=True).stdout.splitlines()
    assert len(listed) > 2


def _png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (120, 40, 40)).save(out, format="PNG")
    return out.getvalue()


def test_without_a_truetype_font_the_cid_fallback_is_stated(tmp_path: Path) -> None:
    out = tmp_path / "fallback.pdf"
    code = (
        "import sys\n"
        "from exporters.complaint import fonts\n"
        "fonts.font_dirs = lambda: []\n"
        "from exporters.complaint import render\n"
        "from tests._complaint_helpers import sample_data\n"
        f"open({str(out)!r}, 'wb').write(render(sample_data(), 'ko', 'pdf'))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    names = [row[0] for row in pdffonts(out)]
    assert any("HYSMyeongJo" in n for n in names)
    assert squash("HYSMyeongJo-Medium, 문서에 포함되지 않음") in squash(pdftotext(out, last=1))
