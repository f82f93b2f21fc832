"""The base of every form: a modal screen that escape cancels, with the app's blink setting."""

from __future__ import annotations

from typing import Any, TypeVar

from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Input, TextArea

from runbook.i18n import N_
from runbook.tui.work import CommandRunner

T = TypeVar("T")


class Modal(CommandRunner, ModalScreen[T]):
    """A form over the current screen (escape cancels and returns None)."""

    BINDINGS = [Binding("escape", "cancel", N_("cancel"))]

    def on_mount(self) -> None:
        """Inputs and editors blink unless the app says not to (tests, snapshots)."""
        blink = getattr(self.app, "cursor_blink", True)
        for widget in self.query("Input, TextArea"):
            if isinstance(widget, Input | TextArea):
                widget.cursor_blink = blink

    def action_cancel(self) -> None:
        """Close without doing anything."""
        self.dismiss(None)

    @property
    def engine(self) -> Any:
        """The app's engine."""
        return self.app.engine
