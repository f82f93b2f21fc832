"""Notification preview and confirm: who ``notify`` would tell now, how, and why.

Read with ``Engine.notify_preview`` (records nothing) in a worker; enter sends.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, LoadingIndicator, Static

from runbook.tui.screens.modal import Modal
from runbook.tui.work import fetch


class NotifyPreview(Modal[bool]):
    """Returns True to notify, False/None to cancel."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, incident_id: str) -> None:
        super().__init__()
        self.incident_id = incident_id

    def compose(self) -> ComposeResult:
        """Title, the recipients (loading first), buttons."""
        with Vertical(classes="dialog wide"):
            yield Static("Notify people", classes="dialog-title")
            yield LoadingIndicator(id="loading")
            with VerticalScroll(classes="dialog-scroll"):
                yield Static("Working out who the playbook names…", id="preview")
            with Horizontal(classes="buttons"):
                yield Button("Notify", variant="primary", id="yes")
                yield Button("Cancel", id="no")

    def on_mount(self) -> None:
        """Read the recipients in a worker; enter notifies."""
        self.query_one("#yes", Button).focus()
        engine = self.engine
        fetch(self, lambda: engine.notify_preview(self.incident_id), self.show_preview)

    def show_preview(self, recipients: list[dict[str, Any]] | None, error: str | None) -> None:
        """Show who will be told."""
        self.query_one("#loading").display = False
        target = self.query_one("#preview", Static)
        if error is not None or recipients is None:
            target.update(Text(f"Cannot notify now: {error}", style="bold"))
            self.query_one("#yes", Button).disabled = True
            self.query_one("#no", Button).focus()
            return
        contacts = self.engine.workspace.contacts
        messages = sum(len(r["channels"]) for r in recipients)
        head = Text(f"{len(recipients)} people, {messages} message(s):", style="bold")
        table = Table(box=None, expand=True, header_style="bold", pad_edge=False)
        table.add_column("who", no_wrap=True)
        table.add_column("as", ratio=2)
        table.add_column("via", no_wrap=True)
        table.add_column("rule", ratio=2, no_wrap=True, overflow="ellipsis")
        for r in recipients:
            person = contacts.person(r["person"])
            table.add_row(
                person.name if person else r["person"],
                ", ".join(r["roles"]),
                ", ".join(r["channels"]),
                ", ".join(r["rules"]),
            )
        target.update(Group(head, table))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Notify or cancel."""
        event.stop()
        self.dismiss(event.button.id == "yes")
