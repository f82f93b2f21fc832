"""People notified about the incident: how they were reached, who acknowledged, escalations."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from runbook.i18n import _
from runbook.tui.data import IncidentView
from runbook.tui.widgets.level_badge import tone_styles
from runbook.tui.wording import clock_span, countdown


class PeoplePanel(VerticalScroll):
    """Recipients with their ack state, then the escalations (see module docstring)."""

    DEFAULT_CSS = """
    PeoplePanel { height: 1fr; }
    PeoplePanel > Static { width: 1fr; }
    """

    def compose(self) -> ComposeResult:
        """One Static holding the table."""
        yield Static(id="people-body")

    def show(self, view: IncidentView) -> None:
        """Show the recipients and escalations of ``view``'s incident."""
        incident = view.incident
        styles = tone_styles(self.app)
        recipients = list(incident.recipients.values())
        messaged = [r for r in recipients if not r.running]  # the lead is never messaged
        acked = sum(1 for r in messaged if r.acked_at)
        head = Text(
            _(
                "Notified %(notified)s · acknowledged %(acked)s",
                notified=len(messaged),
                acked=acked,
            )
        )
        if view.next_escalation is not None:
            words, late = countdown(view.next_escalation, view.now)
            head.append(_(" · next escalation "), style=styles["muted"])
            head.append(words, style=styles["bad"] if late else styles["warn"])
            head.append(_(" unless someone acknowledges"), style=styles["muted"])
        if not recipients:
            hint = _("Nobody notified yet.") + (
                "  " + _("Press n to notify.") if "notify" in view.allowed else ""
            )
            self.query_one(Static).update(Group(head, Text(hint, style="dim")))
            return
        table = Table(box=None, expand=True, show_header=True, header_style="bold", pad_edge=False)
        table.add_column("", width=1, no_wrap=True)
        table.add_column(_("who"), ratio=3, overflow="fold")
        table.add_column(_("roles"), ratio=3, overflow="fold")
        table.add_column(_("reached"), ratio=3, overflow="fold")
        table.add_column(_("ack"), ratio=2, overflow="fold")
        for r in sorted(recipients, key=lambda r: (r.acked_at is not None, r.person)):
            reached = Text(", ".join(r.delivered), style=styles["good"])
            for channel, error in r.failed.items():
                reached.append(f" {channel} ✗ {error}", style=styles["bad"])
            if r.running:
                reached = Text(_("not messaged: running it"), style=styles["muted"])
                mark = Text("★", style=styles["good"])
                ack = Text(_("running"), style=styles["good"])
            elif r.acked_at:
                mark, ack = Text("✔", style=styles["good"]), Text(f"{r.acked_at:%H:%M}")
            else:
                waited = clock_span(view.now - r.notified_at) if r.notified_at else "-"
                mark, ack = (
                    Text("…", style=styles["warn"]),
                    Text(_("waiting %(span)s", span=waited), style=styles["warn"]),
                )
            if r.failed and not r.delivered:
                mark = Text("✗", style=styles["bad"])
            table.add_row(
                mark, view.names.get(r.person, r.person), ", ".join(sorted(r.roles)), reached, ack
            )
        parts: list[RenderableType] = [head, table]
        if incident.escalations:
            parts.append(Text("\n" + _("Escalations"), style="bold"))
            for e in incident.escalations:
                to = ", ".join(e.to_roles) or _("the same people")
                parts.append(
                    Text(
                        _(
                            "%(time)s %(rule)s round %(round)s -> %(to)s (after %(waited)s)",
                            time=e.at.strftime("%H:%M"),
                            rule=e.rule_id,
                            round=e.round,
                            to=to,
                            waited=e.waited,
                        ),
                        style=styles["warn"],
                    )
                )
        self.query_one(Static).update(Group(*parts))
