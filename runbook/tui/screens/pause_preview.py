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
from runbook.i18n import N_, _, ngettext
from runbook.tui.screens.preview import Preview
from runbook.tui.wording import slot


class PausePreview(Preview):
    """Returns True to pause, False/None to cancel."""

    TITLE = N_("Pause scheduled posts")
    LOADING = N_("Asking the schedulers which posts are due…")
    CONFIRM = N_("Pause posts")
    VARIANT = "error"

    def read(self) -> Any:
        """The engine's preview (runs in a worker)."""
        return self.engine.pause_preview(self.incident_id)

    def show_preview(self, preview: dict[str, Any] | None, error: str | None) -> None:
        """Show what would be held."""
        target = self.query_one("#preview", Static)
        if error is not None or preview is None:
            target.update(
                Text(
                    _("Could not list the posts: %(error)s", error=error)
                    + "\n"
                    + _("You can still pause."),
                    style="bold",
                )
            )
            return
        counts = ", ".join(f"{c} {n}" for c, n in preview["per_channel"].items()) or _("none")
        head = Text(
            _(
                "At %(level)s the playbook pauses: %(scope)s",
                level=preview["level"],
                scope=preview["scope"],
            )
            + "\n",
            style="bold",
        )
        head.append(
            ngettext(
                "Will hold %(n)s scheduled post(s): %(counts)s",
                "Will hold %(n)s scheduled post(s): %(counts)s",
                preview["total"],
                counts=counts,
            )
        )
        if preview.get("note"):
            head.append(f"\n{preview['note']}", style="bold yellow")
        if not preview["next"]:
            target.update(
                Group(head, Text("\n" + _("No scheduled post is in scope right now."), style="dim"))
            )
            return
        table = Table(box=None, expand=True, header_style="bold", pad_edge=False)
        table.add_column(_("when") + " (UTC)", no_wrap=True)
        table.add_column(_("on"), no_wrap=True)
        table.add_column(_("post"), no_wrap=True)
        table.add_column("", ratio=1, no_wrap=True, overflow="ellipsis")
        for post in preview["next"]:
            how = _(HOW_HELD[post["hold"]]) if post.get("hold") in HOW_HELD else ""
            table.add_row(
                slot(post.get("scheduled_at", "")),
                post["channel"],
                post["id"],
                Text(post.get("excerpt", "") + (f"  [{how}]" if how else "")),  # no markup
            )
        target.update(Group(head, Text("\n" + _("Next up:"), style="bold"), table))
