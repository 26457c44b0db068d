"""The evidence commands through the real ``ansim`` CLI (subprocesses on a real vault): every
field round-trips through ``--json``, hostile batches report per file, deletion asks first, and
no field of any record leaks into any byte of the vault folder."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from tests._evidence_helpers import LENS_SERIAL, OWNER, SERIAL, photo, png_bomb, truncated
from tests.conftest import PASSPHRASE, run_cli

# Every value below is unique, so finding it anywhere in the vault folder means a leak.
CASE = {
    "title": "LEAKCASE-제목-8841",
    "pseudonym": "가명누출검사-3301",
    "real_name": "실명누출-홍길동-5521",
    "summary": "SUMMARY-LEAK-요약-7710 what happened",
    "counsellor": "COUNSELLOR-LEAK-4410",
    "place": "PLACE-LEAK-장소-9032",
}
OFFENDER = {
    "name": "OFFENDER-NAME-LEAK-1204",
    "id": "offender_id_leak_5531",
    "nickname": "가해자닉네임누출-6620",
    "phone": "010-9911-4477",
    "email": "leak.offender.8810@mail.example",
    "url": "https://sns.example/leak_offender_2299",
    "notes": "OFFENDER-NOTES-LEAK-7781",
}
SOURCE = {
    "--url": "https://board.example/view/LEAKURL-4471?page=2",
    "--platform": "PLATFORM-LEAK-3390",
    "--post-title": "게시물제목누출-POSTTITLE-1122",
    "--uploader": "uploader_leak_8893",
    "--uploader-nickname": "업로더닉누출-2231",
    "--uploader-url": "https://board.example/user/UPLOADERURL-5512",
    "--posted-at": "2024.03.01 21:15 (POSTEDAT-LEAK-4401)",
    "--posted-tz": "Asia/Seoul",
}
LINK_URL = "https://other.example/LINKURL-LEAK-6673"
NOTE = "NOTE-LEAK-메모누출-9914"
EVENT = "EVENT-LEAK-사건설명누출-3378"
DESCRIPTION = "DESCRIPTION-LEAK-4488"
CAPTURED_BY = "CAPTURER-LEAK-1166"
TAG = "TAG-LEAK-2209"
FILE_NAME = "FILENAME-LEAK-사진-7733.jpg"


def cli(vault: Path, *args: str) -> Any:
    """Run a command that must succeed and print JSON; return the parsed JSON."""
    r = run_cli("--vault", str(vault), "--passphrase-stdin", *args, stdin=PASSPHRASE + "\n")
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads(r.stdout)


def run(vault: Path, *args: str, stdin: str | None = None) -> Any:
    return run_cli(
        "--vault",
        str(vault),
        "--passphrase-stdin",
        *args,
        stdin=PASSPHRASE + "\n" if stdin is None else stdin,
    )


def _source_args() -> list[str]:
    return [x for pair in SOURCE.items() for x in pair]


def test_every_field_round_trips_through_the_cli_and_nothing_leaks(
    cli_vault: Path, tmp_path: Path
) -> None:
    case = cli(
        cli_vault,
        "case", "new", CASE["title"],
        "--pseudonym", CASE["pseudonym"],
        "--real-name", CASE["real_name"],
        "--summary", CASE["summary"],
        "--counsellor", CASE["counsellor"],
        "--place", CASE["place"],
        "--start", "2024.3.1",
        "--end", "2024-03-09 18:00",
        "--harm", "illegal_filming", "--harm", "sextortion",
        "--statute", "성폭력처벌법 제14조",
        "--offender-name", OFFENDER["name"],
        "--offender-id", OFFENDER["id"],
        "--offender-nickname", OFFENDER["nickname"],
        "--offender-phone", OFFENDER["phone"],
        "--offender-email", OFFENDER["email"],
        "--offender-url", OFFENDER["url"],
        "--offender-notes", OFFENDER["notes"],
        "--consent", "police:yes:2024-03-05:CONSENT-NOTE-LEAK-5150",
        "--json",
    )  # fmt: skip
    assert case["title"] == CASE["title"] and case["pseudonym"] == CASE["pseudonym"]
    assert case["incident_start"] == "2024-03-01" and case["incident_end"] == "2024-03-09T18:00:00"
    assert case["harm_kinds"] == ["illegal_filming", "sextortion"]
    (offender,) = case["offenders"]
    assert offender == {
        "name": OFFENDER["name"],
        "ids": [OFFENDER["id"]],
        "nicknames": [OFFENDER["nickname"]],
        "phones": [OFFENDER["phone"]],
        "emails": [OFFENDER["email"]],
        "profile_urls": [OFFENDER["url"]],
        "notes": OFFENDER["notes"],
    }
    assert case["consents"] == [
        {"recipient": "police", "given": True, "date": "2024-03-05",
         "note": "CONSENT-NOTE-LEAK-5150"}
    ]  # fmt: skip

    folder = tmp_path / "FOLDER-LEAK-폴더-3345"
    folder.mkdir()
    data = photo(seed=21)
    (folder / FILE_NAME).write_bytes(data)
    added = cli(
        cli_vault,
        "add", str(folder), "--case", case["id"], *_source_args(),
        "--description", DESCRIPTION, "--captured-by", CAPTURED_BY, "--tag", TAG,
        "--note", NOTE, "--json",
    )  # fmt: skip
    (result,) = added["results"]
    assert result["status"] == "added" and result["exhibit"] == "E0001"
    assert result["sha256"] == hashlib.sha256(data).hexdigest()

    item = cli(cli_vault, "show", "E0001", "--json")
    expected_source = {
        "url": SOURCE["--url"],
        "platform": SOURCE["--platform"],
        "post_title": SOURCE["--post-title"],
        "uploader_id": SOURCE["--uploader"],
        "uploader_nickname": SOURCE["--uploader-nickname"],
        "uploader_profile_url": SOURCE["--uploader-url"],
        "posted_at": SOURCE["--posted-at"],
        "posted_at_timezone": SOURCE["--posted-tz"],
    }
    assert item["source"] == expected_source
    assert item["original_name"] == FILE_NAME
    assert item["original_folder"] == folder.name
    assert item["description"] == DESCRIPTION and item["captured_by"] == CAPTURED_BY
    assert item["tags"] == [TAG] and item["include_in_export"] is True
    assert item["capture_time"] == "2024-03-01T21:15:09+09:00"
    assert item["capture_time_source"] == "exif"
    assert item["capture_method"] == "file_import"
    assert item["mime"] == "image/jpeg" and item["kind"] == "image"
    assert item["exif"]["BodySerialNumber"] == SERIAL
    assert "BodySerialNumber" in item["exif_sensitive"] and "GPSLatitude" in item["exif_sensitive"]
    assert item["has_fingerprint"] is True
    assert [n["text"] for n in item["notes"]] == [NOTE]
    assert item["imported_offset_minutes"] == item["imported_offset_minutes"] // 1
    assert [e["action"] for e in item["custody"]] == ["imported", "note_added"]

    link = cli(
        cli_vault,
        "add-link", LINK_URL, "--platform", "LINKPLATFORM-LEAK-7001",
        "--uploader", "linkuploader_leak_1010", "--seen-at", "2024-03-02 10:00+09:00",
        "--note", "LINKNOTE-LEAK-6060", "--json",
    )  # fmt: skip
    assert link["link"]["source"]["url"] == LINK_URL
    assert link["link"]["seen_at"] == "2024-03-02T10:00:00+09:00"
    again = cli(cli_vault, "add-link", LINK_URL, "--json")
    assert again["duplicate"] is True and again["link"]["id"] == link["link"]["id"]

    event = cli(cli_vault, "event", "2024년 3월 5일", "reported_to_police", EVENT, "--json")
    assert event["date"] == "2024-03-05" and event["description"] == EVENT
    case_note = cli(cli_vault, "note", "CASENOTE-LEAK-8080", "--json")
    assert case_note["item_id"] == "" and case_note["case_id"] == case["id"]

    edited = cli(
        cli_vault, "edit", "E0001", "--platform", "EDITED-PLATFORM-LEAK-3131", "--untag", TAG,
        "--tag", "EDITTAG-LEAK-7272", "--exclude", "--json",
    )  # fmt: skip
    assert edited["source"]["platform"] == "EDITED-PLATFORM-LEAK-3131"
    assert edited["source"]["url"] == SOURCE["--url"]
    assert edited["tags"] == ["EDITTAG-LEAK-7272"] and edited["include_in_export"] is False

    shown = cli(cli_vault, "case", "show", "--json")
    assert shown["case"] == case | {"updated_utc": shown["case"]["updated_utc"]}
    assert [i["id"] for i in shown["items"]] == [item["id"]]
    assert [k["source"]["url"] for k in shown["links"]] == [LINK_URL]
    assert sorted(n["text"] for n in shown["notes"]) == sorted([NOTE, "CASENOTE-LEAK-8080"])
    assert [e["description"] for e in shown["events"]] == [EVENT]

    secrets = [
        *CASE.values(),
        *OFFENDER.values(),
        *SOURCE.values(),
        LINK_URL,
        NOTE,
        EVENT,
        DESCRIPTION,
        CAPTURED_BY,
        TAG,
        FILE_NAME,
        folder.name,
        "CONSENT-NOTE-LEAK-5150",
        "LINKPLATFORM-LEAK-7001",
        "linkuploader_leak_1010",
        "LINKNOTE-LEAK-6060",
        "CASENOTE-LEAK-8080",
        "EDITED-PLATFORM-LEAK-3131",
        "EDITTAG-LEAK-7272",
        SERIAL,
        LENS_SERIAL,
        OWNER,
        "TestPhone 12",
        hashlib.sha256(data).hexdigest(),
        hashlib.md5(data, usedforsecurity=False).hexdigest(),
    ]
    _assert_no_leaks(cli_vault, secrets, [data[:64], data[-64:]])


def _assert_no_leaks(folder: Path, needles: list[str], raw: list[bytes]) -> None:
    patterns: list[bytes] = list(raw)
    for text in needles:
        patterns.append(text.encode("utf-8"))
        patterns.append(text.encode("utf-16-le"))
        if all(c in "0123456789abcdef" for c in text):
            patterns.append(bytes.fromhex(text))
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files
    for path in files:
        blob = path.read_bytes()
        for pattern in patterns:
            assert pattern not in blob, f"plaintext found in vault file {path.name}"


def test_hostile_batch_reports_each_file_and_originals_can_be_removed(
    cli_vault: Path, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "good.jpg").write_bytes(photo(seed=40))
    (inbox / "same.jpg").write_bytes(photo(seed=40))
    (inbox / "bomb.png").write_bytes(png_bomb())
    (inbox / "cut.jpg").write_bytes(truncated(photo(seed=41)))
    (inbox / "empty.jpg").write_bytes(b"")
    (inbox / "loop").symlink_to(inbox / "loop")
    os.mkfifo(inbox / "pipe")
    r = run(cli_vault, "add", str(inbox), str(tmp_path / "missing.jpg"), "--json")
    assert r.returncode == 1, r.stderr
    report = json.loads(r.stdout)
    status = {Path(x["file"]).name: x["status"] for x in report["results"]}
    assert status == {
        "bomb.png": "added",
        "cut.jpg": "added",
        "empty.jpg": "failed",
        "good.jpg": "added",
        "loop": "failed",
        "pipe": "failed",
        "same.jpg": "duplicate",
        "missing.jpg": "failed",
    }
    flags = {Path(x["file"]).name: x.get("flags") for x in report["results"]}
    assert flags["bomb.png"] == ["image_too_large"] and flags["cut.jpg"] == ["image_unreadable"]
    assert (report["added"], report["duplicates"], report["failed"]) == (3, 1, 4)
    assert "Traceback" not in r.stderr and "Warning" not in r.stderr

    text = run(cli_vault, "--lang", "ko", "add", str(inbox / "empty.jpg"), str(inbox / "same.jpg"))
    assert text.returncode == 1
    assert "empty.jpg을(를) 추가하지 못했습니다: 빈 파일(0바이트)" in text.stdout
    assert "두 번 넣지 않았습니다" in text.stdout
    assert "1개는 이미 있음, 1개는 추가하지 못함" in text.stdout

    # Removing originals after a verified import, with the honest warning.
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    original = downloads / "photo.jpg"
    data = photo(seed=50)
    original.write_bytes(data)
    r = run(cli_vault, "add", str(original), "--remove-originals", "--progress")
    assert r.returncode == 0, r.stderr
    assert not original.exists() and list(downloads.iterdir()) == []
    assert "cloud" in r.stderr  # the honest warning
    assert "[1/1] 100%" in r.stderr
    exhibit = re.search(r"Added (E\d{4}) \(photo.jpg\)", r.stdout)
    assert exhibit is not None, r.stdout
    out = tmp_path / "back.jpg"
    assert run(cli_vault, "extract", exhibit[1], "--out", str(out)).returncode == 0
    assert out.read_bytes() == data


def test_deleting_asks_first_and_case_deletion_needs_confirmation(
    cli_vault: Path, tmp_path: Path
) -> None:
    (tmp_path / "a.jpg").write_bytes(photo(seed=60))
    case = cli(cli_vault, "case", "new", "Delete me", "--json")
    cli(cli_vault, "add", str(tmp_path / "a.jpg"), "--case", case["id"], "--json")
    edited = cli(
        cli_vault, "case", "edit", case["id"], "--title", "Delete me (edited)", "--harm", "other",
        "--offender-nickname", "first", "--json",
    )  # fmt: skip
    edited = cli(
        cli_vault, "case", "edit", case["id"], "--add-offender", "--offender-id", "second_id",
        "--consent", "legal_aid:no:2024-04-01", "--json",
    )  # fmt: skip
    assert edited["title"] == "Delete me (edited)" and edited["harm_kinds"] == ["other"]
    assert [o["nicknames"] for o in edited["offenders"]] == [["first"], []]
    assert edited["offenders"][1]["ids"] == ["second_id"]
    assert edited["consents"] == [
        {"recipient": "legal_aid", "given": False, "date": "2024-04-01", "note": ""}
    ]
    refused = run(cli_vault, "rm", "E0001", "--case", case["id"])
    assert refused.returncode == 2 and "--yes" in refused.stderr
    refused_case = run(cli_vault, "case", "rm", case["id"])
    assert refused_case.returncode == 1 and "confirmation" in refused_case.stderr
    gone = run(cli_vault, "case", "rm", case["id"], "--yes")
    assert gone.returncode == 0, gone.stderr
    assert cli(cli_vault, "case", "list", "--json") == []
    missing = run(cli_vault, "show", "E0001")
    assert missing.returncode == 5 and "Traceback" not in missing.stderr
    log = run(cli_vault, "log", "--json")
    assert log.returncode == 0
    actions = [e["action"] for e in json.loads(log.stdout)]
    assert actions[-2:] == ["deleted", "case_deleted"]


def test_capture_on_a_headless_machine_says_so(cli_vault: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    r = run_cli(
        "--vault", str(cli_vault), "--passphrase-stdin", "--lang", "ko", "capture", "screen",
        stdin=PASSPHRASE + "\n", env={**env, "DISPLAY": "", "WAYLAND_DISPLAY": ""},
    )  # fmt: skip
    assert r.returncode == 1
    assert "캡처할 수 없습니다" in r.stderr and "Traceback" not in r.stderr
