"""Scoring a drill: expectation status, decisions and checklist, from the incident's events.

Pure functions: no clock, store or I/O. :func:`evaluate` replays the drill incident's events
into a scratch incident and notes the first moment each expectation held (a level at least
SEV2, the pause confirmed at the level's scope, every required person notified, an approval by
legal...). An expectation is **met** when that moment is within its target (counted from T+0,
or from the release of the inject it names in ``after``), **missed** when its target passed
first (the time it took is still shown when it was done late) and **pending** while there is
still time; once the drill is finished nothing is pending. :func:`decisions` compares the
levels the team chose with the levels the scenario expects; :func:`score` sums it up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from runbook.drill.expectations import (
    PLAYBOOK_TARGET,
    Acknowledged,
    ChecklistDone,
    Expectation,
    LevelAtLeast,
    StatementApproved,
    StatementPublished,
)
from runbook.drill.scenario import NewFactInject, Scenario
from runbook.drill.words import duration, offset, span
from runbook.i18n import _
from runbook.model import events as ev
from runbook.model.fold import apply
from runbook.model.incident import Incident
from runbook.model.playbook import Playbook

MET, MISSED, PENDING = "met", "missed", "pending"


@dataclass(frozen=True)
class ExpectationStatus:
    """Where one expectation stands."""

    id: str
    kind: str
    description: str
    """The expectation in words (``level >= SEV2``)."""
    anchor: str
    """What the time counts from: ``T+0`` or ``inject <id>``."""
    target: timedelta | None
    """How long the team has (None: until the end of the drill)."""
    status: str
    """``met``, ``missed`` or ``pending``."""
    done_at: datetime | None
    """When it held first (None: not yet)."""
    taken: timedelta | None
    """From the anchor to ``done_at``."""
    detail: str
    """Why, in a few words (``took 14m, target 10m``)."""
    missing_items: tuple[str, ...] = ()
    """Checklist expectations: items not ticked."""


@dataclass(frozen=True)
class Decision:
    """A level decision compared with the scenario's expectation."""

    moment: str
    """``first assessment`` or ``after <inject id>``."""
    expected_level: str
    chosen_level: str | None
    """The level chosen (None: never assessed)."""
    at: datetime | None
    """When it was chosen."""
    verdict: str
    """``as expected``, ``higher than expected``, ``lower than expected``, ``not reassessed``..."""
    answers: tuple[tuple[str, str, str | None], ...] = ()
    """(question, expected option, chosen option) for the answers a new fact suggests."""


@dataclass(frozen=True)
class Score:
    """The short overall score."""

    met: int
    total: int
    percent: int
    grade: str


def grade(percent: int) -> str:
    """A at 90% and above, B at 75, C at 60, D at 40, else F."""
    for floor, letter in ((90, "A"), (75, "B"), (60, "C"), (40, "D")):
        if percent >= floor:
            return letter
    return "F"


def score(statuses: Sequence[ExpectationStatus]) -> Score:
    """Percentage of expectations met, and the grade."""
    met = sum(s.status == MET for s in statuses)
    total = len(statuses)
    percent = round(100 * met / total) if total else 100
    return Score(met=met, total=total, percent=percent, grade=grade(percent))


def replay(events: Sequence[ev.Event]) -> Incident:
    """The incident folded from ``events``."""
    incident = Incident(events[0].incident_id if events else "")
    for event in events:
        apply(incident, event)
    return incident


def target_of(expectation: Expectation, playbook: Playbook) -> timedelta | None:
    """The expectation's own ``within``, else the playbook's target for its kind."""
    if expectation.within is not None:
        return expectation.within
    name = PLAYBOOK_TARGET.get(expectation.kind)
    return getattr(playbook.targets, name) if name else None


def holds(expectation: Expectation, incident: Incident) -> bool:
    """True when ``expectation`` is satisfied by the incident's state now."""
    playbook = incident.playbook
    assert playbook is not None
    kind = expectation.kind
    if isinstance(expectation, LevelAtLeast):
        return incident.level is not None and playbook.level_rank(
            incident.level
        ) >= playbook.level_rank(expectation.level)
    if kind == "posts_paused":
        return incident.paused_scope.scope != "none" and incident.pause_satisfied()
    if kind == "notified":
        return bool(incident.sent_rules) and incident.notify_satisfied()
    if isinstance(expectation, Acknowledged):
        return any(
            r.acked_at is not None and expectation.by_role in (None, *r.roles)
            for r in incident.recipients.values()
        )
    if isinstance(expectation, StatementApproved):
        return any(
            expectation.template in (None, d.template_id)
            and (
                expectation.by_role is None
                or any(expectation.by_role in a.roles for a in d.current_approvals())
            )
            for d in incident.drafts_approved()
        )
    if isinstance(expectation, StatementPublished):
        return any(
            d.published_hash is not None and expectation.template in (None, d.template_id)
            for d in incident.drafts.values()
        )
    if isinstance(expectation, ChecklistDone):
        return all(item in incident.checked for item in expectation.items)
    if kind == "resolved":
        return incident.resolved_at is not None
    raise ValueError(f"unknown expectation kind {kind!r}")


