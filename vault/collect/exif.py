"""EXIF read in memory: capture time, orientation, and which fields are sensitive.

The EXIF fields Ansim keeps are stored inside the vault only (``EvidenceItem.exif``, encrypted
metadata). Location (GPS) and anything that identifies a device or a person (serial numbers,
owner and artist names, unique image ids) are *sensitive*: exporters leave them out unless the
person exporting explicitly asks (see ``vault.evidence.exportable_exif``).

Nothing here decodes pixels: Pillow parses the EXIF block while opening the file's header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from PIL import ExifTags, Image

#: EXIF sub-directories read besides the main one.
_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
#: Tags never kept: large binary blobs (maker notes can hide serial numbers), thumbnails.
_DROPPED = frozenset(
    {
        "MakerNote",
        "JPEGInterchangeFormat",
        "JPEGInterchangeFormatLength",
        "PrintImageMatching",
        "ExifOffset",
        "GPSInfo",
        "InterColorProfile",
        "XMLPacket",
        "StripOffsets",
        "StripByteCounts",
    }
)
#: Tags that identify a device or a person; all ``GPS*`` tags are sensitive too.
SENSITIVE_TAGS = frozenset(
    {
        "BodySerialNumber",
        "LensSerialNumber",
        "CameraSerialNumber",
        "SerialNumber",
        "CameraOwnerName",
        "OwnerName",
        "Artist",
        "Copyright",
        "HostComputer",
        "ImageUniqueID",
        "UserComment",
        "ImageDescription",
        "XPAuthor",
        "XPComment",
        "XPSubject",
        "XPTitle",
        "XPKeywords",
    }
)
#: Longest value kept for one tag (characters); longer values are cut and marked.
MAX_VALUE_CHARS = 512
_EXIF_TIME = re.compile(r"^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET = re.compile(r"^[+-]\d{2}:\d{2}$")


def is_sensitive(tag: str) -> bool:
    """True for location and device/person-identifying EXIF fields."""
    return tag.startswith("GPS") or tag in SENSITIVE_TAGS


@dataclass(frozen=True)
class ExifData:
    """What Ansim reads from an image's EXIF block."""

    fields: dict[str, str] = field(default_factory=dict)
    capture_time: str = ""  # ISO 8601; with an offset only when the camera recorded one
    orientation: int = 0  # 1-8 as in EXIF, 0 when absent

    @property
    def has_location(self) -> bool:
        return any(k.startswith("GPS") for k in self.fields)

    @property
    def sensitive_fields(self) -> tuple[str, ...]:
        return tuple(sorted(k for k in self.fields if is_sensitive(k)))


def _text(value: object) -> str:
    if isinstance(value, bytes):
        stripped = value.rstrip(b"\0")
        try:
            text = stripped.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = stripped.decode("utf-16-le") if len(stripped) % 2 == 0 else ""
            except UnicodeDecodeError:
                text = ""
            if not text or not text.isprintable():
                text = "0x" + stripped[:64].hex()
    elif isinstance(value, tuple):
        text = ", ".join(_text(v) for v in value)
    else:
        text = str(value)
    text = text.replace("\0", "").strip()
    if len(text) > MAX_VALUE_CHARS:
        text = text[:MAX_VALUE_CHARS] + "…"
    return text


def _name(tag: int, gps: bool) -> str:
    table = ExifTags.GPSTAGS if gps else ExifTags.TAGS
    name = table.get(tag)
    if name is None:
        return f"{'GPS' if gps else ''}Tag0x{tag:04X}"
    return str(name)


def parse_capture_time(exif_time: str, offset: str = "") -> str:
    """'2024:03:01 21:15:09' (+ '+09:00') -> '2024-03-01T21:15:09+09:00'; '' when invalid."""
    m = _EXIF_TIME.match(exif_time.strip())
    if not m:
        return ""
    year, month, day, hh, mm, ss = (int(g) for g in m.groups())
    if not (1900 < year < 2200 and 1 <= month <= 12 and 1 <= day <= 31):
        return ""
    if hh > 23 or mm > 59 or ss > 60:
        return ""
    iso = f"{year:04d}-{month:02d}-{day:02d}T{hh:02d}:{mm:02d}:{ss:02d}"
    offset = offset.strip()
    return iso + offset if _OFFSET.match(offset) else iso


def read_exif(im: Image.Image) -> ExifData:
    """EXIF of an opened (not decoded) image. Damaged EXIF gives what could be read, never an
    exception."""
    try:
        exif = im.getexif()
    except Exception:  # damaged EXIF: the file is still evidence
        return ExifData()
    fields: dict[str, str] = {}

    def take(items: object, gps: bool) -> None:
        try:
            pairs = list(items.items())  # type: ignore[attr-defined]
        except Exception:
            return
        for tag, value in pairs:
            if not isinstance(tag, int):
                continue
            name = _name(tag, gps)
            if name in _DROPPED or isinstance(value, dict):
                continue
            text = _text(value)
            if text:
                fields[name] = text

    take(exif, gps=False)
    for ifd, gps in ((_EXIF_IFD, False), (_GPS_IFD, True)):
        try:
            take(exif.get_ifd(ifd), gps=gps)
        except Exception:  # noqa: S112 - a damaged sub-directory is skipped
            continue
    capture = ""
    for tag, offset_tag in (
        ("DateTimeOriginal", "OffsetTimeOriginal"),
        ("DateTimeDigitized", "OffsetTimeDigitized"),
    ):
        capture = parse_capture_time(fields.get(tag, ""), fields.get(offset_tag, ""))
        if capture:
            break
    try:
        orientation = int(fields.get("Orientation", "0"))
    except ValueError:
        orientation = 0
    return ExifData(
        fields=fields, capture_time=capture, orientation=orientation if 1 <= orientation <= 8 else 0
    )
