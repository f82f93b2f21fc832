"""The drill's score report: what was expected, what the team did, and how long it took.

:func:`build_report` gathers a finished (or running) :class:`~runbook.drill.session.DrillSession`
into a :class:`DrillReport`: each expectation met or missed with the time it took, the level
decisions compared with the scenario's, checklist items missed, the playbook's targets, the
injects, the participants' actions (with the engine's refusals), escalations and the overall
score. Everything in it comes from the scenario, the incident's events and the simulated clock,
so the same scenario and responses give the same report, byte for byte (no effect ids, database
paths or real times). :mod:`runbook.drill.render` writes it as Markdown, HTML or JSON.

A report is in one language: the one asked for (``runbook drill --lang``), else the playbook's
(``language: fr``). Its prose (expectations, details, verdicts) is written in it; its ids
(``met``, ``refused``, ``yes``) stay English for the JSON format and are shown in words by the
renderers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from runbook.drill.cast import stand_ins
from runbook.drill.expectations import ChecklistDone
from runbook.drill.scenario import format_offset
from runbook.drill.scoring import Decision, ExpectationStatus, Score, replay, score
from runbook.drill.words import duration, offset
from runbook.i18n import _, normalise, using
from runbook.model import events as ev
from runbook.model.base import format_duration
from runbook.model.playbook import STAGES
from runbook.model.targets import target_checks

if TYPE_CHECKING:
    from runbook.drill.session import DrillSession

FORMAT_VERSION = 1
"""Version of the JSON report's shape; raised on any incompatible change."""


@dataclass(frozen=True)
class Row:
    """A generic report line: a time from the start and named values."""

    t_plus: timedelta
    values: dict[str, str]


@dataclass(frozen=True)
class DrillReport:
    """Everything the score report shows (see module docstring)."""

    scenario: dict[str, str]
    """id, title, summary of the scenario."""
    incident: dict[str, str]
    """id, title, playbook, playbook title and version, final level and state."""
    marking: str
    start: datetime
    end: datetime
    real_channels: bool
    score: Score
    expectations: list[ExpectationStatus]
    decisions: list[Decision]
    checklist_missed: list[dict[str, str]]
    """Items the scenario expects that were not ticked: expectation, item, stage, text."""
    checklist_not_ticked: list[dict[str, str]]
    """Other playbook items of stages the incident reached, not ticked (not scored)."""
    targets: list[dict[str, str]]
    """The playbook's targets: target, goal, reached, verdict."""
    injects: list[Row]
    actions: list[Row]
    escalations: list[Row]
    cast: list[dict[str, str]]
    """role, people, stand_in (``yes``/``no``)."""
    messages: dict[str, int]
    """Deliveries recorded: total, delivered, failed, published statements."""
    language: str = "en"
    """The language of the report's words (``en``, ``fr``)."""

    @property
    def duration(self) -> timedelta:
        """How long the drill ran (simulated)."""
        return self.end - self.start

    def t(self, moment: datetime | None) -> str:
        """``T+12m`` for a moment of the drill (``-`` for none)."""
        return format_offset(moment - self.start) if moment is not None else "-"


def build_report(session: DrillSession, language: str | None = None) -> DrillReport:
    """The report of ``session`` as it stands now, in ``language`` (default: the playbook's)."""
    playbook = session.workspace.playbooks.get(session.scenario.playbook)
    chosen = normalise(language) or (playbook.language if playbook else None) or "en"
    with using(chosen):
        return _build(session, chosen)