def evaluate(
    scenario: Scenario,
    events: Sequence[ev.Event],
    now: datetime,
    *,
    finished: bool = False,
) -> list[ExpectationStatus]:
    """The status of every expectation of ``scenario`` at ``now`` (see module docstring)."""
    if not events:
        return [_waiting(e, _("the drill has not started")) for e in scenario.expectations]
    offsets = scenario.release_offsets()
    t0 = events[0].at
    done: dict[str, datetime] = {}
    incident = Incident(events[0].incident_id)
    for event in events:
        if event.at > now:
            break
        apply(incident, event)
        for expectation in scenario.expectations:
            if expectation.id not in done and holds(expectation, incident):
                done[expectation.id] = event.at
    assert incident.playbook is not None
    return [
        _status(e, incident, t0, offsets, done.get(e.id), now, finished)
        for e in scenario.expectations
    ]


def _waiting(expectation: Expectation, detail: str) -> ExpectationStatus:
    return ExpectationStatus(
        id=expectation.id,
        kind=expectation.kind,
        description=expectation.describe(),
        anchor=_("inject %(id)s", id=expectation.after) if expectation.after else "T+0",
        target=expectation.within,
        status=PENDING,
        done_at=None,
        taken=None,
        detail=detail,
    )


def _status(
    expectation: Expectation,
    incident: Incident,
    t0: datetime,
    offsets: dict[str, timedelta],
    first: datetime | None,
    now: datetime,
    finished: bool,
) -> ExpectationStatus:
    assert incident.playbook is not None
    anchor_at = t0 + (offsets[expectation.after] if expectation.after else timedelta(0))
    target = target_of(expectation, incident.playbook)
    missing: tuple[str, ...] = ()
    if isinstance(expectation, ChecklistDone):
        missing = tuple(i for i in expectation.items if i not in incident.checked)
    base = _waiting(expectation, "")
    if now < anchor_at and first is None:
        since = offset(anchor_at - t0)
        detail = _("counts from inject %(id)s at %(at)s", id=expectation.after, at=since)
        if finished:
            never = _("its inject was never released")
            return _with(base, MISSED, None, None, never, target, missing)
        return _with(base, PENDING, None, None, detail, target, missing)
    deadline = anchor_at + target if target is not None else None
    if first is not None:
        done_at = max(first, anchor_at)
        taken = done_at - anchor_at
        took = (
            _("took %(took)s, target %(target)s", took=span(taken), target=duration(target))
            if target is not None
            else _("took %(took)s", took=span(taken))
        )
        if deadline is None or done_at <= deadline:
            return _with(base, MET, done_at, taken, took, target, ())
        late = _("late: %(took)s", took=took)
        return _with(base, MISSED, done_at, taken, late, target, missing)
    if deadline is not None and now > deadline:
        detail = _("not done within %(target)s", target=duration(target or timedelta(0)))
        return _with(base, MISSED, None, None, detail, target, missing)
    if finished:
        unfinished = _("not done by the end of the drill")
        return _with(base, MISSED, None, None, unfinished, target, missing)
    left = (
        _("%(time)s left", time=span(deadline - now))
        if deadline is not None
        else _("until the end")
    )
    return _with(base, PENDING, None, None, left, target, missing)


def _with(
    base: ExpectationStatus,
    status: str,
    done_at: datetime | None,
    taken: timedelta | None,
    detail: str,
    target: timedelta | None,
    missing: tuple[str, ...],
) -> ExpectationStatus:
    return ExpectationStatus(
        id=base.id,
        kind=base.kind,
        description=base.description,
        anchor=base.anchor,
        target=target,
        status=status,
        done_at=done_at,
        taken=taken,
        detail=detail,
        missing_items=missing,
    )


def decisions(scenario: Scenario, events: Sequence[ev.Event], now: datetime) -> list[Decision]:
    """The level decisions the scenario expects, compared with what the team chose."""
    if not events:
        return []
    incident = replay([e for e in events if e.at <= now])
    playbook = incident.playbook
    assert playbook is not None
    t0 = events[0].at
    found: list[Decision] = []
    if scenario.expected_level is not None:
        first = incident.level_history[0] if incident.level_history else None
        chosen = first[2] if first else None
        found.append(
            Decision(
                moment=_("first assessment"),
                expected_level=scenario.expected_level,
                chosen_level=chosen,
                at=first[0] if first else None,
                verdict=_compare(playbook, scenario.expected_level, chosen, _("not assessed")),
            )
        )
    offsets = scenario.release_offsets()
    assessments = [e for e in events if isinstance(e, ev.SeverityAssessed) and e.at <= now]
    for inject in scenario.injects:
        if not isinstance(inject, NewFactInject) or inject.expected_level is None:
            continue
        released = t0 + offsets[inject.id]
        if released > now:
            continue
        later = [a for a in assessments if a.at >= released]
        answers = later[0].answers if later else incident.answers
        chosen = later[0].level if later else incident.level
        verdict = (
            _compare(playbook, inject.expected_level, chosen, _("not assessed"))
            if later
            else _("not reassessed (level stayed %(level)s)", level=incident.level or _("unset"))
        )
        found.append(
            Decision(
                moment=_("after %(inject)s", inject=inject.id),
                expected_level=inject.expected_level,
                chosen_level=chosen,
                at=later[0].at if later else None,
                verdict=verdict,
                answers=tuple((q, o, answers.get(q)) for q, o in inject.suggests.items()),
            )
        )
    return found


def _compare(playbook: Playbook, expected: str, chosen: str | None, otherwise: str) -> str:
    if chosen is None:
        return otherwise
    difference = playbook.level_rank(chosen) - playbook.level_rank(expected)
    if difference == 0:
        return _("as expected")
    return _("higher than expected") if difference > 0 else _("lower than expected")
