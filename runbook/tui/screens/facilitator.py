"""The drill facilitator's view: the simulated clock, the inject feed and expectation status.

Shown first by ``runbook drill SCENARIO --tui``. Everything it shows and does goes through the
:class:`~runbook.drill.session.DrillSession` the app holds (``app.drill``); nothing about
injects, timing or scoring is decided here. The header line gives the simulated time as
``T+mm:ss``, the speed (×1, ×5, ×10) and whether the clock runs. Left: the injects released
so far with their T+ time and kind, the upcoming ones dimmed. Right: each expectation met,
missed or pending, with the time taken or left. The app's drill timer calls
``session.update()`` every second (releasing injects, running escalations) and this screen
reads the session again after it.

Keys: space starts (declaring the drill incident at T+0) or pauses the clock, 1/5/0 choose
×1/×5/×10, n jumps to the next inject, enter opens the drill incident in the normal incident
screen (the participants' screen), b shows the board.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Header, Static

from runbook.i18n import N_, _, formats, ngettext
from runbook.tui.messages import DrillTicked
from runbook.tui.widgets.footer import Footer
from runbook.tui.widgets.level_badge import tone_styles
from runbook.tui.widgets.work_status import WorkStatus
from runbook.tui.wording import word
from runbook.tui.work import LiveScreen

BOLD = Style(bold=True)
STATUS_TONES = {"met": "good", "missed": "bad", "pending": "muted"}
EXPECTATION_WORDS = {"met": N_("met"), "missed": N_("missed"), "pending": N_("pending")}
"""An expectation's status in words (shown in capitals)."""


@dataclass
class FeedLine:
    """One inject in the feed."""

    t_plus: timedelta
    kind: str
    text: str
    released: bool


@dataclass
class DrillView:
    """What the facilitator sees, read from the session at one moment."""

    scenario_id: str
    title: str
    playbook: str
    declared: bool
    finished: bool
    running: bool
    speed: int
    elapsed: timedelta
    incident_id: str | None
    feed: list[FeedLine]
    statuses: list[Any]
    score: Any


def read_session(session: Any) -> DrillView:
    """The session's clock, feed and expectation status (worker thread: status reads events)."""
    released = [
        FeedLine(item.t_plus, item.inject.kind, item.inject.summary(), True)
        for item in session.feed()
    ]
    t0 = session.t0
    upcoming = [
        FeedLine(at - t0, inject.kind, inject.summary(), False) for at, inject in session.upcoming()
    ]
    statuses = session.status()
    scenario = session.scenario
    return DrillView(
        scenario_id=scenario.id,
        title=scenario.title,
        playbook=scenario.playbook,
        declared=session.declared,
        finished=session.finished,
        running=session.running,
        speed=session.speed,
        elapsed=session.elapsed(),
        incident_id=session.incident_id,
        feed=released + upcoming,
        statuses=statuses,
        score=session.score(),
    )


def clock_words(elapsed: timedelta) -> str:
    """``T+03:00`` (minutes keep counting past the hour: ``T+75:10``)."""
    seconds = max(int(elapsed.total_seconds()), 0)
    return f"T+{seconds // 60:02d}:{seconds % 60:02d}"


def offset_words(delta: timedelta) -> str:
    """``T+8m``, ``T+1h30m``, ``T+0``."""
    from runbook.drill.scenario import format_offset

    return format_offset(delta)


