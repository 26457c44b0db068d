"""Cases, links, notes and timeline events through the real API on a real vault."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests._evidence_helpers import photo
from tests.conftest import PASSPHRASE
from vault import cases, custody, evidence, links, notes, repo
from vault.clock import fixed_clock
from vault.collect.dates import normalise_when, optional_when
from vault.crypto.kdf import FLOOR
from vault.errors import InputRejected, NotFound
from vault.records import (
    Case,
    Consent,
    EvidenceItem,
    HarmKind,
    Link,
    Note,
    Offender,
    Source,
    TimelineEvent,
)
from vault.store import Vault

OFFENDERS = (
    Offender(
        name="",
        ids=("id_one", "id_two"),
        nicknames=("닉네임",),
        phones=("010-0000-1111",),
        emails=("x@mail.example",),
        profile_urls=("https://sns.example/x",),
        notes="met online",
    ),
    Offender(name="김가해", nicknames=("other",)),
)


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    """One real vault shared by this module's tests (each works in cases of its own), so the
    suite pays for one key derivation instead of one per test."""
    path = tmp_path_factory.mktemp("shared") / "vault"
    v, _code = Vault.create(
        path, PASSPHRASE, params=FLOOR, clock=fixed_clock(datetime(2026, 1, 2, tzinfo=UTC))
    )
    try:
        yield v
    finally:
        v.lock()


def _full_case(vault: Vault) -> Case:
    return cases.create_case(
        vault,
        "  서울 사건  ",
        "가명 A",
        real_name="홍길동",
        summary="요약",
        harm_kinds=("illegal_filming", HarmKind.DEEPFAKE, "illegal_filming"),
        offenders=OFFENDERS,
        counsellor="상담원 B",
        consents=(
            Consent("police", True, "2024.3.5", "서면 동의"),
            Consent("platforms", False, ""),
        ),
        statutes=("성폭력처벌법 제14조", "정보통신망법 제44조의7"),
        incident_place="서울",
        incident_start="2024-03-01",
        incident_end="2024-03-09 18:00",
    )


def test_every_case_field_round_trips(new_vault: tuple[Vault, str], vault_path: Path) -> None:
    vault = new_vault[0]
    case = _full_case(vault)
    assert case.title == "서울 사건" and case.pseudonym == "가명 A"
    assert case.harm_kinds == (HarmKind.ILLEGAL_FILMING, HarmKind.DEEPFAKE)
    assert case.consents[0].date == "2024-03-05" and case.consents[1].date == ""
    assert case.incident_end == "2024-03-09T18:00:00"
    assert case.created_utc == case.updated_utc != ""
    vault.lock()
    with Vault.open(vault_path, PASSPHRASE) as again:
        assert cases.get_case(again, case.id) == case
        assert cases.get_case(again, "서울 사건") == case
        assert cases.get_case(again, case.id[:6]) == case


def test_case_edits_are_checked_and_logged(vault: Vault) -> None:
    case = _full_case(vault)
    edited = cases.update_case(vault, case, summary="새 요약", harm_kinds=["sextortion"])
    assert edited.summary == "새 요약" and edited.harm_kinds == (HarmKind.SEXTORTION,)
    assert edited.updated_utc > case.updated_utc
    assert custody.entries(vault.db, case.id)[-1].details == {"fields": ["harm_kinds", "summary"]}
    with pytest.raises(InputRejected):
        cases.update_case(vault, edited, harm_kinds=["not-a-harm"])
    with pytest.raises(InputRejected):
        cases.update_case(vault, edited, id="other")
    with pytest.raises(InputRejected):
        cases.update_case(vault, edited, title="  ")
    with pytest.raises(InputRejected):
        cases.update_case(vault, edited, incident_start="sometime in March")
    assert cases.get_case(vault, case.id) == edited


def test_which_case_a_command_means(new_vault: tuple[Vault, str]) -> None:
    vault = new_vault[0]
    first = cases.resolve_case(vault, None)
    assert first.title == "My case" and cases.resolve_case(vault, None) == first
    cases.create_case(vault, "Twin")
    cases.create_case(vault, "Twin")
    with pytest.raises(cases.CaseChoiceNeeded):
        cases.resolve_case(vault, None)
    with pytest.raises(cases.CaseChoiceNeeded):
        cases.get_case(vault, "Twin")
    with pytest.raises(NotFound):
        cases.get_case(vault, "No such case")


def test_deleting_a_case_needs_confirmation_and_shreds_its_items(
    vault: Vault, tmp_path: Path
) -> None:
    doomed = cases.create_case(vault, "Doomed")
    kept = cases.create_case(vault, "Kept")
    shared_bytes = photo(seed=70)
    own = evidence.add_stream(
        vault, io.BytesIO(photo(seed=71)), doomed.id, original_name="own.jpg"
    ).item
    shared = evidence.add_stream(
        vault, io.BytesIO(shared_bytes), doomed.id, original_name="s.jpg"
    ).item
    other = evidence.add_stream(
        vault, io.BytesIO(shared_bytes), kept.id, original_name="s.jpg"
    ).item
    links.add_link(vault, doomed.id, Source(url="https://x.example/1"))
    notes.add_note(vault, doomed.id, "note", item_id=own.id)
    notes.add_event(vault, doomed.id, "2024-03-01", "incident", "it happened")

    with pytest.raises(cases.ConfirmationNeeded):
        cases.delete_case(vault, doomed, confirm="yes")
    with pytest.raises(cases.ConfirmationNeeded):
        cases.delete_case(vault, doomed, confirm="")
    assert len(evidence.list_items(vault, doomed.id)) == 2

    gone = cases.delete_case(vault, doomed, confirm="Doomed", reason="the person asked")
    assert {i.id for i in gone.items} == {own.id, shared.id}
    assert doomed.id not in {c.id for c in cases.list_cases(vault)}
    assert kept in cases.list_cases(vault)
    for cls in (EvidenceItem, Link, Note, TimelineEvent):
        assert repo.list_records(vault.db, cls, doomed.id) == []
    assert own.blob is not None and own.blob.blob_id not in vault.blob_ids()
    assert other.blob is not None and other.blob.blob_id in vault.blob_ids()  # still used
    assert vault.read_blob_bytes(other.blob.blob_id) == shared_bytes
    assert custody.entries(vault.db, own.id)[-1].action == "deleted"
    last = custody.entries(vault.db, doomed.id)[-1]
    assert last.action == "case_deleted" and last.details["items"] == 2
    assert vault.check().ok


def test_links_record_addresses_without_files(vault: Vault) -> None:
    case = cases.create_case(vault, "Links")
    src = Source(
        url=" https://site.example/post/9 ",
        platform="Site",
        post_title="title",
        uploader_id="up",
        uploader_nickname="nick",
        uploader_profile_url="https://site.example/u/up",
        posted_at="3시간 전",
        posted_at_timezone="+09:00",
    )
    link, existed = links.add_link(
        vault, case.id, src, note="deleted before I could save it", seen_at="2024.3.2 10:00",
        captured_by="me", tags=("t",),
    )  # fmt: skip
    assert not existed
    assert link.source.url == "https://site.example/post/9"
    assert link.source.posted_at == "3시간 전"  # as displayed, never reinterpreted
    assert link.seen_at == "2024-03-02T10:00:00"
    assert links.get_link(vault, link.id) == link
    again, existed = links.add_link(vault, case.id, Source(url="https://site.example/post/9"))
    assert existed and again == link
    for bad in ("", "   ", "https://a.example/with space"):
        with pytest.raises(InputRejected):
            links.add_link(vault, case.id, Source(url=bad))
    updated = links.update_link(vault, link, last_status="gone", note="checked")
    assert links.list_links(vault, case.id) == [updated]
    with pytest.raises(InputRejected):
        links.update_link(vault, link, case_id="other")
    links.delete_link(vault, updated, reason="duplicate")
    assert links.list_links(vault, case.id) == []
    actions = [e.action for e in custody.entries(vault.db, link.id)]
    assert actions == ["link_added", "link_edited", "link_deleted"]


def test_notes_belong_to_a_case_or_one_of_its_items(vault: Vault) -> None:
    case = cases.create_case(vault, "Notes")
    other = cases.create_case(vault, "Other")
    item = evidence.add_stream(vault, io.BytesIO(b"chat log"), case.id, original_name="c").item
    n1 = notes.add_note(vault, case.id, "  about the case  ")
    n2 = notes.add_note(vault, case.id, "about the item", item_id=item.id[:6])
    assert n1.text == "about the case" and n1.item_id == ""
    assert n2.item_id == item.id
    assert notes.list_notes(vault, case.id, item_id=item.id) == [n2]
    with pytest.raises(InputRejected):
        notes.add_note(vault, case.id, "   ")
    with pytest.raises(InputRejected):
        notes.add_note(vault, other.id, "wrong case", item_id=item.id)
    with pytest.raises(NotFound):
        notes.add_note(vault, "nosuchcase", "x")
    edited = notes.edit_note(vault, n1, "changed")
    assert notes.get_note(vault, n1.id) == edited
    notes.delete_note(vault, edited)
    assert notes.list_notes(vault, case.id) == [n2]


def test_timeline_events_are_dated_and_sorted(vault: Vault) -> None:
    case = cases.create_case(vault, "Timeline")
    later = notes.add_event(vault, case.id, "2024/03/10", "reported_to_police", "신고")
    earlier = notes.add_event(vault, case.id, "2024년 3월 1일 21:15", "incident", "유포 발견")
    assert (earlier.date, later.date) == ("2024-03-01T21:15:00", "2024-03-10")
    assert notes.list_events(vault, case.id) == [earlier, later]
    with pytest.raises(InputRejected):
        notes.add_event(vault, case.id, "last Tuesday", "incident", "x")
    with pytest.raises(InputRejected):
        notes.add_event(vault, case.id, "2024-03-01", " ", "x")
    notes.delete_event(vault, later)
    assert notes.list_events(vault, case.id) == [earlier]


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2024-03-01", "2024-03-01"),
        ("2024.3.1", "2024-03-01"),
        ("2024. 3. 1.", "2024-03-01"),
        ("2024/03/01 09:05", "2024-03-01T09:05:00"),
        ("2024년 3월 1일", "2024-03-01"),
        ("2024-03-01T21:15:09+09:00", "2024-03-01T21:15:09+09:00"),
        ("2024-03-01 21:15 +0900", "2024-03-01T21:15:00+09:00"),
        ("2024-03-01 21:15Z", "2024-03-01T21:15:00Z"),
    ],
)
def test_dates_people_type_become_iso(text: str, iso: str) -> None:
    assert normalise_when(text) == iso


@pytest.mark.parametrize(
    "text", ["yesterday", "2024-02-30", "2024-13-01", "2024-03-01 25:00", "2024-03-01+09:00"]
)
def test_impossible_dates_are_refused(text: str) -> None:
    with pytest.raises(InputRejected):
        normalise_when(text)
    assert optional_when("  ") == ""


def test_the_first_named_case_is_made_and_later_typos_are_not(
        new_vault: tuple[Vault, str]) -> None:
    """``ansim add photo.jpg --case "Instagram"`` in a new vault makes that case (as the README
    shows); once a case exists, a name that matches none is an error pointing to the list."""
    vault = new_vault[0]
    with pytest.raises(NotFound):
        cases.resolve_case(vault, "Instagram", create_if_none=False)
    made = cases.resolve_case(vault, "  Instagram ")
    assert made.title == "Instagram" and cases.list_cases(vault) == [made]
    assert cases.resolve_case(vault, "Instagram") == made
    with pytest.raises(NotFound) as caught:
        cases.resolve_case(vault, "Instagarm")
    assert caught.value.key == "no_case" and "ansim case list" in caught.value.next_step
    assert cases.list_cases(vault) == [made]
