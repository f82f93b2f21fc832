"""The pause ledger: the scope paused and the posts this incident holds, kept or released."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from runbook.describe import HOW_HELD
from runbook.tui.data import IncidentView
from runbook.tui.widgets.level_badge import tone_styles


class PostsPanel(VerticalScroll):
    """Pause ledger summary and the list of posts (see module docstring)."""

    DEFAULT_CSS = """
    PostsPanel { height: 1fr; }
    PostsPanel > Static { width: 1fr; }
    """

    def compose(self) -> ComposeResult:
        """One Static holding the ledger."""
        yield Static(id="posts-body")

    def show(self, view: IncidentView) -> None:
        """Show ``view``'s pause ledger."""
        incident = view.incident
        styles = tone_styles(self.app)
        rule = incident.pause_rule()
        rows = view.posts or []
        held = [r for r in rows if r["ledger"] == "held"]
        missed = [r for r in rows if r["missed_slot"]]
        head = Text("Paused: ")
        scope = incident.paused_scope.describe()
        head.append(scope, style=styles["good"] if scope != "none" else styles["muted"])
        if rule is not None:
            head.append(f" (the level asks: {rule.describe()})", style=styles["muted"])
        head.append(
            f"\nheld {len(incident.paused_posts)} · released {len(incident.resumed_posts)}"
            f" · kept held {len(incident.kept_posts)}"
        )
        if missed:
            head.append(f" · {len(missed)} missed slot(s)", style=styles["bad"])
        channels: dict[str, int] = {}
        for post in held:
            channels[post["channel"]] = channels.get(post["channel"], 0) + 1
        if channels:
            head.append(
                "\nby channel: " + ", ".join(f"{c} {n}" for c, n in sorted(channels.items()))
            )
        problem = incident.pause_unconfirmed()
        if problem:
            head.append(f"\n{problem}", style=styles["bad"])
        if not rows:
            self.query_one(Static).update(
                Group(head, Text("No posts held by this incident.", style="dim"))
            )
            return
        table = Table(box=None, expand=True, header_style="bold", pad_edge=False)
        table.add_column("", no_wrap=True, width=9)
        table.add_column("post", no_wrap=True, ratio=2, overflow="ellipsis")
        table.add_column("on", no_wrap=True, ratio=1)
        table.add_column("scheduled", no_wrap=True, ratio=3, overflow="ellipsis")
        table.add_column("", ratio=4, no_wrap=True, overflow="ellipsis")
        for row in rows[:500]:
            flags = []
            if row["missed_slot"]:
                flags.append(Text("MISSED SLOT ", style=styles["bad"]))
            if row.get("new_time"):
                flags.append(Text(f"new time {row['new_time']} "))
            if row.get("also_held_by"):
                flags.append(
                    Text(
                        "also held by " + ", ".join(row["also_held_by"]) + " ", style=styles["warn"]
                    )
                )
            if row.get("hold") in HOW_HELD:
                made = f" as {row['recreated_as']}" if row.get("recreated_as") else ""
                how = f"recreated{made}" if made else HOW_HELD[row["hold"]]
                flags.append(Text(f"{how} ", style=styles["warn"]))
            flags.append(Text(row.get("excerpt", ""), style="dim"))
            table.add_row(
                ledger_word(row),
                row["id"],
                row["channel"],
                row.get("scheduled_at", ""),
                Text.assemble(*flags),
            )
        more = [Text(f"... and {len(rows) - 500} more", style="dim")] if len(rows) > 500 else []
        self.query_one(Static).update(Group(head, table, *more))


def ledger_word(row: dict) -> str:
    """The ledger's first column: ``held``, or how it was held (``draft``, ``deleted``), or
    ``recreated`` for a deleted post made again."""
    if row["ledger"] == "held":
        return {"draft": "draft", "delete-and-recreate": "deleted"}.get(row.get("hold", ""), "held")
    if row["ledger"] == "resumed" and row.get("recreated_as"):
        return "recreated"
    return str(row["ledger"])
