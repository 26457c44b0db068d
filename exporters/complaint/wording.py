"""Small wording helpers shared by the Korean and English documents (times, labels, sizes)."""

from __future__ import annotations

import datetime as dt

KST = dt.timezone(dt.timedelta(hours=9))

HARM_KO = {
    "illegal_filming": "불법촬영",
    "nonconsensual_distribution": "촬영물 비동의 유포",
    "deepfake": "성적 허위영상물(딥페이크)",
    "sextortion": "촬영물 등을 이용한 협박(성착취 협박)",
    "other": "기타",
}
HARM_EN = {
    "illegal_filming": "covert or non-consensual filming",
    "nonconsensual_distribution": "non-consensual distribution of intimate images",
    "deepfake": "sexual deepfake",
    "sextortion": "sextortion (threats using intimate images)",
    "other": "other",
}
HOW_KO = {
    "exact": "완전 일치(SHA-256 동일)",
    "whole": "이미지 전체 유사",
    "region": "이미지 일부 영역 일치",
    "rotation": "회전된 이미지 일치",
    "mirror": "좌우 반전 이미지 일치",
    "video": "동영상 프레임 일치",
}
HOW_EN = {
    "exact": "exact copy (same SHA-256)",
    "whole": "whole image similar",
    "region": "part of the image matches",
    "rotation": "rotated image matches",
    "mirror": "mirrored image matches",
    "video": "video frames match",
}
STATUS_KO = {
    "needs_review": "검토 필요",
    "confirmed": "확인됨",
    "rejected": "제외",
    "drafted": "작성됨",
    "sent": "발송",
    "acknowledged": "접수 확인",
    "removed": "삭제됨",
    "refused": "거부됨",
    "reappeared": "재게시",
}
STATUS_EN = {
    "needs_review": "needs review",
    "confirmed": "confirmed",
    "rejected": "rejected",
    "drafted": "drafted",
    "sent": "sent",
    "acknowledged": "acknowledged",
    "removed": "removed",
    "refused": "refused",
    "reappeared": "reappeared",
}
KIND_KO = {
    "image": "사진·이미지",
    "video": "동영상",
    "document": "문서",
    "web_page": "웹페이지 캡처",
    "chat": "대화 기록",
    "sighting": "재유포 게시물 사본",
    "other": "기타 파일",
}
KIND_EN = {
    "image": "image",
    "video": "video",
    "document": "document",
    "web_page": "web page capture",
    "chat": "chat record",
    "sighting": "copy of a re-upload",
    "other": "other file",
}


def label(table: dict[str, str], key: str) -> str:
    return table.get(key, key)


def when(iso_utc: str, lang: str) -> str:
    """An ISO UTC time as ``2026-01-02 09:00:01 KST (00:00:01 UTC)`` / ``2026-01-02 00:00:01 UTC``.

    Anything that is not an ISO time (e.g. a date typed as shown on a site) is returned as is.
    """
    if not iso_utc:
        return ""
    try:
        t = dt.datetime.fromisoformat(iso_utc.replace("Z", "+00:00"))
    except ValueError:
        return iso_utc
    if t.tzinfo is None:
        return iso_utc.replace("T", " ")
    utc = t.astimezone(dt.UTC)
    if lang == "ko":
        kst = utc.astimezone(KST)
        return f"{kst:%Y-%m-%d %H:%M:%S} KST ({utc:%H:%M:%S} UTC)"
    return f"{utc:%Y-%m-%d %H:%M:%S} UTC"


def date_ko(d: dt.date) -> str:
    return f"{d.year}년 {d.month}월 {d.day}일"


def date_en(d: dt.date) -> str:
    return f"{d:%d %B %Y}"


def size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    if n < 1024**3:
        return f"{n / 1024 / 1024:.1f} MiB"
    return f"{n / 1024**3:.2f} GiB"


def exhibits_ko(numbers: tuple[int, ...] | list[int]) -> str:
    return ", ".join(f"갑 제{n}호증" for n in numbers if n)


def exhibits_en(numbers: tuple[int, ...] | list[int]) -> str:
    return ", ".join(f"E{n:04d}" for n in numbers if n)


def join(values: tuple[str, ...] | list[str], sep: str = ", ") -> str:
    return sep.join(v for v in values if v)
