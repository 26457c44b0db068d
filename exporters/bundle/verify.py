"""``verify_bundle``: check a sealed bundle (folder or zip) and report every problem found.

Checks, in order, without stopping at the first failure: safe structure (and, for a zip, safe
entries, read in place), ``bagit.txt``, every tag and payload hash, files that are missing,
added or renamed, Payload-Oxum, the CMS signature over the tag manifest, the certificate (same
as the signer's, same fingerprint as recorded in bag-info and, if given, as the person expects),
the RFC 3161 timestamp when present, each item record against its file, and the public custody
chain. Problems are codes plus the bag path they concern; ``Problem.text(lang)`` words them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from exporters.bundle import bagit_files, checks, layout
from exporters.bundle.report import BundleNotFound, Problem, VerifyReport
from exporters.bundle.sources import open_source

REQUIRED = (layout.BAGIT_TXT, layout.BAG_INFO, layout.MANIFEST, layout.TAGMANIFEST)

__all__ = ["BundleNotFound", "Problem", "VerifyReport", "verify_bundle"]


def verify_bundle(
    path: Path,
    *,
    expected_fingerprint: str = "",
    on_progress: Callable[[int, int], None] | None = None,
) -> VerifyReport:
    """Check the bundle at ``path`` (a bag folder or its zip); never extracts or changes it."""
    path = Path(path)
    if not path.exists():
        raise BundleNotFound()
    source = open_source(path)
    try:
        st = checks.VerifyState(source)
        for sp in source.problems:
            st.add(sp.code, sp.path, sp.detail)
        if any(p.code in ("zip_unreadable", "zip_bomb") and not p.path for p in st.problems):
            return VerifyReport(tuple(st.problems))
        for name in REQUIRED:
            if name not in source.files:
                st.add("missing", name)
        checks.hash_everything(st, on_progress)
        bagit = st.small.get(layout.BAGIT_TXT, b"")
        if layout.BAGIT_TXT in source.files and (
            b"BagIt-Version: 1.0" not in bagit or b"Tag-File-Character-Encoding: UTF-8" not in bagit
        ):
            st.add("bagit_txt", layout.BAGIT_TXT)
        st.info = bagit_files.parse_bag_info(st.small.get(layout.BAG_INFO, b""))
        tag_listed = checks.check_manifest(st, layout.TAGMANIFEST, payload=False)
        for name in layout.SIGNED_TAG_FILES:
            if name in source.files and layout.TAGMANIFEST in st.small and name not in tag_listed:
                st.add("not_covered", name)
        checks.check_manifest(st, layout.MANIFEST, payload=True)
        payload = {
            p: size
            for p, size in st.sizes.items()
            if p.startswith(layout.DATA + "/") and p not in st.ignored
        }
        oxum = bagit_files.oxum(sum(payload.values()), len(payload))
        recorded_oxum = st.info1(layout.INFO_OXUM)
        if layout.BAG_INFO in st.small and recorded_oxum != oxum:
            st.add("oxum", layout.BAG_INFO, recorded_oxum or "-")
        fp, signer, sig_ok = checks.check_signature(st, expected_fingerprint)
        ts_time, ts_name = checks.check_timestamp(st)
        checks.check_items(st)
        entries = checks.check_custody(st)
        return VerifyReport(
            problems=tuple(dict.fromkeys(st.problems)),
            bundle_id=st.info1(layout.INFO_BUNDLE_ID),
            case_id=st.info1("Internal-Sender-Identifier").removeprefix("case "),
            sealed_utc=st.info1("Ansim-Export-Time"),
            cert_fingerprint=fp,
            signer=signer,
            signature_valid=sig_ok,
            timestamp_utc=ts_time,
            timestamp_authority=ts_name,
            payload_files=len(payload),
            payload_bytes=sum(payload.values()),
            custody_entries=entries,
            ignored=tuple(sorted(st.ignored)),
        )
    finally:
        source.close()
