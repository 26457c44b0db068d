"""Names and paths inside a sealed bundle, and the one rule for turning file names into safe ones.

A bundle is a BagIt 1.0 bag::

    bagit.txt  bag-info.txt  manifest-sha256.txt  tagmanifest-sha256.txt
    tagmanifest-sha256.txt.p7s              detached CMS signature over the tag manifest
    tagmanifest-sha256.txt.p7s.tsr          optional RFC 3161 timestamp over the signature
    timestamp-chain.pem                     the timestamp server's certificates (with the .tsr)
    verify/  certificate, HOW-TO-VERIFY.ko.txt, HOW-TO-VERIFY.en.txt, verify.sh
    data/evidence/E0001/<original name>, item.json
    data/index/evidence.csv, evidence.jsonl
    data/custody/custody-log.jsonl
    data/sightings/, data/takedowns/, data/complaint/, data/hashes/
"""

from __future__ import annotations

import unicodedata

FORMAT_VERSION = "1"
BAGIT_TXT = "bagit.txt"
BAG_INFO = "bag-info.txt"
MANIFEST = "manifest-sha256.txt"
TAGMANIFEST = "tagmanifest-sha256.txt"
SIGNATURE = "tagmanifest-sha256.txt.p7s"
TIMESTAMP = "tagmanifest-sha256.txt.p7s.tsr"
TIMESTAMP_CHAIN = "timestamp-chain.pem"
VERIFY_DIR = "verify"
CERTIFICATE = "verify/ansim-export-certificate.pem"
HOWTO_KO = "verify/HOW-TO-VERIFY.ko.txt"
HOWTO_EN = "verify/HOW-TO-VERIFY.en.txt"
SCRIPT = "verify/verify.sh"
DATA = "data"
EVIDENCE_DIR = "data/evidence"
ITEM_JSON = "item.json"
INDEX_CSV = "data/index/evidence.csv"
INDEX_JSONL = "data/index/evidence.jsonl"
CUSTODY_LOG = "data/custody/custody-log.jsonl"
SIGHTINGS = "data/sightings/sightings.jsonl"
RECHECKS = "data/sightings/rechecks.jsonl"
TAKEDOWNS = "data/takedowns/takedowns.jsonl"
COMPLAINT_DIR = "data/complaint"
HASHES_DIR = "data/hashes"
HASHES_CSV = "data/hashes/hashes.csv"
HASH_LIST_CSV = "data/hashes/hash-list.csv"

# Tag files the tag manifest cannot cover: the signature over it and what is added after it.
UNSIGNED_TAG_FILES = frozenset({TAGMANIFEST, SIGNATURE, TIMESTAMP, TIMESTAMP_CHAIN})
SIGNED_TAG_FILES = (BAGIT_TXT, BAG_INFO, MANIFEST, CERTIFICATE, HOWTO_EN, HOWTO_KO, SCRIPT)
EXECUTABLE_FILES = frozenset({SCRIPT})

# bag-info.txt labels that Ansim writes and checks.
INFO_CERT = "Ansim-Certificate-SHA256"
INFO_CUSTODY_HEAD = "Ansim-Custody-Head"
INFO_CUSTODY_ENTRIES = "Ansim-Custody-Entries"
INFO_BUNDLE_ID = "External-Identifier"
INFO_OXUM = "Payload-Oxum"

_FORBIDDEN = set('/\\:*?"<>|%') | {"\x7f"}
_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{n}" for p in ("COM", "LPT") for n in range(1, 10)}
_MAX_NAME_BYTES = 150


def exhibit_dir(exhibit: str) -> str:
    return f"{EVIDENCE_DIR}/{exhibit}"


def safe_file_name(name: str, fallback: str = "original") -> str:
    """A file name that is safe on Windows, macOS and Linux and in BagIt and ``sha256sum`` lines.

    Keeps Korean and other letters (NFC), replaces path separators, control characters and the
    characters those formats escape (``%``, ``\\``), trims spaces and dots at the ends, avoids
    Windows device names and keeps the name under 150 UTF-8 bytes with its extension.
    """
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    cleaned = "".join(
        "_" if (ch in _FORBIDDEN or unicodedata.category(ch)[0] == "C") else ch for ch in name
    )
    cleaned = cleaned.strip(" .")
    if not cleaned:
        return fallback
    stem, dot, ext = cleaned.rpartition(".")
    if not dot or not stem or len(ext.encode()) > 16:
        stem, dot, ext = cleaned, "", ""
    if stem.split(".")[0].upper() in _RESERVED:
        stem = "_" + stem
    suffix = dot + ext
    budget = _MAX_NAME_BYTES - len(suffix.encode())
    while len(stem.encode()) > budget:
        stem = stem[:-1]
    result = (stem.rstrip(" .") or fallback) + suffix
    return "original-" + result if result == ITEM_JSON else result


def is_safe_relative_path(path: str) -> bool:
    """True for a plain relative path inside the bag (no absolute, ``..``, drive or empty parts)."""
    if not path or path.startswith("/") or "\\" in path or "\x00" in path:
        return False
    parts = path.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return False
    return not (len(parts[0]) >= 2 and parts[0][1] == ":")


_OS_CLUTTER = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", "Icon\r"})


def is_os_clutter(path: str) -> bool:
    """Files an operating system drops into any folder it shows (Finder, Explorer).

    They cannot change a signed file, so a verifier names them as ignored instead of failing a
    bundle a lawyer merely opened on a Mac or Windows machine.
    """
    name = path.rsplit("/", 1)[-1]
    return name in _OS_CLUTTER or name.startswith("._")
