"""What the update cadence decides: reminders when an audience's update falls due, escalation
when it stays overdue, sending an update to its audience, and recording that it went out.

Each decision takes the engine's view, the incident as folded now, and returns the events to
record (facts and outbox intents); nothing here touches the store or an adapter. The clock is
the engine's (a drill's or a test's simulated clock moves it), so ``tick`` gives the same
answer whenever it is asked.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from runbook.engine.core import EngineCore
from runbook.model import events as ev
from runbook.model.base import format_duration
from runbook.model.incident import Draft, Incident
from runbook.model.updates import UpdateDue, UpdateTemplate


def reminders(engine: EngineCore, incident: Incident) -> list[ev.Event]:
    """Every update due and not yet reminded (the lead is told), and every update overdue past
    ``escalate_after`` and not yet escalated (the escalation roles are told)."""
    assert incident.playbook is not None
    updates = incident.playbook.updates
    if updates is None:
        return []
    now = engine.clock.now()
    events: list[ev.Event] = []
    for item in incident.update_schedule():
        if now >= item.due_at and not item.reminded:
            intent = _reminder_intent(engine, incident, item, updates.remind, updates.via, False)
            events += [
                engine.system_event(
                    ev.UpdateFellDue,
                    incident,
                    audience=item.audience,
                    due_at=item.due_at,
                    effect_id=intent.effect_id,
                ),
                intent,
            ]
        if (
            item.escalate_at is not None
            and now >= item.escalate_at
            and not item.escalated
            and updates.escalate_to
        ):
            intent = _reminder_intent(
                engine, incident, item, updates.escalate_to, updates.via, True
            )
            events += [
                engine.system_event(
                    ev.UpdateEscalated,
                    incident,
                    audience=item.audience,
                    due_at=item.due_at,
                    overdue=format_duration(_whole_minutes(now - item.due_at)),
                    to_roles=list(updates.escalate_to),
                    effect_id=intent.effect_id,
                ),
                intent,
            ]
    return events


def _whole_minutes(late: timedelta) -> timedelta:
    """How late, to the minute below (``1h30m``, not ``1h30m2s``); seconds under a minute."""
    return late if late < timedelta(minutes=1) else timedelta(minutes=late // timedelta(minutes=1))


def _reminder_intent(
    engine: EngineCore,
    incident: Incident,
    item: UpdateDue,
    roles: list[str],
    via: list[str],
    escalation: bool,
) -> ev.EffectRequested:
    at = engine.clock.now()
    people: dict[str, dict[str, Any]] = {}
    for role in roles:
        for person in engine.workspace.contacts.holders(role, at):
            entry = people.setdefault(
                person, {"person": person, "roles": [], "rules": [], "channels": list(via)}
            )
            if role not in entry["roles"]:
                entry["roles"].append(role)
    payload = {
        "reminder": {
            "audience": item.audience,
            "due_at": item.due_at.isoformat(),
            "every": format_duration(item.every),
            "escalation": escalation,
        },
        "recipients": list(people.values()),
    }
    label = "update-escalate" if escalation else "update-due"
    return engine.intent(incident, "update_reminder", payload, system=True, label=label)


def next_update_words(incident: Incident, audience: str, now: datetime) -> str:
    """When the audience's next update will be due if this one goes out now (``15:30 UTC``;
    empty when the level sets no cadence for it)."""
    due = due_for(incident, audience)
    if due is None:
        return ""
    return f"{now + due.every:%H:%M} UTC"


def due_for(incident: Incident, audience: str) -> UpdateDue | None:
    """The audience's next update as scheduled now (None: no cadence for it)."""
    return next((d for d in incident.update_schedule() if d.audience == audience), None)


def send_intent(
    engine: EngineCore,
    incident: Incident,
    draft: Draft,
    template: UpdateTemplate,
    on: list[str],
) -> ev.EffectRequested:
    """The intent to send an approved update to its audience through notify: the chosen
    variant's text to everyone holding the template's roles, through its channels."""
    at = engine.clock.now()
    people: dict[str, dict[str, Any]] = {}
    for role in template.roles:
        for person in engine.workspace.contacts.holders(role, at):
            entry = people.setdefault(
                person,
                {"person": person, "roles": [], "rules": [], "channels": list(template.via)},
            )
            if role not in entry["roles"]:
                entry["roles"].append(role)
    due = due_for(incident, template.audience)
    payload = {
        "update": {
            "draft_id": draft.draft_id,
            "version": draft.version,
            "content_hash": draft.content_hash,
            "template_id": template.id,
            "audience": template.audience,
            "title": draft.title,
            "variant": on[0],
            "text": draft.variants[on[0]],
            "due_at": due.due_at.isoformat() if due else None,
        },
        "recipients": list(people.values()),
    }
    return engine.event(
        ev.EffectRequested,
        incident,
        effect_id=f"{incident.id}-update-{draft.draft_id}-v{draft.version}-{at:%H%M%S}",
        kind="update",
        payload=payload,
    )


def publish_marker(incident: Incident, draft: Draft) -> dict[str, Any] | None:
    """What a publish intent carries when the draft is an update (None: a statement)."""
    assert incident.playbook is not None
    template = incident.playbook.update_template(draft.template_id)
    if template is None:
        return None
    due = due_for(incident, template.audience)
    return {
        "template_id": template.id,
        "audience": template.audience,
        "due_at": due.due_at.isoformat() if due else None,
    }


def went_out(engine: EngineCore, effect_id: str, incident: Incident) -> list[ev.Event]:
    """``UpdateSent`` once an update's intent reached its audience (published somewhere, or
    delivered to at least one person); nothing when it reached nobody."""
    effect = incident.effects.get(effect_id)
    if effect is None or effect.result is None:
        return []
    if effect.kind == "update":
        update = effect.payload["update"]
        if not any(d.get("ok") for d in effect.deliveries.values()):
            return []
        how = "sent"
    elif effect.kind == "publish" and effect.payload.get("update"):
        update = {**effect.payload, **effect.payload["update"]}
        if effect.result == "failed":
            return []
        how = "published"
    else:
        return []
    due = update.get("due_at")
    return [
        engine.system_event(
            ev.UpdateSent,
            incident,
            audience=update["audience"],
            draft_id=update["draft_id"],
            version=update["version"],
            template_id=update["template_id"],
            how=how,
            due_at=due,
            effect_id=effect_id,
        )
    ]


def posted_by_hand(
    engine: EngineCore, incident: Incident, draft: Draft, posted: dict[str, str]
) -> list[ev.Event]:
    """``UpdateSent`` when the operator confirms an update posted by hand (their word, with
    the post's address on the StatementPostedByHand beside it)."""
    marker = publish_marker(incident, draft)
    if marker is None or not posted:
        return []
    return [
        engine.event(
            ev.UpdateSent,
            incident,
            audience=marker["audience"],
            draft_id=draft.draft_id,
            version=draft.version,
            template_id=marker["template_id"],
            how="posted by hand",
            due_at=marker["due_at"],
        )
    ]
