"""Folding what the outside world answered: effects requested, posts paused and resumed,
messages delivered (or maybe delivered), statements published.

These handlers track each effect and each delivery through to its outcome. They live apart
from :mod:`runbook.model.fold`, which drives folding and holds the handlers of the people's
own decisions (levels, drafts, approvals), because delivery bookkeeping is its own concern:
keys to settle, in-flight sends, interrupted senders, partial failures. :data:`HANDLERS`
lists this module's handlers for :func:`runbook.model.fold.apply`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from runbook.model import events as ev
from runbook.model.effect_state import Effect, Recipient
from runbook.model.incident import Draft, Incident, LinkIssued
from runbook.model.playbook import PauseRule


def reach(incident: Incident, stage: str, at: datetime) -> None:
    """The incident reached ``stage`` at ``at`` (the first time counts)."""
    incident.stage_reached.setdefault(stage, at)


def _requested(incident: Incident, event: ev.EffectRequested) -> None:
    previous = incident.effects.get(event.effect_id)
    incident.effects[event.effect_id] = Effect(
        effect_id=event.effect_id,
        kind=event.kind,
        payload=dict(event.payload),
        requested_at=event.at,
        requested_seq=event.seq,
        attempt=event.attempt,
        targets=previous.targets if previous else None,
        deliveries=dict(previous.deliveries) if previous else {},
        in_flight=set(previous.in_flight) if previous else set(),
        repeats=set(previous.repeats) if previous else set(),
    )
    effect = incident.effects[event.effect_id]
    if effect.delivery_keys():
        effect.resend = set(event.resend) & set(effect.delivery_keys())
        effect.to_do = set(effect.undelivered()) | effect.resend
    if event.kind == "notify":
        for recipient in event.payload.get("recipients", []):
            if recipient.get("running"):
                person = recipient["person"]
                entry = incident.recipients.setdefault(person, Recipient(person=person))
                entry.running = True
                entry.roles.update(recipient.get("roles", []))
                entry.rules.update(recipient.get("rules", []))
                entry.notified_at = entry.notified_at or event.at
    if event.kind == "approval_request":
        payload = event.payload
        for recipient in payload.get("recipients", []):
            if not recipient.get("link_id"):
                continue
            incident.links[recipient["link_id"]] = LinkIssued(
                link_id=recipient["link_id"],
                person=recipient["person"],
                draft_id=payload["draft_id"],
                version=int(payload["version"]),
                content_hash=payload["content_hash"],
                expires=datetime.fromisoformat(recipient["expires"]),
                effect_id=event.effect_id,
            )


def _targeted(incident: Incident, event: ev.PauseTargeted) -> None:
    effect = incident.effects.get(event.effect_id)
    if effect is not None:
        effect.targets = list(event.posts)


def _close_effect(
    incident: Incident, effect_id: str, failures: list[dict[str, Any]], done: int
) -> None:
    """Record an effect's outcome: ``ok``, ``partial`` (some of it failed) or ``failed``
    (``done``: how much of it succeeded; none with failures is a failure for everyone)."""
    effect = incident.effects.get(effect_id)
    if effect is None:
        return
    effect.failures = [dict(f) for f in failures]
    if failures:
        effect.result = "partial" if done else "failed"
        effect.error = "; ".join(
            f"{f.get('id') or f.get('person') or f.get('platform')}: {f.get('error')}"
            for f in failures[:3]
        )
    else:
        effect.result = "ok"
        effect.error = ""


def _paused(incident: Incident, event: ev.PostsPaused) -> None:
    _close_effect(incident, event.effect_id, event.failures, len(event.posts))
    for post in event.posts:
        incident.paused_posts[str(post["id"])] = dict(post)
    if not event.failures:
        effect = incident.effects.get(event.effect_id)
        scope = (effect.payload.get("scope") if effect else None) or {"scope": "none"}
        incident.paused_scope = incident.paused_scope.union(PauseRule.model_validate(scope))
        if incident.pause_satisfied():
            reach(incident, "pause", event.at)


def _held_by_hand(incident: Incident, event: ev.PostsHeldByHand) -> None:
    rule = PauseRule.model_validate(event.scope)
    incident.paused_scope = incident.paused_scope.union(rule)
    incident.held_by_hand.append((event.at, event.actor, event.tool, rule.describe()))
    if incident.pause_satisfied():
        reach(incident, "pause", event.at)


def _resumed(incident: Incident, event: ev.PostsResumed) -> None:
    _close_effect(incident, event.effect_id, event.failures, len(event.posts))
    for post in event.posts:
        post_id = str(post["id"])
        entry = incident.paused_posts.pop(post_id, dict(post))
        if post.get("recreated_as"):  # deleted to hold it: made again, under a new id
            entry = {**entry, "recreated_as": post["recreated_as"]}
        if post_id in event.new_times:
            entry = {**entry, "new_time": event.new_times[post_id]}
        if post_id in event.still_held:
            entry = {**entry, "still_held_by": event.still_held[post_id]}
        incident.resumed_posts[post_id] = entry
    for post_id in event.kept:
        if post_id in incident.paused_posts:
            incident.kept_posts[post_id] = incident.paused_posts.pop(post_id)


def purpose_of(event: ev.NotificationsSent, effect: Effect | None) -> str:
    """Why the messages of ``event`` were sent (events before ``purpose`` existed say it
    through their rule id and their intent)."""
    if event.purpose != "notify":
        return event.purpose
    if event.rule_id == "stand-down" or (effect is not None and effect.kind == "stand_down"):
        return "stand_down"
    if effect is not None and effect.kind == "approval_request":
        return "approval_request"
    if effect is not None and effect.payload.get("escalation"):
        return "escalation"
    return "notify"


def _notified(incident: Incident, event: ev.NotificationsSent) -> None:
    effect = incident.effects.get(event.effect_id)
    purpose = purpose_of(event, effect)
    if effect is not None:
        for delivery in event.deliveries:
            key = delivery.get("key") or f"{effect.effect_id}/{delivery['person']}/" + str(
                delivery.get("channel", "")
            )
            effect.deliveries[key] = dict(delivery)
            effect.in_flight.discard(key)
            effect.to_do.discard(key)
        _settle(incident, effect)
    if purpose in ("approval_request", "update", "update_reminder"):
        return  # approvers asked, an update's audience, a reminder: not people notified
    rules = list(effect.payload.get("rules", [event.rule_id])) if effect else [event.rule_id]
    if purpose in ("notify", "escalation"):
        for rule in rules:
            incident.sent_rules.setdefault(rule, event.at)
    for delivery in event.deliveries:
        person = delivery["person"]
        recipient = incident.recipients.setdefault(person, Recipient(person=person))
        recipient.roles.update(delivery.get("roles", []))
        if purpose != "stand_down":
            recipient.rules.update(delivery.get("rules", rules))
        if recipient.notified_at is None:
            recipient.notified_at = event.at
        _reached(recipient, delivery)
    if incident.notify_satisfied():
        reach(incident, "notify", event.at)


def _reached(recipient: Recipient, delivery: dict[str, Any]) -> None:
    """What one delivery's result says about reaching its person on its channel."""
    channel = delivery.get("channel", "?")
    if delivery.get("ok"):
        if channel not in recipient.delivered:
            recipient.delivered.append(channel)
        recipient.failed.pop(channel, None)
        recipient.maybe.pop(channel, None)
    elif delivery.get("outcome") == "unknown":
        if channel not in recipient.delivered:
            recipient.maybe[channel] = str(delivery.get("error", "may have been sent"))
    elif channel not in recipient.delivered:
        recipient.failed[channel] = str(delivery.get("error", "not delivered"))
        recipient.maybe.pop(channel, None)


