"""Shared plumbing for CLI commands: global options, secrets, opening the vault, output, errors.

Passphrases are read without echo from the terminal, or from standard input with
``--passphrase-stdin`` (one per line, in the order the command asks for them). They are never
taken from arguments or environment variables.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vault import i18n
from vault.errors import (
    AnsimError,
    NotFound,
    StorageFull,
    VaultDamaged,
    VaultInUse,
    VaultLocked,
    WrongSecret,
)
from vault.store import Vault, default_vault_dir

Handler = Callable[[argparse.Namespace], int]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_WRONG_SECRET = 3
EXIT_DAMAGED = 4
EXIT_NOT_FOUND = 5
EXIT_IN_USE = 6
EXIT_STORAGE = 7
EXIT_INTERRUPTED = 130

_EXIT_CODES: tuple[tuple[type[AnsimError], int], ...] = (
    (WrongSecret, EXIT_WRONG_SECRET),
    (VaultDamaged, EXIT_DAMAGED),
    (NotFound, EXIT_NOT_FOUND),
    (VaultInUse, EXIT_IN_USE),
    (VaultLocked, EXIT_IN_USE),
    (StorageFull, EXIT_STORAGE),
)


class UsageError(AnsimError):
    title = "That command is missing something."
    next_step = "See 'ansim COMMAND --help'."


def add_global_options(parser: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    """Options every command takes, before or after the command name."""

    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    parser.add_argument(
        "--vault",
        metavar="DIR",
        type=Path,
        default=default(None),
        help="vault folder (default: the per-user data folder)",
    )
    parser.add_argument("--lang", choices=i18n.LANGS, default=default(None), help="ko or en")
    parser.add_argument(
        "--passphrase-stdin",
        action="store_true",
        default=default(False),
        help="read passphrases (one per line) from standard input instead of the terminal",
    )


def global_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    add_global_options(parent, suppress=True)
    return parent


def vault_dir(args: argparse.Namespace) -> Path:
    return Path(args.vault) if args.vault else default_vault_dir()


def lang(args: argparse.Namespace) -> str:
    return str(getattr(args, "lang", None) or i18n.guess_lang())


_stdin_lines: list[str] | None = None


def read_secret(args: argparse.Namespace, prompt: str, *, confirm: bool = False) -> str:
    """Ask for a secret: from the next stdin line, or from the terminal without echo."""
    global _stdin_lines
    if getattr(args, "passphrase_stdin", False):
        if _stdin_lines is None:
            _stdin_lines = sys.stdin.read().splitlines()
        if not _stdin_lines:
            raise UsageError(
                "Standard input ran out before all passphrases were read.", key="stdin_ran_out"
            )
        return _stdin_lines.pop(0)
    if not sys.stdin.isatty():
        raise UsageError(
            "No terminal to type the passphrase into.",
            next_step="Use --passphrase-stdin and send the passphrase on standard input.",
            key="no_terminal",
        )
    while True:
        value = getpass.getpass(prompt)
        if not confirm:
            return value
        again = getpass.getpass(i18n.t("cli.prompt.repeat", lang(args)))
        if again == value:
            return value
        print(i18n.t("cli.prompt.mismatch", lang(args)), file=sys.stderr)


def open_vault(args: argparse.Namespace) -> Vault:
    path = vault_dir(args)
    from vault.store import is_vault

    if not is_vault(path):
        from vault.errors import VaultNotFound

        raise VaultNotFound()
    passphrase = read_secret(args, i18n.t("cli.prompt.passphrase", lang(args)))
    return Vault.open(path, passphrase)


def emit_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, sort_keys=True, default=str)
    sys.stdout.write("\n")


def say(text: str) -> None:
    print(text)


def print_error(exc: AnsimError, language: str) -> None:
    title, what, nxt = i18n.error_text(exc, language)
    print(title, file=sys.stderr)
    if what:
        print(f"  {what}", file=sys.stderr)
    if nxt:
        print(f"  {nxt}", file=sys.stderr)


def exit_code_for(exc: AnsimError) -> int:
    for cls, code in _EXIT_CODES:
        if isinstance(exc, cls):
            return code
    return EXIT_USAGE if isinstance(exc, UsageError) else EXIT_ERROR


def run(args: argparse.Namespace) -> int:
    """Run a command's handler and turn every expected failure into a calm message."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    handler: Handler = args.func
    try:
        return handler(args)
    except AnsimError as exc:
        print_error(exc, lang(args))
        return exit_code_for(exc)
    except KeyboardInterrupt:
        print(i18n.t("cli.interrupted", lang(args)), file=sys.stderr)
        return EXIT_INTERRUPTED


def open_app(args: argparse.Namespace) -> int:
    """Start the Textual app (imported only here, so the CLI never loads Textual otherwise)."""
    try:
        from ui.tui.app import run_app  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        print(i18n.t("cli.no_app", lang(args)), file=sys.stderr)
        return EXIT_ERROR
    return int(run_app(vault_dir(args), lang(args)))
