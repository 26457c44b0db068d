"""Web scans against real HTTP servers on loopback: what is found, what fails (and how), what is
never requested, and that nothing that did not match ever reaches the disk."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import threading
import time
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from tests._scan_server import (
    Route,
    ScanServer,
    encode,
    gzip_bomb,
    photo,
    png_bomb,
    screenshot_of,
    servers,
)
from vault import cases, evidence, repo, sightings
from vault.records import CaptureMethod, EvidenceItem, ItemKind, Sighting, SightingStatus
from vault.scanning import (
    USER_AGENT,
    FetchPolicy,
    PageSource,
    ScanProgress,
    UrlListSource,
    run_scan,
)
from vault.store import Vault

FAST = FetchPolicy(connect_timeout_s=5.0, read_timeout_s=2.0, total_timeout_s=30.0,
                   max_media_bytes=1 << 20, max_page_bytes=1 << 20, per_host_interval_s=0.0,
                   per_host_concurrency=4)
JPEG = {"Content-Type": "image/jpeg",
        "Last-Modified": "Tue, 01 Apr 2025 10:00:00 GMT"}
HTML = {"Content-Type": "text/html; charset=utf-8"}


def _add_originals(vault: Vault) -> tuple[str, list[EvidenceItem], list[Image.Image]]:
    case = cases.create_case(vault, "Scan test", "A")
    pics = [photo(i) for i in (1, 2, 3)]
    items = []
    for n, pic in enumerate(pics):
        res = evidence.add_stream(vault, io.BytesIO(encode(pic, "PNG")), case.id,
                                  original_name=f"original{n}.png")
        items.append(res.item)
    return case.id, items, pics


def _site(main: ScanServer, offsite: ScanServer, other_port: ScanServer,
          pics: list[Image.Image]) -> dict[str, bytes]:
    """Serve the site; return the bytes of the unrelated pictures (which must never be kept)."""
    o1, o2, o3 = pics
    unrelated = {
        "/img/unrelated1.jpg": encode(photo(101)),
        "/img/unrelated2.png": encode(photo(102), "PNG"),
        "/img/unrelated3.jpg": encode(photo(103)),
        "/img/unrelated4.jpg": encode(photo(104)),
    }
    r = main.routes
    r["/img/resized.jpg"] = Route(encode(o1.resize((320, 240))), headers=JPEG)
    r["/img/mirrored.jpg"] = Route(encode(o2.transpose(Image.Transpose.FLIP_LEFT_RIGHT)),
                                   headers=JPEG)
    # A copy with added borders (as re-uploaders pad pictures). Crops are measured by the
    # fingerprint benchmark; the fixed-grid crop search only catches some crop sizes.
    r["/img/bordered.jpg"] = Route(encode(ImageOps.expand(o3, border=40, fill=(0, 0, 0))),
                                   headers=JPEG)
    r["/img/screenshot.png"] = Route(encode(screenshot_of(o1), "PNG"),
                                     headers={"Content-Type": "image/png"})
    r["/img/reencoded.jpg"] = Route(encode(o2, quality=45), headers=JPEG)
    r["/img/rotated.jpg"] = Route(encode(o2.rotate(90, expand=True)), headers=JPEG)
    r["/img/exact.png"] = Route(encode(o3, "PNG"), headers={"Content-Type": "image/png"})
    r["/go/exact"] = Route(status=302, headers={"Location": "/img/exact.png"})
    for path, body in unrelated.items():
        r[path] = Route(body, headers=JPEG)
    r["/img/slow.jpg"] = Route(encode(o1), headers=JPEG, delay_s=8.0)
    r["/img/huge.jpg"] = Route(b"x", headers={**JPEG, "Content-Length": str(50 << 20)})
    r["/img/endless.jpg"] = Route(headers=JPEG, stream_bytes=3 << 20)
    r["/img/gzbomb.jpg"] = Route(gzip_bomb(16 << 20),
                                 headers={**JPEG, "Content-Encoding": "gzip"})
    r["/img/bomb.png"] = Route(png_bomb(), headers={"Content-Type": "image/png"})
    r["/img/fake.jpg"] = Route(b"<!doctype html><html><body>login</body></html>", headers=JPEG)
    r["/loop/a.jpg"] = Route(status=302, headers={"Location": "/loop/b.jpg"})
    r["/loop/b.jpg"] = Route(status=302, headers={"Location": "/loop/a.jpg"})
    r["/go/away.jpg"] = Route(status=302, headers={"Location": offsite.url("/img/x.jpg")})
    offsite.routes["/img/x.jpg"] = Route(encode(o1), headers=JPEG)
    offsite.routes["/img/offsite.jpg"] = Route(encode(o1), headers=JPEG)
    other_port.routes["/page.html"] = Route(b"<img src='/a.jpg'>", headers=HTML)
    r["/index.html"] = Route(f"""<!doctype html><html><head>
