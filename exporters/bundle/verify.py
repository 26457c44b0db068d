"""``verify_bundle``: check a sealed bundle (folder or zip) and report every problem found.

Checks, in order, without stopping at the first failure: safe structure (and, for a zip, safe
entries, read in place), ``bagit.txt``, every tag and payload hash, files that are missing,
added or renamed, Payload-Oxum, the CMS signature over the tag manifest, the certificate (same
as the signer's, same fingerprint as recorded in bag-info and, if given, as the person expects),
the RFC 3161 timestamp when present, each item record against its file, and the public custody
chain. Problems are codes plus the bag path they concern; ``Problem.text(lang)`` words them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from exporters.bundle import bagit_files, layout, public_chain, tsa
from exporters.bundle.cms import CmsInvalid, verify_signed_data
from exporters.bundle.sources import BundleSource, open_source
from vault import i18n
from vault.errors import AnsimError

MAX_TAG_FILE = 64 * 1024 * 1024
REQUIRED = (layout.BAGIT_TXT, layout.BAG_INFO, layout.MANIFEST, layout.TAGMANIFEST)


class BundleNotFound(AnsimError):
    title = "There is no bundle at that path."
    next_step = "Check the folder or .zip file name and try again."


@dataclass(frozen=True)
class Problem:
    code: str
    path: str = ""
    detail: str = ""

    def text(self, lang: str) -> str:
        return i18n.t(f"export.verify.{self.code}", lang, path=self.path, detail=self.detail)


@dataclass(frozen=True)
class VerifyReport:
    problems: tuple[Problem, ...]
    bundle_id: str = ""
    case_id: str = ""
    sealed_utc: str = ""
    cert_fingerprint: str = ""
    signer: str = ""
    signature_valid: bool = False
    timestamp_utc: str = ""
    timestamp_authority: str = ""
    payload_files: int = 0
    payload_bytes: int = 0
    custody_entries: int = 0
    ignored: tuple[str, ...] = ()  # operating-system files (.DS_Store ...) outside the seal

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self, lang: str) -> dict[str, object]:
        return {
            "ok": self.ok,
            "bundle_id": self.bundle_id,
            "case_id": self.case_id,
            "sealed_utc": self.sealed_utc,
            "certificate_sha256": self.cert_fingerprint,
            "signer": self.signer,
            "signature_valid": self.signature_valid,
            "timestamp_utc": self.timestamp_utc,
            "timestamp_authority": self.timestamp_authority,
            "payload_files": self.payload_files,
            "payload_bytes": self.payload_bytes,
            "custody_entries": self.custody_entries,
            "ignored": list(self.ignored),
            "problems": [
                {"code": p.code, "path": p.path, "detail": p.detail, "message": p.text(lang)}
                for p in self.problems
            ],
        }


def fingerprint_of(cert_der: bytes) -> str:
    digest = hashlib.sha256(cert_der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


@dataclass
class _State:
    source: BundleSource
    problems: list[Problem] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    small: dict[str, bytes] = field(default_factory=dict)
    info: dict[str, list[str]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def add(self, code: str, path: str = "", detail: str = "") -> None:
        self.problems.append(Problem(code, path, detail))

    def info1(self, label: str) -> str:
        values = self.info.get(label) or [""]
        return values[0]


def _hash_everything(st: _State, on_progress: Callable[[int, int], None] | None) -> None:
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


def _check_manifest(st: _State, name: str, payload: bool) -> set[str]:
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


def _check_signature(st: _State, expected_fp: str) -> tuple[str, str, bool]:
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
    subject = x509.load_der_x509_certificate(signer.certificate_der).subject.rfc4514_string()
    if cert_der and signer.certificate_der != cert_der:
        st.add("signer_mismatch", layout.CERTIFICATE)
    return fp, subject, True


def _norm_fp(fp: str) -> str:
    hexed = "".join(c for c in fp.upper() if c in "0123456789ABCDEF")
    return ":".join(hexed[i : i + 2] for i in range(0, len(hexed), 2))


def _check_timestamp(st: _State) -> tuple[str, str]:
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
    return stamp.gen_time.isoformat().replace("+00:00", "Z"), stamp.tsa_name


def _check_items(st: _State) -> None:
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


def _check_custody(st: _State) -> int:
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
        st = _State(source)
        for sp in source.problems:
            st.add(sp.code, sp.path, sp.detail)
        if any(p.code in ("zip_unreadable", "zip_bomb") and not p.path for p in st.problems):
            return VerifyReport(tuple(st.problems))
        for name in REQUIRED:
            if name not in source.files:
                st.add("missing", name)
        _hash_everything(st, on_progress)
        bagit = st.small.get(layout.BAGIT_TXT, b"")
        if layout.BAGIT_TXT in source.files and (
            b"BagIt-Version: 1.0" not in bagit or b"Tag-File-Character-Encoding: UTF-8" not in bagit
        ):
            st.add("bagit_txt", layout.BAGIT_TXT)
        st.info = bagit_files.parse_bag_info(st.small.get(layout.BAG_INFO, b""))
        tag_listed = _check_manifest(st, layout.TAGMANIFEST, payload=False)
        for name in layout.SIGNED_TAG_FILES:
            if name in source.files and layout.TAGMANIFEST in st.small and name not in tag_listed:
                st.add("not_covered", name)
        _check_manifest(st, layout.MANIFEST, payload=True)
        payload = {
            p: size
            for p, size in st.sizes.items()
            if p.startswith(layout.DATA + "/") and p not in st.ignored
        }
        oxum = bagit_files.oxum(sum(payload.values()), len(payload))
        recorded_oxum = st.info1(layout.INFO_OXUM)
        if layout.BAG_INFO in st.small and recorded_oxum != oxum:
            st.add("oxum", layout.BAG_INFO, recorded_oxum or "-")
        fp, signer, sig_ok = _check_signature(st, expected_fingerprint)
        ts_time, ts_name = _check_timestamp(st)
        _check_items(st)
        entries = _check_custody(st)
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
