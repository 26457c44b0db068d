"""Shared pieces of the complaint tests: deterministic sample data, a case built through the
real vault API, and readers that use poppler's command-line tools."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import subprocess
from pathlib import Path

from PIL import Image

from exporters.complaint import (
    ComplaintData,
    EventRow,
    ExhibitRow,
    Party,
    SightingRow,
    TakedownRow,
)
from vault import cases, evidence, notes, repo, statutes
from vault.records import (
    Case,
    HarmKind,
    ItemKind,
    Offender,
    Sighting,
    SightingStatus,
    Source,
    Takedown,
    TakedownStatus,
    TakedownUpdate,
)
from vault.store import Vault

LONG_KO = (
    "고소인은 2025년 가을 무렵 교제하던 피고소인과 헤어진 뒤, 피고소인이 교제 기간 중 촬영한 "
    "영상을 여러 인터넷 커뮤니티에 올렸다는 사실을 지인에게서 전해 들었습니다. "
) * 12
CASE_ID = "c0ffee000001"
DATE = dt.date(2026, 1, 2)


def fake_sha(n: int, salt: str = "e") -> str:
    return hashlib.sha256(f"{salt}{n}".encode()).hexdigest()


def long_url(n: int) -> str:
    return f"https://board.example.kr/view/{n}?" + "&".join(f"p{i}=값{i}x{n}" for i in range(30))


def sample_data(
    n_exhibits: int = 3,
    n_sightings: int = 2,
    *,
    long_text: bool = False,
    pseudonymous: bool = True,
    name: str = "김안심",
    resident_number: str = "",
) -> ComplaintData:
    """A fixed case: nothing here depends on the time, the machine or randomness."""
    exhibits = tuple(
        ExhibitRow(
            exhibit_no=i,
            kind="web_page" if i % 3 == 0 else "image",
            description=f"게시물 화면 캡처 {i}" + (" " + LONG_KO if long_text and i == 1 else ""),
            mime="image/png",
            size=1000 + i,
            sha256=fake_sha(i),
            source_url=long_url(i) if long_text and i % 5 == 1 else f"https://board.example.kr/view/{i}",
            platform="예시 커뮤니티",
            post_title=f"제목 {i}",
            uploader="나쁜닉 (bad_id)",
            posted_at="2025-12-03 10:00 (+09:00)",
            capture_time="2025-12-03T11:00:00+09:00",
            imported_utc=f"2026-01-02T00:00:{i % 60:02d}Z",
            captured_by="상담원",
        )
        for i in range(1, n_exhibits + 1)
    )
    sightings = tuple(
        SightingRow(
            exhibit_no=0,
            matched_exhibit_no=1 + (i % max(1, n_exhibits)),
            page_url=long_url(100 + i) if long_text else f"https://mirror.example.net/p/{i}",
            media_url=f"https://cdn.example.net/m/{i}.jpg",
            retrieved_utc=f"2026-01-0{1 + i % 9}T03:00:00Z",
            http_status=200,
            sha256=fake_sha(i, "s"),
            band="strong",
            matched_how=("exact", "region", "mirror")[i % 3],
            status="confirmed",
            platform="미러 사이트",
        )
        for i in range(1, n_sightings + 1)
    )
    return ComplaintData(
        case_id=CASE_ID,
        document_date=DATE,
        complainant=Party(name=name, resident_number=resident_number, phone="010-0000-0000"),
        pseudonymous=pseudonymous,
        offenders=(
            Offender(
                ids=("bad_id",),
                nicknames=("나쁜닉",),
                profile_urls=(long_url(999) if long_text else "https://sns.example.com/bad_id",),
            ),
        ),
        harm_kinds=("nonconsensual_distribution",),
        summary=LONG_KO if long_text else "전 연인이 촬영물을 게시하였습니다.",
        incident_place="인터넷 커뮤니티",
        incident_start="2025-12-01",
        incident_end="2025-12-31",
        statutes=tuple(s for s in (statutes.get("sva-14"), statutes.get("icna-44-7")) if s),
        exhibits=exhibits,
        sightings=sightings,
        takedowns=(
            TakedownRow(
                recipient="예시 커뮤니티",
                channel="web_form",
                date="2026-01-03",
                ticket="T-123",
                status="removed",
                sighting_exhibits=(),
                history=(("2026-01-04T00:00:00Z", "removed", "삭제 확인"),),
            ),
        ),
        events=(
            EventRow("2025-12-05", "counselling", "지원센터 상담"),
            EventRow("2025-12-06", "reported_to_police", "경찰 상담"),
        ),
        station="서울강남경찰서",
        bundle_id="bundle-0001",
        cert_fingerprint="AB:CD:EF:01",
    )


def png(seed: int, size: tuple[int, int] = (64, 48)) -> bytes:
    img = Image.new("RGB", size, ((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
    for x in range(0, size[0], 4):
        img.putpixel((x, seed % size[1]), (255, 255, 255))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def populate(vault: Vault, n_exhibits: int = 3, n_sightings: int = 2) -> Case:
    """A case built only through the real use cases and repo, like the app would."""
    case = cases.create_case(
        vault,
        "테스트 사건",
        pseudonym="김안심",
        real_name="홍길순",
        harm_kinds=(HarmKind.NONCONSENSUAL_DISTRIBUTION,),
        offenders=(Offender(ids=("bad_id",), nicknames=("나쁜닉",)),),
        statutes=("sva-14", "crim-283"),
        incident_place="인터넷 커뮤니티",
        incident_start="2025-12-01",
        summary="전 연인이 촬영물을 게시하였습니다.",
    )
    originals = [
        evidence.add_stream(
            vault,
            io.BytesIO(png(i)),
            case.id,
            original_name=f"capture-{i}.png",
            source=Source(url=long_url(i), platform="예시 커뮤니티", uploader_id="bad_id"),
            description=f"게시물 화면 캡처 {i}",
        ).item
        for i in range(1, n_exhibits + 1)
    ]
    sighting_ids = []
    for i in range(1, n_sightings + 1):
        copy = evidence.add_stream(
            vault,
            io.BytesIO(png(1000 + i)),
            case.id,
            original_name=f"found-{i}.png",
            source=Source(url=f"https://mirror.example.net/p/{i}", platform="미러 사이트"),
            kind=ItemKind.SIGHTING,
        ).item
        sighting = Sighting(
            id=repo.new_id(),
            case_id=case.id,
            item_id=copy.id,
            matched_item_id=originals[0].id,
            page_url=f"https://mirror.example.net/p/{i}",
            media_url=f"https://cdn.example.net/m/{i}.png",
            final_url=f"https://cdn.example.net/m/{i}.png",
            http_status=200,
            headers={},
            retrieved_utc=f"2026-01-02T0{i % 10}:00:00Z",
            sha256=copy.sha256,
            md5=copy.md5,
            band="strong",
            score=0.98,
            matched_how="whole",
            status=SightingStatus.CONFIRMED,
        )
        sighting_ids.append(sighting.id)
        with vault.transaction() as db:
            repo.put(db, sighting)
    if sighting_ids:
        takedown = Takedown(
            id=repo.new_id(),
            case_id=case.id,
            sighting_ids=tuple(sighting_ids[:1]),
            recipient="미러 사이트",
            channel="email",
            date="2026-01-03",
            ticket="REQ-77",
            status=TakedownStatus.SENT,
            history=(TakedownUpdate("2026-01-03T01:00:00Z", TakedownStatus.SENT, "메일 발송"),),
        )
        with vault.transaction() as db:
            repo.put(db, takedown)
    notes.add_event(vault, case.id, "2025-12-05", "counselling", "지원센터 상담")
    return case


def pdftotext(path: Path, *, first: int | None = None, last: int | None = None) -> str:
    args = ["pdftotext", "-enc", "UTF-8"]
    if first is not None:
        args += ["-f", str(first)]
    if last is not None:
        args += ["-l", str(last)]
    out = subprocess.run([*args, str(path), "-"], capture_output=True, timeout=120, check=True)
    return out.stdout.decode("utf-8")


def squash(text: str) -> str:
    """Text without any whitespace, so wrapped hashes and URLs compare whole."""
    return re.sub(r"\s+", "", text)


def pdffonts(path: Path) -> list[list[str]]:
    """Rows of ``pdffonts``: [name, ..., emb, sub, uni, ...] split on whitespace."""
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, timeout=60,
                         check=True)
    return [line.split() for line in out.stdout.splitlines()[2:] if line.strip()]


def pdfsig(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60)
