"""Re-check sightings: is each re-upload still online, changed, or gone?

Each sighting's media address is fetched again (same limits as a scan; redirects may only go to
the hosts recorded for that sighting). Outcomes:

- ``online``: the same bytes are still served;
- ``changed``: something else is served there now (``detail`` says whether it still shows the
  matched picture, e.g. re-encoded, or something else);
- ``gone``: the server says it is not there (HTTP 404, 410 or 451);
- ``error``: the check itself failed (timeout, server error); nothing can be concluded.

Every result is a ``Recheck`` record and a custody entry. A takedown marked ``removed`` whose
content is back (online, or changed but still matching) becomes ``reappeared``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from vault import fingerprint_docs, i18n, repo
from vault.errors import InputRejected
from vault.fingerprints import sniff
from vault.matching import compare
from vault.records import Recheck, Sighting, SightingStatus
from vault.scanning.fetcher import Fetcher, FetchFailed, FetchPolicy, host_key
from vault.scanning.progress import (
    CancelSignal,
    ProgressCallback,
    ProgressTracker,
    ScanCancelled,
    cancel_check,
)
from vault.scanning.runner import fingerprint_candidate
from vault.store import Vault
from vault.takedowns import mark_reappeared

_GONE = (404, 410, 451)


@dataclass(frozen=True)
class RecheckReport:
    rechecks: tuple[Recheck, ...]
    reappeared: tuple[str, ...]  # ids of takedowns that became "reappeared"
    cancelled: bool
    not_checkable: int  # sightings without a web address (found in folders)


def _still_matches(vault: Vault, s: Sighting, data: bytes) -> bool:
    kind = sniff(data[:512])
    if kind is None:
        return False
    doc = repo.get_fingerprint(vault.db, s.matched_item_id)
    if doc is None:
        return False
    try:
        candidate = fingerprint_candidate(data, kind, full=True)
    except InputRejected:
        return False
    stored = fingerprint_docs.load(vault, doc)
    return candidate.sha256 == stored.sha256 or compare(candidate, stored) is not None


def recheck(
    vault: Vault,
    case_id: str | None = None,
    *,
    sighting_ids: tuple[str, ...] | None = None,
    policy: FetchPolicy | None = None,
    cancel: CancelSignal = None,
    on_progress: ProgressCallback | None = None,
) -> RecheckReport:
    """Re-check the (not rejected) sightings of ``case_id``, or the given ones."""
    cancelled = cancel_check(cancel)
    if sighting_ids is not None:
        todo = [repo.get(vault.db, Sighting, sid) for sid in sighting_ids]
    else:
        todo = [s for s in repo.list_records(vault.db, Sighting, case_id)
                if s.status != SightingStatus.REJECTED]
    web = [s for s in todo if s.media_url.startswith(("http://", "https://"))]
    hosts = {host_key(u) for s in web for u in (s.media_url, s.final_url) if u}
    tracker = ProgressTracker(on_progress)
    tracker.stage("checking")
    tracker.add(seen=len(web))
    out: list[Recheck] = []
    reappeared: list[str] = []
    was_cancelled = False
    with Fetcher(policy, allowed=lambda u: host_key(u) in hosts, cancel=cancel) as fetcher:
        for s in web:
            if cancelled():
                was_cancelled = True
                break
            allowed = {host_key(u) for u in (s.media_url, s.final_url) if u}
            http_status, sha, outcome, detail, back = 0, "", "error", "", False
            detail_key, detail_values = "", {}
            try:
                if host_key(s.media_url) not in allowed:  # pragma: no cover - by construction
                    raise FetchFailed("off_site", "The address is on another site.")
                res = fetcher.fetch(s.media_url)
                http_status, sha = res.status, _sha256(res.data)
                tracker.add(downloaded_bytes=len(res.data))
                if urlsplit(res.final_url).hostname and host_key(res.final_url) not in allowed:
                    raise FetchFailed("off_site", "The address now redirects to another site.",
                                      key="fetch.off_site_now")
                if sha == s.sha256:
                    outcome, detail, back = "online", "The same file is still there.", True
                    detail_key = "recheck.detail.same"
                else:
                    same = back = _still_matches(vault, s, res.data)
                    outcome = "changed"
                    detail = ("A different file is there now, but it still shows the matched "
                              "picture (for example re-encoded or resized)." if same else
                              "Something else is there now; the matched picture is no longer "
                              "shown at this address.")
                    detail_key = f"recheck.detail.{'still_shown' if same else 'replaced'}"
                del res
            except ScanCancelled:
                was_cancelled = True
                break
            except FetchFailed as exc:
                http_status = exc.status
                outcome = "gone" if exc.status in _GONE else "error"
                detail = exc.what
                detail_key = f"error.what.{exc.key}" if exc.key else ""
                detail_values = {k: str(v) for k, v in exc.params.items()}
            record = Recheck(id=repo.new_id(), sighting_id=s.id, utc=vault.now().iso_utc(),
                             outcome=outcome, http_status=http_status, sha256=sha,
                             detail=detail, detail_key=detail_key, detail_values=detail_values)
            with vault.transaction() as db:
                repo.put(db, record)
                vault.log("rechecked", s.id, {"outcome": outcome, "http_status": http_status,
                                              "sha256": sha, "recheck": record.id})
            if back:
                reappeared += [t.id for t in mark_reappeared(
                    vault, s.id, "A re-check found the content online again.")]
            out.append(record)
            tracker.add(checked=1, errors=1 if outcome == "error" else 0)
    tracker.stage("cancelled" if was_cancelled else "done")
    return RecheckReport(tuple(out), tuple(reappeared), was_cancelled, len(todo) - len(web))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def list_rechecks(vault: Vault, sighting_id: str) -> list[Recheck]:
    """Re-checks of one sighting, oldest first."""
    return [r for r in repo.list_records(vault.db, Recheck) if r.sighting_id == sighting_id]


def recheck_detail(record: Recheck, lang: str) -> str:
    """What a re-check found, in ``lang``; the stored English sentence when the record has no
    catalog key (re-checks recorded before keys were kept) or the key is unknown."""
    if record.detail_key and record.detail_key in i18n.catalog("en"):
        return i18n.t(record.detail_key, lang, **record.detail_values)
    return record.detail
