"""What runbook says to people: statement template values, messages, and what was sent.

Pure functions from an incident to text, so the engine, drills and tests render the same words.
Statement values are written in the playbook's language. The messages to people
(notifications, escalations, approval requests, reminders, the stand-down) are rendered in each
recipient's language by :mod:`runbook.model.notices` and re-exported here; every notification
says what happened, the level, the playbook, what is asked of the person and how to
acknowledge (the command and the TUI key); drill messages are marked ``[DRILL]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from runbook.i18n import formats
from runbook.model import events as ev
from runbook.model.incident import Incident
from runbook.model.notices import (
    approval_request,
    drill_mark,
    language_for,
    notification,
    stand_down,
    update,
    update_reminder,
)

__all__ = [
    "PURPOSE_WORDS",
    "SentMessage",
    "approval_request",
    "date_time",
    "drill_mark",
    "language_for",
    "long_date",
    "notification",
    "sent_messages",
    "stand_down",
    "template_values",
    "update",
    "update_reminder",
]


def long_date(when: datetime, language: str) -> str:
    """``12 March 2026`` / ``12 mars 2026`` (1er for the first day in French)."""
    return formats.long_date(when, language)


def date_time(when: datetime, language: str) -> str:
    """``2026-03-12 14:05 UTC`` / ``12 mars 2026 à 14:05 UTC``."""
    return formats.date_time(when, language)


def template_values(incident: Incident, language: str = "default") -> dict[str, str]:
    """Values for statement placeholders (see :data:`runbook.model.templates.PLACEHOLDERS`),
    written in ``language`` (``default``: the playbook's language)."""
    playbook = incident.playbook
    if language == "default":
        language = playbook.language if playbook else "en"
    level = playbook.level(incident.level) if playbook and incident.level else None
    policy = incident.policy
    opened = incident.opened_at
    return {
        "incident_title": incident.title,
        "incident_id": incident.id,
        "level": incident.level or "",
        "level_name": level.name if level else "",
        "playbook_title": playbook.title if playbook else "",
        "organisation": policy.organisation.name if policy else "",
        "press_contact": policy.organisation.press_contact if policy else "",
        "support_url": policy.organisation.support_url if policy else "",
        "declared_at": date_time(opened, language) if opened else "",
        "declared_date": long_date(opened, language) if opened else "",
        "next_update_at": "",
    }


PURPOSE_WORDS = {
    "notify": "notification",
    "escalation": "escalation",
    "stand_down": "stand-down",
    "approval_request": "approval request",
    "update": "stakeholder update",
    "update_reminder": "update reminder",
}


@dataclass(frozen=True)
class SentMessage:
    """One message runbook sent (or tried to), as its delivery was recorded."""

    seq: int
    at: datetime
    purpose: str
    """``notification``, ``escalation``, ``stand-down`` or ``approval request``."""
    person: str
    channel: str
    ok: bool
    error: str
    subject: str
    text: str
    """The text sent (a personal approval link left out); empty for deliveries recorded
    before texts were kept."""


def sent_messages(events: list[Any]) -> list[SentMessage]:
    """Every delivery recorded in ``events``, oldest first."""
    found = []
    kinds: dict[str, Any] = {}
    for event in events:
        if isinstance(event, ev.EffectRequested):
            kinds[event.effect_id] = event
        if not isinstance(event, ev.NotificationsSent):
            continue
        intent = kinds.get(event.effect_id)
        purpose = event.purpose
        if purpose == "notify" and intent is not None:  # recorded before ``purpose`` existed
            if intent.kind == "stand_down" or event.rule_id == "stand-down":
                purpose = "stand_down"
            elif intent.kind == "approval_request":
                purpose = "approval_request"
            elif intent.payload.get("escalation"):
                purpose = "escalation"
        for delivery in event.deliveries:
            found.append(
                SentMessage(
                    seq=event.seq,
                    at=event.at,
                    purpose=PURPOSE_WORDS.get(purpose, purpose),
                    person=str(delivery.get("person", "?")),
                    channel=str(delivery.get("channel", "?")),
                    ok=bool(delivery.get("ok")),
                    error=str(delivery.get("error") or ""),
                    subject=str(delivery.get("subject") or ""),
                    text=str(delivery.get("text") or ""),
                )
            )
    return found


def record_line(incident_id: str, seq: int, digest: str) -> str:
    """The chain head as a message footer names it: ``record: INC-7KQ4PX #12 abcdef123456``
    (``runbook verify ID --head`` takes it back: kept in a mailbox, it witnesses the record).
    The same words in every language: it is read back by runbook."""
    return f"record: {incident_id} #{seq} {digest[:12]}"


def record_footer(incident: Incident) -> str:
    """The fixed footer of every notification: the record's head when it was sent."""
    return "\n" + record_line(incident.id, incident.seq, incident.head_hash) + "\n"
