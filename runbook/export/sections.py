"""The report's summary sections, gathered in the same single pass as the timeline.

:class:`Sections` is the part of the report builder that follows people (who acted, who was
notified and acknowledged, in which roles), scheduled posts (paused, resumed, kept, missed),
drafts (every version, submission, vote, lint override and publication) and assessments, and
turns them into the report's sections. :mod:`runbook.export.report` drives it event by event.
What people did is said in the language in force; ids, statuses and stored text stay as
recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from runbook.describe import describe
from runbook.describe import how as describe_how
from runbook.export.model import (
    ApprovalEntry,
    Assessment,
    DraftEntry,
    DraftStep,
    IncidentInfo,
    LintOverride,
    PersonInvolved,
    PostEntry,
)
from runbook.export.records import Record
from runbook.export.redact import Redactor
from runbook.export.times import duration, iso_local, iso_utc, t_plus
from runbook.export.words import ACTIONS, DRAFT_ACTIONS, EFFECT_ACTIONS, draft_words
from runbook.i18n import _, in_context
from runbook.model.contacts import Contacts
from runbook.model.incident import Incident

_SIMPLE = frozenset({"NoteAdded", "ChecklistItemChecked", "IncidentDeclared", "IncidentResolved"})
"""Types whose only trace in the sections is their actor's action."""


@dataclass
class Person:
    """What the builder learns about one person as the events go by."""

    first: Record
    """The event that first involved them."""
    roles: list[str]
    events: int = 0
    notified: datetime | None = None
    acked: datetime | None = None
    actions: dict[str, int] = field(default_factory=dict)
    reached: list[str] = field(default_factory=list)
    """Channels that delivered to them."""
    missed: list[str] = field(default_factory=list)
    """Channels that failed to reach them."""

    def did(self, action: str) -> None:
        if action:
            self.actions[action] = self.actions.get(action, 0) + 1


