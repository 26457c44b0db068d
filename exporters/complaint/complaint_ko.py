"""The Korean complaint draft (고소장), following the sections of the police/prosecution
standard complaint form (검찰·경찰 고소장 표준서식), as a format-neutral ``Document``.

범죄사실 is only a draft made from the case's records: the person (or their lawyer) must keep
only what they know or the evidence shows, which is why editable .docx and text versions exist.
"""

from __future__ import annotations

from exporters.complaint import blocks as b
from exporters.complaint.cover import cover
from exporters.complaint.model import (
    AgentKind,
    Answer,
    ComplaintData,
    ExhibitRow,
    SightingRow,
    TakedownRow,
)
from exporters.complaint.wording import (
    HARM_KO,
    HOW_KO,
    KIND_KO,
    STATUS_KO,
    date_ko,
    exhibits_ko,
    join,
    label,
    size,
    when,
)
from vault import statutes
from vault.records import Offender

TITLE = "고 소 장"
UNKNOWN = "불상"
FILL = "[확인 필요]"
NO_PSEUDONYM = "[가명 기재]"

SECTIONS = (
    "1. 고소인",
    "2. 피고소인",
    "3. 고소취지",
    "4. 범죄사실",
    "5. 고소이유",
    "6. 증거자료",
    "7. 관련사건의 수사 및 재판 여부",
    "8. 기타",
)

_METHOD = {
    "illegal_filming": "피고소인은 고소인의 의사에 반하여 고소인의 신체를 촬영하였습니다.",
    "nonconsensual_distribution": (
        "피고소인은 고소인의 신체가 촬영된 촬영물(또는 그 복제물)을 고소인의 의사에 반하여 "
        "정보통신망에 게시하는 등의 방법으로 반포하였습니다."
    ),
    "deepfake": (
        "피고소인은 고소인의 얼굴 등을 성적 욕망 또는 수치심을 유발할 수 있는 형태로 "
        "편집·합성한 허위영상물을 만들거나 반포하였습니다."
    ),
    "sextortion": (
        "피고소인은 고소인의 촬영물 등을 유포하겠다고 하며 고소인을 협박하였습니다."
    ),
}


def _box(checked: bool) -> str:
    return "■" if checked else "□"


def _complainant(data: ComplaintData) -> list[b.Block]:
    p = data.complainant
    name = p.name or FILL
    if data.pseudonymous:
        name = f"{p.name or NO_PSEUDONYM} (가명)"
    rows: list[tuple[str, str]] = [
        ("성명", name),
        ("주민등록번호", p.resident_number or ("가명 고소로 기재하지 않음" if data.pseudonymous
                                          else "")),
        ("주소", p.address),
        ("직업", p.occupation),
        ("사무실 주소", p.office_address),
        ("전화", p.phone),
        ("이메일", p.email),
    ]
    a = data.agent
    legal, attorney = a.kind == AgentKind.LEGAL, a.kind == AgentKind.ATTORNEY
    agent_text = (
        f"{_box(legal)} 법정대리인 (성명: {a.name if legal else ''}, "
        f"연락처: {a.phone if legal else ''})\n"
        f"{_box(attorney)} 고소대리인 (성명: 변호사 {a.name if attorney else ''}, "
        f"연락처: {a.phone if attorney else ''})"
    )
    rows.append(("대리인에 의한 고소", agent_text))
    out: list[b.Block] = [b.Heading(SECTIONS[0]), b.Fields(tuple(rows))]
    if data.pseudonymous:
        out.append(
            b.Para(
                "※ 고소인은 성폭력 피해자로서 가명으로 조서 작성 등 절차를 진행하기를 원합니다. "
                "실명과 인적사항은 수사기관에 별도로 제출합니다.",
                b.Style.SMALL,
            )
        )
    if a.kind != AgentKind.NONE:
        out.append(
            b.Para("※ 대리인에 의한 고소의 경우 위임장(법정대리인은 관계 서류)을 첨부합니다.",
                   b.Style.SMALL)
        )
    return out


def _offender_rows(o: Offender) -> tuple[tuple[str, str], ...]:
    other = []
    if o.ids:
        other.append("아이디: " + join(list(o.ids)))
    if o.nicknames:
        other.append("닉네임: " + join(list(o.nicknames)))
    if o.profile_urls:
        other.append("프로필 주소: " + join(list(o.profile_urls), "\n"))
    if o.notes:
        other.append(o.notes)
    return (
        ("성명", o.name or "성명불상"),
        ("주민등록번호", UNKNOWN),
        ("주소", UNKNOWN),
        ("직업", UNKNOWN),
        ("전화", join(list(o.phones)) or UNKNOWN),
        ("이메일", join(list(o.emails)) or UNKNOWN),
        ("기타사항", "\n".join(other) or "고소인과의 관계 및 피고소인의 인적사항을 아는 대로 기재"),
    )


