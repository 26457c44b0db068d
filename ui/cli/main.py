"""``ansim``: the command-line entry point.

Each command group lives in its own module with a ``register(subparsers)`` function; handlers
collect input, call one ``vault``/``exporters`` function and print the result. Errors are printed
in one place (``run``) as plain sentences, never as tracebacks.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from ui.cli import (
    common,
    complaint_cmds,
    demo_cmds,
    evidence_cmds,
    export_cmds,
    fingerprint_cmds,
    scan_cmds,
    vault_cmds,
)

GROUPS = (
    vault_cmds,
    evidence_cmds,
    fingerprint_cmds,
    scan_cmds,
    export_cmds,
    complaint_cmds,
    demo_cmds,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ansim",
        description=(
            "Ansim (안심): an encrypted evidence vault. Run with no command to open the app."
        ),
    )
    common.add_global_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_parser = sub.add_parser

    def add_parser_with_globals(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        # A fresh parent per command: a command that overrides a global option with
        # conflict_handler="resolve" must not change the shared option for every other command.
        kwargs["parents"] = [*kwargs.get("parents", ()), common.global_parent()]
        return add_parser(name, **kwargs)

    sub.add_parser = add_parser_with_globals  # type: ignore[method-assign]
    for group in GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return common.open_app(args)
    return common.run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
