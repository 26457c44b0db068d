"""First run: choose a passphrase (with a strength hint) and create the vault."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Center, Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Footer, Input, Label, Static

from ui.tui.base import AnsimScreen, Key, error_lines
from vault.session import CreatedVault, create_vault, passphrase_strength

MIN_LENGTH = 8


class CreateScreen(AnsimScreen):
    KEYS = (Key("escape", "focus_first", "back", show=False),)

    def compose(self) -> ComposeResult:
        with Center(), VerticalScroll(classes="card"):
            yield Static(self.tr("create.title"), classes="title")
            yield Static(self.tr("create.intro"), classes="explain")
            yield Label(self.tr("create.passphrase"))
            yield Input(password=True, id="passphrase")
            yield Static(self.tr("strength.empty"), id="strength", classes="hint")
            yield Label(self.tr("create.repeat"))
            yield Input(password=True, id="repeat")
            yield Checkbox(self.tr("create.remember"), id="remember")
            yield Static(self.tr("create.remember_help"), classes="hint")
            yield Static("", id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button(self.tr("create.button"), id="create", variant="primary")
            with Vertical(id="working", classes="hidden"):
                yield Static(self.tr("create.working"), classes="hint")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#passphrase", Input).focus()

    def action_focus_first(self) -> None:
        self.query_one("#passphrase", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "passphrase":
            strength = passphrase_strength(event.value)
            hint = self.query_one("#strength", Static)
            hint.update(self.tr(f"strength.{strength.level}"))
            hint.set_classes(f"hint strength-{strength.level}")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "passphrase":
            self.query_one("#repeat", Input).focus()
        else:
            self.start()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "create":
            self.start()

    def problem(self, text: str) -> None:
        self.query_one("#problem", Static).update(text)

    def start(self) -> None:
        first = self.query_one("#passphrase", Input).value
        second = self.query_one("#repeat", Input).value
        if len(first) < MIN_LENGTH:
            self.problem(self.tr("create.too_short", n=MIN_LENGTH))
            return
        if first != second:
            self.problem(self.tr("create.mismatch"))
            return
        self.problem("")
        self.query_one("#create", Button).disabled = True
        working = self.query_one("#working")
        working.remove_class("hidden")
        self.call_after_refresh(working.scroll_visible)
        self.create(first, self.query_one("#remember", Checkbox).value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="create")
    def create(self, passphrase: str, remember: bool) -> None:
        app = self.ansim
        try:
            created = create_vault(
                app.vault_dir,
                passphrase,
                remember_on_device=remember,
                params=app.kdf_params,
                clock=app.clock,
            )
        except Exception as exc:  # shown calmly; nothing was created
            app.call_from_thread(self.failed, exc)
            return
        app.call_from_thread(app.call_later, self.created, created)

    def failed(self, exc: BaseException) -> None:
        title, what, nxt = error_lines(exc, self.lang)
        self.problem("\n".join(p for p in (title, what, nxt) if p))
        self.query_one("#create", Button).disabled = False
        self.query_one("#working").add_class("hidden")

    async def created(self, created: CreatedVault) -> None:
        note = ""
        if created.remember_problem is not None:
            note = self.tr("create.remember_failed")
        await self.ansim.unlocked(created.vault, recovery_code=created.recovery_code)
        if note:
            from ui.tui.dialogs.message import MessageDialog

            await self.ansim.push_screen(MessageDialog(self.tr("create.remember_title"), note))
