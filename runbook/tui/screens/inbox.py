"""The inbox: warnings from paging and listening tools and staff reports, waiting for the
on-call person.

One row per warning (repeats with the same key are one row with a count), newest first; the
highlighted warning is shown in full underneath with who sent it, how that was proven and the
playbook its words suggest. ``d`` declares an incident from it (the suggested playbook is
highlighted, the title is its text), ``x`` dismisses it with a reason, ``a`` shows the decided
ones too. Everything a warning says came from outside and is shown inert (no markup, control
characters escaped).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from runbook.i18n import N_, _, ngettext
from runbook.model.intake import Warning, suggest
from runbook.model.text import inert, one_line
from runbook.tui.widgets.footer import Footer
from runbook.tui.widgets.level_badge import tone_styles
from runbook.tui.widgets.work_status import WorkStatus
from runbook.tui.wording import ago, since, word
from runbook.tui.work import LiveScreen

COLUMNS = (
    ("age", N_("age"), 6),
    ("count", "×", 4),
    ("source", N_("from"), 18),
    ("status", N_("status"), 12),
    ("summary", N_("what was seen"), 40),
)

WARNING_STATUS = {
    "new": N_("new"),
    "acknowledged": N_("acknowledged"),
    "resolved": N_("resolved"),
    "dismissed": N_("dismissed"),
    "declared": N_("declared"),
}
"""A warning's status in words."""


def inbox_line(warning: Warning, now: Any) -> str:
    """One warning on one line (the board's inbox panel)."""
    count = f" ×{warning.count}" if warning.count > 1 else ""
    return (
        f"{since(warning.last_at, now):>6}  {one_line(warning.source)[:18]:<18}"
        f"{count}  {one_line(warning.summary)[:200]}"
    )


