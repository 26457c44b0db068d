"""Leak scan: after a real session through the CLI (init, add with a note, show, extract, lock,
and a SIGKILL in the middle of an add), no byte under the child's home, config, data, cache,
state, runtime or temp folders -- the vault included -- holds the file's name, a marker from its
content or its EXIF, its SHA-256 (hex or raw), or the note's text."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from PIL import Image

from tests._vault_helpers import isolated_env
from tests.conftest import PASSPHRASE, REPO

FAST = ("--kdf-memory", "64", "--kdf-iterations", "3")


def _encodings(text: str) -> list[bytes]:
    return [text.encode("utf-8"), text.encode("utf-16-le"), text.encode("utf-16-be")]


def _jpeg_with_markers(content_marker: str, exif_marker: str) -> bytes:
    img = Image.new("RGB", (64, 48), (200, 30, 90))
    exif = Image.Exif()
    exif[0x010E] = exif_marker  # ImageDescription
    exif[0x013B] = exif_marker  # Artist
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif.tobytes(), comment=content_marker.encode())
    return buf.getvalue()


def _cli(env: dict[str, str], *args: str, stdin: str = PASSPHRASE + "\n") -> str:
    r = subprocess.run(
        [sys.executable, "-m", "ui.cli.main", *args],
        input=stdin, capture_output=True, text=True, cwd=REPO, env=env, timeout=300,
    )
    assert r.returncode == 0, (args, r.stderr)
    return r.stdout


def _find(needles: dict[str, bytes], roots: list[Path]) -> list[str]:
    hits = []
    for root in roots:
        for p in root.rglob("*"):
            if p.is_file() and not p.is_symlink():
                data = p.read_bytes()
                hits += [f"{label} in {p.relative_to(root.parent)}" for label, n in needles.items()
                         if n in data]
            if any(n in os.fsencode(p.name) for n in needles.values()):
                hits.append(f"a needle in the file name {p.name}")
    return hits


def test_nothing_sensitive_reaches_any_folder_the_process_can_write(tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:12]
    name = f"수치심-kakao-{tag}.jpg"
    content_marker = f"CONTENT-MARKER-{tag}"
    exif_marker = f"EXIF-MARKER-{tag}"
    note = f"그가 보낸 메시지 note-{tag}"
    big_name = f"video-{tag}.mp4"
    big_marker = f"BIG-MARKER-{tag}"

    root = tmp_path / "iso"
    env = isolated_env(root)
    src = tmp_path / "src"  # where the user's files are (not scanned: they are the user's)
    src.mkdir()
    photo = src / name
    photo.write_bytes(_jpeg_with_markers(content_marker, exif_marker))
    big = src / big_name
    big.write_bytes((big_marker.encode() + os.urandom(4000)) * 8000)  # ~32 MB

    # The default vault location (platformdirs under the isolated XDG_DATA_HOME).
    _cli(env, "init", "--passphrase-stdin", *FAST)
    out = _cli(env, "add", str(photo), "--note", note, "--json", "--passphrase-stdin")
    item_id = json.loads(out)["results"][0]["id"]
    shown = _cli(env, "show", item_id, "--json", "--passphrase-stdin")
    assert note in shown and name in shown  # the positive control: the data is really there
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _cli(env, "extract", item_id, "--out", str(elsewhere / "copy.jpg"), "--passphrase-stdin")
    _cli(env, "lock", stdin="")

    vault_dir = root / "data" / "ansim" / "vault"
    assert (vault_dir / "h").is_file()
    child = subprocess.Popen(
        [sys.executable, "-m", "ui.cli.main", "add", str(big), "--passphrase-stdin"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        cwd=REPO, env=env, text=True,
    )
    assert child.stdin is not None
    child.stdin.write(PASSPHRASE + "\n")
    child.stdin.close()
    deadline = time.monotonic() + 120
    while not any((vault_dir / "tmp").iterdir()) and time.monotonic() < deadline:
        time.sleep(0.005)
    killed_mid_add = child.poll() is None and any((vault_dir / "tmp").iterdir())
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
    assert killed_mid_add, "the add finished before it could be interrupted"

    photo_bytes = photo.read_bytes()
    needles: dict[str, bytes] = {}
    for label, text in {
        "file name": name,
        "file name (stem)": Path(name).stem,
        "content marker": content_marker,
        "EXIF marker": exif_marker,
        "note": note,
        "big file name": big_name,
        "big file marker": big_marker,
    }.items():
        for i, enc in enumerate(_encodings(text)):
            needles[f"{label} #{i}"] = enc
    for label, data in {"photo": photo_bytes, "big file": big.read_bytes()}.items():
        digest = hashlib.sha256(data)
        needles[f"{label} SHA-256 raw"] = digest.digest()
        needles[f"{label} SHA-256 hex"] = digest.hexdigest().encode()
        needles[f"{label} SHA-256 HEX"] = digest.hexdigest().upper().encode()
        needles[f"{label} SHA-256 hex UTF-16"] = digest.hexdigest().encode("utf-16-le")
        needles[f"{label} MD5 hex"] = hashlib.md5(data, usedforsecurity=False).hexdigest().encode()
    needles["photo pixels (first 64 bytes after the header)"] = photo_bytes[-200:-136]

    # The scanner works: the extracted copy (where the user asked for it) has every photo needle.
    assert (elsewhere / "copy.jpg").read_bytes() == photo_bytes
    assert _find({k: v for k, v in needles.items() if "big" not in k and "name" not in k},
                 [elsewhere]) != []

    scanned = [root / d for d in ("home", "config", "data", "cache", "state", "runtime", "tmp")]
    assert sum(1 for r in scanned for p in r.rglob("*") if p.is_file()) >= 6
    assert _find(needles, scanned) == []

    # And after the next unlock swept the interrupted add, still nothing.
    _cli(env, "check", "--passphrase-stdin")
    assert _find(needles, scanned) == []
