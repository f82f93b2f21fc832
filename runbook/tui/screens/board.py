"""The board (first screen): every open incident at a glance.

One row per incident: the level badge coloured by severity, state, id, title (with a DRILL
marker), how long it has been open and the next target time (or stakeholder update, when it
comes first) as a countdown that turns red when overdue (targets from the playbook, measured
from declaration, met when the stage was reached). Resolved incidents waiting for their review
stay; closed ones show on a toggle (``c``). ``n`` declares a new incident, enter opens one.
Times come from the engine's clock.

Under the incidents, the inbox: warnings from paging and listening tools and staff reports
still waiting for a decision (shown only when there are some); ``i`` opens it to declare an
incident from one or dismiss it. A warning is never an incident row by itself.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from runbook.errors import StoreError
from runbook.i18n import N_, _, ngettext
from runbook.model.intake import Warning
from runbook.model.text import one_line
from runbook.model.updates import audience_name
from runbook.tui.data import BoardRow, board_details, board_summaries
from runbook.tui.screens.inbox import inbox_line
from runbook.tui.widgets.footer import Footer
from runbook.tui.widgets.level_badge import badge, tone_styles
from runbook.tui.widgets.work_status import WorkStatus
from runbook.tui.wording import STATE_WORDS, TARGET_WORDS, countdown, since, word
from runbook.tui.work import LiveScreen

AUDIENCE_WORDS = {"executives": N_("exec"), "customers": N_("cust")}
"""Audiences shortened for the board's narrow column."""
INBOX_LINES = 5
"""Warnings listed on the board at most (the inbox screen lists them all)."""

COLUMNS = (
    ("level", N_("level"), 6),
    ("state", N_("state"), 9),
    ("id", N_("incident"), 10),
    ("title", N_("title"), 20),
    ("open", N_("open"), 6),
    ("target", N_("next target"), 17),
)