class InboxScreen(LiveScreen):
    """The warnings (see module docstring)."""

    BINDINGS = [
        Binding("d", "declare", N_("declare incident")),
        Binding("x", "dismiss_warning", N_("dismiss")),
        Binding("a", "toggle_all", N_("show decided")),
        Binding("escape", "app.pop_screen", N_("board")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.show_all = False
        self.warnings: list[Warning] = []
        self.suggestions: dict[str, str | None] = {}
        """Warning key -> the playbook its words suggest (read with the warnings)."""

    def compose(self) -> ComposeResult:
        """Header, counts, the table, the highlighted warning, footer."""
        yield Header()
        yield Static(_("Reading the inbox…"), id="inbox-head")
        yield DataTable(id="inbox-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="inbox-detail", markup=False)
        yield WorkStatus()
        yield Footer()

    def on_mount(self) -> None:
        """Columns."""
        super().on_mount()
        table = self.query_one(DataTable)
        for key, label, width in COLUMNS:
            table.add_column(_(label) if label != "×" else label, key=key, width=width)
        table.focus()

    def load(self, publish: Any) -> tuple[list[Warning], dict[str, str | None]]:
        """The warnings from the store's intake log, and the playbook each suggests."""
        engine = self.runbook.engine
        warnings = list(engine.inbox(waiting_only=not self.show_all))
        playbooks = engine.workspace.playbooks
        return warnings, {w.key: suggest(playbooks, f"{w.summary} {w.link}") for w in warnings}

    def show(self, data: tuple[list[Warning], dict[str, str | None]], final: bool) -> None:
        """Fill the table, keeping the cursor on the same warning."""
        selected = self.selected()
        warnings, self.suggestions = data
        self.warnings = warnings
        table = self.query_one(DataTable)
        table.clear()
        now = self.runbook.engine.clock.now()
        styles = tone_styles(self.app)
        for warning in warnings:
            status = word(WARNING_STATUS, warning.status) + (
                f" {warning.incident_id}" if warning.incident_id else ""
            )
            table.add_row(
                since(warning.last_at, now),
                str(warning.count),
                Text(one_line(warning.source)),
                Text(status, style=styles["muted"] if not warning.waiting else styles[""]),
                Text(one_line(warning.summary), no_wrap=True, overflow="ellipsis"),
                key=warning.key,
            )
        keys = [w.key for w in warnings]
        if selected in keys:
            table.move_cursor(row=keys.index(selected), animate=False)
        waiting = sum(1 for w in warnings if w.waiting)
        head = ngettext(
            "%(n)s warning(s) waiting · d declares an incident · x dismisses",
            "%(n)s warning(s) waiting · d declares an incident · x dismisses",
            waiting,
        )
        head += (
            _(" · decided shown (a hides)") if self.show_all else _(" · decided hidden (a shows)")
        )
        self.query_one("#inbox-head", Static).update(head)
        self.describe_selected()
        self.fit_columns()

    def on_resize(self) -> None:
        """Give the text what the other columns leave."""
        self.fit_columns()

    def fit_columns(self) -> None:
        """Size the summary column to the screen."""
        table = self.query_one(DataTable)
        others = sum(width for key, _, width in COLUMNS if key != "summary")
        spare = self.size.width - others - 2 * len(COLUMNS) - 2
        column = table.columns.get("summary")  # type: ignore[call-overload]
        if column is not None and spare > 10 and column.width != spare:
            column.width = spare
            column.auto_width = False
            table.refresh(layout=True)

    def selected(self) -> str | None:
        """The key of the warning under the cursor."""
        table = self.query_one(DataTable)
        if not self.warnings or table.cursor_row is None:
            return None
        if table.cursor_row >= len(self.warnings):
            return None
        return self.warnings[table.cursor_row].key

    def current(self) -> Warning | None:
        """The warning under the cursor."""
        key = self.selected()
        return next((w for w in self.warnings if w.key == key), None)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Show the highlighted warning in full."""
        event.stop()
        self.describe_selected()

    def describe_selected(self) -> None:
        """The highlighted warning, in full (inert)."""
        warning = self.current()
        detail = self.query_one("#inbox-detail", Static)
        if warning is None:
            detail.update(_("The inbox is empty: nothing waits for a decision."))
            return
        lines = [inert(warning.summary)]
        if warning.link:
            lines.append(_("link: %(link)s", link=one_line(warning.link)))
        now = self.runbook.engine.clock.now()
        lines.append(
            _(
                "from %(source)s · first %(first)s UTC · last %(last)s UTC (%(ago)s)",
                source=one_line(warning.received_by),
                first=warning.first_at.strftime("%H:%M"),
                last=warning.last_at.strftime("%H:%M"),
                ago=ago(warning.last_at, now),
            )
            + ngettext(" · %(n)s time(s)", " · %(n)s time(s)", warning.count)
        )
        suggested = self.suggestions.get(warning.key)
        if warning.waiting:
            playbooks = self.runbook.engine.workspace.playbooks
            lines.append(
                _("suggested playbook: %(title)s (d declares)", title=playbooks[suggested].title)
                if suggested in playbooks
                else _("no playbook matches its words: d lets you pick one")
            )
        if warning.reason:
            lines.append(
                _(
                    "dismissed by %(who)s: %(reason)s",
                    who=one_line(warning.decided_by),
                    reason=inert(warning.reason),
                )
            )
        elif warning.incident_id:
            lines.append(
                _(
                    "declared as %(incident)s by %(who)s",
                    incident=warning.incident_id,
                    who=one_line(warning.decided_by),
                )
            )
        detail.update("\n".join(lines))

    # -- actions ------------------------------------------------------------------------
    def action_declare(self) -> None:
        """Declare an incident from the highlighted warning."""
        from runbook.tui.screens.new_incident import NewIncidentScreen

        warning = self.current()
        if warning is None or not warning.waiting:
            self.runbook.tell(_("Highlight a waiting warning first."), severity="warning")
            return
        suggested = self.suggestions.get(warning.key)

        def declared(incident_id: str | None) -> None:
            if incident_id:
                self.app.pop_screen()
                self.runbook.open(incident_id, then="level")

        self.app.push_screen(NewIncidentScreen(warning, suggested), declared)

    def action_dismiss_warning(self) -> None:
        """Dismiss the highlighted warning, with a reason."""
        from runbook.tui.screens.note import TextEntry

        warning = self.current()
        if warning is None or not warning.waiting:
            self.runbook.tell(_("Highlight a waiting warning first."), severity="warning")
            return
        engine = self.runbook.engine

        def dismissed(reason: str | None) -> None:
            if reason is None:
                return
            self.run_command(
                _("dismiss the warning"), lambda: engine.dismiss_warning(warning.key, reason)
            )

        self.app.push_screen(
            TextEntry(
                _("Dismiss the warning"),
                _("Why does it need no incident? (kept in the intake log)"),
                placeholder=_("e.g. a known parody account, already handled"),
            ),
            dismissed,
        )

    def action_toggle_all(self) -> None:
        """Show or hide the warnings already decided."""
        self.show_all = not self.show_all
        self.reload()

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        """The inbox's commands for the palette."""
        return [
            (N_("declare from the warning"), _("declare an incident (d)"), self.action_declare),
            (
                N_("dismiss the warning"),
                _("dismiss with a reason (x)"),
                self.action_dismiss_warning,
            ),
        ]
