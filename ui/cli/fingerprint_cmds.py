"""``ansim fingerprint FILE... [--json]``: fingerprint files without opening a vault.

The output holds exact and perceptual hashes, which are sensitive: it goes to standard output
only, where the person who asked for it put it, never to a log.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from vault.errors import InputRejected
from vault.fingerprints import ImageFingerprint, VideoFingerprint, fingerprint_file

EXIT_OK = 0
EXIT_SOME_FAILED = 1


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this group's subcommands to ``sub``."""
    p = sub.add_parser(
        "fingerprint",
        help="print the fingerprints of images or videos (no vault needed)",
        description=(
            "Compute SHA-256, MD5 and perceptual hashes (PDQ with its rotations and mirrors, "
            "pHash, region hashes; sampled frames for videos) in memory. Nothing is stored."
        ),
    )
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(func=cmd_fingerprint)


def _one(path: Path) -> dict[str, Any]:
    try:
        fp = fingerprint_file(path)
    except InputRejected as exc:
        return {"file": str(path), "ok": False, "error": exc.what or exc.title}
    if fp is None:
        return {"file": str(path), "ok": False,
                "error": "This is neither an image nor a video Ansim can read."}
    d = fp.to_json()
    # The keypoint record holds a small grey copy of the picture: it stays inside Ansim and is
    # never printed (a terminal's scrollback or a redirected file is not encrypted); nor is
    # the one of the picture inside a screenshot.
    d.pop("keypoints", None)
    inner = d.get("inner")
    if isinstance(inner, dict) and isinstance(inner.get("fingerprint"), dict):
        inner["fingerprint"].pop("keypoints", None)
    return {"file": str(path), "ok": True, "fingerprint": d}


def _text(entry: dict[str, Any]) -> str:
    if not entry["ok"]:
        return f"{entry['file']}: not fingerprinted. {entry['error']}"
    d = entry["fingerprint"]
    lines = [f"{entry['file']}:"]
    lines.append(f"  sha256 {d['sha256']}")
    lines.append(f"  md5    {d['md5']}")
    if d["kind"] == "image":
        fp = ImageFingerprint.from_json(d)
        note = " (low quality: flat or tiny image, only close copies will match)" \
            if fp.low_quality else ""
        lines.append(f"  image  {fp.width}x{fp.height} {fp.format}{note}")
        lines.append(f"  pdq    {fp.pdq} quality {fp.pdq_quality}")
        lines.append(f"  phash  {fp.phash}")
        kinds: dict[str, int] = {}
        for r in fp.regions:
            kinds[r.kind] = kinds.get(r.kind, 0) + 1
        if kinds:
            lines.append("  regions " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
        if fp.inner is not None:
            inner = fp.inner.fingerprint
            box = " ".join(f"{x:.2f}" for x in fp.inner.box)
            lines.append(f"  inner  picture inside a screenshot at {box} (left top right "
                         f"bottom), {inner.width}x{inner.height}")
            lines.append(f"  inner pdq {inner.pdq} quality {inner.pdq_quality}")
        if fp.text_screen:
            lines.append("  text   a screenshot of text (a chat, a message): matched on the "
                         "text of its message area, not on the app around it")
    else:
        v = VideoFingerprint.from_json(d)
        lines.append(f"  video  {v.width}x{v.height} {v.format} {v.duration:.1f} s, "
                     f"{len(v.frames)} frames sampled")
    return "\n".join(lines)


def cmd_fingerprint(args: argparse.Namespace) -> int:
    entries = [_one(path) for path in args.files]
    if args.json:
        json.dump({"files": entries}, sys.stdout, ensure_ascii=False, indent=2, sort_keys=True)
        sys.stdout.write("\n")
    else:
        for entry in entries:
            print(_text(entry))
    return EXIT_OK if all(e["ok"] for e in entries) else EXIT_SOME_FAILED
