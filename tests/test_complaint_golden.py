"""Golden files: the same ``ComplaintData`` always gives the same text and the same unsigned PDF.

Regenerate after an intended change with ``ANSIM_UPDATE_GOLDEN=1`` and review the diff (render
the PDFs with ``pdftoppm``). PDF bytes also depend on the exact font file and reportlab version,
recorded in ``meta.json``; with a different font or reportlab the PDF comparison is skipped
(the text comparison and the determinism test still run).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
import reportlab

from exporters.complaint import file_name, render
from exporters.complaint.fonts import find_korean_ttf
from tests._complaint_helpers import sample_data

GOLDEN = Path(__file__).parent / "golden" / "complaint"
UPDATE = os.environ.get("ANSIM_UPDATE_GOLDEN") == "1"


def _environment() -> dict[str, str]:
    found = find_korean_ttf()
    font = hashlib.sha256(found[0].read_bytes()).hexdigest() if found else "none"
    bold = hashlib.sha256(found[1].read_bytes()).hexdigest() if found else "none"
    return {"font_sha256": font, "bold_font_sha256": bold, "reportlab": reportlab.Version}


def _check(name: str, produced: bytes) -> None:
    path = GOLDEN / name
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_bytes(produced)
    assert path.is_file(), f"missing golden file {name}; run with ANSIM_UPDATE_GOLDEN=1"
    assert produced == path.read_bytes(), f"{name} differs from the golden file"


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_text_matches_golden(lang: str) -> None:
    _check(file_name(lang, "txt"), render(sample_data(), lang, "txt"))


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_unsigned_pdf_matches_golden(lang: str) -> None:
    meta_path = GOLDEN / "meta.json"
    env = _environment()
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        meta_path.write_text(json.dumps(env, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    recorded = json.loads(meta_path.read_text(encoding="utf-8"))
    if recorded != env:
        pytest.skip(f"golden PDFs were made with {recorded}, this machine has {env}")
    _check(file_name(lang, "pdf"), render(sample_data(), lang, "pdf"))
