"""A drill in progress: the facilitator's clock, the inject feed and live expectation status.

:class:`DrillSession` is the API a facilitator view shows (the TUI's, or a script's); it never
imports Textual and never touches an adapter directly::

    session = DrillSession.open(workspace, scenario, store)   # drill sink, cast, clock at start
    session.start()                  # declares the drill incident at T+0 (once), runs the clock
    session.set_speed(5)             # x1, x5 or x10 while running
    session.pause()                  # the simulated clock stands still (start() runs it again)
    session.jump_to_next_inject()    # the clock moves to the next inject, which is released
    session.advance(timedelta(minutes=5))
    released = session.update()      # call every second or so: releases due injects and runs
                                     # escalation timers (engine.tick); returns new feed items
    session.feed()                   # FeedItem(at, t_plus, inject) released so far, in order
    session.upcoming()               # (time, inject) still to come
    session.due_injects()            # injects whose time has come but update() has not released
    session.status()                 # ExpectationStatus per expectation: met / missed / pending
    session.engine_for("amara")      # an Engine acting as a participant, on the drill's cast
    session.participant_engine("amara")  # a new one, not shared (a UI switches its operator)
    session.finish(); build_report(session)   # score report (runbook.drill.report)

Participants use the normal incident screen with ``session.engine_for(person)``: it shares the
drill's store, simulated clock, cast directory and effects. Every effect goes to the session's
:class:`~runbook.effects.sinks.DrillSink` (``session.sink``: messages, publications and the
scenario's simulated calendar). With ``real_channels=True`` notifications go through the
workspace's configured channels instead, each marked ``[DRILL]`` in subject and body by
:mod:`runbook.model.messages`; the scheduler and the publisher stay simulated even then (a
drill never holds the brand's real posts, and a public statement cannot carry a drill mark).

Times: everything is stamped with the simulated clock. :meth:`advance_to` stops the clock at
every escalation due on the way, so the same inputs give the same events and the same report.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from runbook.clock import SimulatedClock
from runbook.drill.cast import cast_workspace
from runbook.drill.responses import Response
from runbook.drill.scenario import Inject, Scenario
from runbook.drill.scoring import Decision, ExpectationStatus, Score, decisions, evaluate, score
from runbook.drill.words import INJECT_KINDS, offset, word
from runbook.effects import Effects, Post
from runbook.effects.sinks import DrillSink
from runbook.engine import Engine
from runbook.engine.declaring import ID_ALPHABET
from runbook.errors import ActionRefused, NotFound, RunbookError
from runbook.i18n import _
from runbook.loading import Workspace
from runbook.model import events as ev
from runbook.model.escalation import next_due
from runbook.store import EventStore

SPEEDS = (1, 5, 10)
"""Clock speeds a facilitator can choose (simulated seconds per real second)."""


@dataclass(frozen=True)
class FeedItem:
    """An inject released to the team."""

    at: datetime
    """When it was due (simulated time)."""
    t_plus: timedelta
    """Its time from the start."""
    inject: Inject

    @property
    def label(self) -> str:
        """``T+8m inquiry: journalist (The Ledger) asks: ...``."""
        return _(
            "%(at)s %(kind)s: %(summary)s",
            at=offset(self.t_plus),
            kind=word(INJECT_KINDS, self.inject.kind),
            summary=self.inject.summary(),
        )


@dataclass(frozen=True)
class ActionRecord:
    """A participant's action and what the engine said."""

    at: datetime
    person: str
    action: str
    ok: bool
    reason: str = ""
    """Why the engine refused it (empty when done)."""


def drill_incident_id(scenario_id: str, attempt: int = 0) -> str:
    """A reproducible incident id for a scenario (``attempt`` > 0 when taken)."""
    digest = hashlib.sha256(f"drill:{scenario_id}:{attempt}".encode()).digest()
    return "INC-" + "".join(ID_ALPHABET[b % len(ID_ALPHABET)] for b in digest[:6])


