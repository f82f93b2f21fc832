"""The Textual app: screens, the operator, live updates and escalation ticks.

:class:`RunbookApp` owns what every screen shares: the engine, who is operating (shown in the
header; asked once when unknown), the poll of the store's change token (so another terminal's
or the CLI's changes appear within a second) and the escalation timer (``engine.tick`` for open
incidents, so nobody's acknowledgement deadline passes silently while the app is open).
:func:`run_app` is what ``runbook`` with no command calls.

In drill mode (``runbook drill SCENARIO --tui``) the app holds a
:class:`~runbook.drill.session.DrillSession` (:attr:`RunbookApp.drill`): its engine is the
session's (simulated clock, drill sink, cast), the facilitator's view comes first, a timer calls
``session.update()`` every second (injects released are told as notifications, so participants
on the incident screen see them too) and ``f`` comes back to the facilitator from any screen.

The app speaks one language (:attr:`RunbookApp.language`: the one in force when it is made,
which the CLI sets from ``--lang``, ``RUNBOOK_LANG`` or the locale, or ``language=``): its
task holds it, so every screen, widget and timer inherits it, and thread workers get it through
:func:`runbook.tui.work.speaking`. Key bindings are the same in every language; their
descriptions are ``N_`` ids the footer and the help screen translate when shown.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Sequence
from typing import Any

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.filter import LineFilter
from textual.notifications import SeverityLevel
from textual.screen import Screen

from runbook.clock import Clock
from runbook.engine import Engine
from runbook.errors import RunbookError
from runbook.i18n import N_, _, current_language, normalise, using
from runbook.model.updates import audience_name
from runbook.tui.commands import AppCommands, ScreenCommands, SystemCommands
from runbook.tui.inert import InertLines
from runbook.tui.messages import DrillTicked, OperatorChanged, StoreChanged
from runbook.tui.work import perform, speaking

HEADER_WORDS = {
    "login": N_("proven by login"),
    "db-role": N_("proven by database role"),
    "claimed": N_("claimed, not proven"),
}
"""How the operator is proven, as the header says it."""


class RunbookApp(App[None]):
    """runbook's terminal UI (see module docstring)."""

    CSS_PATH = "app.tcss"
    TITLE = "runbook"
    COMMANDS = {SystemCommands, AppCommands, ScreenCommands}
    BINDINGS = [
        Binding("question_mark", "help", N_("keys"), key_display="?"),
        Binding("w", "switch_person", N_("who am I")),
        Binding("f", "facilitator", N_("facilitator")),
    ]

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock | None = None,
        poll_every: float | None = 0.5,
        tick_every: float | None = 10.0,
        cursor_blink: bool = True,
        open_incident: str | None = None,
        drill: Any = None,
        drill_every: float | None = 1.0,
        language: str | None = None,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.language = normalise(language) or current_language()
        """The language the app speaks (``language``, else the one in force when it was
        made: the CLI sets it from ``--lang``, ``RUNBOOK_LANG`` or the locale)."""
        if clock is not None:
            engine.clock = clock
        self.poll_every = poll_every
        self.tick_every = tick_every
        self.cursor_blink = cursor_blink
        """False in tests and snapshots: inputs and editors do not blink."""
        self.open_incident = open_incident
        self.command_lock = threading.Lock()
        """One engine command at a time from this app (reads run alongside)."""
        self.busy: dict[int, tuple[str, float]] = {}
        """Commands under way: ticket -> (label, start time)."""
        self.notices: list[tuple[str, str, str]] = []
        """Every notification shown: (severity, title, message), oldest first."""
        self.printed: list[str] = []
        """What was printed while the app ran (the console channel's messages), newest last."""
        self.drill = drill
        """The drill session in drill mode (its engine is ``engine``), else None."""
        self.drill_every = drill_every
        self.remember: Any = None
        """Called (in a worker) with the person chosen, to remember them for the next
        launch; None: not remembered (tests, drills)."""
        self._told = 0
        self._drill_ticking = False
        self._tickets = itertools.count(1)
        self._token: int | None = None
        self._polling = False
        self._ticking = False
        self.store_warning = ""
        self._inert = InertLines()
        """Set when the store's login can rewrite history: shown in the header."""

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters and :class:`InertLines`: no control character from any text
        reaches the terminal."""
        return [*super().get_line_filters(), self._inert]

    # -- start-up -----------------------------------------------------------------------
    async def _process_messages(self, *args: Any, **kwargs: Any) -> None:
        """Run the app speaking :attr:`language`: the app's task holds it, and every task the
        app starts later (screens, widgets, timers) inherits it. Thread workers do not: they
        run through :meth:`speaking`."""
        with using(self.language):
            await super()._process_messages(*args, **kwargs)

    def speaking(self, work: Any) -> Any:
        """``work`` wrapped to run in the app's language (for thread workers, which do not
        inherit the app's context)."""
        with using(self.language):
            return speaking(work)

    def get_default_screen(self) -> Screen[Any]:
        """The board of incidents (the facilitator's view in drill mode)."""
        if self.drill is not None:
            from runbook.tui.screens.facilitator import FacilitatorScreen

            return FacilitatorScreen()
        from runbook.tui.screens.board import BoardScreen

        return BoardScreen()

    def on_mount(self) -> None:
        """Open the incident asked for, ask who is operating if unknown, start the timers."""
        self.begin_capture_print(self)
        self.show_operator()
        self.check_store()
        if self.open_incident:
            self.open(self.open_incident)
        if not self.operator_known():
            if self.engine.operator:
                self.tell(
                    _(
                        "%(operator)s is not a person in contacts; choose who you are.",
                        operator=repr(self.engine.operator),
                    ),
                    severity="warning",
                )
            self.action_switch_person(first=True)
        if self.poll_every:
            self.set_interval(self.poll_every, self.poll)
        if self.tick_every:
            self.set_interval(self.tick_every, self.tick)
        if self.drill is not None and self.drill_every:
            self.set_interval(self.drill_every, self.drill_tick)

    def open(self, incident_id: str, *, then: str | None = None) -> None:
        """Show the incident screen for ``incident_id`` (``then``: an action to start)."""
        from runbook.tui.screens.incident import IncidentScreen

        self.push_screen(IncidentScreen(incident_id, start=then))

    # -- the operator -------------------------------------------------------------------
    def operator_known(self) -> bool:
        """True when the operator is a person in contacts."""
        operator = self.engine.operator
        return bool(operator) and self.engine.workspace.contacts.person(operator or "") is not None

    def operator_name(self) -> str:
        """The operator in words for the header, with how it is proven (``login``,
        ``claimed``: switching person is a claim, not proof)."""
        person = self.engine.workspace.contacts.person(self.engine.operator or "")
        if person is None:
            return _("who are you? press w")
        try:
            method = self.engine.identity().method
            how = _(HEADER_WORDS[method]) if method in HEADER_WORDS else ""
        except RunbookError:
            how = _("not proven")
        signing = _(" · signs with SSH key") if self.engine.signing() is not None else ""
        return f"{person.name} ({person.id}) · {how}{signing}"

    def show_operator(self) -> None:
        """Put the operator in the header (after a warning about the store's login)."""
        warning = _("⚠ OWNER LOGIN: CAN REWRITE HISTORY · ") if self.store_warning else ""
        self.sub_title = warning + _("operator: %(name)s", name=self.operator_name())

    def check_store(self) -> None:
        """In a worker: have the store's lost connections shown, and warn when its login can
        rewrite history (the team store's owner)."""

        def check() -> None:
            self.engine.report_store_notices(self.warn_from_anywhere)
            self.engine.report_waits(lambda wait: self.warn_from_anywhere(wait.words()))
            warning, _error, _refused = perform(self.engine.store_warning)
            if warning:
                self.call_from_thread(self._warn_store, warning)

        self.run_worker(self.speaking(check), thread=True, group="store", exit_on_error=False)

    def warn_from_anywhere(self, line: str) -> None:
        """Show ``line`` as a warning, from a worker thread or the app's own."""
        if threading.get_ident() == self._thread_id:
            self.tell(line, severity="warning")
        else:
            self.call_from_thread(self.tell, line, severity="warning")

    def _warn_store(self, warning: str) -> None:
        self.store_warning = warning
        self.show_operator()
        self.notify(warning, title=_("Team store"), severity="error", timeout=30, markup=False)

    def action_switch_person(self, first: bool = False) -> None:
        """Choose who is operating (approvals need different people)."""
        from runbook.tui.screens.person import PersonPicker

        if not first and isinstance(self.screen, PersonPicker):
            return
        self.push_screen(PersonPicker(self.engine, first=first), self.set_operator)

    def set_operator(self, person_id: str | None) -> None:
        """Act as ``person_id`` from now on (remembered for the next launch)."""
        if not person_id:
            return
        self.engine.operator = person_id
        self.show_operator()
        self.tell(_("You are now %(name)s.", name=self.operator_name()), title=_("Operator"))
        for screen in self.screen_stack:
            screen.post_message(OperatorChanged())
        if self.remember is not None:
            remember = self.remember
            self.run_worker(
                self.speaking(lambda: remember(person_id)), thread=True, group="remember"
            )

    # -- notifications ------------------------------------------------------------------
    def tell(
        self, message: str, *, title: str = "", severity: SeverityLevel = "information"
    ) -> None:
        """Show a notification (plain text: engine messages may contain brackets)."""
        self.notify(message, title=title, severity=severity, markup=False)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Show a notification and remember it (see :attr:`notices`)."""
        self.notices.append((severity, title, message))
        del self.notices[:-200]
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    # -- work under way -----------------------------------------------------------------
    def work_started(self, label: str) -> int:
        """Record a command under way; returns its ticket (thread-safe)."""
        ticket = next(self._tickets)
        self.busy[ticket] = (label, time.monotonic())
        return ticket

    def work_finished(self, ticket: int) -> None:
        """The command with ``ticket`` finished (thread-safe)."""
        self.busy.pop(ticket, None)

    # -- live updates -------------------------------------------------------------------
    def poll(self) -> None:
        """Read the store's change token in a worker; tell the screens when it moved."""
        if self._polling:
            return
        self._polling = True

        def read() -> None:
            token, _error, _refused = perform(self.engine.change_token)
            self.call_from_thread(self._token_read, token)

        self.run_worker(self.speaking(read), thread=True, group="poll", exit_on_error=False)

    def own_write(self, origin: object) -> None:
        """After this app's own command (worker thread): take the store's token as seen, so
        the poll does not make every screen reload; the command's screen reloads itself and
        the others read afresh when they are shown again."""
        token, _error, _refused = perform(self.engine.change_token)
        if token is not None and self._token is not None:
            self._token = token
        for screen in self.screen_stack:
            if screen is not origin and hasattr(screen, "mark_stale"):
                screen.mark_stale()

    def _token_read(self, token: int | None) -> None:
        self._polling = False
        if token is None or token == self._token:
            return
        self._token = token
        # Also on the first read: a screen may have loaded before another process wrote (an
        # approval through a link) and this first token already counts that write.
        self.broadcast_change()

    def broadcast_change(self) -> None:
        """Tell every screen the store changed (each reloads what it shows)."""
        for screen in self.screen_stack:
            screen.post_message(StoreChanged())

    def tick(self) -> None:
        """Escalate, in a worker, where nobody acknowledged in time (open incidents)."""
        if self._ticking:
            return
        self._ticking = True

        def run() -> None:
            escalated: list[str] = []
            problems: list[str] = []
            try:
                for row in self.engine.incidents():
                    if row["state"] in ("resolved", "closed"):
                        continue
                    try:
                        with self.command_lock:
                            self.engine.recover(row["id"])
                            for item in self.engine.tick_all(row["id"]):
                                escalated.append(f"{row['id']}: {tick_words(item)}")
                    except RunbookError as exc:
                        problems.append(f"{row['id']}: {exc}")
            except RunbookError as exc:
                problems.append(str(exc))
            self.call_from_thread(self._ticked, escalated, problems)

        self.run_worker(self.speaking(run), thread=True, group="tick", exit_on_error=False)

    def _ticked(self, escalated: list[str], problems: list[str]) -> None:
        self._ticking = False
        if escalated:
            self.tell("; ".join(escalated), title=_("On the clock"), severity="warning")
        for problem in problems:
            self.tell(problem, title=_("Escalation check failed"), severity="error")

    # -- drill mode ---------------------------------------------------------------------
    def drill_tick(self) -> None:
        """Run the drill session's ``update()`` in a worker (injects, escalation timers)."""
        if self.drill is None or self._drill_ticking:
            return
        self._drill_ticking = True
        session = self.drill

        def run() -> None:
            with self.command_lock:
                _result, error, _refused = perform(session.update)
            self.call_from_thread(self._drill_ticked, error)

        self.run_worker(self.speaking(run), thread=True, group="drill", exit_on_error=False)

    def _drill_ticked(self, error: str | None) -> None:
        self._drill_ticking = False
        if error is not None and not said_last(self.notices, error):
            self.tell(error, title=_("Drill clock"), severity="error")
        self.drill_news()
        for screen in self.screen_stack:
            screen.post_message(DrillTicked())

    def drill_news(self) -> None:
        """Tell the injects released since the last call (one notification each)."""
        if self.drill is None:
            return
        feed = self.drill.feed()
        for item in feed[self._told :]:
            self.tell(item.label, title=_("Drill inject"), severity="warning")
        self._told = len(feed)

    def action_facilitator(self) -> None:
        """Back to the facilitator's view (drill mode)."""
        from runbook.tui.screens.facilitator import FacilitatorScreen

        while len(self.screen_stack) > 1 and not isinstance(self.screen, FacilitatorScreen):
            self.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``f`` (back to the facilitator) exists only in drill mode, away from it."""
        if action == "facilitator":
            from runbook.tui.screens.facilitator import FacilitatorScreen

            return self.drill is not None and not isinstance(self.screen, FacilitatorScreen)
        return True

    def on_print(self, event: events.Print) -> None:
        """Keep what the console channel prints (it would otherwise draw over the screen)."""
        self.printed.append(event.text)
        del self.printed[:-2000]

    def action_printed(self) -> None:
        """Read the messages the console channel printed."""
        from runbook.tui.screens.help import InfoScreen

        text = "".join(self.printed)[-20_000:] or _("Nothing was printed.")
        self.push_screen(InfoScreen(_("Printed by the console channel"), text))

    def action_command_palette(self) -> None:
        """Textual's command palette, its search box in the language shown."""
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(
                CommandPalette(id="--command-palette", placeholder=_("Search for commands…"))
            )

    # -- help ---------------------------------------------------------------------------
    def action_help(self) -> None:
        """List the keys of the screen in front."""
        from runbook.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))


