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
from textual.widgets import Static

from runbook.describe import HOW_HELD
from runbook.tui.screens.preview import Preview


class PausePreview(Preview):
    """Returns True to pause, False/None to cancel."""

    TITLE = "Pause scheduled posts"
    LOADING = "Asking the schedulers which posts are due…"
    CONFIRM = "Pause posts"
    VARIANT = "error"

    def read(self) -> Any:
        """The engine's preview (runs in a worker)."""
        return self.engine.pause_preview(self.incident_id)

    def show_preview(self, preview: dict[str, Any] | None, error: str | None) -> None:
        """Show what would be held."""
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
        if preview.get("note"):
            head.append(f"\n{preview['note']}", style="bold yellow")
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
            how = HOW_HELD.get(post.get("hold", ""), "")
            table.add_row(
                post.get("scheduled_at", ""),
                post["channel"],
                post["id"],
                Text(post.get("excerpt", "") + (f"  [{how}]" if how else "")),  # no markup
            )
        target.update(Group(head, Text("\nNext up:", style="bold"), table))
