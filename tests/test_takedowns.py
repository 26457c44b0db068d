"""Takedown requests, status history, notices from the data-file templates, and re-checks
against a real loopback server (gone, changed, online, reappeared)."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from tests._scan_server import Route, ScanServer, encode, photo
from vault import cases, evidence, i18n, repo, sightings, takedowns
from vault.errors import InputRejected
from vault.records import Recheck, TakedownStatus
from vault.scanning import FetchPolicy, UrlListSource, recheck, recheck_detail, run_scan
from vault.store import Vault

FAST = FetchPolicy(read_timeout_s=2.0, per_host_interval_s=0.0, per_host_concurrency=4)
JPEG = {"Content-Type": "image/jpeg"}


def test_recipient_data_is_complete_and_marked_for_verification() -> None:
    recips = {r.key: r for r in takedowns.recipients()}
    assert {"kcsc", "d4u", "seoul_center", "google_search", "naver"} <= set(recips)
    assert any(c.value == "1377" for c in recips["kcsc"].channels)
    assert "방송미디어통신심의위원회" in recips["kcsc"].name_ko
    assert "방송통신심의위원회" in recips["kcsc"].name_ko
    assert any(c.value == "02-735-8994" for c in recips["d4u"].channels)
    assert "안심지원센터" in recips["seoul_center"].name_ko
    for r in recips.values():
        assert "verify before use" in r.source.lower(), r.key
        assert r.checked and r.name_ko and r.name_en and r.channels


def _found(vault: Vault, srv: ScanServer) -> tuple[str, dict[str, str]]:
    case = cases.create_case(vault, "Takedown test", "피해자A", real_name="홍길동")
    for seed in (1, 2, 3):
        evidence.add_stream(vault, io.BytesIO(encode(photo(seed), "PNG")), case.id,
                            original_name=f"o{seed}.png")
    srv.routes["/a.jpg"] = Route(encode(photo(1), quality=80), headers=JPEG)
    srv.routes["/b.jpg"] = Route(encode(photo(2), quality=80), headers=JPEG)
    srv.routes["/c.jpg"] = Route(encode(photo(3), quality=80), headers=JPEG)
    srv.routes["/d.jpg"] = Route(encode(photo(3).resize((320, 240))), headers=JPEG)
    urls = tuple(srv.url(f"/{n}.jpg") for n in "abcd")
    report = run_scan(vault, UrlListSource(urls), case_id=case.id, policy=FAST)
    ids = {Path(s.media_url).stem: s.id for s in report.sightings}
    assert set(ids) == set("abcd")
    return case.id, ids


def test_takedown_history_notice_and_recheck(vault: Vault) -> None:
    with ScanServer() as srv:
        case_id, ids = _found(vault, srv)
        td = takedowns.new_takedown(vault, case_id, [ids["c"], ids["d"]], "kcsc", "web_form",
                                    date="2026-01-05")
        assert td.status == TakedownStatus.DRAFTED and len(td.history) == 1
        td = takedowns.update_takedown(vault, td.id, "sent", ticket="KC-123")
        td = takedowns.update_takedown(vault, td.id, TakedownStatus.REMOVED, note="mail")
        assert [h.status for h in td.history] == ["drafted", "sent", "removed"]
        assert td.ticket == "KC-123"

        ko = takedowns.draft_notice(vault, td.id, "ko", contact="counsellor@example.org")
        en = takedowns.draft_notice(vault, td.id, "en")
        for text in (ko, en):
            assert srv.url("/c.jpg") in text and srv.url("/d.jpg") in text
            assert "홍길동" not in text and "피해자A" in text
            assert "$" not in text
        assert "방송미디어통신심의위원회" in ko and "삭제" in ko and "갑 제" in ko
        assert "Korea Communications Standards Commission" in en and "E000" in en

        # The server removes a, replaces b with something else, keeps c, re-encodes d.
        del srv.routes["/a.jpg"]
        srv.routes["/b.jpg"] = Route(encode(photo(77)), headers=JPEG)
        srv.routes["/d.jpg"] = Route(encode(photo(3).resize((300, 225)), quality=60),
                                     headers=JPEG)
        result = recheck(vault, case_id, policy=FAST)
    outcomes = {r.sighting_id: r for r in result.rechecks}
    assert outcomes[ids["a"]].outcome == "gone" and outcomes[ids["a"]].http_status == 404
    assert outcomes[ids["b"]].outcome == "changed"
    assert "no longer" in outcomes[ids["b"]].detail
    assert outcomes[ids["c"]].outcome == "online"
    assert outcomes[ids["d"]].outcome == "changed" and "still shows" in outcomes[ids["d"]].detail
    assert result.reappeared == (td.id,)
    # Each finding is told in the person's language; English is the stored sentence itself.
    for r in result.rechecks:
        assert recheck_detail(r, "en") == r.detail
    assert recheck_detail(outcomes[ids["a"]], "ko") == i18n.t(
        "error.what.fetch.http.not_there", "ko", status=404)
    assert "404" in recheck_detail(outcomes[ids["a"]], "ko")
    assert recheck_detail(outcomes[ids["c"]], "ko") == "같은 파일이 아직 그대로 있습니다."
    assert "보이지 않습니다" in recheck_detail(outcomes[ids["b"]], "ko")
    assert "여전히" in recheck_detail(outcomes[ids["d"]], "ko")
    older = replace(outcomes[ids["c"]], detail_key="", detail_values={})
    assert recheck_detail(older, "ko") == older.detail  # recorded before keys were kept
    after = takedowns.get_takedown(vault, td.id)
    assert after.status == TakedownStatus.REAPPEARED
    assert len(repo.list_records(vault.db, Recheck)) == 4
    logged = [json.loads(d) for a, d in vault.db.execute("SELECT action, details FROM custody")
              if a == "rechecked"]
    assert sorted(d["outcome"] for d in logged) == ["changed", "changed", "gone", "online"]


def test_takedown_input_is_checked(vault: Vault) -> None:
    with ScanServer() as srv:
        case_id, ids = _found(vault, srv)
    other = cases.create_case(vault, "Other", "B")
    with pytest.raises(InputRejected):
        takedowns.new_takedown(vault, case_id, [], "kcsc", "web_form")
    with pytest.raises(InputRejected, match="same case"):
        takedowns.new_takedown(vault, other.id, [ids["a"]], "kcsc", "email")
    with pytest.raises(InputRejected, match="2026-03-01"):
        takedowns.new_takedown(vault, case_id, [ids["a"]], "kcsc", "email", date="5 Jan")
    td = takedowns.new_takedown(vault, case_id, [ids["a"]], "Some forum admin", "email")
    with pytest.raises(InputRejected, match="Unknown status"):
        takedowns.update_takedown(vault, td.id, "deleted-ish")
    sightings.reject(vault, ids["b"])
    with pytest.raises(InputRejected, match="not a match"):
        takedowns.new_takedown(vault, case_id, [ids["b"]], "kcsc", "email")
    assert "Some forum admin" in takedowns.draft_notice(vault, td.id, "en")