def said_last(notices: list[tuple[str, str, str]], message: str) -> bool:
    """True when the newest notification was ``message`` (a failing timer says it once)."""
    return bool(notices) and notices[-1][2] == message


def run_app(settings: Any) -> None:
    """Open the terminal UI on the store, playbooks and contacts ``settings`` name; the
    operator's SSH key signs approvals when the ssh-agent (or RUNBOOK_SSH_KEY) has it."""
    from runbook.effects import ssh
    from runbook.locations import config_dir, remember_operator, remembered_operator

    engine = settings.engine()
    config = config_dir(settings.config)
    if engine.operator is None:  # no login mapped to anyone, no --as: the last choice
        remembered = remembered_operator(config)
        if remembered and engine.workspace.contacts.person(remembered) is not None:
            engine.operator = remembered
    person = engine.workspace.contacts.person(engine.operator or "")
    if person is not None and person.ssh_keys:
        found = ssh.discover(list(person.ssh_keys), None)
        if found is not None:
            engine.signer = ssh.Signer(found.key, interactive=False, person=person.id)
    app = RunbookApp(engine)
    app.remember = lambda person: remember_operator(config, person)
    app.run()


def tick_words(step: Any) -> str:
    """What one step of the clock did, in a few words (an escalation, an update due)."""
    kind = type(step).__name__
    if kind == "UpdateFellDue":
        return _(
            "the %(audience)s update is due (you are reminded)",
            audience=audience_name(step.audience),
        )
    if kind == "UpdateEscalated":
        return _(
            "the %(audience)s update is %(overdue)s overdue (escalated)",
            audience=audience_name(step.audience),
            overdue=step.overdue,
        )
    return _("%(rule)s round %(round)s", rule=step.rule_id, round=step.round)