def _settle(incident: Incident, effect: Effect) -> None:
    """Close a notification's attempt once every key it had to settle has a result."""
    if effect.to_do or effect.in_flight:
        return
    keys = effect.delivery_keys()
    results = [effect.deliveries.get(k, {}) for k in keys]
    failed = [r for r in results if r and not r.get("ok") and r.get("outcome") != "unknown"]
    if failed:
        _close_effect(incident, effect.effect_id, failed, len(keys) - len(failed))
        return
    _close_effect(incident, effect.effect_id, [], len(keys))
    unknown = [r for r in results if r.get("outcome") == "unknown"]
    if unknown:
        effect.result = "unknown"
        effect.error = "; ".join(
            f"{r.get('person')} by {r.get('channel')}: may have been sent" for r in unknown[:3]
        )


def _delivery_started(incident: Incident, event: ev.DeliveryStarted) -> None:
    effect = incident.effects.get(event.effect_id)
    if effect is not None:
        effect.in_flight.add(event.key)
        if event.repeat:
            effect.repeats.add(event.key)


def _delivery_interrupted(incident: Incident, event: ev.DeliveryInterrupted) -> None:
    effect = incident.effects.get(event.effect_id)
    delivery = {
        "key": event.key,
        "person": event.person,
        "channel": event.channel,
        "ok": False,
        "outcome": "unknown",
        "error": INTERRUPTED,
    }
    if effect is not None:
        effect.deliveries[event.key] = delivery
        effect.in_flight.discard(event.key)
        effect.to_do.discard(event.key)
        _settle(incident, effect)
    recipient = incident.recipients.get(event.person)
    if recipient is not None:
        _reached(recipient, delivery)