class BoardScreen(LiveScreen):
    """The incidents (see module docstring)."""

    BINDINGS = [
        Binding("n", "new_incident", N_("new incident")),
        Binding("enter", "open", N_("open"), show=False),
        Binding("c", "toggle_closed", N_("show closed")),
        Binding("i", "inbox", N_("inbox")),
        Binding("q", "app.quit", N_("quit")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.show_closed = False
        self.rows: list[BoardRow] = []
        self.warnings: list[Warning] = []
        self.seen: dict[str, int] | None = None
        """Warning key -> count already shown (None until the first load): what is new."""

    def compose(self) -> ComposeResult:
        """Header, counts, the table, work status, footer."""
        yield Header()
        yield Static(_("Reading the incidents…"), id="board-head")
        yield DataTable(id="board", cursor_type="row", zebra_stripes=True)
        yield Static(
            _(
                "No open incidents.\n\nPress n to declare one: type a few letters of the "
                "playbook, enter, the title, enter."
            ),
            id="board-empty",
        )
        yield Static("", id="inbox-panel", markup=False)
        yield WorkStatus()
        yield Footer()

    def on_mount(self) -> None:
        """Columns; the clock ticks once a second for the countdowns."""
        table = self.query_one(DataTable)
        for key, label, width in self.columns():
            table.add_column(label, key=key, width=width)
        self.query_one("#board-empty").display = False
        self.query_one("#inbox-panel").display = False
        self.set_interval(1.0, self.tick_clock)
        table.focus()

    # -- data ---------------------------------------------------------------------------
    def load(self, publish: Any) -> tuple[list[BoardRow], list[Warning]]:
        """Summaries and the inbox first (the first frame), then each incident's fold
        (colours, targets)."""
        engine = self.runbook.engine
        rows = board_summaries(engine, self.show_closed)
        warnings = inbox_of(engine)
        publish((rows, warnings))
        time.sleep(0.02)  # let the UI thread draw these rows before folding every incident
        return board_details(engine, rows), warnings

    def show(self, data: tuple[list[BoardRow], list[Warning]], final: bool) -> None:
        """Fill the table, keeping the cursor on the same incident; the inbox under it."""
        rows, self.warnings = data
        self.show_inbox()
        self.rows = rows
        table = self.query_one(DataTable)
        selected = self.selected()
        table.clear()
        now = self.runbook.engine.clock.now()
        for row in rows:
            table.add_row(*self.cells(row, now), key=row.id)
        ids = [row.id for row in rows]
        if selected in ids:
            table.move_cursor(row=ids.index(selected), animate=False)
        self.query_one("#board-empty").display = not rows
        table.display = bool(rows)
        open_rows = [r for r in rows if r.is_open]
        drills = sum(1 for r in open_rows if r.drill)
        head = ngettext("%(n)s open incident(s)", "%(n)s open incident(s)", len(open_rows))
        if drills:
            head += ngettext(", %(n)s drill(s)", ", %(n)s drill(s)", drills)
        waiting = sum(1 for r in rows if r.state == "resolved")
        if waiting:
            head += ngettext(
                " · %(n)s resolved, waiting for review",
                " · %(n)s resolved, waiting for review",
                waiting,
            )
        head += (
            _(" · closed shown (c hides)") if self.show_closed else _(" · closed hidden (c shows)")
        )
        self.query_one("#board-head", Static).update(head)
        self.fit_columns()

    def show_inbox(self) -> None:
        """The waiting warnings under the incidents (hidden when there are none); a warning
        that arrives (or arrives again) while the board is open is also announced."""
        fresh = [
            w for w in self.warnings if self.seen is not None and self.seen.get(w.key, 0) < w.count
        ]
        self.seen = {w.key: w.count for w in self.warnings}
        for warning in fresh[:3]:
            self.runbook.tell(
                _(
                    "%(summary)s (from %(source)s; i opens the inbox)",
                    summary=one_line(warning.summary[:200]),
                    source=one_line(warning.source),
                ),
                title=_("New warning"),
                severity="warning",
            )
        panel = self.query_one("#inbox-panel", Static)
        panel.display = bool(self.warnings)
        if not self.warnings:
            return
        now = self.runbook.engine.clock.now()
        shown = [inbox_line(w, now) for w in self.warnings[:INBOX_LINES]]
        more = len(self.warnings) - len(shown)
        head = ngettext(
            "Inbox: %(n)s warning(s) waiting (i opens it)",
            "Inbox: %(n)s warning(s) waiting (i opens it)",
            len(self.warnings),
        )
        if more:
            shown.append(_("… and %(n)s more", n=more))
        panel.update("\n".join([head, *shown]))

    def cells(self, row: BoardRow, now: Any) -> list[Any]:
        """The table cells of ``row`` at ``now``."""
        styles = tone_styles(self.app)
        title = Text(row.title, no_wrap=True, overflow="ellipsis")
        if row.drill:
            title = Text(_("DRILL") + " ", style=styles["accent"] + Style(bold=True)) + title
        state_style = styles["muted"] if not row.is_open else styles[""]
        return [
            badge(row.level, row.band),
            Text(word(STATE_WORDS, row.state), style=state_style),
            row.id,
            title,
            since(row.opened_at, now),
            self.target_cell(row, now),
        ]

    def target_cell(self, row: BoardRow, now: Any) -> Text:
        """``pause in 4m`` or ``pause 3m overdue`` (red), or the next stakeholder update when
        it comes first (``executives update in 12m``); empty when nothing is pending."""
        update = row.update
        if update is not None and (row.target is None or update.due_at < row.target.due):
            words, overdue = countdown(update.due_at, now)
            label = _(
                "%(audience)s upd %(when)s",
                audience=(
                    word(AUDIENCE_WORDS, update.audience)
                    if update.audience in AUDIENCE_WORDS
                    else audience_name(update.audience)
                ),
                when=words,
            )
        elif row.target is not None:
            words, overdue = countdown(row.target.due, now)
            label = f"{word(TARGET_WORDS, row.target.name)} {words}"
        else:
            return Text("" if row.detailed or not row.is_open else "…", style="dim")
        styles = tone_styles(self.app)
        return Text(label, style=styles["bad"] if overdue else styles[""])

    def tick_clock(self) -> None:
        """Advance the elapsed times and countdowns (no reading of the store)."""
        table = self.query_one(DataTable)
        now = self.runbook.engine.clock.now()
        for row in self.rows:
            if not row.is_open:
                continue
            try:
                table.update_cell(row.id, "open", since(row.opened_at, now))
                table.update_cell(row.id, "target", self.target_cell(row, now))
            except Exception:  # the row went away in a reload; the next tick catches up
                continue

    @staticmethod
    def columns() -> list[tuple[str, str, int]]:
        """(key, title, width) of each column in the language shown: a column is as wide as
        its title, and the level column as the badge of an incident with no level yet."""
        shown = []
        for key, label, width in COLUMNS:
            title = _(label)
            least = len(title)
            if key == "level":
                least = max(least, len(badge(None).plain))
            if key == "target":
                least = max(least, *[len(label) for label in typical_targets()])
            shown.append((key, title, max(width, least)))
        return shown

    def on_resize(self) -> None:
        """Give the title what the other columns leave."""
        self.fit_columns()

    def fit_columns(self) -> None:
        """Size the title column to the screen."""
        table = self.query_one(DataTable)
        others = sum(width for key, _label, width in self.columns() if key != "title")
        spare = self.size.width - others - 2 * len(COLUMNS) - 2
        column = table.columns.get("title")  # type: ignore[call-overload]
        if column is not None and spare > 10 and column.width != spare:
            column.width = spare
            column.auto_width = False
            table.refresh(layout=True)

    # -- actions ------------------------------------------------------------------------
    def selected(self) -> str | None:
        """The incident under the cursor."""
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row].id

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter or a click on a row: open it."""
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        """Open the incident under the cursor."""
        incident_id = self.selected()
        if incident_id:
            self.runbook.open(incident_id)

    def action_new_incident(self) -> None:
        """Declare: pick the playbook, type the title; then size the crisis."""
        from runbook.tui.screens.new_incident import NewIncidentScreen

        def declared(incident_id: str | None) -> None:
            if incident_id:
                self.runbook.open(incident_id, then="level")

        self.app.push_screen(NewIncidentScreen(), declared)

    def action_inbox(self) -> None:
        """Open the inbox: declare an incident from a warning, or dismiss it."""
        from runbook.tui.screens.inbox import InboxScreen

        self.app.push_screen(InboxScreen())

    def action_toggle_closed(self) -> None:
        """Show or hide closed incidents."""
        self.show_closed = not self.show_closed
        self.reload()

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        """The board's commands for the palette."""
        return [
            (N_("new incident"), _("declare an incident (n)"), self.action_new_incident),
            (
                N_("open the incident"),
                _("open the highlighted incident (enter)"),
                self.action_open,
            ),
            (N_("open the inbox"), _("warnings waiting for a decision (i)"), self.action_inbox),
            (
                N_("show or hide closed incidents"),
                _("toggle closed incidents (c)"),
                self.action_toggle_closed,
            ),
        ]


def typical_targets() -> list[str]:
    """What the target column typically says, in the language shown (its width fits them):
    the first statement due in 23 minutes, the executives' update due in 12."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    statement = countdown(now + timedelta(minutes=23), now)[0]
    update = countdown(now + timedelta(minutes=12), now)[0]
    return [
        f"{word(TARGET_WORDS, 'first_statement')} {statement}",
        _("%(audience)s upd %(when)s", audience=word(AUDIENCE_WORDS, "executives"), when=update),
    ]


def inbox_of(engine: Any) -> list[Warning]:
    """The warnings waiting, or none when the store keeps no intake log."""
    try:
        return list(engine.inbox(waiting_only=True))
    except StoreError:
        return []
