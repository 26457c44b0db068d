"""Vault commands: init, passwd, recover, lock, log, check, device."""

from __future__ import annotations

import argparse
import sys

from ui.cli import common
from ui.cli.common import emit_json, lang, read_secret, say
from vault import custody, i18n, session
from vault.crypto import kdf
from vault.store import Vault, is_vault, sweep_without_unlocking


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("init", help="create a new encrypted vault")
    p.add_argument(
        "--bind-device",
        action="store_true",
        help="also require this computer's password store to open it",
    )
    p.add_argument(
        "--kdf-memory",
        type=int,
        metavar="MIB",
        help=f"Argon2id memory in MiB (at least {kdf.MIN_MEMORY_KIB // 1024}; "
        "default: calibrated, 256)",
    )
    p.add_argument(
        "--kdf-iterations",
        type=int,
        metavar="N",
        help=f"Argon2id iterations (at least {kdf.MIN_ITERATIONS}; default: calibrated)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("passwd", help="change the passphrase")
    p.set_defaults(func=cmd_passwd)

    p = sub.add_parser("recover", help="open with the recovery code and set a new passphrase")
    p.set_defaults(func=cmd_recover)

    p = sub.add_parser("lock", help="make sure nothing is left unlocked")
    p.set_defaults(func=cmd_lock)

    p = sub.add_parser("log", help="show the chain-of-custody log")
    p.add_argument("--item", help="only entries about this item or case id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_log)

    p = sub.add_parser("check", help="verify the whole vault (header, files, custody log)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("device", help="turn 'remember on this device' on or off")
    p.add_argument("state", choices=("on", "off", "status"))
    p.set_defaults(func=cmd_device)


def _params(args: argparse.Namespace) -> kdf.KdfParams | None:
    if args.kdf_memory is None and args.kdf_iterations is None:
        return None
    memory = (args.kdf_memory or 256) * 1024
    if args.kdf_iterations is None:
        return kdf.calibrate(memory_kib=memory)
    params = kdf.KdfParams(memory, args.kdf_iterations, 1)
    params.check()
    return params


def cmd_init(args: argparse.Namespace) -> int:
    path = common.vault_dir(args)
    lg = lang(args)
    if is_vault(path):
        from vault.errors import VaultExists

        raise VaultExists()
    passphrase = read_secret(args, i18n.t("cli.prompt.new_passphrase", lg), confirm=True)
    if not passphrase:
        raise common.UsageError(
            "The passphrase cannot be empty.", next_step="Choose a passphrase of several words.",
            key="passphrase_empty",
        )
    params = _params(args)
    if params is None and not args.json:
        print(i18n.t("cli.init.calibrating", lg), file=sys.stderr)
    vault, recovery = Vault.create(path, passphrase, params=params, bind_device=args.bind_device)
    with vault:
        from vault.signing import load_export_key

        fingerprint = load_export_key(vault).fingerprint
        if args.json:
            emit_json(
                {
                    "vault": str(path),
                    "vault_id": vault.vault_id,
                    "recovery_code": recovery,
                    "export_certificate_sha256": fingerprint,
                }
            )
            return 0
        say(i18n.t("cli.init.done", lg, path=path))
        say("")
        say(i18n.t("cli.init.recovery", lg))
        say(f"    {recovery}")
        say(i18n.t("cli.init.recovery_help", lg))
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    lg = lang(args)
    with common.open_vault(args) as vault:
        new = read_secret(args, i18n.t("cli.prompt.new_passphrase", lg), confirm=True)
        if not new:
            raise common.UsageError("The passphrase cannot be empty.", key="passphrase_empty")
        vault.change_passphrase(new)
    say(i18n.t("cli.passwd.done", lg))
    return 0


def cmd_recover(args: argparse.Namespace) -> int:
    lg = lang(args)
    path = common.vault_dir(args)
    code = read_secret(args, i18n.t("cli.prompt.recovery", lg))
    with Vault.open(path, recovery_code=code) as vault:
        new = read_secret(args, i18n.t("cli.prompt.new_passphrase", lg), confirm=True)
        if not new:
            raise common.UsageError("The passphrase cannot be empty.", key="passphrase_empty")
        session.finish_recovery(vault, new)
    say(i18n.t("cli.recover.done", lg))
    return 0


def cmd_lock(args: argparse.Namespace) -> int:
    """The CLI keeps nothing unlocked between commands; this sweeps leftovers and says so."""
    sweep_without_unlocking(common.vault_dir(args))
    say(i18n.t("cli.lock.done", lang(args)))
    return 0


def cmd_log(args: argparse.Namespace) -> int:
    with common.open_vault(args) as vault:
        entries = custody.entries(vault.db, args.item)
    if args.json:
        emit_json([e.__dict__ for e in entries])
        return 0
    for e in entries:
        subject = f" [{e.subject}]" if e.subject else ""
        detail = " ".join(f"{k}={v}" for k, v in sorted(e.details.items()))
        say(f"{e.seq:5d}  {e.utc}  {e.action}{subject}  {detail}".rstrip())
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    lg = lang(args)
    with common.open_vault(args) as vault:
        report = vault.check()
    if args.json:
        emit_json(
            {
                "ok": report.ok,
                "generation": report.generation,
                "blobs_checked": report.blobs_checked,
                "custody_entries": report.custody_entries,
                "problems": [{"part": p.part, "message": p.message} for p in report.problems],
            }
        )
    elif report.ok:
        say(i18n.t("cli.check.ok", lg, blobs=report.blobs_checked, entries=report.custody_entries))
    else:
        say(i18n.t("cli.check.problems", lg, count=len(report.problems)))
        for p in report.problems:
            say(f"  - {i18n.sentence(p.part, lg)}: {i18n.sentence(p.message, lg)}")
    return 0 if report.ok else common.EXIT_DAMAGED


def cmd_device(args: argparse.Namespace) -> int:
    lg = lang(args)
    path = common.vault_dir(args)
    passphrase = read_secret(args, i18n.t("cli.prompt.passphrase", lg))
    with Vault.open(path, passphrase) as vault:
        if args.state == "status":
            say("on" if vault.device_bound else "off")
            return 0
        vault.set_device_binding(args.state == "on", passphrase)
    say(i18n.t("cli.device.on" if args.state == "on" else "cli.device.off", lg))
    return 0