def _offenders(data: ComplaintData) -> list[b.Block]:
    out: list[b.Block] = [b.Heading(SECTIONS[1])]
    offenders = data.offenders or (Offender(),)
    for n, o in enumerate(offenders, 1):
        if len(offenders) > 1:
            out.append(b.Heading(f"피고소인 {n}", 2))
        out.append(b.Fields(_offender_rows(o)))
    return out


def charges_sentence(data: ComplaintData) -> str:
    names = " 및 ".join(f"{s.charge_ko}죄" for s in data.statutes) if data.statutes else "○○죄"
    return f"고소인은 피고소인을 {names}로 고소하오니 처벌하여 주시기 바랍니다."


def _purpose(data: ComplaintData) -> list[b.Block]:
    out: list[b.Block] = [b.Heading(SECTIONS[2]), b.Para(charges_sentence(data))]
    if data.statutes:
        note = statutes.load().verify_note("ko")
        lead = (
            "※ 피해 유형에 따라 제안된 조항입니다. 적용 법조는 수사기관·변호사와 확인하십시오."
            if data.statutes_suggested
            else "※ 적용 법조(요약):"
        )
        out.append(b.Para(lead, b.Style.SMALL))
        for s in data.statutes:
            out.append(
                b.Para(f"· {s.citation('ko')}: {s.summary_ko} (출처: {s.source}; {note})",
                       b.Style.SMALL)
            )
    return out


def _sighting_sentence(s: SightingRow) -> str:
    where = s.platform or s.page_url
    parts = [f"{when(s.retrieved_utc, 'ko')} 기준 {where}에 게시된 게시물"]
    if s.uploader:
        parts.append(f"(게시자: {s.uploader})")
    evidence = exhibits_ko([s.exhibit_no])
    match = f"원본 {exhibits_ko([s.matched_exhibit_no])}과 {label(HOW_KO, s.matched_how)}"
    tail = f"이 확인되었습니다 ({join([evidence, match])})."
    return " ".join(parts) + tail


def _facts(data: ComplaintData) -> list[b.Block]:
    period = " ~ ".join(v for v in (data.incident_start, data.incident_end) if v) or FILL
    places = data.incident_place or join(
        sorted({e.platform for e in data.exhibits if e.platform}), ", "
    )
    methods = [_METHOD[k] for k in data.harm_kinds if k in _METHOD]
    if data.summary:
        methods.append(data.summary)
    out: list[b.Block] = [
        b.Heading(SECTIONS[3]),
        b.Para(
            "※ 아래는 보관함 기록으로 만든 초안입니다. 고소인이 직접 알고 있거나 증거로 확인되는 "
            "사실만 남기고 고쳐 쓰십시오.",
            b.Style.SMALL,
        ),
        b.Heading("가. 일시", 2),
        b.Para(period),
        b.Heading("나. 장소", 2),
        b.Para(places or FILL),
        b.Heading("다. 범행 방법", 2),
        b.Para("\n".join(methods) or FILL),
        b.Heading("라. 결과", 2),
    ]
    results = []
    if data.sightings:
        if data.uses_crime_list:
            results.append(
                f"고소인이 확인한 게시·유포는 {len(data.sightings)}건이며, 그 일시와 장소는 별지 "
                "범죄일람표 기재와 같습니다."
            )
        else:
            results.extend(_sighting_sentence(s) for s in data.sightings)
    removed = sum(1 for t in data.takedowns if t.status == "removed")
    if data.takedowns:
        results.append(
            f"고소인은 {len(data.takedowns)}건의 삭제 요청을 하였고, 그중 {removed}건이 "
            "삭제되었습니다(자세한 내용은 별지 증거목록 참조)."
        )
    out.append(b.Para("\n".join(results) or FILL))
    if data.events:
        out.append(b.Heading("마. 경위", 2))
        out.append(
            b.Table(
                ("일자", "내용"),
                tuple(b.Row((e.date, e.description)) for e in data.events),
                (0.25, 0.75),
            )
        )
    return out


def _reason(data: ComplaintData) -> list[b.Block]:
    kinds = join([HARM_KO.get(k, k) for k in data.harm_kinds]) or "디지털 성범죄"
    return [
        b.Heading(SECTIONS[4]),
        b.Para(
            f"고소인은 피고소인의 위와 같은 {kinds} 피해로 심각한 정신적 고통을 겪고 있으며, "
            "촬영물 등이 계속 유포될 우려가 있어 피고소인을 엄히 처벌하여 주시기를 바라 이 "
            "고소에 이르렀습니다."
        ),
    ]


