"""The pause ledger: the scope paused and the posts this incident holds, kept or released."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from runbook.describe import HOW_HELD
from runbook.i18n import N_, _, ngettext
from runbook.tui.data import IncidentView
from runbook.tui.widgets.level_badge import tone_styles
from runbook.tui.wording import slot, word

LEDGER_WORDS = {"held": N_("held"), "resumed": N_("resumed"), "kept": N_("kept")}
"""Where a post stands in the pause ledger, in words."""


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
        head = Text(_("Paused: "))
        scope = incident.paused_scope.describe()
        shown = _("none") if scope == "none" else scope
        head.append(shown, style=styles["good"] if scope != "none" else styles["muted"])
        if rule is not None:
            head.append(
                _(" (the level asks: %(rule)s)", rule=rule.describe()), style=styles["muted"]
            )
        head.append(
            "\n"
            + _(
                "held %(held)s · released %(released)s · kept held %(kept)s",
                held=len(incident.paused_posts),
                released=len(incident.resumed_posts),
                kept=len(incident.kept_posts),
            )
        )
        if missed:
            head.append(
                ngettext(" · %(n)s missed slot(s)", " · %(n)s missed slot(s)", len(missed)),
                style=styles["bad"],
            )
        channels: dict[str, int] = {}
        for post in held:
            channels[post["channel"]] = channels.get(post["channel"], 0) + 1
        if channels:
            head.append(
                "\n"
                + _(
                    "by channel: %(counts)s",
                    counts=", ".join(f"{c} {n}" for c, n in sorted(channels.items())),
                )
            )
        contacts = self.app.engine.workspace.contacts  # type: ignore[attr-defined]
        for _at, who, tool, _scope in incident.held_by_hand:
            person = contacts.person(who)
            head.append(
                "\n"
                + _(
                    "held by hand in %(tool)s (confirmed by %(person)s)",
                    tool=tool,
                    person=person.name if person else who,
                ),
                style=styles["warn"],
            )
        problem = incident.pause_unconfirmed()
        if problem:
            head.append(f"\n{problem}", style=styles["bad"])
        if not rows:
            self.query_one(Static).update(
                Group(head, Text(_("No posts held by this incident."), style="dim"))
            )
            return
        table = Table(box=None, expand=True, header_style="bold", pad_edge=False)
        table.add_column("", no_wrap=True, width=9)
        table.add_column(_("post"), no_wrap=True)
        table.add_column(_("on"), no_wrap=True)
        table.add_column(_("scheduled") + " (UTC)", no_wrap=True)
        table.add_column("", ratio=1, no_wrap=True, overflow="ellipsis")
        for row in rows[:500]:
            flags = []
            if row.get("not_released"):  # first: what the operator must act on
                reason = _("not released: %(reason)s", reason=row["not_released"])
                flags.append(Text(f"{reason} ", style=styles["bad"]))
            if row["missed_slot"]:
                flags.append(Text(_("MISSED SLOT") + " ", style=styles["bad"]))
            if row.get("new_time"):
                flags.append(Text(_("new time %(time)s", time=row["new_time"]) + " "))
            if row.get("also_held_by"):
                flags.append(
                    Text(
                        _("also held by %(incidents)s", incidents=", ".join(row["also_held_by"]))
                        + " ",
                        style=styles["warn"],
                    )
                )
            if row.get("hold") in HOW_HELD:
                how = (
                    _("recreated as %(post)s", post=row["recreated_as"])
                    if row.get("recreated_as")
                    else _(HOW_HELD[row["hold"]])
                )
                flags.append(Text(f"{how} ", style=styles["warn"]))
            flags.append(Text(row.get("excerpt", ""), style="dim"))
            table.add_row(
                ledger_word(row),
                row["id"],
                row["channel"],
                slot(row.get("scheduled_at", "")),
                Text.assemble(*flags),
            )
        more = (
            [Text(_("... and %(n)s more", n=len(rows) - 500), style="dim")]
            if len(rows) > 500
            else []
        )
        self.query_one(Static).update(Group(head, table, *more))


def ledger_word(row: dict) -> str:
    """The ledger's first column: ``held``, or how it was held (``draft``, ``deleted``), or
    ``recreated`` for a deleted post made again."""
    if row["ledger"] == "held":
        hold = row.get("hold", "")
        if hold == "draft":
            return _("draft")
        return _("deleted") if hold == "delete-and-recreate" else _("held")
    if row["ledger"] == "resumed" and row.get("recreated_as"):
        return _("recreated")
    return word(LEDGER_WORDS, str(row["ledger"]))
