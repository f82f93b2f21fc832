"""What runbook says to people: template values, notifications and the stand-down notice.

Pure functions from an incident to text, so the engine, drills and tests render the same words.
Every notification says what happened, the level, the playbook, what is asked of the person and
how to acknowledge (the command and the TUI key); drill messages are marked ``[DRILL]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from runbook.i18n import formats
from runbook.model import events as ev
from runbook.model.incident import Incident
from runbook.model.playbook import NotifyRule
from runbook.model.templates import render


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


def record_line(incident_id: str, seq: int, digest: str) -> str:
    """The chain head as a message footer names it: ``record: INC-7KQ4PX #12 abcdef123456``
    (``runbook verify ID --head`` takes it back: kept in a mailbox, it witnesses the record)."""
    return f"record: {incident_id} #{seq} {digest[:12]}"


def record_footer(incident: Incident) -> str:
    """The fixed footer of every notification: the record's head when it was sent."""
    return "\n" + record_line(incident.id, incident.seq, incident.head_hash) + "\n"


def drill_mark(incident: Incident) -> str:
    """``[DRILL] `` for drills, empty otherwise."""
    return "[DRILL] " if incident.drill else ""


def notification(
    incident: Incident, rules: list[NotifyRule], roles: list[str], escalation: bool = False
) -> tuple[str, str]:
    """Subject and body of the message telling someone about the incident."""
    assert incident.playbook is not None
    level = incident.playbook.level(incident.level or incident.playbook.severity.levels[0].id)
    values = template_values(incident)
    prefix = drill_mark(incident)
    kind = "ESCALATION: " if escalation else ""
    subject = f"{prefix}{kind}{level.id} {incident.title} [{incident.id}]"
    asks = [render(rule.message, values) for rule in rules if rule.message]
    ack_within = [r.ack_within for r in rules if r.ack_within is not None]
    lines = [
        f"{prefix}A {level.id} ({level.name}) incident is open: {incident.title}",
        "",
        f"Incident: {incident.id}",
        f"Playbook: {incident.playbook.title} (v{incident.playbook.version})",
        f"Level:    {level.id} - {level.name}",
        f"You are notified as: {', '.join(roles)}",
    ]
    if escalation:
        lines.append("You are receiving this because nobody acknowledged in time.")
    if asks:
        lines += ["", "What is asked of you:", *[f"- {ask}" for ask in asks]]
    lines += [
        "",
        "Acknowledge"
        + (f" within {_short(min(ack_within))}" if ack_within else "")
        + f": runbook ack {incident.id} --as <your id>, or press 'k' on the incident in runbook.",
        "Do not comment on this publicly; route media questions to the PR director.",
    ]
    return subject, "\n".join(lines) + "\n"


def approval_request(
    incident: Incident,
    draft: dict[str, object],
    roles: list[str],
    *,
    link: str | None,
    expires: str,
    why_no_link: str = "",
) -> tuple[str, str]:
    """Subject and body asking someone to approve a draft version.

    ``link``: their personal approval link (only on a private channel); otherwise
    ``why_no_link`` says why there is none. The text of the draft is not repeated here: the
    link's page (or ``runbook draft ID --show``) shows it exactly as it will go out.
    """
    prefix = drill_mark(incident)
    draft_id, version = draft.get("draft_id", "?"), draft.get("version", "?")
    subject = f"{prefix}Approval needed: {draft_id} v{version} for {incident.title} [{incident.id}]"
    lines = [
        f"{prefix}Draft {draft_id} v{version} of incident {incident.id} ({incident.title}) "
        "needs your approval.",
        f"You are asked as: {', '.join(roles)}",
        "",
    ]
    if link:
        lines += [
            "Read it and approve or reject it here (this link is for you only: do not forward it;",
            f"it works once, until {expires[:16].replace('T', ' ')} UTC):",
            link,
        ]
    else:
        if why_no_link:
            lines.append(why_no_link)
        lines.append(
            f"From a terminal: runbook draft {incident.id} --draft {draft_id} --show, then "
            f"runbook approve {incident.id} --draft {draft_id} --sign"
        )
    lines += ["", "The approval binds to this exact text: any later edit needs a new approval."]
    return subject, "\n".join(lines) + "\n"


def stand_down(incident: Incident, summary: str) -> tuple[str, str]:
    """Subject and body of the stand-down notice sent at resolution."""
    prefix = drill_mark(incident)
    subject = f"{prefix}STAND DOWN: {incident.title} [{incident.id}]"
    body = (
        f"{prefix}Incident {incident.id} ({incident.title}) is resolved. You can stand down.\n\n"
        f"Summary: {summary}\n\n"
        "Scheduled posts held during the incident are being released as reviewed by the "
        "operator. A post-incident review will follow.\n"
    )
    return subject, body


def update(incident: Incident, update: dict[str, Any]) -> tuple[str, str]:
    """Subject and body of a stakeholder update sent through notify: the approved text as
    it was approved."""
    prefix = drill_mark(incident)
    subject = f"{prefix}Update: {update.get('title', '')} [{incident.id}]"
    return subject, f"{prefix}{update.get('text', '')}\n"


def update_reminder(incident: Incident, reminder: dict[str, Any]) -> tuple[str, str]:
    """Subject and body reminding the lead that an audience's update is due (or, escalated,
    telling the escalation roles it is overdue)."""
    prefix = drill_mark(incident)
    audience = reminder.get("audience", "?")
    due = str(reminder.get("due_at", ""))[:16].replace("T", " ")
    if reminder.get("escalation"):
        subject = f"{prefix}OVERDUE: the {audience} update for {incident.title} [{incident.id}]"
        first = f"{prefix}The update to {audience} was due at {due} UTC and has not gone out."
    else:
        subject = f"{prefix}Update due: {audience}, {incident.title} [{incident.id}]"
        first = f"{prefix}The update to {audience} is due now ({due} UTC)."
    lines = [
        first,
        f"The playbook asks for one every {reminder.get('every', '?')} at this level.",
        "",
        f"Start it: runbook draft {incident.id} --template <the {audience} update>, or press 'd'"
        " on the incident in runbook.",
    ]
    return subject, "\n".join(lines) + "\n"


def _short(delta: object) -> str:
    from runbook.model.base import format_duration

    return format_duration(delta)  # type: ignore[arg-type]


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
