"""The individual checks of ``verify_bundle``; each adds every problem it finds to the state."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from exporters.bundle import bagit_files, layout, public_chain, tsa
from exporters.bundle.cms import CmsInvalid, verify_signed_data
from exporters.bundle.report import Problem
from exporters.bundle.sources import BundleSource

MAX_TAG_FILE = 64 * 1024 * 1024


def fingerprint_of(cert_der: bytes) -> str:
    digest = hashlib.sha256(cert_der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


@dataclass
class VerifyState:
    source: BundleSource
    problems: list[Problem] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    small: dict[str, bytes] = field(default_factory=dict)
    info: dict[str, list[str]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    #: The signer certificate's validity period, once the signature has been checked.
    signer_validity: tuple[dt.datetime, dt.datetime] | None = None

    def add(self, code: str, path: str = "", detail: str = "") -> None:
        self.problems.append(Problem(code, path, detail))

    def info1(self, label: str) -> str:
        values = self.info.get(label) or [""]
        return values[0]


def hash_everything(st: VerifyState, on_progress: Callable[[int, int], None] | None) -> None:
    total = sum(st.source.files.values())
    done = 0
    for path in sorted(st.source.files):
        sha, size = hashlib.sha256(), 0
        keep = not path.startswith(layout.DATA + "/") or path == layout.CUSTODY_LOG
        keep = keep or path.endswith("/" + layout.ITEM_JSON)
        buf: list[bytes] = []
        try:
            for chunk in st.source.chunks(path):
                sha.update(chunk)
                size += len(chunk)
                done += len(chunk)
                if keep and size <= MAX_TAG_FILE:
                    buf.append(chunk)
                if on_progress is not None:
                    on_progress(min(done, total), total)
        except Exception:  # a damaged zip entry (bad CRC, cut short) or an unreadable file
            st.add("unreadable", path)
            continue
        st.hashes[path] = sha.hexdigest()
        st.sizes[path] = size
        if keep and size <= MAX_TAG_FILE:
            st.small[path] = b"".join(buf)
        elif keep:  # far larger than Ansim ever writes: not read, so it cannot pass
            st.add("too_large", path)


def check_manifest(st: VerifyState, name: str, payload: bool) -> set[str]:
    data = st.small.get(name)
    if data is None:
        return set()
    parsed = bagit_files.parse_manifest(data)
    for number in parsed.bad_lines:
        st.add("manifest_line", name, str(number))
    for path in parsed.duplicates:
        st.add("manifest_duplicate", name, path)
    listed = parsed.as_dict()
    missing: dict[str, str] = {}
    for path, expected in sorted(listed.items()):
        inside = path.startswith(layout.DATA + "/")
        if not layout.is_safe_relative_path(path) or inside != payload:
            st.add("manifest_path", name, path)
            continue
        if path not in st.source.files:
            missing[path] = expected
        elif path in st.hashes and st.hashes[path] != expected:
            st.add("changed", path)
    if payload:
        extra = {p for p in st.source.files if p.startswith(layout.DATA + "/")} - set(listed)
    else:
        extra = {
            p
            for p in st.source.files
            if not p.startswith(layout.DATA + "/")
            and p not in listed
            and p not in layout.UNSIGNED_TAG_FILES
        }
    for old, expected in sorted(missing.items()):
        twin = next((p for p in sorted(extra) if st.hashes.get(p) == expected), None)
        if twin is not None:
            st.add("renamed", old, twin)
            extra.discard(twin)
        else:
            st.add("missing", old)
    for path in sorted(extra):
        if layout.is_os_clutter(path):
            st.ignored.append(path)
        else:
            st.add("extra" if payload else "unsigned_file", path)
    return set(listed)


def check_signature(st: VerifyState, expected_fp: str) -> tuple[str, str, bool]:
    sig = st.small.get(layout.SIGNATURE)
    tagmanifest = st.small.get(layout.TAGMANIFEST)
    cert_pem = st.small.get(layout.CERTIFICATE)
    cert_der = b""
    if cert_pem is not None:
        try:
            cert_der = x509.load_pem_x509_certificate(cert_pem).public_bytes(
                serialization.Encoding.DER
            )
        except ValueError:
            st.add("certificate_unreadable", layout.CERTIFICATE)
    elif layout.CERTIFICATE not in st.source.files:
        st.add("missing", layout.CERTIFICATE)
    fp = fingerprint_of(cert_der) if cert_der else ""
    recorded = st.info1(layout.INFO_CERT).upper()
    if fp and recorded and fp != recorded:
        st.add("fingerprint_recorded", layout.BAG_INFO)
    if expected_fp and fp != _norm_fp(expected_fp):
        st.add("fingerprint_expected", layout.CERTIFICATE, fp or "-")
    if sig is None:
        if layout.SIGNATURE not in st.source.files:
            st.add("unsigned", layout.SIGNATURE)
        return fp, "", False
    if tagmanifest is None:
        return fp, "", False
    try:
        signer = verify_signed_data(sig, tagmanifest)
    except CmsInvalid as exc:
        st.add("signature_invalid", layout.SIGNATURE, exc.reason)
        return fp, "", False
    signer_cert = x509.load_der_x509_certificate(signer.certificate_der)
    subject = signer_cert.subject.rfc4514_string()
    if cert_der and signer.certificate_der != cert_der:
        st.add("signer_mismatch", layout.CERTIFICATE)
    st.signer_validity = (signer_cert.not_valid_before_utc, signer_cert.not_valid_after_utc)
    if signer.signing_time is not None:
        _check_valid_at(st, signer.signing_time)
    return fp, subject, True


def _check_valid_at(st: VerifyState, when: dt.datetime) -> None:
    """A signature made outside its certificate's validity period is a problem (a key used
    before or after the time it was certified for), whatever the clock says today."""
    if st.signer_validity is None:
        return
    start, end = st.signer_validity
    if not start <= when <= end:
        stamp = when.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        st.add("certificate_not_valid_then", layout.CERTIFICATE, stamp)


def _norm_fp(fp: str) -> str:
    hexed = "".join(c for c in fp.upper() if c in "0123456789ABCDEF")
    return ":".join(hexed[i : i + 2] for i in range(0, len(hexed), 2))


def check_timestamp(st: VerifyState) -> tuple[str, str]:
    if layout.TIMESTAMP not in st.source.files:
        return "", ""
    der, sig = st.small.get(layout.TIMESTAMP), st.small.get(layout.SIGNATURE)
    if der is None or sig is None:
        return "", ""
    try:
        stamp = tsa.check_response(der, sig)
    except CmsInvalid as exc:
        st.add("timestamp_invalid", layout.TIMESTAMP, exc.reason)
        return "", ""
    _check_valid_at(st, stamp.gen_time)
    return stamp.gen_time.isoformat().replace("+00:00", "Z"), stamp.tsa_name


def check_items(st: VerifyState) -> None:
    for path in sorted(st.source.files):
        if not (path.startswith(layout.EVIDENCE_DIR + "/") and path.endswith("/item.json")):
            continue
        data = st.small.get(path)
        if data is None:
            continue
        try:
            doc = json.loads(data.decode("utf-8"))
            included, name, sha = doc["original_included"], doc["file"], doc["sha256"]
        except (ValueError, KeyError, TypeError):
            st.add("item_unreadable", path)
            continue
        if included:
            original = path.rsplit("/", 1)[0] + "/" + str(name)
            got = st.hashes.get(original)
            if got is not None and got != sha:
                st.add("item_mismatch", original)


def check_custody(st: VerifyState) -> int:
    data = st.small.get(layout.CUSTODY_LOG)
    if data is None:
        return 0
    head = st.info1(layout.INFO_CUSTODY_HEAD) or None
    count_text = st.info1(layout.INFO_CUSTODY_ENTRIES)
    count = int(count_text) if count_text.isdigit() else None
    result = public_chain.check(data, head, count)
    for p in result.problems:
        st.add(f"custody_{p.code}", layout.CUSTODY_LOG, str(p.line))
    return result.entries