class FacilitatorScreen(LiveScreen):
    """The facilitator's view (see module docstring)."""

    BINDINGS = [
        Binding("space", "toggle_clock", N_("start/pause")),
        Binding("1", "speed(1)", "×1"),
        Binding("5", "speed(5)", "×5"),
        Binding("0", "speed(10)", "×10"),
        Binding("n", "next_inject", N_("next inject")),
        Binding("enter", "open_incident", N_("open incident")),
        Binding("b", "board", N_("board")),
        Binding("q", "app.quit", N_("quit")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view: DrillView | None = None

    @property
    def session(self) -> Any:
        """The drill session the app runs."""
        return self.runbook.drill

    def compose(self) -> ComposeResult:
        """Clock line, the feed beside the expectations, footer."""
        yield Header()
        yield Static(_("Reading the drill…"), id="drill-clock")
        with Horizontal(id="drill-body"):
            with VerticalScroll(id="drill-feed"):
                yield Static(_("Injects"), classes="drill-head")
                yield Static(id="drill-feed-lines")
            with VerticalScroll(id="drill-status"):
                yield Static(_("Expectations"), classes="drill-head")
                yield Static(id="drill-status-table")
        yield WorkStatus()
        yield Footer()

    # -- data ---------------------------------------------------------------------------
    def load(self, publish: Any) -> DrillView:
        """Read the session (the app's drill timer calls ``update()``)."""
        return read_session(self.session)

    def show(self, view: DrillView, final: bool) -> None:
        """Draw the clock line, the feed and the expectations."""
        self.view = view
        styles = tone_styles(self.app)
        self.query_one("#drill-clock", Static).update(self.clock_line(view, styles))
        self.query_one("#drill-feed-lines", Static).update(self.feed_text(view, styles))
        self.query_one("#drill-status-table", Static).update(self.status_table(view, styles))

    def clock_line(self, view: DrillView, styles: dict[str, Any]) -> Text:
        """``DRILL title`` then ``T+03:00 · ×5 · running · incident ... · score``."""
        line = Text(_("DRILL") + " ", style=styles["accent"] + BOLD)
        line.append(view.title, style="bold")
        line.append(
            "  ·  "
            + _(
                "scenario %(scenario)s on playbook %(playbook)s",
                scenario=view.scenario_id,
                playbook=view.playbook,
            )
            + "\n"
        )
        line.append(clock_words(view.elapsed), style="bold")
        for speed in (1, 5, 10):
            chosen = speed == view.speed
            line.append(f"  ×{speed}", style="bold reverse" if chosen else styles["muted"])
        if view.finished:
            state, tone = _("finished"), "muted"
        elif view.running:
            state, tone = _("running"), "good"
        else:
            state, tone = _("paused"), "warn"
        line.append(f"  {state}", style=styles[tone] + BOLD)
        if view.incident_id:
            line.append(
                "  ·  " + _("incident %(incident)s (enter opens it)", incident=view.incident_id)
            )
        else:
            line.append("  ·  " + _("not started: space declares the drill incident at T+0"))
        score = view.score
        line.append(
            "  ·  "
            + _(
                "%(met)s/%(total)s met (%(percent)s)",
                met=score.met,
                total=score.total,
                percent=formats.percent(score.percent / 100),
            )
        )
        return line

    def feed_text(self, view: DrillView, styles: dict[str, Any]) -> Text:
        """Released injects, then the upcoming ones dimmed."""
        text = Text()
        for index, item in enumerate(view.feed):
            if index:
                text.append("\n\n")
            style = styles[""] if item.released else styles["muted"]
            text.append(f"{offset_words(item.t_plus)} ", style=style + styles["accent"])
            text.append(f"{item.kind}", style=style + BOLD)
            text.append(
                f"  {item.text}" + ("" if item.released else "  " + _("(upcoming)")), style=style
            )
        return text or Text(_("No injects in this scenario."), style=styles["muted"])

    def status_table(self, view: DrillView, styles: dict[str, Any]) -> Table:
        """One row per expectation: status, what, from, result."""
        table = Table(box=None, expand=True, show_edge=False, pad_edge=False)
        table.add_column(_("status"), no_wrap=True)
        table.add_column(_("expectation"), ratio=3)
        table.add_column(_("from"), no_wrap=True)
        table.add_column(_("time"), ratio=2)
        for status in view.statuses:
            tone = STATUS_TONES.get(status.status, "")
            result = status.detail
            if status.missing_items and status.status != "met":
                result += ngettext(
                    " · %(n)s item(s) not ticked",
                    " · %(n)s item(s) not ticked",
                    len(status.missing_items),
                )
            table.add_row(
                Text(word(EXPECTATION_WORDS, status.status).upper(), style=styles[tone]),
                Text(f"{status.id}: {status.description}"),
                Text(status.anchor, style=styles["muted"]),
                Text(result, style=styles[tone] if status.status != "pending" else styles[""]),
            )
        return table

    def on_drill_ticked(self, message: DrillTicked) -> None:
        """The drill timer ran ``update()``: read the session again."""
        self.reload()

    # -- clock controls -------------------------------------------------------------------
    def clock_command(self, label: str, call: Any) -> None:
        """Run a session call in a worker; then tell the injects it released."""
        self.run_command(label, call, then=lambda _: self.runbook.drill_news())

    def action_toggle_clock(self) -> None:
        """Start (declaring the drill incident the first time) or pause the clock."""
        session = self.session
        if session.running:
            self.clock_command(_("pause the drill"), session.pause)
        else:
            self.clock_command(_("start the drill"), session.start)

    def action_speed(self, speed: int) -> None:
        """×1, ×5 or ×10."""
        self.clock_command(
            _("run the drill at ×%(speed)s", speed=speed), lambda: self.session.set_speed(speed)
        )

    def action_next_inject(self) -> None:
        """Move the clock to the next inject and release it."""
        self.clock_command(_("jump to the next inject"), self.session.jump_to_next_inject)

    def action_open_incident(self) -> None:
        """The drill incident in the normal incident screen (the participants' screen)."""
        incident_id = self.session.incident_id if self.session.declared else None
        if not incident_id:
            self.runbook.tell(
                _(
                    "The drill has not started: space declares the drill incident and runs the "
                    "clock."
                ),
                title=_("Not yet"),
                severity="warning",
            )
            return
        self.runbook.open(incident_id)

    def action_board(self) -> None:
        """Every incident (the drill incident carries its DRILL marker); f comes back."""
        from runbook.tui.screens.board import BoardScreen

        self.app.push_screen(BoardScreen())

    # -- help and palette -----------------------------------------------------------------
    def palette_commands(self) -> list[tuple[str, str, Any]]:
        """The facilitator's commands for the palette."""
        return [
            (N_("start or pause the drill clock"), "space", self.action_toggle_clock),
            (N_("drill clock at ×1"), _("key %(key)s", key="1"), lambda: self.action_speed(1)),
            (N_("drill clock at ×5"), _("key %(key)s", key="5"), lambda: self.action_speed(5)),
            (N_("drill clock at ×10"), _("key %(key)s", key="0"), lambda: self.action_speed(10)),
            (N_("jump to the next inject"), _("key %(key)s", key="n"), self.action_next_inject),
            (
                N_("open the drill incident"),
                _("enter (participants' screen)"),
                self.action_open_incident,
            ),
            (N_("show the board"), _("key %(key)s", key="b"), self.action_board),
        ]

    def help_lines(self) -> list[tuple[str, str]]:
        """Keys for the help screen."""
        return [
            ("space", _("start the drill (declares the incident at T+0) / pause the clock")),
            ("1 5 0", _("clock speed ×1, ×5, ×10")),
            ("n", _("jump to the next inject (released at once)")),
            ("enter", _("open the drill incident (the participants' incident screen)")),
            ("b", _("the board; f comes back here from any screen")),
            ("q", _("quit (the drill ends)")),
        ]
