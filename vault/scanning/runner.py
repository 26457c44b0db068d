"""Run a scan: produce candidates from a source, check each in memory, record the matches.

Candidates are fetched and fingerprinted by a small thread pool (web scans) or read and
fingerprinted by worker processes (folder scans: PDQ holds Python's GIL, and a decoder crashing
on a hostile file then costs only that file); matching is a read-only search of an index built
once, in the calling process. A candidate's bytes live only
in the worker's memory: when nothing in the vault matches, they are dropped there and never
reach the disk. Matches are recorded by the calling thread only (the vault is not shared
between threads): the copy is encrypted into the vault as evidence and a ``Sighting`` is saved.
At the end one custody entry summarises the scan, also when it was stopped or failed half-way.

A scan is *thorough* by default: every candidate also goes through the keypoint stage, which
finds crops, turned copies and pictures inside screenshots (decision 0007). A *quick* scan
(``quick=True``) compares the hashes only: faster, and it still finds exact, resized,
re-encoded, filtered and most turned or mirrored copies, but most crops and many screenshots
are missed (docs/scanning.md, decision 0010).
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from vault import repo
from vault.errors import AnsimError, InputRejected
from vault.fingerprints import (
    Fingerprint,
    VideoFingerprint,
    fingerprint_file,
    fingerprint_image,
    fingerprint_pixels,
    fingerprint_video,
    sniff,
)
from vault.fingerprints.decode import decode_image, read_source
from vault.matching import Match
from vault.records import EvidenceItem, Link, Sighting
from vault.scanning.candidate import query_fingerprint
from vault.scanning.crawl import MediaRef, crawl
from vault.scanning.fetcher import Fetcher, FetchFailed, FetchPolicy, host_key
from vault.scanning.folder import NOT_MEDIA, FolderFile, FolderSkip, check_folder, walk_folder
from vault.scanning.index import VaultIndex, build_index
from vault.scanning.progress import (
    CancelSignal,
    ProgressCallback,
    ProgressTracker,
    ScanCancelled,
    ScanProgress,
    cancel_check,
)
from vault.scanning.sources import (
    FolderSource,
    LinksSource,
    PageSource,
    ScanSource,
    UrlListSource,
)
from vault.sightings import SightingFacts, known_false_positives, record_sighting
from vault.store import Vault

log = logging.getLogger(__name__)

#: One vault item matching more candidates than this in one scan gets a warning.
IMPLAUSIBLE_MATCHES = 20


@dataclass(frozen=True)
class ScanIssue:
    """A candidate, page or file that failed or was left out. ``where`` is the URL or the path
    relative to the scanned folder; ``code`` a stable reason code; ``reason`` a plain sentence."""

    where: str
    code: str
    reason: str
    status: int = 0  # the HTTP status, when the server answered with an error


@dataclass(frozen=True)
class StageTimes:
    """Seconds spent (summed over worker threads) in each step of checking candidates."""

    fetch_s: float = 0.0
    decode_s: float = 0.0
    hash_s: float = 0.0
    match_s: float = 0.0


@dataclass(frozen=True)
class ScanReport:
    scan_id: str
    source_kind: str
    case_id: str | None
    sightings: tuple[Sighting, ...]
    errors: tuple[ScanIssue, ...]
    skipped: tuple[ScanIssue, ...]
    warnings: tuple[str, ...]
    progress: ScanProgress
    cancelled: bool
    times: StageTimes = field(default_factory=StageTimes)
    already_known: int = 0
    false_positives_skipped: int = 0
    not_fingerprinted: int = 0
    #: A quick scan (hashes only, no keypoint stage): crops and screenshots may be missed.
    quick: bool = False

    @property
    def mode(self) -> str:
        """``quick`` or ``thorough``, as the custody entry records it."""
        return _mode(self.quick)


def _mode(quick: bool) -> str:
    return "quick" if quick else "thorough"


@dataclass(frozen=True)
class _Found:
    """A matching candidate on its way from a worker to the recording thread."""

    where: str
    page_url: str
    media_url: str
    final_url: str
    status: int
    headers: dict[str, str]
    retrieved_utc: str
    fingerprint: Fingerprint = field(repr=False)
    matches: tuple[Match, ...]
    data: bytes | None = field(repr=False)
    name: str = ""


@dataclass(frozen=True)
class _Outcome:
    found: _Found | None = None
    issue: ScanIssue | None = None
    error: bool = False
    bytes_read: int = 0
    false_positive: bool = False


class _Timer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.t = {"fetch_s": 0.0, "decode_s": 0.0, "hash_s": 0.0, "match_s": 0.0}

    def add(self, name: str, seconds: float) -> None:
        with self._lock:
            self.t[name] += seconds

    def result(self) -> StageTimes:
        return StageTimes(**self.t)


def fingerprint_candidate(
    data: bytes, kind: str, timer: _Timer | None = None, *, full: bool = False,
    quick: bool = False,
) -> Fingerprint:
    """Fingerprint a candidate held in memory. ``kind`` is ``image`` or ``video``.

    By default a picture gets the search-only fingerprint (``candidate.query_fingerprint``);
    ``full=True`` gives the complete one that can be stored or compared both ways;
    ``quick=True`` one without keypoints (a quick scan compares hashes only). A
    downloaded video is compared by its exact bytes only: frames are sampled from files, and a
    download is never written to disk (see docs/scanning.md).
    """
    if kind == "video":
        return VideoFingerprint(
            sha256=hashlib.sha256(data).hexdigest(),
            md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
            width=0, height=0, duration=0.0, format="unknown", frames=(),
        )
    t0 = time.perf_counter()
    decoded = decode_image(data)
    t1 = time.perf_counter()
    if full:
        fp: Fingerprint = fingerprint_pixels(decoded.rgb, sha256=decoded.sha256,
                                             md5=decoded.md5, fmt=decoded.format)
    else:
        fp = query_fingerprint(decoded.rgb, width=decoded.width, height=decoded.height,
                               fmt=decoded.format, sha256=decoded.sha256, md5=decoded.md5,
                               with_keypoints=not quick)
    if timer is not None:
        timer.add("decode_s", t1 - t0)
        timer.add("hash_s", time.perf_counter() - t1)
    return fp


@dataclass(frozen=True)
class _FileResult:
    """What a worker (thread or process) learnt about one file: picklable, no pixels."""

    fingerprint: Fingerprint | None
    code: str = ""
    reason: str = ""
    read_s: float = 0.0
    decode_s: float = 0.0
    hash_s: float = 0.0


#: Folder files handed to a worker process at a time: one round trip (pickling, pipe, futures)
#: per batch instead of per file. Small, so a stop waits for at most a few files per worker.
PROCESS_BATCH = 8


def fingerprint_paths(jobs: list[tuple[str, str]], quick: bool = False) -> list[_FileResult]:
    """``fingerprint_path`` for each ``(path, kind)``, in order (one worker round trip)."""
    return [fingerprint_path(path, kind, quick) for path, kind in jobs]


def fingerprint_path(path: str, kind: str, quick: bool = False) -> _FileResult:
    """Read and fingerprint one file (search-only for pictures; without keypoints when
    ``quick``). Runs in a worker process for folder scans, so it takes and returns only plain,
    picklable values."""
    try:
        t0 = time.perf_counter()
        if kind == "video":
            return _FileResult(fingerprint_video(Path(path)), hash_s=time.perf_counter() - t0)
        data = read_source(Path(path))
        t1 = time.perf_counter()
        decoded = decode_image(data)
        del data
        t2 = time.perf_counter()
        fp = query_fingerprint(decoded.rgb, width=decoded.width, height=decoded.height,
                               fmt=decoded.format, sha256=decoded.sha256, md5=decoded.md5,
                               with_keypoints=not quick)
        return _FileResult(fp, read_s=t1 - t0, decode_s=t2 - t1,
                           hash_s=time.perf_counter() - t2)
    except InputRejected as exc:
        return _FileResult(None, "unreadable", exc.what or exc.title)
    except Exception as exc:  # an odd file must cost only itself
        log.warning("a file could not be checked: %s", type(exc).__name__)
        return _FileResult(None, "unexpected", _UNEXPECTED)


_UNEXPECTED = ("This one could not be checked because of an unexpected problem; the scan "
               "went on.")


def _stored_fingerprint_json(found: _Found, root: str) -> str:
    """The complete fingerprint of a matching candidate, for its stored copy ("" if none)."""
    try:
        if found.data is not None:
            if isinstance(found.fingerprint, VideoFingerprint):
                return ""
            fp: Fingerprint | None = fingerprint_image(found.data)
        else:
            fp = fingerprint_file(Path(root) / found.where)
    except InputRejected:
        return ""
    return json.dumps(fp.to_json(), sort_keys=True) if fp is not None else ""


class _Checker:
    """Fetch/read, fingerprint and match one candidate; safe to call from several threads."""

    def __init__(self, vault: Vault, index: VaultIndex, fetcher: Fetcher | None,
                 false_positives: frozenset[str], timer: _Timer, quick: bool = False) -> None:
        self.quick = quick
        self._index = index
        self._fetcher = fetcher
        self._fp = false_positives
        self._timer = timer
        self._clock = vault.clock

    def fingerprint_bytes(self, data: bytes, kind: str) -> Fingerprint:
        return fingerprint_candidate(data, kind, self._timer, quick=self.quick)

    def _match(self, fp: Fingerprint) -> tuple[tuple[Match, ...], bool]:
        t0 = time.perf_counter()
        matches = tuple(self._index.index.search(fp))
        self._timer.add("match_s", time.perf_counter() - t0)
        if matches and fp.sha256 in self._fp:
            return (), True
        return matches, False

    def check_file(self, f: FolderFile) -> _Outcome:
        return self.from_file_result(f, fingerprint_path(str(f.path), f.kind, self.quick))

    def from_file_result(self, f: FolderFile, r: _FileResult) -> _Outcome:
        self._timer.add("fetch_s", r.read_s)
        self._timer.add("decode_s", r.decode_s)
        self._timer.add("hash_s", r.hash_s)
        if r.fingerprint is None:
            return _Outcome(issue=ScanIssue(f.rel, r.code, r.reason), error=True)
        fp = r.fingerprint
        matches, fpos = self._match(fp)
        if not matches:
            return _Outcome(bytes_read=f.size, false_positive=fpos)
        return _Outcome(bytes_read=f.size, found=_Found(
            where=f.rel, page_url="", media_url=f.rel, final_url="", status=0, headers={},
            retrieved_utc=self._clock().iso_utc(), fingerprint=fp, matches=matches, data=None,
            name=f.rel,
        ))

    def check_url(self, ref: MediaRef) -> _Outcome:
        assert self._fetcher is not None
        if not self._fetcher.is_allowed(ref.media_url):
            return _Outcome(issue=ScanIssue(
                ref.media_url, "off_site",
                "On another site than the one being scanned; it was not requested."))
        t0 = time.perf_counter()
        try:
            res = ref.prefetched or self._fetcher.fetch(ref.media_url)
        except FetchFailed as exc:
            return _Outcome(issue=ScanIssue(ref.media_url, exc.reason, exc.what, exc.status),
                            error=True)
        finally:
            self._timer.add("fetch_s", time.perf_counter() - t0)
        retrieved = self._clock().iso_utc()
        kind = sniff(res.data[:512])
        if kind is None:
            return _Outcome(bytes_read=len(res.data), error=True, issue=ScanIssue(
                ref.media_url, "not_media",
                "The address gave a web page or another kind of file, not a picture or "
                "video (checked by its content, not its name)."))
        try:
            fp = self.fingerprint_bytes(res.data, kind)
        except InputRejected as exc:
            return _Outcome(bytes_read=len(res.data), error=True, issue=ScanIssue(
                ref.media_url, "bad_media", exc.what or exc.title))
        matches, fpos = self._match(fp)
        if not matches:
            return _Outcome(bytes_read=len(res.data), false_positive=fpos)
        return _Outcome(bytes_read=len(res.data), found=_Found(
            where=ref.media_url, page_url=ref.page_url, media_url=ref.media_url,
            final_url=res.final_url, status=res.status, headers=res.headers,
            retrieved_utc=retrieved, fingerprint=fp, matches=matches, data=res.data,
        ))


def _guarded(checker: _Checker, job: FolderFile | MediaRef) -> _Outcome:
    """Check one candidate; an unexpected failure costs that candidate only, never the scan."""
    try:
        if isinstance(job, FolderFile):
            return checker.check_file(job)
        return checker.check_url(job)
    except ScanCancelled:
        raise
    except FetchFailed as exc:
        where = job.rel if isinstance(job, FolderFile) else job.media_url
        return _Outcome(issue=ScanIssue(where, exc.reason, exc.what, exc.status), error=True)
    except InputRejected as exc:
        where = job.rel if isinstance(job, FolderFile) else job.media_url
        return _Outcome(issue=ScanIssue(where, "unreadable", exc.what or exc.title), error=True)
    except Exception as exc:  # a bug or an odd file must not stop the whole scan
        log.warning("a candidate could not be checked: %s", type(exc).__name__)
        where = job.rel if isinstance(job, FolderFile) else job.media_url
        return _Outcome(error=True, issue=ScanIssue(where, "unexpected", _UNEXPECTED))


def _allowed_hosts(urls: tuple[str, ...], extra: tuple[str, ...]) -> Callable[[str], bool]:
    keys = {host_key(u) for u in urls}
    bare: set[str] = set()
    for h in extra:
        h = h.strip().lower()
        if "://" in h:
            keys.add(host_key(h))
        elif ":" in h:
            keys.add(h)
        elif h:
            bare.add(h)

    def allowed(url: str) -> bool:
        return host_key(url) in keys or (urlsplit(url).hostname or "").lower() in bare

    return allowed


def _link_urls(vault: Vault, case_id: str | None) -> tuple[str, ...]:
    urls: dict[str, None] = {}
    for link in repo.list_records(vault.db, Link, case_id):
        url = link.source.url.strip()
        if url.startswith(("http://", "https://")):
            urls.setdefault(url, None)
    return tuple(urls)


def run_scan(
    vault: Vault,
    source: ScanSource,
    *,
    case_id: str | None = None,
    policy: FetchPolicy | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: CancelSignal = None,
    workers: int | None = None,
    implausible_after: int = IMPLAUSIBLE_MATCHES,
    processes: bool | None = None,
    quick: bool = False,
) -> ScanReport:
    """Scan ``source`` for re-uploads of the pictures and videos of ``case_id`` (or of every
    case). Per-candidate failures are collected in the report and the scan goes on; the scan
    stops early only when ``cancel`` is set (``report.cancelled``). Raises ``InputRejected``
    when there is nothing to compare with or the source cannot be used at all.

    Folder scans fingerprint files in worker processes (``processes``; default: when the
    computer has more than one core), because PDQ hashing holds Python's GIL; a file that
    crashes a decoder then costs only itself. Web scans use threads (they mostly wait).

    ``quick`` compares hashes only, without the keypoint stage (see the module doc); the
    report and the custody entry say so."""
    cancelled = cancel_check(cancel)
    n_workers = workers or min(4, (os.cpu_count() or 2))
    use_processes = (isinstance(source, FolderSource) and (os.cpu_count() or 1) > 1
                     if processes is None else processes and isinstance(source, FolderSource))
    false_positives = known_false_positives(vault)
    existing = {(s.final_url or s.media_url, s.sha256)
                for s in repo.list_records(vault.db, Sighting)}
    # Worker processes start (and import the image libraries) while the index is built; not
    # for a folder that cannot be scanned (the walk below reports why).
    procs: list[ProcessPoolExecutor] = []
    if use_processes and isinstance(source, FolderSource) and _is_folder(source.root):
        pool = _start_workers(n_workers)
        if pool is None:
            use_processes = False
        else:
            procs.append(pool)
    try:
        index = build_index(vault, case_id, with_keypoints=not quick)
        if not index.items:
            raise InputRejected(
                "There are no fingerprinted pictures or videos to look for in this case yet.",
                next_step="Add the pictures or videos you want to find first, then scan again.",
                key="scan_nothing_to_find",
            )
    except BaseException:
        for pool in procs:
            pool.shutdown(wait=False, cancel_futures=True)
        raise
    scan_id = repo.new_id()
    tracker = ProgressTracker(on_progress)
    timer = _Timer()
    fetcher: Fetcher | None = None
    link_status: dict[str, str] = {}
    errors_box: list[ScanIssue] = []
    if isinstance(source, FolderSource):
        jobs: Iterator[FolderFile | FolderSkip | MediaRef] = walk_folder(
            source.root, max_file_bytes=source.max_file_bytes, cancelled=cancelled)
    else:
        starts: tuple[str, ...]
        extra: tuple[str, ...]
        if isinstance(source, PageSource):
            starts, extra, depth, max_pages = (source.url,), source.extra_hosts, \
                source.depth, source.max_pages
        elif isinstance(source, UrlListSource):
            starts, extra, depth, max_pages = source.urls, source.extra_hosts, 0, \
                len(source.urls)
        else:
            starts = _link_urls(vault, source.case_id if source.case_id else case_id)
            extra, depth, max_pages = (), 0, len(starts)
            if not starts:
                raise InputRejected("There are no saved web links to check.",
                                    key="scan_no_links")
        fetcher = Fetcher(policy, allowed=_allowed_hosts(starts, extra), cancel=cancel)

        def on_page(url: str) -> None:
            link_status[url] = "online"
            tracker.add(pages=1)

        def on_error(url: str, exc: FetchFailed) -> None:
            link_status[url] = "gone" if exc.status in (404, 410, 451) else "error"
            errors_box.append(ScanIssue(url, exc.reason, exc.what, exc.status))
            tracker.add(errors=1)

        jobs = crawl(fetcher, starts, depth=depth, max_pages=max_pages, on_page=on_page,
                     on_error=on_error, cancelled=cancelled)
    checker = _Checker(vault, index, fetcher, false_positives, timer, quick)
    sightings: list[Sighting] = []
    errors: list[ScanIssue] = []
    skipped: list[ScanIssue] = []
    per_item: Counter[str] = Counter()
    counts = {"known": 0, "fp": 0}
    was_cancelled = False
    failure: AnsimError | None = None

    def handle(outcome: _Outcome) -> None:
        if outcome.issue is not None:
            (errors if outcome.error else skipped).append(outcome.issue)
        if outcome.false_positive:
            counts["fp"] += 1
        found = outcome.found
        tracker.add(checked=1, downloaded_bytes=outcome.bytes_read,
                    errors=1 if outcome.error else 0,
                    skipped=1 if (outcome.issue and not outcome.error) or outcome.false_positive
                    else 0)
        if found is None:
            return
        best = found.matches[0]
        per_item[best.item_id] += 1
        key = (found.final_url or found.media_url, found.fingerprint.sha256)
        if key in existing:
            counts["known"] += 1
            return
        existing.add(key)
        target_case = index.items[best.item_id].case_id
        facts = SightingFacts(
            page_url=found.page_url, media_url=found.media_url, final_url=found.final_url,
            http_status=found.status, headers=found.headers, retrieved_utc=found.retrieved_utc,
            sha256=found.fingerprint.sha256, md5=found.fingerprint.md5,
            matched_item_id=best.item_id, band=best.band, score=best.score,
            matched_how=best.how, match_detail=best.detail, original_name=found.name,
        )
        root = _folder_root(source) if found.data is None else ""
        fp_json = _stored_fingerprint_json(found, root)
        if found.data is not None:
            sighting = record_sighting(vault, facts, found.data, case_id=target_case,
                                       scan_id=scan_id, fingerprint_json=fp_json)
        else:
            with open(os.path.join(root, found.where), "rb") as fh:
                sighting = record_sighting(vault, facts, fh, case_id=target_case,
                                           scan_id=scan_id, fingerprint_json=fp_json)
        sightings.append(sighting)
        tracker.add(matched=1)

    threads = ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="ansim-scan")
    pending: dict[Future[Any], tuple[FolderFile | MediaRef, ...]] = {}
    batch: list[FolderFile] = []
    attempts: dict[str, int] = {}

    def send(files: list[FolderFile]) -> None:
        """Hand ``files`` to a worker process (or, if none can start, to the threads)."""
        nonlocal use_processes
        if use_processes:
            try:
                if not procs:
                    procs.append(ProcessPoolExecutor(
                        max_workers=n_workers, mp_context=multiprocessing.get_context("spawn")))
                fut = procs[-1].submit(fingerprint_paths,
                                       [(str(f.path), f.kind) for f in files], quick)
                pending[fut] = tuple(files)
                return
            except (OSError, ValueError, RuntimeError):
                # Worker processes cannot start here (e.g. a host that replaced stderr, as a
                # terminal UI does): the scan goes on in threads rather than failing.
                log.warning("worker processes unavailable; scanning in threads")
                use_processes = False
        for f in files:
            pending[threads.submit(_guarded, checker, f)] = (f,)

    def flush() -> None:
        if batch:
            files = list(batch)
            batch.clear()
            send(files)

    def submit(job: FolderFile | MediaRef) -> None:
        if use_processes and isinstance(job, FolderFile):
            batch.append(job)
            if len(batch) >= PROCESS_BATCH:
                flush()
            return
        pending[threads.submit(_guarded, checker, job)] = (job,)

    def outcomes_of(fut: Future[Any], jobs: tuple[FolderFile | MediaRef, ...]
                    ) -> list[_Outcome]:
        try:
            result = fut.result()
        except BrokenProcessPool:
            # A worker process died (a decoder crashed on a hostile file): start a fresh
            # pool and try each affected file once more, on its own; a second failure costs
            # only that file.
            if procs:
                procs.pop().shutdown(wait=False, cancel_futures=True)
            out: list[_Outcome] = []
            for job in jobs:
                assert isinstance(job, FolderFile)
                attempts[job.rel] = attempts.get(job.rel, 0) + 1
                if attempts[job.rel] > 1:
                    out.append(_Outcome(error=True,
                                        issue=ScanIssue(job.rel, "unexpected", _UNEXPECTED)))
                else:
                    send([job])
            return out
        if isinstance(result, list):
            found: list[_Outcome] = []
            for job, r in zip(jobs, result, strict=True):
                assert isinstance(job, FolderFile) and isinstance(r, _FileResult)
                found.append(checker.from_file_result(job, r))
            return found
        return [result]

    def drain(block_until: int) -> None:
        while len(pending) > block_until:
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for fut in done:
                jobs_done = pending.pop(fut)
                try:
                    for outcome in outcomes_of(fut, jobs_done):
                        handle(outcome)
                except ScanCancelled:
                    raise
                except AnsimError as exc:  # e.g. the disk filled while saving a sighting
                    errors.append(ScanIssue("", exc.code, exc.title))
                    raise

    try:
        for job in jobs:
            if cancelled():
                raise ScanCancelled()
            if isinstance(job, FolderSkip):
                if job.reason == NOT_MEDIA:
                    tracker.add(skipped=1)
                else:
                    (errors if job.error else skipped).append(
                        ScanIssue(job.rel, job.code, job.reason))
                    tracker.add(errors=1 if job.error else 0, skipped=0 if job.error else 1)
                continue
            tracker.add(seen=1)
            submit(job)
            drain(2 * n_workers)
        flush()
        tracker.stage("checking")
        drain(0)
    except ScanCancelled:
        was_cancelled = True
    except AnsimError as exc:
        failure = exc
    finally:
        for fut in pending:
            fut.cancel()
        threads.shutdown(wait=True, cancel_futures=True)
        for pool in procs:
            pool.shutdown(wait=True, cancel_futures=True)
        if fetcher is not None:
            fetcher.close()
    if was_cancelled:
        # Keep matches that finished before the stop.
        for fut, done_jobs in list(pending.items()):
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                for outcome in outcomes_of(fut, done_jobs):
                    handle(outcome)
    errors[:0] = errors_box
    tracker.stage("cancelled" if was_cancelled else ("failed" if failure else "done"))
    warnings = _warnings(index, per_item, implausible_after)
    progress = tracker.snapshot()
    if isinstance(source, LinksSource) and link_status:
        _update_links(vault, source.case_id or case_id, link_status)
    with vault.transaction():
        vault.log("scanned", case_id or "", {
            "scan": scan_id, "source": source.kind,
            "mode": _mode(quick), "seen": progress.seen,
            "checked": progress.checked, "pages": progress.pages,
            "downloaded_bytes": progress.downloaded_bytes, "matched": len(sightings),
            "errors": progress.errors, "cancelled": was_cancelled,
            "failed": failure.code if failure else "",
            "sightings": [s.id for s in sightings],
        })
    if failure is not None:
        raise failure
    return ScanReport(
        scan_id=scan_id, source_kind=source.kind, case_id=case_id, sightings=tuple(sightings),
        errors=tuple(errors), skipped=tuple(skipped), warnings=warnings, progress=progress,
        cancelled=was_cancelled, times=timer.result(), already_known=counts["known"],
        false_positives_skipped=counts["fp"], not_fingerprinted=index.not_fingerprinted,
        quick=quick,
    )


def _worker_ready() -> bool:
    """Nothing: sent to each new worker so that it starts (and imports this module and the
    image libraries) at once."""
    return True


def _start_workers(n: int) -> ProcessPoolExecutor | None:
    """A pool of ``n`` worker processes, already starting; None when processes cannot start
    here (e.g. a host that replaced stderr, as a terminal UI does): the scan then uses
    threads rather than failing."""
    pool: ProcessPoolExecutor | None = None
    try:
        pool = ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"))
        for _ in range(n):
            pool.submit(_worker_ready)
        return pool
    except (OSError, ValueError, RuntimeError):
        log.warning("worker processes unavailable; scanning in threads")
        if pool is not None:  # workers that did start are stopped, not left to the collector
            pool.shutdown(wait=False, cancel_futures=True)
        return None


def _is_folder(root: Path) -> bool:
    try:
        check_folder(root)
    except InputRejected:
        return False
    return True


def _folder_root(source: ScanSource) -> str:
    assert isinstance(source, FolderSource)
    return str(source.root)


def _warnings(index: VaultIndex, per_item: Counter[str], limit: int) -> tuple[str, ...]:
    out = []
    for item_id, n in sorted(per_item.items()):
        if n > limit:
            item: EvidenceItem = index.items[item_id]
            out.append(
                f"{item.exhibit} matched {n} different files in this scan, which is unusual. "
                "It may be a simple or very common picture (a logo, a blank or a meme): review "
                "these sightings carefully before you rely on them."
            )
    return tuple(out)


def _update_links(vault: Vault, case_id: str | None, status: dict[str, str]) -> None:
    now = vault.now().iso_utc()
    from dataclasses import replace

    with vault.transaction() as db:
        for link in repo.list_records(db, Link, case_id):
            s = status.get(link.source.url.strip())
            if s is not None:
                repo.put(db, replace(link, last_checked_utc=now, last_status=s))