def _build(session: DrillSession, language: str) -> DrillReport:
    events = session.events()
    now = session.clock.now()
    statuses = session.status()
    scenario = session.scenario
    incident = replay([e for e in events if e.at <= now])
    playbook = incident.playbook or session.workspace.playbooks[scenario.playbook]
    t0 = session.t0
    contacts = session.real_workspace.contacts

    def name(person: str) -> str:
        found = contacts.person(person)
        return found.name if found else person

    missed = []
    for expectation in scenario.expectations:
        if isinstance(expectation, ChecklistDone):
            for item_id in expectation.items:
                if item_id not in incident.checked:
                    stage, item = playbook.checklist_item(item_id) or ("?", None)
                    missed.append(
                        {
                            "expectation": expectation.id,
                            "item": item_id,
                            "stage": stage,
                            "text": item.text if item else "",
                        }
                    )
    expected_items = {
        i for e in scenario.expectations if isinstance(e, ChecklistDone) for i in e.items
    }
    not_ticked = []
    for stage in STAGES:
        if stage not in incident.stage_reached:
            continue
        for item in playbook.checklist.get(stage, []):  # type: ignore[call-overload]
            if item.id not in incident.checked and item.id not in expected_items:
                not_ticked.append({"stage": stage, "item": item.id, "text": item.text})

    targets = []
    for check in target_checks(incident, start=t0, playbook=playbook):
        targets.append(
            {
                "target": check.name,
                "goal": duration(check.limit),
                "reached": offset(check.reached - t0) if check.reached else "-",
                "verdict": {None: "not reached", True: "met", False: "missed"}[check.met],
            }
        )

    injects = [
        Row(
            offset,
            {
                "id": inject.id,
                "kind": inject.kind,
                "summary": inject.summary(),
                "released": "yes" if t0 + offset <= now and session.declared else "no",
            },
        )
        for offset, inject in scenario.schedule()
    ]
    actions = [
        Row(
            a.at - t0,
            {
                "person": a.person,
                "name": name(a.person),
                "action": a.action,
                "outcome": "done" if a.ok else "refused",
                "reason": a.reason,
            },
        )
        for a in session.actions
    ]
    escalations = [
        Row(
            e.at - t0,
            {
                "rule": e.rule_id,
                "round": str(e.round),
                "to": ", ".join(e.to_roles) or _("the same people"),
                "waited": e.waited,
            },
        )
        for e in incident.escalations
    ]
    standing_in = stand_ins(contacts, scenario)
    cast = [
        {
            "role": role,
            "people": ", ".join(f"{name(p)} ({p})" for p in scenario.players(role)),
            "stand_in": "yes" if role in standing_in else "no",
        }
        for role in scenario.cast
    ]
    deliveries = [d for e in events if isinstance(e, ev.NotificationsSent) for d in e.deliveries]
    messages = {
        "deliveries": len(deliveries),
        "delivered": sum(bool(d.get("ok")) for d in deliveries),
        "failed": sum(not d.get("ok") for d in deliveries),
        "published": sum(isinstance(e, ev.StatementPublished) for e in events),
    }
    level = playbook.level(incident.level) if incident.level else None
    return DrillReport(
        scenario={"id": scenario.id, "title": scenario.title, "summary": scenario.summary},
        incident={
            "id": incident.id or (session.incident_id or ""),
            "title": incident.title,
            "playbook": playbook.id,
            "playbook_title": playbook.title,
            "playbook_version": str(playbook.version),
            "level": f"{level.id} ({level.name})" if level else _("not assessed"),
            "state": incident.state if events else "not started",
        },
        marking=_("[DRILL]"),
        start=t0,
        end=now,
        real_channels=session.real_channels,
        score=score(statuses),
        expectations=statuses,
        decisions=session.decisions(),
        checklist_missed=missed,
        checklist_not_ticked=not_ticked,
        targets=targets,
        injects=injects,
        actions=actions,
        escalations=escalations,
        cast=cast,
        messages=messages,
        language=language,
    )


def to_data(report: DrillReport) -> dict[str, object]:
    """The report as JSON-ready data (what the JSON format writes)."""

    def when(moment: datetime | None) -> str | None:
        return moment.isoformat().replace("+00:00", "Z") if moment else None

    def span(delta: timedelta | None) -> str | None:
        return None if delta is None else (format_duration(delta) if delta else "0m")

    return {
        "format_version": FORMAT_VERSION,
        "language": report.language,
        "marking": report.marking,
        "scenario": report.scenario,
        "incident": report.incident,
        "start": when(report.start),
        "end": when(report.end),
        "duration": span(report.duration),
        "real_channels": report.real_channels,
        "score": {
            "met": report.score.met,
            "total": report.score.total,
            "percent": report.score.percent,
            "grade": report.score.grade,
        },
        "expectations": [
            {
                "id": s.id,
                "kind": s.kind,
                "description": s.description,
                "from": s.anchor,
                "target": span(s.target),
                "status": s.status,
                "done_at": report.t(s.done_at) if s.done_at else None,
                "taken": span(s.taken),
                "detail": s.detail,
                "missing_items": list(s.missing_items),
            }
            for s in report.expectations
        ],
        "decisions": [
            {
                "moment": d.moment,
                "expected_level": d.expected_level,
                "chosen_level": d.chosen_level,
                "at": report.t(d.at) if d.at else None,
                "verdict": d.verdict,
                "answers": [{"question": q, "expected": o, "chosen": c} for q, o, c in d.answers],
            }
            for d in report.decisions
        ],
        "checklist_missed": report.checklist_missed,
        "checklist_not_ticked": report.checklist_not_ticked,
        "targets": report.targets,
        "injects": [{"at": format_offset(r.t_plus), **r.values} for r in report.injects],
        "actions": [{"at": format_offset(r.t_plus), **r.values} for r in report.actions],
        "escalations": [{"at": format_offset(r.t_plus), **r.values} for r in report.escalations],
        "cast": report.cast,
        "messages": report.messages,
    }