class Sections:
    """Follows people, posts, drafts and assessments through the events (see module doc)."""

    tz: ZoneInfo
    records: list[Record]
    incident_id: str
    incident: Incident
    contacts: Contacts
    redactor: Redactor
    names: bool
    opened: datetime

    def _start_sections(self) -> None:
        self.people: dict[str, Person] = {}
        self.posts: dict[str, dict[str, Any]] = {}
        self.drafts: dict[str, list[DraftStep]] = {}
        self.publish_effects: dict[str, str] = {}
        self.review = ""

    def _scrub(self, text: str) -> str:
        return self.redactor.text(text)

    def _person(self, person_id: str, record: Record) -> Person | None:
        if not person_id or person_id == "runbook":
            return None
        found = self.people.get(person_id)
        if found is None:
            found = Person(first=record, roles=self._roles(person_id, record.at))
            self.people[person_id] = found
        return found

    def _roles(self, person_id: str, at: datetime) -> list[str]:
        person = self.contacts.person(person_id)
        roles = list(person.roles) if person else []
        on_call = sorted(r.role for r in self.contacts.rotations if r.on_call(at) == person_id)
        return roles + [r for r in on_call if r not in roles]

    def _t(self, moment: datetime) -> str:
        return t_plus((moment - self.opened).total_seconds())

    # -- following the events -------------------------------------------------------------

    def _track(self, record: Record, actor: Person | None) -> None:
        kind = record.type
        action = ACTIONS.get(kind)
        if action:
            action = in_context(action)
        if kind in _SIMPLE:  # notes, ticks and the like: the hot path of a long incident
            if actor is not None:
                actor.did(_claimed(action or "", record))
            return
        data = record.data
        if kind == "SeverityAssessed":
            previous = data.get("previous_level")
            level = data.get("level")
            action = (
                _("reassessed %(old)s -> %(new)s", old=previous, new=level)
                if previous
                else _("assessed %(level)s", level=level)
            )
        elif kind == "EffectRequested":
            effect_kind = str(data.get("kind"))
            said = EFFECT_ACTIONS.get(effect_kind)
            if said is None:
                action = _("requested %(kind)s", kind=effect_kind)
            else:
                action = _(said) if said else ""
            if int(data.get("attempt", 1)) > 1:
                action = _("retried a failed step")
            if effect_kind == "publish":
                payload = data.get("payload") or {}
                self.publish_effects[str(data.get("effect_id"))] = str(payload.get("draft_id"))
        elif kind == "NotificationsSent":
            self._notified(record)
        elif kind == "Acknowledged":
            person = self._person(str(data.get("person", record.actor)), record)
            if person is not None and person.acked is None:
                person.acked = record.at
        elif kind in ("PostsPaused", "PostsResumed"):
            self._posts_changed(record)
        elif kind == "IncidentClosed":
            self.review = str(data.get("review") or "")
        elif kind == "ActionRefused":
            action = _("was refused: %(action)s", action=data.get("action"))
        if (
            kind.startswith("Draft")
            or kind in ("LintOverridden", "StatementPublished")
            or (kind == "EffectFailed" and str(data.get("effect_id")) in self.publish_effects)
        ):
            action = self._draft_step(record) or action
        if actor is not None:
            said = action if action is not None else describe(kind, {}, str, str)[0].lower()
            actor.did(_claimed(said, record))

    def _notified(self, record: Record) -> None:
        stand_down = record.data.get("rule_id") == "stand-down"
        for delivery in record.data.get("deliveries", []):
            person = self._person(str(delivery.get("person", "")), record)
            if person is None:
                continue
            for role in delivery.get("roles", []):
                if role not in person.roles:
                    person.roles.append(role)
            if stand_down:
                person.did(_("received the stand-down"))
                continue
            if person.notified is None:
                person.notified = record.at
            channel = str(delivery.get("channel", "?"))
            person.actions.setdefault("notified", 0)
            found = person.reached if delivery.get("ok") else person.missed
            if channel not in found:
                found.append(channel)

    def _posts_changed(self, record: Record) -> None:
        data = record.data
        if record.type == "PostsPaused":
            for post in data.get("posts", []):
                entry = self.posts.setdefault(str(post.get("id")), {"post": post})
                entry["post"] = post
                entry.setdefault("paused", record.at)
                entry["error"] = ""
            for failure in data.get("failures", []):
                entry = self.posts.setdefault(str(failure.get("id")), {"post": dict(failure)})
                if "paused" not in entry:
                    entry["error"] = str(failure.get("error") or _("could not be paused"))
            return
        for post in data.get("posts", []):
            entry = self.posts.setdefault(str(post.get("id")), {"post": post})
            entry["resumed"] = record.at
            if post.get("recreated_as"):
                entry["recreated_as"] = str(post["recreated_as"])
        for post_id in data.get("kept", []):
            self.posts.setdefault(str(post_id), {"post": {"id": post_id}})["kept"] = True
        for failure in data.get("failures", []):
            entry = self.posts.setdefault(str(failure.get("id")), {"post": dict(failure)})
            entry["error"] = str(failure.get("error") or _("could not be resumed"))

    def _draft_step(self, record: Record) -> str:
        data = record.data
        kind = record.type
        draft_id = str(data.get("draft_id") or self.publish_effects.get(str(data.get("effect_id"))))
        version = data.get("version")
        verb, detail = draft_words(kind, data)
        if kind == "StatementPublished" and data.get("failures"):
            detail += _("; %(n)s platform(s) failed", n=len(data["failures"]))
        if kind == "StatementPublished" and data.get("url"):
            detail += f" ({data['url']})"
        self.drafts.setdefault(draft_id, []).append(
            DraftStep(
                seq=record.seq,
                at=iso_utc(record.at),
                t_plus=self._t(record.at),
                action=verb,
                by=self.redactor.label(record.actor),
                version=int(version) if isinstance(version, int) else None,
                detail=self._scrub(detail),
            )
        )
        if kind == "EffectFailed":
            return ""
        ref = f"{draft_id} v{version}" if version is not None else draft_id
        said = DRAFT_ACTIONS.get(verb)
        return _(said, draft=ref) if said else f"{verb} {ref}"

    # -- sections --------------------------------------------------------------------------
    def _info(self) -> IncidentInfo:
        incident = self.incident
        playbook = incident.playbook
        level_name = None
        if playbook is not None and incident.level is not None:
            try:
                level_name = playbook.level(incident.level).name
            except KeyError:
                level_name = None
        end = incident.resolved_at or self.records[-1].at
        declared_by = incident.declared_by or self.records[0].actor
        return IncidentInfo(
            id=self.incident_id,
            title=self._scrub(incident.title),
            drill=incident.drill,
            marking=_("[DRILL]") if incident.drill else "",
            playbook_id=playbook.id if playbook else "",
            playbook_title=playbook.title if playbook else "",
            playbook_version=playbook.version if playbook else 0,
            level=incident.level,
            level_name=level_name,
            state=self.records[-1].state or incident.state,
            declared_by=self.redactor.label(declared_by),
            opened_at=iso_utc(self.opened),
            opened_at_local=iso_local(self.opened, self.tz),
            resolved_at=iso_utc(incident.resolved_at) if incident.resolved_at else None,
            closed_at=iso_utc(incident.closed_at) if incident.closed_at else None,
            duration=duration((end - self.opened).total_seconds()),
            summary=self._scrub(incident.summary),
            review=self._scrub(self.review),
        )

    def _people(self) -> list[PersonInvolved]:
        result = []
        for person_id, person in self.people.items():
            actions = []
            for action, count in person.actions.items():
                if action == "notified":
                    if person.reached:
                        actions.append(
                            _("notified via %(channels)s", channels=", ".join(person.reached))
                        )
                    if person.missed:
                        actions.append(
                            _("NOT reached via %(channels)s", channels=", ".join(person.missed))
                        )
                    continue
                actions.append(
                    _("%(action)s (x%(n)s)", action=action, n=count) if count > 1 else action
                )
            result.append(
                PersonInvolved(
                    label=self.redactor.label(person_id),
                    person=None if self.names else person_id,
                    roles=list(person.roles),
                    first_at=iso_utc(person.first.at),
                    first_t_plus=self._t(person.first.at),
                    notified_t_plus=self._t(person.notified) if person.notified else None,
                    acknowledged_t_plus=self._t(person.acked) if person.acked else None,
                    events=person.events,
                    actions=[self._scrub(a) for a in actions],
                )
            )
        return result

    def _posts(self) -> list[PostEntry]:
        end = self.records[-1].at
        result = []
        for post_id, entry in self.posts.items():
            post = entry["post"]
            paused, resumed = entry.get("paused"), entry.get("resumed")
            status: Literal["resumed", "kept_held", "still_held", "pause_failed"]
            if resumed is not None:
                status = "resumed"
            elif entry.get("kept"):
                status = "kept_held"
            elif paused is None:
                status = "pause_failed"
            else:
                status = "still_held"
            scheduled = str(post.get("scheduled_at") or "")
            result.append(
                PostEntry(
                    post_id=post_id,
                    channel=str(post.get("channel") or ""),
                    scheduled_at=scheduled,
                    excerpt=self._scrub(str(post.get("excerpt") or "")),
                    paused_t_plus=self._t(paused) if paused else None,
                    resumed_t_plus=self._t(resumed) if resumed else None,
                    status=status,
                    missed_slot=_missed(scheduled, paused, resumed or end),
                    error=self._scrub(str(entry.get("error") or "")),
                    hold=str(post.get("hold") or ""),
                    recreated_as=str(entry.get("recreated_as") or ""),
                )
            )
        return result

    def _drafts(self) -> list[DraftEntry]:
        from runbook.model.approvals import is_approved

        result = []
        for draft in self.incident.drafts.values():
            history = self.drafts.get(draft.draft_id, [])
            if draft.published_hash == draft.content_hash:
                status = "published"
            elif draft.submitted and _safe(lambda d=draft: is_approved(self.incident, d)):
                status = "approved"
            elif draft.submitted:
                status = "in review"
            elif history and history[-1].action == "rejected":
                status = "rejected"
            else:
                status = "draft"
            label = self.redactor.label
            result.append(
                DraftEntry(
                    draft_id=draft.draft_id,
                    template_id=draft.template_id,
                    title=draft.title,
                    audience=draft.audience,
                    version=draft.version,
                    content_hash=draft.content_hash,
                    status=status,
                    approved_by=[label(a.person) for a in draft.current_approvals()],
                    approvals=self._approvals(draft),
                    stale_approvals=[label(a.person) for a in draft.stale_approvals()],
                    history=history,
                    variants={k: self.redactor.text(v) for k, v in draft.variants.items()},
                )
            )
        return result

    def _approvals(self, draft: Any) -> list[ApprovalEntry]:
        from runbook.model.approvals import why_not_counted

        label = self.redactor.label
        result = []
        for approval in draft.current_approvals():
            reason = (
                _safe(lambda a=approval: why_not_counted(self.incident, draft, a))
                if self.incident.level
                else None
            )
            stored = {"proof": approval.proof.compact()} if approval.proof else {}
            how = describe_how(stored, label, accounts=not self.names)
            if approval.attested_by:
                how = _(
                    "attested by %(person)s (%(how)s)",
                    person=label(approval.attested_by),
                    how=approval.how,
                )
            result.append(
                ApprovalEntry(
                    by=label(approval.person),
                    roles=list(approval.roles),
                    proof=self._scrub(how),
                    at=iso_utc(approval.at),
                    t_plus=self._t(approval.at),
                    counts=reason is None,
                    why_not=self._scrub(reason or ""),
                )
            )
        return result

    def _assessments(self) -> list[Assessment]:
        playbook = self.incident.playbook
        result = []
        for record in self.records:
            if record.type != "SeverityAssessed":
                continue
            data = record.data
            previous, level = data.get("previous_level"), str(data.get("level"))
            direction: Literal["initial", "up", "down", "same"] = "initial"
            if previous and playbook is not None:
                rank = _safe(
                    lambda p=previous, lv=level: playbook.level_rank(lv) - playbook.level_rank(p)
                )
                direction = "up" if rank and rank > 0 else "down" if rank and rank < 0 else "same"
            result.append(
                Assessment(
                    seq=record.seq,
                    at=iso_utc(record.at),
                    t_plus=self._t(record.at),
                    by=self.redactor.label(record.actor),
                    previous_level=previous,
                    level=level,
                    score=data.get("score"),
                    direction=direction,
                    overrides=[self._scrub(str(o)) for o in data.get("overrides") or []],
                )
            )
        return result

    def _lint_overrides(self) -> list[LintOverride]:
        result = []
        for record in self.records:
            if record.type != "LintOverridden":
                continue
            details = {k: v for k, v in record.data.items() if k not in ("reason", "proof")}
            result.append(
                LintOverride(
                    seq=record.seq,
                    at=iso_utc(record.at),
                    t_plus=self._t(record.at),
                    by=self.redactor.label(record.actor),
                    reason=self._scrub(str(record.data.get("reason", ""))),
                    details=self.redactor.value(details),
                )
            )
        return result


def _claimed(action: str, record: Record) -> str:
    """``action`` as the people section lists it: marked when its actor was only claimed (a
    typed name, not proven), so nobody reads it as that person's own act."""
    proof = record.data.get("proof")
    if action and isinstance(proof, dict) and proof.get("method") == "claimed":
        return _("%(action)s (claimed)", action=action)
    return action


def _missed(scheduled: str, paused: datetime | None, until: datetime) -> bool:
    """True when ``scheduled`` fell while the post was held."""
    if paused is None or not scheduled:
        return False
    try:
        moment = datetime.fromisoformat(scheduled)
    except ValueError:
        return False
    if moment.tzinfo is None:
        return False
    return paused <= moment < until


def _safe(compute: Any) -> Any:
    try:
        return compute()
    except Exception:  # a rule that cannot be evaluated must not stop the export
        return None
