"""The BagIt tag files: ``bagit.txt``, ``bag-info.txt`` and the SHA-256 manifests.

Manifest lines are ``<64 hex><two spaces><path>`` with ``/`` separators and LF line ends, sorted
by path, so the same file works for ``sha256sum -c`` and for BagIt (RFC 8493). File names in a
bundle never contain ``%``, ``\\``, CR or LF (see ``layout.safe_file_name``), so neither format
needs escaping.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

BAGIT_TXT_CONTENT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"

_LINE = re.compile(r"^([0-9a-fA-F]{64}) [ *](.+)$")
_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]*$")


@dataclass(frozen=True)
class ManifestLine:
    sha256: str
    path: str


@dataclass(frozen=True)
class ParsedManifest:
    lines: tuple[ManifestLine, ...]
    bad_lines: tuple[int, ...]  # 1-based numbers of lines that could not be read
    duplicates: tuple[str, ...]

    def as_dict(self) -> dict[str, str]:
        return {ln.path: ln.sha256 for ln in self.lines}


def manifest_bytes(hashes: Mapping[str, str]) -> bytes:
    return "".join(f"{hashes[p]}  {p}\n" for p in sorted(hashes)).encode("utf-8")


def parse_manifest(data: bytes) -> ParsedManifest:
    lines: list[ManifestLine] = []
    bad: list[int] = []
    seen: set[str] = set()
    dups: list[str] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return ParsedManifest((), (0,), ())
    for number, raw in enumerate(text.split("\n"), 1):
        if not raw.strip():
            continue
        m = _LINE.match(raw.rstrip("\r"))
        if m is None:
            bad.append(number)
            continue
        path = m.group(2)
        if path in seen:
            dups.append(path)
        seen.add(path)
        lines.append(ManifestLine(m.group(1).lower(), path))
    return ParsedManifest(tuple(lines), tuple(bad), tuple(dups))


def bag_info_bytes(fields: Iterable[tuple[str, str]]) -> bytes:
    out: list[str] = []
    for label, value in fields:
        if not _LABEL.match(label):
            raise ValueError(f"bad bag-info label {label!r}")
        clean = " ".join(str(value).split())
        out.append(f"{label}: {clean}\n")
    return "".join(out).encode("utf-8")


def parse_bag_info(data: bytes) -> dict[str, list[str]]:
    """Labels to values (a label may repeat); continuation lines are joined with a space."""
    fields: dict[str, list[str]] = {}
    last: tuple[str, int] | None = None
    for raw in data.decode("utf-8", errors="replace").splitlines():
        if raw[:1] in (" ", "\t") and last is not None:
            label, idx = last
            fields[label][idx] += " " + raw.strip()
            continue
        label, sep, value = raw.partition(":")
        if not sep:
            continue
        values = fields.setdefault(label.strip(), [])
        values.append(value.strip())
        last = (label.strip(), len(values) - 1)
    return fields


def oxum(total_bytes: int, file_count: int) -> str:
    return f"{total_bytes}.{file_count}"
