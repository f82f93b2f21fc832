"""The shape every "look before you act" dialog shares: a title, a preview read in a worker
(loading indicator first), and a confirm / cancel pair. Returns True to go ahead.

Subclasses say what to read (``read``) and how to show it (``show_preview``).
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, LoadingIndicator, Static

from runbook.i18n import N_, _
from runbook.tui.screens.modal import Modal
from runbook.tui.work import fetch


def shown(text: str) -> str:
    """``text`` (an ``N_`` id, or empty) in the language in force."""
    return _(text) if text else ""


class Preview(Modal[bool]):
    """A confirm dialog whose body is read from the engine in a worker."""

    BINDINGS = [Binding("escape", "cancel", N_("cancel"))]
    TITLE = ""
    LOADING = ""
    CONFIRM = ""
    VARIANT = "primary"

    def __init__(self, incident_id: str) -> None:
        super().__init__()
        self.incident_id = incident_id

    def compose(self) -> ComposeResult:
        """Title, the preview (loading first), buttons."""
        with Vertical(classes="dialog wide"):
            yield Static(shown(self.TITLE), classes="dialog-title")
            yield LoadingIndicator(id="loading")
            with VerticalScroll(classes="dialog-scroll"):
                yield Static(shown(self.LOADING), id="preview")
            with Horizontal(classes="buttons"):
                yield Button(shown(self.CONFIRM), variant=self.VARIANT, id="yes")  # type: ignore[arg-type]
                yield Button(_("Cancel"), id="no")

    def on_mount(self) -> None:
        """Read the preview in a worker; enter confirms."""
        self.query_one("#yes", Button).focus()
        fetch(self, self.read, self._arrived)

    def read(self) -> Any:
        """What to show (runs in a worker thread); dialogs override it."""
        return None

    def _arrived(self, data: Any, error: str | None) -> None:
        self.query_one("#loading").display = False
        self.show_preview(data, error)

    def show_preview(self, data: Any, error: str | None) -> None:
        """Show the preview (UI thread); dialogs override it."""
        self.query_one("#preview", Static).update(error or str(data or ""))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Go ahead or cancel."""
        event.stop()
        self.dismiss(event.button.id == "yes")
