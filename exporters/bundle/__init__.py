"""The sealed evidence bundle: build it (``export_case``) and check it (``verify_bundle``).

See ``docs/exports.md`` for the layout, what is signed and how a lawyer checks a bundle with
standard tools.
"""

from exporters.bundle.builder import export_case
from exporters.bundle.options import ExportOptions, ExportResult, ExportStopped
from exporters.bundle.selection import select_items
from exporters.bundle.verify import Problem, VerifyReport, verify_bundle

__all__ = [
    "ExportOptions",
    "ExportResult",
    "ExportStopped",
    "Problem",
    "VerifyReport",
    "export_case",
    "select_items",
    "verify_bundle",
]
