"""Hash lists: the exact and perceptual hashes of a case's pictures and videos, so a platform or
hotline can find copies without ever seeing the images. Made only when the person asks for it.

Public API::

    hash_rows(vault, case_id, *, include_sightings=True) -> list[HashRow]
    export_hashlist(vault, case_id, out, *, fmt="hma" | "csv", include_sightings=True)
        -> HashListResult

What is shared: for each picture its PDQ hash (256 bits, only when PDQ's quality is at least
50, as Meta recommends), MD5 and SHA-256; for each video its MD5 and SHA-256. What is not
shared: the pictures, file names, addresses, descriptions, dates, the case title or any name.
See ``docs/scanning.md``.
"""

from exporters.hashlists.writer import (
    FORMATS,
    HashListResult,
    HashRow,
    export_hashlist,
    hash_rows,
)

__all__ = ["FORMATS", "HashListResult", "HashRow", "export_hashlist", "hash_rows"]