class DrillSession:
    """One run of a scenario (see the module docstring)."""

    def __init__(
        self,
        store: EventStore,
        workspace: Workspace,
        scenario: Scenario,
        clock: SimulatedClock,
        effects: Effects,
        sink: DrillSink,
        *,
        real_workspace: Workspace | None = None,
        real_channels: bool = False,
        incident_id: str | None = None,
    ) -> None:
        self.store = store
        self.workspace = workspace
        """The cast directory's workspace (the engines use it)."""
        self.real_workspace = real_workspace or workspace
        self.scenario = scenario
        self.clock = clock
        self.effects = effects
        self.sink = sink
        self.real_channels = real_channels
        self.incident_id = incident_id
        """Set once the drill incident is declared (or chosen in advance)."""
        self.actions: list[ActionRecord] = []
        self.declared = False
        self.finished = False
        self._speed: int = 1
        self._t0: datetime | None = None
        self._released: list[FeedItem] = []
        self._engines: dict[str, Engine] = {}
        self._lock = threading.RLock()

    @classmethod
    def open(
        cls,
        workspace: Workspace,
        scenario: Scenario,
        store: EventStore,
        *,
        effects: Effects | None = None,
        real_channels: bool = False,
        incident_id: str | None = None,
        clock: SimulatedClock | None = None,
    ) -> DrillSession:
        """A session ready to start: cast workspace, drill sink seeded with the scenario's
        calendar, simulated clock standing still at the scenario's start.

        ``effects`` are the real adapters (used only for notifications, and only with
        ``real_channels``); by default nothing but the drill sink exists.
        """
        if scenario.playbook not in workspace.playbooks:
            raise NotFound(
                _(
                    "scenario %(scenario)s: no playbook %(playbook)r",
                    scenario=scenario.id,
                    playbook=scenario.playbook,
                )
            )
        clock = clock or SimulatedClock(scenario.start)
        sink = DrillSink()
        for post in scenario.calendar:
            when = (scenario.start + post.at).isoformat().replace("+00:00", "Z")
            sink.posts[post.id] = Post(post.id, post.channel, when, post.text, scheduler="drill")
        drill = Effects(scheduler=sink, channels={}, publisher=sink, fallback=sink)
        if real_channels:
            if effects is None:
                raise RunbookError(_("real channels were asked for, but none are configured"))
            drill = Effects(
                scheduler=sink,
                channels=dict(effects.channels),
                publisher=sink,
                fallback=effects.fallback,
            )
        wired = Effects(scheduler=sink, channels={}, publisher=sink, fallback=sink, drill=drill)
        return cls(
            store,
            cast_workspace(workspace, scenario),
            scenario,
            clock,
            wired,
            sink,
            real_workspace=workspace,
            real_channels=real_channels,
            incident_id=incident_id,
        )

    # -- engines and the incident ----------------------------------------------------------
    def engine_for(self, person: str) -> Engine:
        """An engine acting as ``person`` on the drill's store, clock, cast and effects."""
        if person not in self._engines:
            self._engines[person] = Engine(
                self.store, self.workspace, operator=person, clock=self.clock, effects=self.effects
            )
        return self._engines[person]

    def participant_engine(self, person: str | None) -> Engine:
        """A new engine acting as ``person`` on the drill's store, clock, cast and effects, not
        shared with the session's own (a terminal UI switches its operator; the session's
        declarer must stay who it is)."""
        return Engine(
            self.store, self.workspace, operator=person, clock=self.clock, effects=self.effects
        )

    @property
    def t0(self) -> datetime:
        """When the drill started (the incident's declaration; the scenario's start before)."""
        return self._t0 or self.scenario.start

    def now(self) -> datetime:
        """The simulated time."""
        return self.clock.now()

    def elapsed(self) -> timedelta:
        """Simulated time since T+0 (zero before the start)."""
        return max(self.clock.now() - self.t0, timedelta(0))

    def events(self) -> list[ev.Event]:
        """The drill incident's events so far."""
        if not self.declared or self.incident_id is None:
            return []
        return self.store.load(self.incident_id)

    # -- clock controls ----------------------------------------------------------------------
    @property
    def speed(self) -> int:
        """The chosen speed (applies while running)."""
        return self._speed

    @property
    def running(self) -> bool:
        """True while the simulated clock moves by itself."""
        return self.clock.speed > 0

    def begin(self) -> None:
        """Declare the drill incident at the current simulated time (once); the clock stays."""
        with self._lock:
            if self.declared:
                return
            person = self.scenario.declarer()
            engine = self.engine_for(person)
            title = self.scenario.incident_title or self.scenario.title
            chosen = self.incident_id
            if chosen is None:
                attempt = 0
                while self.store.load(drill_incident_id(self.scenario.id, attempt)):
                    attempt += 1
                chosen = drill_incident_id(self.scenario.id, attempt)
            incident = engine.declare(self.scenario.playbook, title, drill=True, incident_id=chosen)
            self.incident_id = incident.id
            self._t0 = incident.opened_at
            self.declared = True
            self._release(self.clock.now())

    def start(self) -> None:
        """Declare the incident if needed and run the clock at the chosen speed."""
        with self._lock:
            if self.finished:
                raise ActionRefused(_("the drill is finished"))
            self.begin()
            self.clock.set_speed(self._speed)

    def pause(self) -> None:
        """Stop the simulated clock."""
        self.clock.set_speed(0)

    def set_speed(self, speed: int) -> None:
        """Choose x1, x5 or x10 (applies at once while running)."""
        if speed not in SPEEDS:
            raise ActionRefused(
                _("speed must be one of %(speeds)s", speeds=", ".join(map(str, SPEEDS)))
            )
        with self._lock:
            self._speed = speed
            if self.running:
                self.clock.set_speed(speed)

    def advance(self, delta: timedelta) -> list[FeedItem]:
        """Move the clock forward by ``delta``; return the injects released."""
        return self.advance_to(self.clock.now() + delta)

    def advance_to(self, moment: datetime) -> list[FeedItem]:
        """Move the clock to ``moment``, escalating on time on the way; release injects."""
        with self._lock:
            if moment < self.clock.now():
                raise ActionRefused(_("the drill clock never goes backwards"))
            released: list[FeedItem] = []
            while self.declared and self.incident_id:
                due = next_due(self.engine_for(self.scenario.declarer()).incident(self.incident_id))
                if due is None or due > moment:
                    break
                self.clock.set(max(due, self.clock.now()))
                released += self.update()
            self.clock.set(moment)
            return released + self.update()

    def jump_to_next_inject(self) -> list[FeedItem]:
        """Move the clock to the next inject's time and release it (and any due with it)."""
        with self._lock:
            self.begin()
            upcoming = self.upcoming()
            if not upcoming:
                return self.update()
            return self.advance_to(max(upcoming[0][0], self.clock.now()))

    def update(self) -> list[FeedItem]:
        """Release injects whose time has come and run escalation timers; new feed items."""
        with self._lock:
            if not self.declared or self.incident_id is None:
                return []
            released = self._release(self.clock.now())
            if not self.finished:
                self.engine_for(self.scenario.declarer()).tick(self.incident_id)
            return released

    def finish(self) -> None:
        """End the drill: the clock stops and pending expectations count as missed."""
        with self._lock:
            self.update()
            self.pause()
            self.finished = True

    # -- injects --------------------------------------------------------------------------
    def _release(self, now: datetime) -> list[FeedItem]:
        items = self.due_injects(now)
        self._released += items
        return items

    def due_injects(self, now: datetime | None = None) -> list[FeedItem]:
        """Injects due at ``now`` (default: the clock) that are not released yet."""
        if not self.declared:
            return []
        now = now or self.clock.now()
        done = {item.inject.id for item in self._released}
        t0 = self.t0
        return [
            FeedItem(at=t0 + offset, t_plus=offset, inject=inject)
            for offset, inject in self.scenario.schedule()
            if inject.id not in done and t0 + offset <= now
        ]

    def feed(self) -> list[FeedItem]:
        """Injects released so far, in release order."""
        return list(self._released)

    def upcoming(self) -> list[tuple[datetime, Inject]]:
        """Injects still to come, with when they are due."""
        done = {item.inject.id for item in self._released}
        t0 = self.t0
        return [(t0 + o, i) for o, i in self.scenario.schedule() if i.id not in done]

    # -- participants -----------------------------------------------------------------------
    def perform(self, response: Response) -> ActionRecord:
        """Carry out one scripted participant action now; a refusal is recorded, not raised."""
        with self._lock:
            self.begin()
            engine = self.engine_for(response.actor)
            assert self.incident_id is not None
            try:
                _PERFORM[response.do](engine, self.incident_id, response.args)
                record = ActionRecord(self.clock.now(), response.actor, response.do, True)
            except (ActionRefused, NotFound) as refusal:
                record = ActionRecord(
                    self.clock.now(), response.actor, response.do, False, str(refusal)
                )
            self.actions.append(record)
            self.update()
            return record

    # -- status ---------------------------------------------------------------------------
    def status(self) -> list[ExpectationStatus]:
        """Live status of every expectation."""
        return evaluate(self.scenario, self.events(), self.clock.now(), finished=self.finished)

    def decisions(self) -> list[Decision]:
        """Levels chosen compared with the levels the scenario expects."""
        return decisions(self.scenario, self.events(), self.clock.now())

    def score(self) -> Score:
        """The overall score so far."""
        return score(self.status())


