"""Unit and property tests for the bundle's building blocks: safe file names, manifest and
bag-info text, the public custody chain, and CMS signatures checked without OpenSSL."""

from __future__ import annotations

import json
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from exporters.bundle import bagit_files, cms, layout, public_chain
from vault.records import CustodyEntry
from vault.signing import make_export_key


@given(st.text(max_size=400))
def test_safe_file_name_is_always_one_safe_component(name: str) -> None:
    safe = layout.safe_file_name(name)
    assert safe and len(safe.encode()) <= 150
    assert layout.is_safe_relative_path(safe) and "/" not in safe
    assert not set(safe) & set('\\:*?"<>|%')
    assert all(unicodedata.category(ch)[0] != "C" for ch in safe)
    assert safe == unicodedata.normalize("NFC", safe)
    assert safe != layout.ITEM_JSON
    assert safe.strip(" .") == safe


def test_safe_file_name_keeps_ordinary_names() -> None:
    assert layout.safe_file_name("카톡 캡처 2024-05-01.png") == "카톡 캡처 2024-05-01.png"
    assert layout.safe_file_name("C:\\Users\\me\\Desktop\\증거.jpg") == "증거.jpg"
    assert layout.safe_file_name("CON.txt") == "_CON.txt"
    assert layout.safe_file_name("item.json") == "original-item.json"
    long = layout.safe_file_name("가" * 200 + ".mp4")
    assert long.endswith(".mp4") and len(long.encode()) <= 150


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=20).map(lambda s: "data/" + layout.safe_file_name(s)),
        st.binary(min_size=32, max_size=32).map(bytes.hex),
        max_size=20,
    )
)
def test_manifest_round_trip(hashes: dict[str, str]) -> None:
    parsed = bagit_files.parse_manifest(bagit_files.manifest_bytes(hashes))
    assert parsed.as_dict() == hashes and parsed.bad_lines == () and parsed.duplicates == ()


def test_manifest_parser_names_bad_and_repeated_lines() -> None:
    text = f"{'a' * 64}  data/x\nnot a line\n{'b' * 64}  data/x\n".encode()
    parsed = bagit_files.parse_manifest(text)
    assert parsed.bad_lines == (2,) and parsed.duplicates == ("data/x",)


def test_bag_info_round_trip_and_folding() -> None:
    data = bagit_files.bag_info_bytes([("External-Identifier", "a\nb"), ("Payload-Oxum", "5.1")])
    assert data == b"External-Identifier: a b\nPayload-Oxum: 5.1\n"
    parsed = bagit_files.parse_bag_info(data + b"Long-Label: one\n  two\n")
    assert parsed["Long-Label"] == ["one two"] and parsed["Payload-Oxum"] == ["5.1"]


def _entries(n: int) -> list[CustodyEntry]:
    return [
        CustodyEntry(i, f"2026-01-02T00:00:0{i}Z", 540, "", "imported", "item1",
                     {"sha256": "ab" * 32, "이름": "사진"}, "", f"{i:064x}")
        for i in range(1, n + 1)
    ]


def test_public_chain_detects_edits_reordering_and_truncation() -> None:
    chain = public_chain.build(_entries(3)[:2], _entries(3)[2])
    data = chain.jsonl()
    ok = public_chain.check(data, chain.head, 3)
    assert ok.problems == () and ok.entries == 3

    lines = data.splitlines(keepends=True)
    edited = json.loads(lines[1])
    edited["details"]["sha256"] = "cd" * 32
    changed = lines[0] + public_chain.canonical(edited) + b"\n" + lines[2]
    assert [p.code for p in public_chain.check(changed, chain.head, 3).problems] == ["changed"]

    swapped = lines[1] + lines[0] + lines[2]
    codes = {p.code for p in public_chain.check(swapped, chain.head, 3).problems}
    assert {"order", "link"} <= codes

    truncated = b"".join(lines[:2])
    codes = {p.code for p in public_chain.check(truncated, chain.head, 3).problems}
    assert codes == {"head", "count"}

    assert [p.code for p in public_chain.check(b"{oops\n", None, None).problems] == ["unreadable"]


def test_cms_signature_checked_without_openssl() -> None:
    key = make_export_key("ab" * 16)
    sig = cms.sign_detached(key, b"tag manifest\n")
    assert cms.verify_signed_data(sig, b"tag manifest\n").certificate_der == key.cert_der
    for content, der, reason in [
        (b"tag manifest!\n", sig, "content_changed"),
        (b"tag manifest\n", sig[:-3], "unreadable"),
        (b"tag manifest\n", b"\x30\x03\x02\x01\x01", "unreadable"),
    ]:
        try:
            cms.verify_signed_data(der, content)
        except cms.CmsInvalid as exc:
            assert exc.reason == reason
        else:
            raise AssertionError("a bad signature was accepted")
    bad = bytearray(sig)
    bad[-4] ^= 0x01  # inside the ECDSA signature value
    try:
        cms.verify_signed_data(bytes(bad), b"tag manifest\n")
    except cms.CmsInvalid as exc:
        assert exc.reason in ("bad_signature", "unreadable")
    else:
        raise AssertionError("a damaged signature was accepted")
