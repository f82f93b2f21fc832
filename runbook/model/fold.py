"""Folding: an incident's state rebuilt from its events, one event at a time.

:func:`fold` applies events in order to an :class:`~runbook.model.incident.Incident`; each
event type has one handler here. Folding never performs a side effect, so replaying an incident
is always safe; :func:`scratch_copy` gives the copy a command folds proposed events into.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from runbook.model import events as ev
from runbook.model.incident import Approval, Draft, Effect, Incident, LinkIssued, Recipient
from runbook.model.playbook import PauseRule, Playbook
from runbook.model.policy import Policy
from runbook.model.proof import Proof, people_behind


def fold(incident_id: str, events: Iterable[ev.Event], into: Incident | None = None) -> Incident:
    """Apply ``events`` in order to a new (or the given) incident."""
    incident = into or Incident(incident_id)
    for event in events:
        apply(incident, event)
    return incident


def apply(incident: Incident, event: ev.Event) -> None:
    """Apply one event (pure: no I/O)."""
    incident.seq = event.seq
    incident.head_hash = event.hash
    incident.updated_at = event.at
    if event.state:
        incident.state = event.state
    if event.command_id:
        incident.command_ids.add(event.command_id)
    handler = _HANDLERS.get(type(event))
    if handler is not None:
        handler(incident, event)


def _reach(incident: Incident, stage: str, at: datetime) -> None:
    incident.stage_reached.setdefault(stage, at)


def _declared(incident: Incident, event: ev.IncidentDeclared) -> None:
    incident.title = event.title
    incident.playbook = Playbook.model_validate(event.playbook)
    incident.policy = Policy.model_validate(event.policy) if event.policy else None
    incident.drill = event.drill
    incident.opened_at = event.at
    incident.declared_by = event.actor
    incident.pins = dict(event.pins)
    incident.access = event.access


def _config_changed(incident: Incident, event: ev.ConfigurationChanged) -> None:
    """The incident runs under the configuration recorded from here on."""
    for change in event.changes:
        kind = change.get("kind")
        incident.pins[str(kind)] = str(change.get("new_hash", ""))
        if kind == "playbook" and event.playbook is not None:
            incident.playbook = Playbook.model_validate(event.playbook)
        elif kind == "policy":
            incident.policy = Policy.model_validate(event.policy) if event.policy else None
        elif kind == "contacts" and event.access is not None:
            incident.access = event.access


def _assessed(incident: Incident, event: ev.SeverityAssessed) -> None:
    incident.level_history.append((event.at, incident.level, event.level))
    incident.level = event.level
    incident.score = event.score
    incident.answers = dict(event.answers)
    _reach(incident, "assess", event.at)
    # A skip holds only for the level it was recorded at.
    incident.skipped = {s: lv for s, lv in incident.skipped.items() if lv == event.level}


def _skipped(incident: Incident, event: ev.StageSkipped) -> None:
    incident.skipped[event.stage] = event.level
    _reach(incident, event.stage, event.at)


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
            _reach(incident, "pause", event.at)


def _held_by_hand(incident: Incident, event: ev.PostsHeldByHand) -> None:
    rule = PauseRule.model_validate(event.scope)
    incident.paused_scope = incident.paused_scope.union(rule)
    incident.held_by_hand.append((event.at, event.actor, event.tool, rule.describe()))
    if incident.pause_satisfied():
        _reach(incident, "pause", event.at)


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
        _reach(incident, "notify", event.at)


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
    _mark_published(draft, event.content_hash)
    incident.updates.started = incident.updates.started or event.at
    for variant in event.platforms:
        draft.published[variant] = ("publisher", event.url, event.at)
    if event.url:
        draft.published_url = event.url
    _reach(incident, "publish", event.at)


def _posted_by_hand(incident: Incident, event: ev.StatementPostedByHand) -> None:
    draft = incident.drafts.get(event.draft_id)
    if draft is None:
        return
    _mark_published(draft, event.content_hash)
    incident.updates.started = incident.updates.started or event.at
    draft.published[event.variant] = ("by hand", event.url, event.at)
    draft.published_url = draft.published_url or event.url
    _reach(incident, "publish", event.at)


def _mark_published(draft: Draft, content_hash: str) -> None:
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


def _acked(incident: Incident, event: ev.Acknowledged) -> None:
    recipient = incident.recipients.get(event.person)
    if recipient is not None and recipient.acked_at is None:
        recipient.acked_at = event.at
    _reach(incident, "acknowledge", event.at)


def _escalated(incident: Incident, event: ev.Escalated) -> None:
    incident.escalations.append(event)


def _draft_started(incident: Incident, event: ev.DraftStarted) -> None:
    behind = people_behind(event.actor, event.proof)
    incident.drafts[event.draft_id] = Draft(
        draft_id=event.draft_id,
        template_id=event.template_id,
        title=event.title,
        audience=event.audience,
        variants=dict(event.variants),
        content_hash=event.content_hash,
        version=event.version,
        author=event.actor,
        last_editor=event.actor,
        created_at=event.at,
        author_people=behind,
        editor_people=set(behind),
        stand_ins={role: list(alts) for role, alts in event.stand_ins.items()},
    )
    _reach(incident, "draft", event.at)


def _draft_edited(incident: Incident, event: ev.DraftEdited) -> None:
    draft = incident.drafts[event.draft_id]
    draft.variants = dict(event.variants)
    draft.content_hash = event.content_hash
    draft.version = event.version
    draft.last_editor = event.actor
    draft.editor_people = people_behind(event.actor, event.proof)
    draft.stand_ins = {role: list(alts) for role, alts in event.stand_ins.items()}


def _draft_submitted(incident: Incident, event: ev.DraftSubmitted) -> None:
    incident.drafts[event.draft_id].submitted_hash = event.content_hash


def _draft_approved(incident: Incident, event: ev.DraftApproved) -> None:
    draft = incident.drafts[event.draft_id]
    draft.approvals.append(
        Approval(
            person=event.actor,
            roles=list(event.roles),
            version=event.version,
            content_hash=event.content_hash,
            at=event.at,
            proof=event.proof,
            seq=event.seq,
        )
    )
    _used_link(incident, event.proof, event.at, "approved")
    if incident.drafts_approved():
        _reach(incident, "approve", event.at)


def _attested(incident: Incident, event: ev.ApprovalAttested) -> None:
    draft = incident.drafts[event.draft_id]
    draft.approvals.append(
        Approval(
            person=event.person,
            roles=list(event.roles),
            version=event.version,
            content_hash=event.content_hash,
            at=event.at,
            proof=event.proof,
            attested_by=event.actor,
            how=event.how,
            seq=event.seq,
        )
    )
    if incident.drafts_approved():
        _reach(incident, "approve", event.at)


def _used_link(incident: Incident, proof: Proof | None, at: datetime, decision: str) -> None:
    if proof is not None and proof.method == "link" and proof.link:
        incident.used_links.setdefault(proof.link, (at, decision))


def _link_refused(incident: Incident, event: ev.LinkRefused) -> None:
    incident.link_refusals += 1


def _draft_rejected(incident: Incident, event: ev.DraftRejected) -> None:
    draft = incident.drafts[event.draft_id]
    draft.rejections.append((event.actor, event.version, event.comment))
    draft.submitted_hash = None
    _used_link(incident, event.proof, event.at, "rejected")


def _overridden(incident: Incident, event: ev.LintOverridden) -> None:
    incident.drafts[event.draft_id].overrides.append(
        (event.rule_id, event.variant, event.content_hash, event.actor, event.reason)
    )


def _checked(incident: Incident, event: ev.ChecklistItemChecked) -> None:
    incident.checked[event.item_id] = (event.at, event.actor)


def _noted(incident: Incident, event: ev.NoteAdded) -> None:
    incident.notes += 1


def _refused(incident: Incident, event: ev.ActionRefused) -> None:
    incident.refusals += 1


def _resolved(incident: Incident, event: ev.IncidentResolved) -> None:
    incident.resolved_at = event.at
    incident.summary = event.summary
    _reach(incident, "resolve", event.at)


def _closed(incident: Incident, event: ev.IncidentClosed) -> None:
    incident.closed_at = event.at
    _reach(incident, "review", event.at)


_HANDLERS: dict[type, Any] = {
    ev.IncidentDeclared: _declared,
    ev.SeverityAssessed: _assessed,
    ev.StageSkipped: _skipped,
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
    ev.Acknowledged: _acked,
    ev.Escalated: _escalated,
    ev.DraftStarted: _draft_started,
    ev.DraftEdited: _draft_edited,
    ev.DraftSubmitted: _draft_submitted,
    ev.DraftApproved: _draft_approved,
    ev.ApprovalAttested: _attested,
    ev.LinkRefused: _link_refused,
    ev.DraftRejected: _draft_rejected,
    ev.LintOverridden: _overridden,
    ev.ChecklistItemChecked: _checked,
    ev.NoteAdded: _noted,
    ev.ActionRefused: _refused,
    ev.IncidentResolved: _resolved,
    ev.IncidentClosed: _closed,
}


def _update_sent(incident: Incident, event: ev.UpdateSent) -> None:
    log = incident.updates
    log.started = log.started or event.at
    log.sent[event.audience] = event.at
    log.history.append((event.audience, event.at, event.due_at, event.draft_id))
    draft = incident.drafts.get(event.draft_id)
    if draft is not None and event.how == "sent":  # through notify: one text, all of it out
        _mark_published(draft, draft.content_hash)
        for variant in draft.variants:
            draft.published.setdefault(variant, ("sent", "", event.at))


def _update_due(incident: Incident, event: ev.UpdateFellDue) -> None:
    incident.updates.reminded.add((event.audience, event.due_at.isoformat()))


def _update_escalated(incident: Incident, event: ev.UpdateEscalated) -> None:
    incident.updates.escalated.add((event.audience, event.due_at.isoformat()))


_HANDLERS.update(
    {
        ev.UpdateSent: _update_sent,
        ev.UpdateFellDue: _update_due,
        ev.UpdateEscalated: _update_escalated,
        ev.ConfigurationChanged: _config_changed,
    }
)


def scratch_copy(incident: Incident) -> Incident:
    """A copy to fold proposed events into: containers copied, frozen specs shared."""
    memo: dict[int, object] = {
        id(incident.playbook): incident.playbook,  # frozen specs are shared, not copied
        id(incident.policy): incident.policy,
        id(incident.access): incident.access,  # replaced whole, never changed in place
        id(incident.command_ids): set(incident.command_ids),  # flat set of strings: fast copy
    }
    return copy.deepcopy(incident, memo=memo)
