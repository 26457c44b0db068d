"""``ansim demo``: build a throwaway practice vault (vault.demo), seal an export of it
(exporters.bundle, when installed), print the practice passphrase, then open the app on it.
The temporary folder is removed when the app closes, unless ``--dir`` chose a folder to keep."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from ui.cli import common
from ui.cli.common import lang, say
from vault import i18n
from vault.demo import build_demo


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("demo", help="open the app on a practice vault with neutral sample data")
    p.add_argument("--dir", type=Path, metavar="DIR",
                   help="build the practice vault in this (new or empty) folder and keep it")
    p.add_argument("--no-app", action="store_true",
                   help="only build it and print where it is (for scripts)")
    p.set_defaults(func=cmd_demo)


def _export(vault_path: Path, passphrase: str, case_id: str, out: Path) -> Path | None:
    """Seal an export of the practice case, when the bundle exporter is installed."""
    try:
        from exporters.bundle import ExportOptions, export_case
    except ImportError:
        return None
    from vault.store import Vault

    out.mkdir(parents=True, exist_ok=True)
    with Vault.open(vault_path, passphrase) as vault:
        return export_case(vault, case_id, ExportOptions(out_dir=out)).bag_path


def cmd_demo(args: argparse.Namespace) -> int:
    lg = lang(args)
    keep = args.dir is not None
    root = Path(args.dir) if keep else Path(tempfile.mkdtemp(prefix="ansim-demo-"))
    try:
        say(i18n.t("tui.demo.building", lg))
        result = build_demo(root / "practice" if not keep else root,
                            on_step=lambda s: say(i18n.t(f"tui.demo.step.{s}", lg)))
        bundle = _export(result.vault_path, result.passphrase, result.case_id,
                         result.root / "exports")
        say("")
        say(i18n.t("tui.demo.ready", lg, items=result.items, sightings=result.sightings))
        if bundle is not None:
            say(i18n.t("tui.demo.exported", lg, path=bundle))
        say(i18n.t("tui.demo.folder", lg, path=result.found_folder))
        say("")
        say(i18n.t("tui.demo.passphrase", lg))
        say(f"    {result.passphrase}")
        say("")
        if args.no_app:
            say(i18n.t("tui.demo.vault", lg, path=result.vault_path))
            return common.EXIT_OK
        if not sys.stdin.isatty():
            raise common.UsageError(
                "The app needs a terminal.",
                next_step="Run 'ansim demo' in a terminal window, or add --no-app.",
                key="demo_needs_terminal",
            )
        input(i18n.t("tui.demo.press_enter", lg))
        return common.open_app(
            argparse.Namespace(vault=result.vault_path, lang=lg, passphrase_stdin=False)
        )
    finally:
        if not keep and not args.no_app:
            shutil.rmtree(root, ignore_errors=True)