<meta property="og:image" content="/img/screenshot.png">
<meta name="twitter:image" content="/img/screenshot.png">
</head><body>
<img src="/img/resized.jpg" srcset="/img/resized.jpg 1x, /img/mirrored.jpg 2x">
<picture><source srcset="/img/bordered.jpg 800w, /img/unrelated1.jpg 400w">
<img src="/img/unrelated3.jpg" alt=""></picture>
<video poster="/img/reencoded.jpg" src="/missing.mp4"></video>
<div style="background-image: url('/img/unrelated2.png')">x</div>
<a href="/go/exact">photo</a> <a href="/img/slow.jpg">slow</a>
<img src="/img/missing.jpg"><img src="/img/huge.jpg"><img src="/img/endless.jpg">
<img src="/img/gzbomb.jpg"><img src="/img/bomb.png"><img src="/img/fake.jpg">
<img src="/loop/a.jpg"><img src="/go/away.jpg">
<img src="{offsite.url('/img/offsite.jpg')}">
<a href="{other_port.url('/page.html')}">other site</a>
<a href="/page2.html">next page</a>
</body></html>""".encode(), headers=HTML)
    r["/page2.html"] = Route(b"""<html><body><img data-src="/img/rotated.jpg">
<img src="/img/unrelated4.jpg"><a href="/page3.html">deeper</a></body></html>""", headers=HTML)
    r["/page3.html"] = Route(b"<img src='/img/deep.jpg'>", headers=HTML)
    return unrelated


def _files_containing(roots: list[Path], needles: list[bytes], since: float) -> list[str]:
    hits = []
    for root in roots:
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                p = Path(dirpath) / name
                try:
                    if p.stat().st_mtime < since or p.stat().st_size > 64 << 20:
                        continue
                    data = p.read_bytes()
                except OSError:
                    continue
                if any(n in data for n in needles):
                    hits.append(str(p))
    return hits


def test_page_crawl_finds_exactly_the_copies_and_reports_each_failure(
    vault: Vault, vault_path: Path, tmp_path: Path
) -> None:
    started = time.time() - 1
    case_id, items, pics = _add_originals(vault)
    progress: list[ScanProgress] = []
    with servers("127.0.0.1", "127.0.0.2", "127.0.0.1") as (main, offsite, other_port):
        unrelated = _site(main, offsite, other_port, pics)
        report = run_scan(vault, PageSource(main.url("/index.html"), depth=1, max_pages=10),
                          case_id=case_id, policy=FAST, on_progress=progress.append)
        requested = main.paths()
        offsite_requests = list(offsite.requests)
        other_requests = list(other_port.requests)
        agents = set(main.user_agents)

    found = {Path(s.media_url).name: s for s in report.sightings}
    expected = {
        "resized.jpg": (items[0].id, "whole"),
        "mirrored.jpg": (items[1].id, "mirror"),
        "bordered.jpg": (items[2].id, "keypoints"),
        "screenshot.png": (items[0].id, "keypoints"),
        "reencoded.jpg": (items[1].id, "whole"),
        "exact": (items[2].id, "exact"),
        "rotated.jpg": (items[1].id, "rotation"),
    }
    assert {k: (s.matched_item_id, s.matched_how) for k, s in found.items()} == expected
    assert not report.cancelled

    errors = {Path(e.where).name: e.code for e in report.errors}
    assert errors == {
        "missing.jpg": "http_status", "missing.mp4": "http_status", "slow.jpg": "timeout",
        "huge.jpg": "too_large", "endless.jpg": "too_large", "gzbomb.jpg": "too_large",
        "bomb.png": "bad_media", "fake.jpg": "not_media", "a.jpg": "redirect_loop",
        "away.jpg": "off_site",
    }
    assert all(e.reason and "http" not in e.reason for e in report.errors)
    skipped = {Path(e.where).name: e.code for e in report.skipped}
    assert skipped == {"offsite.jpg": "off_site"}

    # Only the allowed host was contacted, only two levels deep, each URL once.
    assert offsite_requests == [] and other_requests == []
    assert "/page3.html" not in requested and "/img/deep.jpg" not in requested
    assert sorted(requested) == sorted(set(requested))
    assert agents == {USER_AGENT}

    # Each sighting: headers, digests, a stored copy as evidence (kind SIGHTING, exhibit).
    resized = found["resized.jpg"]
    assert resized.page_url == main.url("/index.html")
    assert resized.http_status == 200
    assert resized.headers["Server"] == "test-server/1.0"
    assert resized.headers["Last-Modified"] == "Tue, 01 Apr 2025 10:00:00 GMT"
    assert set(resized.headers) <= {"Date", "Last-Modified", "Content-Type", "Server"}
    body = main.routes["/img/resized.jpg"].body
    assert resized.sha256 == hashlib.sha256(body).hexdigest()
    assert resized.md5 == hashlib.md5(body).hexdigest()  # noqa: S324
    copy = evidence.get_item(vault, resized.item_id)
    assert copy.kind == ItemKind.SIGHTING and copy.capture_method == CaptureMethod.SCAN_DOWNLOAD
    assert copy.exhibit_no > 3
    assert vault.read_blob_bytes(copy.blob.blob_id) == body  # type: ignore[union-attr]
    exact = found["exact"]
    assert exact.final_url == main.url("/img/exact.png") and exact.media_url.endswith("/go/exact")
    exact_copy = evidence.get_item(vault, exact.item_id)
    assert exact_copy.kind == ItemKind.SIGHTING and exact_copy.id != items[2].id

    # Progress ended with the final counts; the summary is one custody entry.
    last = progress[-1]
    assert last.stage == "done" and last.matched == 7 and last.pages == 2
    assert last.errors == len(report.errors)
    summary = [r for r in vault.db.execute("SELECT action, details FROM custody")
               if r[0] == "scanned"]
    assert len(summary) == 1 and '"matched":7' in summary[0][1].replace(" ", "")

    # Nothing that did not match touched the disk: neither bytes nor digests.
    needles = [b[len(b) // 2: len(b) // 2 + 48] for b in unrelated.values()]
    needles += [hashlib.sha256(b).hexdigest().encode() for b in unrelated.values()]
    roots = [vault_path, tmp_path, Path(tempfile.gettempdir())]
    assert _files_containing(roots, needles, started) == []


def test_scan_again_skips_known_and_rejected(vault: Vault) -> None:
    case_id, items, pics = _add_originals(vault)
    with ScanServer() as srv:
        srv.routes["/a.jpg"] = Route(encode(pics[0].resize((300, 225))), headers=JPEG)
        srv.routes["/b.jpg"] = Route(encode(pics[1], quality=60), headers=JPEG)
        urls = UrlListSource((srv.url("/a.jpg"), srv.url("/b.jpg")))
        first = run_scan(vault, urls, case_id=case_id, policy=FAST)
        assert len(first.sightings) == 2
        by_name = {Path(s.media_url).name: s for s in first.sightings}
        sightings.reject(vault, by_name["b.jpg"].id, note="not her")
        sightings.confirm(vault, by_name["a.jpg"].id)
        again = run_scan(vault, urls, case_id=case_id, policy=FAST)
    assert again.sightings == ()
    assert again.already_known == 1 and again.false_positives_skipped == 1
    stored = {s.id: s.status for s in repo.list_records(vault.db, Sighting)}
    assert stored == {by_name["a.jpg"].id: SightingStatus.CONFIRMED,
                      by_name["b.jpg"].id: SightingStatus.REJECTED}
    assert repo.get(vault.db, Sighting, by_name["b.jpg"].id).review_note == "not her"
    assert by_name["a.jpg"].match_detail == "whole image"
    rejected_copy = evidence.get_item(vault, by_name["b.jpg"].item_id)
    assert rejected_copy.include_in_export is False


def test_one_item_matching_many_candidates_is_flagged(vault: Vault) -> None:
    case_id, _items, pics = _add_originals(vault)
    with ScanServer() as srv:
        urls = []
        for n in range(4):
            srv.routes[f"/{n}.jpg"] = Route(encode(pics[0], quality=40 + 10 * n), headers=JPEG)
            urls.append(srv.url(f"/{n}.jpg"))
        report = run_scan(vault, UrlListSource(tuple(urls)), case_id=case_id, policy=FAST,
                          implausible_after=3)
    assert len(report.sightings) == 4
    assert len(report.warnings) == 1 and "E0001" in report.warnings[0]


def test_cancel_stops_the_scan_and_keeps_what_was_found(vault: Vault) -> None:
    case_id, _items, pics = _add_originals(vault)
    stop = threading.Event()
    seen: list[ScanProgress] = []

    def on_progress(p: ScanProgress) -> None:
        seen.append(p)
        if p.matched >= 1:
            stop.set()

    with ScanServer() as srv:
        srv.routes["/0.jpg"] = Route(encode(pics[0], quality=70), headers=JPEG)
        paths = ["/0.jpg"]
        for n in range(1, 30):
            srv.routes[f"/{n}.jpg"] = Route(encode(pics[n % 3], quality=50 + n), headers=JPEG,
                                            delay_s=0.3)
            paths.append(f"/{n}.jpg")
        policy = FetchPolicy(read_timeout_s=5, per_host_interval_s=0.0, per_host_concurrency=1)
        report = run_scan(vault, UrlListSource(tuple(srv.url(p) for p in paths)),
                          case_id=case_id, policy=policy, on_progress=on_progress, cancel=stop,
                          workers=1)
        requested = len(srv.requests)
    assert report.cancelled
    assert seen[-1].stage == "cancelled"
    assert 1 <= len(report.sightings) < 30 and requested < 30
    assert len(repo.list_records(vault.db, Sighting)) == len(report.sightings)


def test_no_pictures_to_look_for_is_a_clear_error(vault: Vault) -> None:
    from vault.errors import InputRejected

    case = cases.create_case(vault, "Empty", "B")
    with pytest.raises(InputRejected, match="no fingerprinted pictures"):
        run_scan(vault, UrlListSource(("http://127.0.0.1:9/x.jpg",)), case_id=case.id)


def test_saved_links_are_checked_and_their_status_recorded(vault: Vault) -> None:
    from vault import links
    from vault.records import Source
    from vault.scanning import LinksSource

    case_id, items, pics = _add_originals(vault)
    with ScanServer() as srv:
        srv.routes["/post/1"] = Route(b"<p>look</p><img src='/i/1.jpg'>", headers=HTML)
        srv.routes["/i/1.jpg"] = Route(encode(pics[1].resize((500, 375))), headers=JPEG)
        page, _ = links.add_link(vault, case_id, Source(url=srv.url("/post/1")))
        dead, _ = links.add_link(vault, case_id, Source(url=srv.url("/post/2")))
        report = run_scan(vault, LinksSource(case_id), case_id=case_id, policy=FAST)
    assert [(s.page_url, s.matched_item_id) for s in report.sightings] == [
        (srv.url("/post/1"), items[1].id)]
    assert [(e.where, e.code) for e in report.errors] == [(srv.url("/post/2"), "http_status")]
    assert links.get_link(vault, page.id).last_status == "online"
    assert links.get_link(vault, dead.id).last_status == "gone"
    assert links.get_link(vault, dead.id).last_checked_utc


def test_quick_web_scan_compares_hashes_only(vault: Vault) -> None:
    """A quick scan of web addresses finds the resized copy but not the off-centre crop, and
    says it was quick; the default scan finds the crop too."""
    case_id, items, pics = _add_originals(vault)
    with ScanServer() as srv:
        srv.routes["/small.jpg"] = Route(encode(pics[0].resize((320, 240))), headers=JPEG)
        srv.routes["/crop.jpg"] = Route(encode(pics[2].crop((0, 0, 480, 360))), headers=JPEG)
        urls = UrlListSource((srv.url("/small.jpg"), srv.url("/crop.jpg")))
        quick = run_scan(vault, urls, case_id=case_id, policy=FAST, quick=True)
        thorough = run_scan(vault, urls, case_id=case_id, policy=FAST)
    assert quick.quick and not thorough.quick
    assert [(s.media_url, s.matched_item_id) for s in quick.sightings] == [
        (srv.url("/small.jpg"), items[0].id)]
    assert [(s.media_url, s.matched_item_id, s.matched_how) for s in thorough.sightings] == [
        (srv.url("/crop.jpg"), items[2].id, "keypoints")]
    assert thorough.already_known == 1
