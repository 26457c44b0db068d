"""MIME type and item kind from the bytes themselves, never from the file name."""

from __future__ import annotations

import puremagic

from vault.records import ItemKind

HEAD_BYTES = 64 * 1024


_OOXML = {
    b"word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    b"xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    b"ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def _zip_mime(head: bytes) -> str:
    """Office documents are zip files whose first entries name their parts."""
    for marker, mime in _OOXML.items():
        if marker in head:
            return mime
    if b"mimetypeapplication/epub+zip" in head[:100]:
        return "application/epub+zip"
    return "application/zip"


def _is_utf8_text(sample: bytes) -> bool:
    """True when ``sample`` is UTF-8 text (a character cut at the end is allowed)."""
    if b"\0" in sample:
        return False
    for cut in range(4):
        try:
            sample[: len(sample) - cut].decode("utf-8")
            return True
        except UnicodeDecodeError:
            continue
    return False


def sniff_mime(head: bytes) -> str:
    """Best MIME type for content starting with ``head`` (the first 64 KiB is plenty)."""
    if not head:
        return "application/x-empty"
    if head.startswith(b"PK\x03\x04"):
        return _zip_mime(head)
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        matches = []
    for m in matches:
        if m.mime_type:
            return str(m.mime_type)
    text = head[:4096].lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html")):
        return "text/html"
    return "text/plain" if _is_utf8_text(head[:4096]) else "application/octet-stream"


def kind_for_mime(mime: str) -> ItemKind:
    if mime.startswith("image/"):
        return ItemKind.IMAGE
    if mime.startswith("video/"):
        return ItemKind.VIDEO
    if mime in (
        "text/html",
        "application/xhtml+xml",
        "message/rfc822",
        "application/x-mimearchive",
    ):
        return ItemKind.WEB_PAGE
    if mime in (
        "application/pdf",
        "text/plain",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/rtf",
    ):
        return ItemKind.DOCUMENT
    return ItemKind.OTHER
