"""Stored records leave out default fields and still round-trip exactly."""

from __future__ import annotations

from vault import codec
from vault.records import (
    BlobRef,
    CaptureMethod,
    Case,
    Consent,
    EvidenceItem,
    HarmKind,
    ItemKind,
    Offender,
    Source,
)


def _item(**changes: object) -> EvidenceItem:
    base = dict(
        id="abc", case_id="c1", exhibit_no=3, kind=ItemKind.IMAGE,
        blob=BlobRef("b" * 32, 10, "s" * 64, "m" * 32), original_name="사진.jpg", size=10,
        mime="image/jpeg", sha256="s" * 64, md5="m" * 32, imported_utc="2026-01-01T00:00:00Z",
        imported_offset_minutes=540,
    )
    base.update(changes)
    return EvidenceItem(**base)  # type: ignore[arg-type]


def test_defaults_are_left_out_of_storage() -> None:
    stored = codec.dumps(_item())
    assert '"source"' not in stored and '"tags"' not in stored
    assert codec.loads(EvidenceItem, stored) == _item()


def test_every_non_default_value_round_trips() -> None:
    item = _item(
        source=Source(url="https://example.invalid/p/1", uploader_id="u1"),
        tags=("a", "b"), include_in_export=False, capture_method=CaptureMethod.CLIPBOARD,
        exif={"DateTimeOriginal": "2024:01:01 10:00:00"}, blob=None,
    )
    assert codec.loads(EvidenceItem, codec.dumps(item)) == item
    case = Case(
        id="c1", title="t", pseudonym="p", harm_kinds=(HarmKind.DEEPFAKE,),
        offenders=(Offender(nicknames=("n",)), Offender()),
        consents=(Consent("police", True, "2026-01-01"),),
    )
    assert codec.loads(Case, codec.dumps(case)) == case
