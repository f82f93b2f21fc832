"""Acknowledgement timers: which notify rules are due for escalation, and to whom.

Driven by the engine's clock (never by threads of the state machine): the engine, the TUI's
timer or a drill's simulated clock asks :func:`due` at any moment and gets the same answer.
A rule escalates when nobody it reached acknowledged within ``ack_within``; each round
notifies the ``escalate_to`` roles and reminds those who have not acknowledged. Rounds are
bounded (:data:`MAX_ROUNDS`); an acknowledgement by anyone the rule reached stops them. The
people running the incident are never messaged; a rule whose only audience is them is not
chased.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from runbook.model.incident import Incident
from runbook.model.outreach import NotifyRule

MAX_ROUNDS = 3
"""Escalation rounds per rule before runbook stops re-notifying (a person must step in)."""


@dataclass(frozen=True)
class Due:
    """One escalation round that is due."""

    rule: NotifyRule
    round: int
    due_at: datetime
    waited: timedelta
    """How long the rule has waited for an acknowledgement when this round falls due."""


def _next_rounds(incident: Incident) -> list[Due]:
    """For every rule still waiting for an acknowledgement, its next round and when it falls
    due (whether or not that moment has come)."""
    if incident.playbook is None or not incident.is_open:
        return []
    found = []
    for rule in incident.playbook.notify:
        sent_at = incident.sent_rules.get(rule.id)
        if sent_at is None or rule.ack_within is None:
            continue
        reached = [r for r in incident.recipients.values() if rule.id in r.rules]
        if any(r.acked_at is not None for r in reached):
            continue  # acknowledged
        if reached and all(r.running for r in reached):
            continue  # the rule's only audience is running the incident: nobody to chase
        rounds = max((e.round for e in incident.escalations if e.rule_id == rule.id), default=0)
        if rounds < MAX_ROUNDS:
            waited = rule.ack_within * (rounds + 1)
            found.append(Due(rule=rule, round=rounds + 1, due_at=sent_at + waited, waited=waited))
    return found


def due(incident: Incident, now: datetime) -> list[Due]:
    """Escalation rounds due at ``now`` (empty for incidents that are not open)."""
    return [item for item in _next_rounds(incident) if now >= item.due_at]


def next_due(incident: Incident) -> datetime | None:
    """When the next escalation falls due if nobody acknowledges (None: nothing pending)."""
    times = [item.due_at for item in _next_rounds(incident)]
    return min(times) if times else None
