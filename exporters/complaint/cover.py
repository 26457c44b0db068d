"""The cover page both documents share: ids, the export certificate, and how to verify."""

from __future__ import annotations

from exporters.complaint import blocks as b
from exporters.complaint.model import ComplaintData
from exporters.complaint.wording import date_en, date_ko

_KO = {
    "case": "사건 번호",
    "bundle": "증거 번들 ID",
    "no_bundle": "(번들 없이 단독으로 출력한 문서)",
    "cert": "내보내기 인증서 지문 (SHA-256)",
    "date": "작성일",
    "name_mode": "고소인 이름 표기",
    "pseudonym": "가명 (실명은 수사기관에 별도로 알립니다)",
    "real": "실명",
    "exhibits": "증거",
    "exhibit_count": "{n}건 (갑 제{first}호증 ~ 갑 제{last}호증)",
    "no_exhibits": "없음",
    "verify": "검증 방법",
    "v1": (
        "1. 이 PDF는 보관함의 내보내기 키로 전자서명(PAdES)되어 있습니다. 'pdfsig 파일.pdf' 또는 "
        "pyHanko로 서명이 유효한지, 서명 인증서의 SHA-256 지문이 위 지문과 같은지 확인하십시오. "
        "파일이 한 바이트라도 바뀌면 서명이 무효로 표시됩니다."
    ),
    "v2": (
        "2. 증거 번들(BagIt) 폴더 안에서 'sha256sum -c manifest-sha256.txt'로 모든 증거 파일의 "
        "해시를 확인하고, 'openssl cms -verify'로 tagmanifest-sha256.txt.p7s 서명을 확인하십시오. "
        "자세한 방법은 번들의 verify/ 폴더에 있는 안내문에 있습니다."
    ),
    "v3": (
        "3. 별지 증거목록의 갑 제N호증 번호(E000N)와 SHA-256 값은 번들의 data/evidence/E000N/ "
        "폴더와 해시 목록의 값과 같습니다."
    ),
    "draft": (
        "이 문서는 안심(Ansim) 증거 보관함의 기록으로 만든 초안입니다. 제출하기 전에 모든 내용을 "
        "확인하고 고쳐 쓰십시오(편집용 .docx·.txt 파일을 함께 만들 수 있습니다). 법 조항 설명은 "
        "요약일 뿐 조문 원문이 아니므로 국가법령정보센터에서 현행 조문을 확인하십시오."
    ),
    "font_warning": (
        "알림: 이 컴퓨터에서 한글 트루타입 글꼴을 찾지 못해 PDF 뷰어가 제공하는 기본 한글 글꼴"
        "(HYSMyeongJo-Medium, 문서에 포함되지 않음)로 만들었습니다. 다른 컴퓨터에서는 글자가 "
        "다르게 보일 수 있습니다. 나눔고딕을 설치한 뒤 다시 만드는 것을 권합니다."
    ),
}

_EN = {
    "case": "Case id",
    "bundle": "Evidence bundle id",
    "no_bundle": "(printed on its own, outside a bundle)",
    "cert": "Export certificate fingerprint (SHA-256)",
    "date": "Date",
    "name_mode": "Name of the person harmed",
    "pseudonym": "pseudonym (the real name is given to the authorities separately)",
    "real": "real name",
    "exhibits": "Exhibits",
    "exhibit_count": "{n} (E{first:04d} to E{last:04d})",
    "no_exhibits": "none",
    "verify": "How to verify",
    "v1": (
        "1. This PDF is digitally signed (PAdES) with the vault's export key. Check with "
        "'pdfsig file.pdf' or pyHanko that the signature is valid and that the signing "
        "certificate's SHA-256 fingerprint equals the one above. Changing a single byte of the "
        "file makes the signature invalid."
    ),
    "v2": (
        "2. Inside the evidence bundle (a BagIt bag), run 'sha256sum -c manifest-sha256.txt' to "
        "check every evidence file, and 'openssl cms -verify' to check the signature "
        "tagmanifest-sha256.txt.p7s. The verify/ folder of the bundle explains each step."
    ),
    "v3": (
        "3. Exhibit numbers (E0001 = 갑 제1호증) and SHA-256 values in this report are the same as "
        "in the bundle's data/evidence/E0001/ folders and hash list."
    ),
    "draft": (
        "This report was drafted by Ansim from the records of an encrypted evidence vault. Check "
        "and edit everything before use (editable .docx and text versions can be produced). "
        "Statute descriptions are summaries, not the statute text: verify against "
        "국가법령정보센터 (Korea's national law information centre) before use."
    ),
    "font_warning": (
        "Note: no Korean TrueType font was found on this computer, so Korean text uses the PDF "
        "reader's built-in font (HYSMyeongJo-Medium, not embedded) and may look different "
        "elsewhere. Install NanumGothic and create the document again."
    ),
}


def cover(data: ComplaintData, lang: str, title: str, *, font_embedded: bool) -> list[b.Block]:
    w = _KO if lang == "ko" else _EN
    nums = [e.exhibit_no for e in data.exhibits]
    exhibit_text = (
        w["exhibit_count"].format(n=len(nums), first=min(nums), last=max(nums))
        if nums
        else w["no_exhibits"]
    )
    out: list[b.Block] = [
        b.Para(title, b.Style.TITLE),
        b.Fields(
            (
                (w["case"], data.case_id),
                (w["bundle"], data.bundle_id or w["no_bundle"]),
                (w["cert"], data.cert_fingerprint),
                (w["date"], date_ko(data.document_date) if lang == "ko" else
                 date_en(data.document_date)),
                (w["name_mode"], w["pseudonym"] if data.pseudonymous else w["real"]),
                (w["exhibits"], exhibit_text),
            )
        ),
        b.Heading(w["verify"], 2),
        b.Para(w["v1"]),
        b.Para(w["v2"]),
        b.Para(w["v3"]),
        b.Para(w["draft"], b.Style.NOTICE),
    ]
    if not font_embedded:
        out.append(b.Para(w["font_warning"], b.Style.NOTICE))
    out.append(b.PageBreak())
    return out
