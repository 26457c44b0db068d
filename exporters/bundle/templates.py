"""The texts placed in every bundle's ``verify/`` folder (kept as files next to this module)."""

from __future__ import annotations

from importlib import resources


def _read(name: str) -> str:
    return resources.files("exporters.bundle").joinpath("templates", name).read_text("utf-8")


def howto(lang: str, values: dict[str, str]) -> bytes:
    """HOW-TO-VERIFY.<lang>.txt with the bundle id, seal time and fingerprint filled in."""
    text = _read(f"HOW-TO-VERIFY.{lang}.txt")
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text.encode("utf-8")


def verify_script() -> bytes:
    return _read("verify.sh").encode("utf-8")
