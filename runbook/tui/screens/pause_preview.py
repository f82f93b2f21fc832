"""Pause preview and confirm: what ``pause`` would hold now, then enter to pause.

The preview (``Engine.pause_preview``: scope, total, counts per channel, the next posts) is
read in a worker, since it asks the schedulers; if they cannot be reached the error is shown
and pausing is still possible (the engine records what happens). With no scheduler configured
runbook cannot hold anything: the operator holds the posts in their scheduling tool, names it
here and confirms (``runbook pause ID --by-hand TOOL``), recorded as their confirmation.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Button, Input, Static

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

    def __init__(self, incident_id: str) -> None:
        super().__init__(incident_id)
        self.by_hand: str | None = None
        """The tool the operator held the posts in by hand (no scheduler configured)."""
        self.asks_tool = False

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
        if not preview.get("scheduler_configured", True):  # nothing runbook could hold
            if preview.get("note"):
                head.append(str(preview["note"]), style="bold yellow")
            self.ask_tool(head)
            return
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

    def ask_tool(self, head: Text) -> None:
        """No scheduler: the operator names the tool they held the posts in, then confirms."""
        self.asks_tool = True
        head.append(
            "\n\n"
            + _(
                "Hold the posts in your scheduling tool now, then name it and confirm: runbook "
                "records your confirmation (it cannot check it)."
            )
        )
        self.query_one("#preview", Static).update(head)
        dialog = self.query_one(".dialog")
        tool = Input(placeholder=_("the tool, e.g. Hootsuite"), id="by-hand-tool")
        dialog.mount(tool, before=dialog.query_one(".buttons"))
        self.query_one("#yes", Button).label = _("Held by hand")
        tool.focus()

    def confirm_by_hand(self) -> None:
        """Return the tool named (refuse an empty one, and stay)."""
        tool = " ".join(self.query_one("#by-hand-tool", Input).value.split())
        if not tool:
            self.app.tell(
                _("Name the tool where you held the posts (e.g. Hootsuite)."),
                title=_("Held by hand?"),
                severity="warning",
            )
            return
        self.by_hand = tool
        self.dismiss(True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the tool's box confirms."""
        event.stop()
        self.confirm_by_hand()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Confirm the posts held by hand (the base class pauses or cancels otherwise)."""
        if event.button.id == "yes" and self.asks_tool:
            event.stop()
            event.prevent_default()  # not the base class's plain "go ahead"
            self.confirm_by_hand()
