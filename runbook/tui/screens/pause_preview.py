"""Pause preview and confirm: what ``pause`` would hold now, then enter to pause.

The preview (``Engine.pause_preview``: scope, total, counts per channel, the next posts) is
read in a worker, since it asks the schedulers; if they cannot be reached the error is shown
and pausing is still possible (the engine records what happens).
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


class PausePreview(Modal[bool]):
    """Returns True to pause, False/None to cancel."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, incident_id: str) -> None:
        super().__init__()
        self.incident_id = incident_id

    def compose(self) -> ComposeResult:
        """Title, the preview (loading first), buttons."""
        with Vertical(classes="dialog wide"):
            yield Static("Pause scheduled posts", classes="dialog-title")
            yield LoadingIndicator(id="loading")
            with VerticalScroll(classes="dialog-scroll"):
                yield Static("Asking the schedulers which posts are due…", id="preview")
            with Horizontal(classes="buttons"):
                yield Button("Pause posts", variant="error", id="yes")
                yield Button("Cancel", id="no")

    def on_mount(self) -> None:
        """Read the preview in a worker; enter pauses."""
        self.query_one("#yes", Button).focus()
        engine = self.engine
        fetch(self, lambda: engine.pause_preview(self.incident_id), self.show_preview)

    def show_preview(self, preview: dict[str, Any] | None, error: str | None) -> None:
        """Show what would be held."""
        self.query_one("#loading").display = False
        target = self.query_one("#preview", Static)
        if error is not None or preview is None:
            target.update(
                Text(f"Could not list the posts: {error}\nYou can still pause.", style="bold")
            )
            return
        counts = ", ".join(f"{c} {n}" for c, n in preview["per_channel"].items()) or "none"
        head = Text(
            f"At {preview['level']} the playbook pauses: {preview['scope']}\n", style="bold"
        )
        head.append(f"Will hold {preview['total']} scheduled post(s): {counts}")
        if not preview["next"]:
            target.update(
                Group(head, Text("\nNo scheduled post is in scope right now.", style="dim"))
            )
            return
        table = Table(box=None, expand=True, header_style="bold", pad_edge=False)
        table.add_column("when", no_wrap=True)
        table.add_column("on", no_wrap=True)
        table.add_column("post", no_wrap=True)
        table.add_column("", ratio=1, no_wrap=True, overflow="ellipsis")
        for post in preview["next"]:
            table.add_row(
                post.get("scheduled_at", ""), post["channel"], post["id"], post.get("excerpt", "")
            )
        target.update(Group(head, Text("\nNext up:", style="bold"), table))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Pause or cancel."""
        event.stop()
        self.dismiss(event.button.id == "yes")
