"""Pick one item from a list by typing a few letters (templates, people)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from runbook.i18n import _
from runbook.tui.screens.modal import Modal
from runbook.tui.widgets.fuzzy import FuzzyPicker, Item


class PickScreen(Modal[str]):
    """A fuzzy list in a dialog; returns the picked value, or None when cancelled."""

    def __init__(
        self, title: str, items: list[Item], *, hint: str = "", highlight: str | None = None
    ) -> None:
        super().__init__()
        self.title_text = title
        self.items = items
        self.hint = hint
        self.highlight = highlight

    def compose(self) -> ComposeResult:
        """Title, hint, picker."""
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            if self.hint:
                yield Static(self.hint, classes="dialog-body", markup=False)
            yield FuzzyPicker(self.items, highlight=self.highlight)
            yield Static(
                _("type to search · ↑↓ choose · enter picks · escape cancels"), classes="hint"
            )

    def on_mount(self) -> None:
        """Focus the search box."""
        self.query_one("FuzzyPicker Input").focus()

    def on_fuzzy_picker_picked(self, event: FuzzyPicker.Picked) -> None:
        """Return the pick."""
        event.stop()
        self.dismiss(event.value)
