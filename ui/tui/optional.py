"""Parts of Ansim built alongside the app (scanning, takedowns, export...) are looked up here, so a
screen can say calmly that a feature is not available yet instead of failing."""

from __future__ import annotations

import importlib
from types import ModuleType


def feature(module: str, *names: str) -> ModuleType | None:
    """The module when it can be imported and offers every name in ``names``; else None."""
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    if all(hasattr(mod, n) for n in names):
        return mod
    return None
