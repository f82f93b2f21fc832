"""A yes/no confirmation: enter (or y) confirms, escape (or n) cancels."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from runbook.i18n import N_, _
from runbook.tui.screens.modal import Modal


class ConfirmScreen(Modal[bool]):
    """Ask before something that cannot be taken back."""

    BINDINGS = [
        Binding("escape,n", "cancel", N_("cancel")),
        Binding("y", "confirm", N_("yes"), show=False),
    ]

    def __init__(
        self,
        title: str,
        message: str,
        *,
        yes: str | None = None,
        no: str | None = None,
        default_yes: bool = True,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.yes = yes if yes is not None else _("Yes")
        self.no = no if no is not None else _("Cancel")
        self.default_yes = default_yes
        """Which button enter presses: False where the safe answer is no (discarding work)."""

    def compose(self) -> ComposeResult:
        """Title, message, buttons."""
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title")
            with VerticalScroll(classes="confirm-scroll"):  # long lists scroll; buttons stay
                yield Static(self.message, classes="dialog-body", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(self.yes, variant="primary", id="yes")
                yield Button(self.no, id="no")

    def on_mount(self) -> None:
        """Focus the default button: enter presses it."""
        self.query_one("#yes" if self.default_yes else "#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """A button: yes confirms, no cancels."""
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_confirm(self) -> None:
        """Confirm."""
        self.dismiss(True)

    def action_cancel(self) -> None:
        """Cancel (returns False)."""
        self.dismiss(False)