def _evidence(data: ComplaintData) -> list[b.Block]:
    has = bool(data.exhibits)
    return [
        b.Heading(SECTIONS[5]),
        b.Para(f"{_box(not has)} 고소인은 고소인의 진술 외에 제출할 증거가 없습니다."),
        b.Para(f"{_box(has)} 고소인은 고소인의 진술 외에 제출할 증거가 있습니다."),
        b.Para("☞ 제출할 증거의 세부내역은 별지 증거자료 세부 목록과 같습니다.", b.Style.SMALL),
    ]


def _yes_no(answer: Answer) -> str:
    return f"있습니다 {_box(answer == Answer.YES)} / 없습니다 {_box(answer == Answer.NO)}"


def _related(data: ComplaintData) -> list[b.Block]:
    r = data.related
    return [
        b.Heading(SECTIONS[6]),
        b.Para(
            "① 중복 고소 여부: 본 고소장과 같은 내용의 고소장을 다른 검찰청 또는 경찰서에 "
            f"제출하거나 제출하였던 사실이 {_yes_no(r.duplicate_complaint)}"
        ),
        b.Para(
            "② 관련 형사사건 수사 유무: 본 고소장에 기재된 범죄사실과 관련된 사건 또는 공범에 "
            f"대하여 검찰청이나 경찰서에서 수사 중에 {_yes_no(r.criminal_investigation)}"
        ),
        b.Para(
            "③ 관련 민사소송 유무: 본 고소장에 기재된 범죄사실과 관련된 사건에 대하여 법원에서 "
            f"민사소송 중에 {_yes_no(r.civil_suit)}"
        ),
        b.Para(f"기타사항: {r.where}" if r.where else "기타사항: ", b.Style.SMALL),
    ]


def _pledge(data: ComplaintData) -> list[b.Block]:
    signer = data.complainant.name or ""
    if data.pseudonymous:
        signer = f"{signer or NO_PSEUDONYM} (가명)"
    out: list[b.Block] = [
        b.Heading(SECTIONS[7] + " (고소내용에 대한 진실확약)"),
        b.Para(
            "본 고소장에 기재한 내용은 고소인이 알고 있는 지식과 경험을 바탕으로 모두 사실대로 "
            "작성하였으며, 만일 허위사실을 고소하였을 때에는 형법 제156조 무고죄로 처벌받을 "
            "것임을 서약합니다."
        ),
        b.Para(date_ko(data.document_date), b.Style.RIGHT),
        b.Para(f"고소인  {signer}  (인)", b.Style.RIGHT),
    ]
    if data.agent.kind != AgentKind.NONE:
        out.append(b.Para(f"제출인  {data.agent.name}  (인)", b.Style.RIGHT))
    station = data.station or "○○"
    if not station.endswith(("경찰서", "검찰청")):
        station += "경찰서"
    out.append(b.Para(f"{station} 귀중", b.Style.TITLE))
    return out


def _exhibit_row(e: ExhibitRow) -> b.Row:
    desc = join([e.description, e.post_title], "\n") or label(KIND_KO, e.kind)
    posted = join([e.platform, f"게시자: {e.uploader}" if e.uploader else "",
                   f"게시일시: {e.posted_at}" if e.posted_at else ""], "\n")
    collected = join(
        [f"캡처: {when(e.capture_time, 'ko')}" if e.capture_time else "",
         f"보관: {when(e.imported_utc, 'ko')}" if e.imported_utc else ""],
        "\n",
    )
    details = []
    if e.source_url:
        details.append(f"출처 URL: {e.source_url}")
    if e.uploader_profile_url:
        details.append(f"게시자 프로필: {e.uploader_profile_url}")
    details.append(f"SHA-256: {e.sha256}")
    return b.Row(
        (
            f"{e.exhibit_ko}\n({e.exhibit})",
            f"{desc}\n[{label(KIND_KO, e.kind)}, {size(e.size)}]",
            posted,
            collected,
            "접수 시 제출",
        ),
        tuple(details),
    )


_EXHIBIT_HEADER = ("순번", "증거", "출처·게시 정보", "수집 일시", "제출 유무")
_EXHIBIT_WIDTHS = (0.14, 0.30, 0.24, 0.20, 0.12)


def _takedown_row(t: TakedownRow) -> b.Row:
    details = [f"관련 증거: {exhibits_ko(t.sighting_exhibits)}"] if t.sighting_exhibits else []
    details += [f"{when(u, 'ko')} {label(STATUS_KO, s)} {n}".strip() for u, s, n in t.history]
    return b.Row(
        (t.recipient, t.channel, t.date, t.ticket, label(STATUS_KO, t.status)), tuple(details)
    )


