"""Text entry: a note on the timeline, a rejection comment, the review at closing.

Enter (or ctrl+s in the multi-line box) sends the text; the engine judges it (an empty note
is the engine's to refuse).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static, TextArea

from runbook.i18n import N_, _
from runbook.tui.screens.modal import Modal


class TextEntry(Modal[str]):
    """Ask for one text (see module docstring); returns it, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", N_("cancel")),
        Binding("ctrl+s", "send", N_("send")),
    ]

    def __init__(
        self,
        title: str,
        label: str,
        *,
        value: str = "",
        multiline: bool = False,
        placeholder: str = "",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.label = label
        self.value = value
        self.multiline = multiline
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        """Title, label, the box."""
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title")
            yield Static(self.label, classes="dialog-body", markup=False)
            if self.multiline:
                yield TextArea(self.value, id="entry", classes="entry-area")
                yield Static(_("ctrl+s sends · escape cancels"), classes="hint")
            else:
                yield Input(self.value, placeholder=self.placeholder, id="entry")
                yield Static(_("enter sends · escape cancels"), classes="hint")

    def on_mount(self) -> None:
        """Focus the box."""
        self.query_one("#entry").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter sends."""
        event.stop()
        self.dismiss(event.value)

    def action_send(self) -> None:
        """Send the text."""
        entry = self.query_one("#entry")
        self.dismiss(entry.text if isinstance(entry, TextArea) else entry.value)  # type: ignore[attr-defined]
