"""Acknowledgement timers: which notify rules are due for escalation, and to whom.

Driven by the engine's clock (never by threads of the state machine): the engine, the TUI's
timer or a drill's simulated clock asks :func:`due` at any moment and gets the same answer.
A rule escalates when nobody it reached acknowledged within ``ack_within``; each round
notifies the ``escalate_to`` roles and reminds those who have not acknowledged. Rounds are
bounded (:data:`MAX_ROUNDS`); an acknowledgement by anyone the rule reached stops them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from runbook.model.incident import Incident
from runbook.model.playbook import NotifyRule

MAX_ROUNDS = 3
"""Escalation rounds per rule before runbook stops re-notifying (a person must step in)."""


@dataclass(frozen=True)
class Due:
    """One escalation round that is due."""

    rule: NotifyRule
    round: int
    due_at: datetime


def due(incident: Incident, now: datetime) -> list[Due]:
    """Escalation rounds due at ``now`` (empty for incidents that are not open)."""
    if incident.playbook is None or not incident.is_open:
        return []
    found = []
    for rule in incident.playbook.notify:
        sent_at = incident.sent_rules.get(rule.id)
        if sent_at is None or rule.ack_within is None:
            continue
        reached = [r for r in incident.recipients.values() if rule.id in r.rules]
        if any(r.acked_at is not None for r in reached):
            continue
        rounds = max((e.round for e in incident.escalations if e.rule_id == rule.id), default=0)
        if rounds >= MAX_ROUNDS:
            continue
        due_at = sent_at + rule.ack_within * (rounds + 1)
        if now >= due_at:
            found.append(Due(rule=rule, round=rounds + 1, due_at=due_at))
    return found


def next_due(incident: Incident) -> datetime | None:
    """When the next escalation falls due if nobody acknowledges (None: nothing pending)."""
    if incident.playbook is None or not incident.is_open:
        return None
    times = []
    for rule in incident.playbook.notify:
        sent_at = incident.sent_rules.get(rule.id)
        if sent_at is None or rule.ack_within is None:
            continue
        reached = [r for r in incident.recipients.values() if rule.id in r.rules]
        if any(r.acked_at is not None for r in reached):
            continue
        rounds = max((e.round for e in incident.escalations if e.rule_id == rule.id), default=0)
        if rounds < MAX_ROUNDS:
            times.append(sent_at + rule.ack_within * (rounds + 1))
    return min(times) if times else None