INTERRUPTED = "runbook stopped while sending it, before the answer came: it may have been sent"
"""Why a delivery whose sender stopped mid-way is not known."""


def _published(incident: Incident, event: ev.StatementPublished) -> None:
    _close_effect(incident, event.effect_id, event.failures, len(event.platforms))
    draft = incident.drafts.get(event.draft_id)
    incident.statement_posts.update(str(p["id"]) for p in event.posts if p.get("id"))
    if draft is None or not event.platforms:
        return
    mark_published(draft, event.content_hash)
    incident.updates.started = incident.updates.started or event.at
    for variant in event.platforms:
        draft.published[variant] = ("publisher", event.url, event.at)
    if event.url:
        draft.published_url = event.url
    reach(incident, "publish", event.at)


def _posted_by_hand(incident: Incident, event: ev.StatementPostedByHand) -> None:
    draft = incident.drafts.get(event.draft_id)
    if draft is None:
        return
    mark_published(draft, event.content_hash)
    incident.updates.started = incident.updates.started or event.at
    draft.published[event.variant] = ("by hand", event.url, event.at)
    draft.published_url = draft.published_url or event.url
    reach(incident, "publish", event.at)


def mark_published(draft: Draft, content_hash: str) -> None:
    """The draft's published text is now ``content_hash`` (a new text starts unpublished)."""
    if draft.published_hash != content_hash:
        draft.published_hash = content_hash
        draft.published = {}
        draft.published_url = ""


def _effect_failed(incident: Incident, event: ev.EffectFailed) -> None:
    effect = incident.effects.get(event.effect_id)
    if effect is not None:
        effect.result = "failed"
        effect.error = event.error
        effect.failures = []


HANDLERS: dict[type, Any] = {
    ev.EffectRequested: _requested,
    ev.PauseTargeted: _targeted,
    ev.PostsPaused: _paused,
    ev.PostsHeldByHand: _held_by_hand,
    ev.PostsResumed: _resumed,
    ev.NotificationsSent: _notified,
    ev.DeliveryStarted: _delivery_started,
    ev.DeliveryInterrupted: _delivery_interrupted,
    ev.StatementPublished: _published,
    ev.StatementPostedByHand: _posted_by_hand,
    ev.EffectFailed: _effect_failed,
}
"""The handler of each event about an effect, a delivery or a publication."""
