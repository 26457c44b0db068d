"""MIME type and item kind from the bytes themselves, never from the file name."""

from __future__ import annotations

import puremagic

from vault.records import ItemKind

HEAD_BYTES = 64 * 1024


def sniff_mime(head: bytes) -> str:
    """Best MIME type for content starting with ``head`` (the first 64 KiB is plenty)."""
    if not head:
        return "application/x-empty"
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
    try:
        head[:4096].decode("utf-8")
        return "text/plain"
    except UnicodeDecodeError:
        return "application/octet-stream"


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
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/rtf",
    ):
        return ItemKind.DOCUMENT
    return ItemKind.OTHER