def _perform_table() -> dict[str, Any]:
    def resolve(engine: Engine, incident: str, args: Any) -> None:
        engine.resolve(incident, args.summary, resume=args.resume, keep=list(args.keep))

    def publish(engine: Engine, incident: str, args: Any) -> Any:
        on = list(args.on)
        if not on:  # every variant not posted by hand, of the draft the command picks
            found = engine.incident(incident)
            ready = [d for d in found.drafts_approved() if d.unpublished()]
            chosen = found.drafts.get(args.draft or "") or (ready[0] if len(ready) == 1 else None)
            if chosen is not None:
                on = [v for v in chosen.unpublished() if v not in args.by_hand]
        return engine.publish(incident, args.draft, on=on, by_hand=dict(args.by_hand))

    return {
        "assess": lambda e, i, a: e.assess(i, dict(a.answers)),
        "pause": lambda e, i, a: e.pause(i),
        "notify": lambda e, i, a: e.notify(i),
        "ack": lambda e, i, a: e.ack(i),
        "draft": lambda e, i, a: e.start_draft(i, a.template),
        "edit": lambda e, i, a: e.edit_draft(i, a.draft, dict(a.set)),
        "submit": lambda e, i, a: e.submit(i, a.draft),
        "approve": lambda e, i, a: e.approve(i, a.draft),
        "reject": lambda e, i, a: e.reject(i, a.comment, a.draft),
        "publish": publish,
        "check": lambda e, i, a: e.check(i, a.item),
        "note": lambda e, i, a: e.note(i, a.text),
        "resolve": resolve,
        "close": lambda e, i, a: e.close(i, a.review, leave_open=a.leave_open),
    }


_PERFORM = _perform_table()
