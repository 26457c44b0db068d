"""Capture the screen or the clipboard straight into the vault, so a screenshot never lands in a
plaintext folder (Desktop, Pictures, Downloads) or a cloud-synced one.

Pictures are taken in memory with Pillow's ``ImageGrab`` and encoded to PNG in memory. Only the
grab paths that stay in memory are used:

- Windows: the Win32 screen and clipboard grabs (in memory);
- Linux/BSD: X11 through XCB (in memory). Pillow's fallbacks that call ``gnome-screenshot``,
  ``grim`` or ``spectacle`` write a plaintext temporary file, so Ansim never uses them; on a
  Wayland-only desktop the person is told to take the screenshot with the system tool *to the
  clipboard* and then use clipboard capture;
- macOS: ``ImageGrab.grab`` writes a temporary PNG file, so Ansim instead asks ``screencapture``
  to put the screenshot on the clipboard (``-c``) and reads it from there in memory. That
  replaces what was on the clipboard.

Where none of this is possible (a server, a terminal without a desktop) a
:class:`CaptureUnavailable` error says so plainly.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageGrab, UnidentifiedImageError

from vault import evidence
from vault.errors import AnsimError, InputRejected
from vault.records import CaptureMethod, Source
from vault.store import Vault


class CaptureUnavailable(InputRejected):
    title = "Ansim cannot take a screenshot on this computer."
    next_step = (
        "Take the screenshot with your computer's own tool, copy it to the clipboard (not to a "
        "file), then use 'ansim capture clipboard'."
    )


class ClipboardEmpty(InputRejected):
    title = "The clipboard holds no picture."
    next_step = (
        "Copy a screenshot or an image first (for example with PrtSc, or Win+Shift+S, or "
        "Cmd+Ctrl+Shift+4), then try again."
    )


@dataclass(frozen=True)
class CaptureDetails:
    """What the person says about the capture (all optional)."""

    source: Source = Source()
    description: str = ""
    captured_by: str = ""
    tags: tuple[str, ...] = ()


def _png(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG", compress_level=3)
    return buf.getvalue()


def _x11_display() -> str | None:
    display = os.environ.get("DISPLAY", "")
    return display or None


def grab_screen() -> bytes:
    """The whole screen as PNG bytes, in memory. Raises :class:`CaptureUnavailable`."""
    try:
        if sys.platform == "win32":
            im = ImageGrab.grab(all_screens=True)
        elif sys.platform == "darwin":
            if shutil.which("screencapture") is None:
                raise CaptureUnavailable(
                    "The macOS screenshot tool is missing.", key="capture_mac_tool"
                )
            done = subprocess.run(["screencapture", "-x", "-c"], capture_output=True, timeout=30)
            if done.returncode != 0:
                raise CaptureUnavailable(
                    "macOS did not allow the screenshot. Allow Screen Recording for your "
                    "terminal in System Settings > Privacy & Security.",
                    key="capture_mac_denied",
                )
            return grab_clipboard_image()
        else:
            display = _x11_display()
            if display is None:
                raise CaptureUnavailable(
                    "There is no graphical desktop here that Ansim can capture (no X11 display).",
                    key="capture_no_display",
                )
            if not Image.core.HAVE_XCB:  # type: ignore[attr-defined]
                raise CaptureUnavailable(
                    "This installation cannot capture X11 screens.", key="capture_no_xcb"
                )
            im = ImageGrab.grab(xdisplay=display)
    except AnsimError:
        raise
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        raise CaptureUnavailable(
            f"The screen could not be captured ({type(exc).__name__}).",
            key="capture_failed",
            detail=type(exc).__name__,
        ) from None
    with im:
        return _png(im)


def _grab_clipboard() -> Image.Image | list[str] | None:
    if sys.platform not in ("win32", "darwin"):
        wayland = bool(os.environ.get("WAYLAND_DISPLAY"))
        x11 = bool(os.environ.get("DISPLAY"))
        tool = shutil.which("wl-paste") if wayland else shutil.which("xclip") if x11 else None
        if not (wayland or x11):
            raise CaptureUnavailable(
                "There is no graphical desktop here, so there is no clipboard to read.",
                next_step="Run Ansim on the computer's desktop, or add the picture as a file.",
                key="clipboard_no_desktop",
            )
        if tool is None:
            raise CaptureUnavailable(
                "Reading the clipboard needs the small 'xclip' (X11) or 'wl-clipboard' "
                "(Wayland) program, which is not installed.",
                next_step="Install it with your system's package manager, then try again.",
                key="clipboard_tool_missing",
            )
    try:
        return ImageGrab.grabclipboard()
    except UnidentifiedImageError:  # something is there, but not a picture
        return None
    except (OSError, NotImplementedError, ChildProcessError, ValueError) as exc:
        raise CaptureUnavailable(
            f"The clipboard could not be read ({type(exc).__name__}).",
            key="clipboard_failed",
            detail=type(exc).__name__,
        ) from None


def grab_clipboard_image() -> bytes:
    """The picture on the clipboard as PNG bytes. Raises :class:`ClipboardEmpty` or
    :class:`CaptureUnavailable`."""
    got = _grab_clipboard()
    if not isinstance(got, Image.Image):
        raise ClipboardEmpty()
    with got:
        return _png(got)


def capture_screen(
    vault: Vault, case_id: str, details: CaptureDetails | None = None
) -> evidence.AddResult:
    """Take a screenshot and store it as a new evidence item (never as a plaintext file)."""
    data = grab_screen()
    return _store(vault, case_id, data, CaptureMethod.SCREEN_CAPTURE, "screenshot", details)


def capture_clipboard(
    vault: Vault, case_id: str, details: CaptureDetails | None = None
) -> list[evidence.AddResult]:
    """Store the clipboard's picture, or the files copied in a file manager (Windows), as new
    evidence items."""
    got = _grab_clipboard()
    if isinstance(got, Image.Image):
        with got:
            data = _png(got)
        return [_store(vault, case_id, data, CaptureMethod.CLIPBOARD, "clipboard", details)]
    if isinstance(got, list) and got:
        d = details or CaptureDetails()
        return [
            evidence.add_file(
                vault,
                Path(name),
                case_id,
                capture_method=CaptureMethod.CLIPBOARD,
                source=d.source,
                description=d.description,
                captured_by=d.captured_by,
                tags=d.tags,
            )
            for name in got
        ]
    raise ClipboardEmpty()


def _store(
    vault: Vault,
    case_id: str,
    data: bytes,
    method: CaptureMethod,
    stem: str,
    details: CaptureDetails | None,
) -> evidence.AddResult:
    d = details or CaptureDetails()
    when = vault.now()
    name = f"{stem}-{when.local().strftime('%Y%m%d-%H%M%S')}.png"
    return evidence.add_stream(
        vault,
        io.BytesIO(data),
        case_id,
        original_name=name,
        source=d.source,
        description=d.description,
        captured_by=d.captured_by,
        capture_method=method,
        capture_time=when.local().isoformat(timespec="seconds"),
        capture_time_source="capture",
        tags=d.tags,
    )
