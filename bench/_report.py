"""Write one benchmark's figures into its own section of docs/benchmarks.md."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEAD = (
    "# Benchmarks\n\nFigures written by the scripts under `bench/` (run them with "
    "`python bench/<name>.py`). Each section is replaced when its script runs again.\n"
)


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def write_section(name: str, body: str) -> None:
    """Replace (or append) the section delimited by markers for ``name``."""
    start, end = f"<!-- bench:{name} start -->", f"<!-- bench:{name} end -->"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = f"{start}\n{body.rstrip()}\n\n_Measured {stamp} on {machine()}._\n{end}"
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else HEAD
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text, encoding="utf-8")


def run_child(code: str, *args: str) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter (so its peak memory is its own); the code prints one
    JSON object as its last line, which is returned."""
    root = DOC.parent.parent
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr)
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data
