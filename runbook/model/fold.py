"""Folding: an incident's state rebuilt from its events, one event at a time.

:func:`fold` applies events in order to an :class:`~runbook.model.incident.Incident`; each
event type has one handler here. Folding never performs a side effect, so replaying an incident
is always safe; :func:`scratch_copy` gives the copy a command folds proposed events into.
The handlers of effects, deliveries and publications live in :mod:`runbook.model.fold_effects`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from runbook.model import events as ev
from runbook.model.fold_effects import HANDLERS as effect_handlers
from runbook.model.fold_effects import mark_published, reach
from runbook.model.incident import Approval, Draft, Incident
from runbook.model.playbook import Playbook
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
    reach(incident, "assess", event.at)
    # A skip holds only for the level it was recorded at.
    incident.skipped = {s: lv for s, lv in incident.skipped.items() if lv == event.level}


def _skipped(incident: Incident, event: ev.StageSkipped) -> None:
    incident.skipped[event.stage] = event.level
    reach(incident, event.stage, event.at)


def _acked(incident: Incident, event: ev.Acknowledged) -> None:
    recipient = incident.recipients.get(event.person)
    if recipient is not None and recipient.acked_at is None:
        recipient.acked_at = event.at
    if recipient is None or not recipient.running:
        # the person running the incident was never messaged: their own acknowledgement
        # does not meet the "first acknowledgement" target
        reach(incident, "acknowledge", event.at)


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
    reach(incident, "draft", event.at)


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
        reach(incident, "approve", event.at)


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
        reach(incident, "approve", event.at)


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
    reach(incident, "resolve", event.at)


def _closed(incident: Incident, event: ev.IncidentClosed) -> None:
    incident.closed_at = event.at
    reach(incident, "review", event.at)


_HANDLERS: dict[type, Any] = {
    ev.IncidentDeclared: _declared,
    ev.SeverityAssessed: _assessed,
    ev.StageSkipped: _skipped,
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
        mark_published(draft, draft.content_hash)
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
        **effect_handlers,
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
