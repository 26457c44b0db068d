"""What ``verify_bundle`` returns: every problem found, and what the bundle says about itself."""

from __future__ import annotations

from dataclasses import dataclass

from vault import i18n
from vault.errors import AnsimError


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
