"""Commands of this group are registered here (filled in by the issue that builds them)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this group's subcommands to ``sub``."""
