"""What every screen and dialog shares: translated text, localised key bindings, calm errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen

from vault import i18n
from vault.errors import AnsimError

if TYPE_CHECKING:
    from ui.tui.app import AnsimApp

T = TypeVar("T")


@dataclass(frozen=True)
class Key:
    """A key binding whose footer label is a catalog key (``tui.key.<label>``)."""

    keys: str
    action: str
    label: str
    show: bool = True
    priority: bool = False


QUICK_EXIT = Key("ctrl+x,f12", "quick_exit", "quick_exit", show=True, priority=True)


def tr(lang: str, key: str, **values: object) -> str:
    return i18n.t(f"tui.{key}", lang, **values)


def localise_bindings(node: DOMNode, keys: tuple[Key, ...], lang: str) -> None:
    """Replace ``node``'s bindings with ``keys``, labelled in ``lang`` (Textual's own class
    bindings are kept underneath, so built-in keys still work)."""
    merged = node._merged_bindings.copy() if node._merged_bindings else BindingsMap()
    extra = BindingsMap(
        [
            Binding(k.keys, k.action, tr(lang, f"key.{k.label}"), show=k.show, priority=k.priority)
            for k in keys
        ]
    )
    for key, bindings in extra.key_to_bindings.items():
        merged.key_to_bindings[key] = bindings
    node._bindings = merged


def reset_table(table: Any, columns: list[tuple[str, str]]) -> None:
    """Empty a DataTable's rows, adding its columns the first time (labels, keys)."""
    if not table.columns:
        for label, key in columns:
            table.add_column(label, key=key)
    table.clear()


def error_lines(exc: BaseException, lang: str) -> tuple[str, str, str]:
    """(title, what happened, what to do next) for any exception, never a traceback."""
    if isinstance(exc, AnsimError):
        return i18n.error_text(exc, lang)
    return (tr(lang, "error.unexpected.title"), "", tr(lang, "error.unexpected.next"))


class Localised:
    """Mixin for screens: ``self.tr(key)`` in the app's current language and footer keys."""

    KEYS: ClassVar[tuple[Key, ...]] = ()

    @property
    def ansim(self) -> AnsimApp:
        from ui.tui.app import AnsimApp

        app = self.app  # type: ignore[attr-defined]
        assert isinstance(app, AnsimApp)
        return app

    @property
    def lang(self) -> str:
        return self.ansim.lang

    def tr(self, key: str, **values: object) -> str:
        return tr(self.lang, key, **values)

    def apply_keys(self) -> None:
        assert isinstance(self, DOMNode)
        localise_bindings(self, (QUICK_EXIT, *self.KEYS), self.lang)
        self.refresh_bindings()

    def action_quick_exit(self) -> None:
        self.ansim.action_quick_exit()

    def make_compact(self) -> None:
        """Borderless inputs, buttons and checkboxes, so forms fit in 80x24."""
        assert isinstance(self, DOMNode)
        for widget in self.query("Input, Button, Checkbox, Select"):
            if hasattr(widget, "compact"):
                widget.compact = True

    def show_error(self, exc: BaseException, *, next_step: str = "") -> None:
        """A calm dialog: what happened and what to do next (``next_step`` replaces the error's
        own advice where the app offers a better way, e.g. its own recovery screen)."""
        from ui.tui.dialogs.message import MessageDialog

        title, what, nxt = error_lines(exc, self.lang)
        nxt = next_step or nxt
        self.ansim.push_screen(MessageDialog(title, "\n\n".join(p for p in (what, nxt) if p)))


class AnsimScreen(Localised, Screen[Any]):
    """A full screen; subclasses set KEYS and compose with ``self.tr``."""

    def action_next_tab(self) -> None:
        """Show the next tab of the screen's TabbedContent (and focus inside it)."""
        from textual.widgets import TabbedContent, TabPane

        for tabs in self.query(TabbedContent):
            panes = [p.id for p in tabs.query(TabPane) if p.id]
            if not panes:
                return
            current = tabs.active
            index = panes.index(current) if current in panes else -1
            tabs.active = panes[(index + 1) % len(panes)]
            self.call_after_refresh(self._focus_in_tab, tabs)
            return

    def _focus_in_tab(self, tabs: Any) -> None:
        pane = tabs.get_pane(tabs.active)
        for widget in pane.query("*"):
            if widget.focusable:
                widget.focus()
                return

    def on_mount(self) -> None:
        self.apply_keys()
        self.make_compact()

    async def relabel(self) -> None:
        """Re-render in the app's current language (called after a language switch)."""
        self.apply_keys()
        await self.recompose()
        self.make_compact()


class AnsimDialog(Localised, ModalScreen[T]):
    """A modal dialog that returns a value with ``dismiss``."""

    def on_mount(self) -> None:
        self.apply_keys()
        self.make_compact()

    async def relabel(self) -> None:
        self.apply_keys()
        await self.recompose()
        self.make_compact()
