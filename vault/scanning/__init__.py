"""Re-upload scanning: look through folders and web pages for copies of the vault's pictures.

Public API::

    run_scan(vault, source, *, case_id=None, policy=None, on_progress=None, cancel=None,
             quick=False) -> ScanReport      quick: hashes only, no keypoint stage
    FolderSource(root) | UrlListSource(urls) | read_url_list(path) | PageSource(url, depth,
        max_pages) | LinksSource(case_id)
    FetchPolicy(...)            timeouts, size caps, redirects, per-host limits, proxy
    ScanProgress                snapshot passed to ``on_progress``
    recheck(vault, case_id=None, ...) -> RecheckReport   still online, changed or gone?
    recheck_detail(record, lang) -> str   what a re-check found, in the person's language

Only this package talks to the network, only when a scan or re-check is started, and it never
sends an original or a fingerprint anywhere. See ``docs/scanning.md``.
"""

from vault.scanning.fetcher import USER_AGENT, FetchFailed, FetchPolicy
from vault.scanning.progress import ScanCancelled, ScanProgress
from vault.scanning.recheck import RecheckReport, recheck, recheck_detail
from vault.scanning.runner import ScanIssue, ScanReport, StageTimes, run_scan
from vault.scanning.sources import (
    FolderSource,
    LinksSource,
    PageSource,
    ScanSource,
    UrlListSource,
    check_url,
    read_url_list,
)

__all__ = [
    "USER_AGENT",
    "FetchFailed",
    "FetchPolicy",
    "FolderSource",
    "LinksSource",
    "PageSource",
    "RecheckReport",
    "ScanCancelled",
    "ScanIssue",
    "ScanProgress",
    "ScanReport",
    "ScanSource",
    "StageTimes",
    "UrlListSource",
    "check_url",
    "read_url_list",
    "recheck",
    "recheck_detail",
    "run_scan",
]