def _schedule(data: ComplaintData) -> list[b.Block]:
    out: list[b.Block] = [
        b.PageBreak(),
        b.Para("별지: 증거자료 세부 목록", b.Style.TITLE),
        b.Para(
            "각 증거의 SHA-256 해시값은 보관함에 넣을 때 계산한 값이며, 봉인된 증거 번들의 "
            "해시 목록과 같습니다. 원본은 변경 없이 암호화되어 보관되고, 취급 이력(보관 경위)은 "
            "번들의 custody 기록에 있습니다.",
            b.Style.SMALL,
        ),
        b.Heading("1. 인적증거 (목격자, 기타 참고인 등)"),
        b.Fields((("성명", ""), ("연락처", ""), ("입증하려는 내용", ""))),
        b.Heading("2. 증거서류 (진술서, 캡처 문서, 대화 기록 등)"),
        b.Table(_EXHIBIT_HEADER, tuple(_exhibit_row(e) for e in data.documents),
                _EXHIBIT_WIDTHS, empty_text="해당 없음"),
        b.Heading("3. 증거물 (사진, 동영상, 재유포 게시물 사본 등)"),
        b.Table(_EXHIBIT_HEADER, tuple(_exhibit_row(e) for e in data.objects),
                _EXHIBIT_WIDTHS, empty_text="해당 없음"),
    ]
    thumbs = [e for e in data.exhibits if e.thumbnail_png]
    if thumbs:
        out.append(
            b.Para("※ 아래 미리보기는 내용을 알아볼 수 없도록 강하게 흐리게 처리했습니다.",
                   b.Style.SMALL)
        )
        out.extend(b.Thumbnail(e.thumbnail_png or b"", e.exhibit_ko) for e in thumbs)
    out.append(b.Heading("4. 기타 증거"))
    extra = [
        "증거 파일 원본, 해시 목록과 보관 경위(chain of custody) 기록은 봉인된 증거 번들"
        + (f"(번들 ID {data.bundle_id})" if data.bundle_id else "")
        + "에 들어 있습니다."
    ]
    out.append(b.Para("\n".join(extra)))
    if data.takedowns:
        out.append(b.Heading("삭제 요청 내역", 2))
        out.append(
            b.Table(
                ("요청 대상", "방법", "일자", "접수번호", "상태"),
                tuple(_takedown_row(t) for t in data.takedowns),
                (0.26, 0.16, 0.18, 0.22, 0.18),
            )
        )
    return out


def _crime_list(data: ComplaintData) -> list[b.Block]:
    rows = []
    for n, s in enumerate(data.sightings, 1):
        details = [f"게시 URL: {s.page_url}"]
        if s.media_url and s.media_url != s.page_url:
            details.append(f"파일 URL: {s.media_url}")
        details.append(f"SHA-256: {s.sha256}")
        rows.append(
            b.Row(
                (
                    str(n),
                    when(s.retrieved_utc, "ko"),
                    join([s.platform, f"게시자: {s.uploader}" if s.uploader else "",
                          f"게시일시: {s.posted_at}" if s.posted_at else ""], "\n"),
                    f"{label(HOW_KO, s.matched_how)}\n(원본 {exhibits_ko([s.matched_exhibit_no])})",
                    exhibits_ko([s.exhibit_no]) or "-",
                ),
                tuple(details),
            )
        )
    return [
        b.PageBreak(),
        b.Para("별지: 범죄일람표", b.Style.TITLE),
        b.Para("고소인의 촬영물 등이 게시된 것으로 확인된 게시물 목록입니다 (확인 일시 순).",
               b.Style.SMALL),
        b.Table(("순번", "확인 일시", "게시 장소·게시자", "일치 방식", "증거"), tuple(rows),
                (0.08, 0.26, 0.30, 0.20, 0.16)),
    ]


def complaint_document(data: ComplaintData, *, font_embedded: bool = True) -> b.Document:
    blocks: list[b.Block] = cover(data, "ko", "고소장 (초안)", font_embedded=font_embedded)
    blocks.append(b.Para(TITLE, b.Style.TITLE))
    for part in (_complainant, _offenders, _purpose, _facts, _reason, _evidence, _related,
                 _pledge, _schedule):
        blocks.extend(part(data))
    if data.uses_crime_list:
        blocks.extend(_crime_list(data))
    if data.include_notes and data.notes:
        blocks.append(b.Heading("참고 메모"))
        blocks.extend(b.Para(n) for n in data.notes)
    return b.Document(
        title=f"고소장 (초안) - 사건 {data.case_id}",
        lang="ko",
        case_id=data.case_id,
        footer=f"고소장 초안 · 사건 번호 {data.case_id}",
        blocks=tuple(blocks),
    )
