"""Incident state, rebuilt by folding its events.

:class:`Incident` is a plain class (it is also the ``transitions`` model of the lifecycle) that
holds pydantic data. :func:`fold` applies events in order; it never performs a side effect, so
replaying an incident is always safe. Derived facts (is the pause confirmed? which draft waits
for approval?) are methods here, so the engine, the TUI and the exports agree on them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from runbook.model import events as ev
from runbook.model.playbook import PauseRule, Playbook
from runbook.model.policy import Policy
from runbook.model.proof import Proof, ProofRules, people_behind


@dataclass
class Effect:
    """One outbox entry: an intent and, once known, its result."""

    effect_id: str
    kind: str
    payload: dict[str, Any]
    requested_at: datetime
    requested_seq: int
    attempt: int = 1
    result: str | None = None
    """None while pending; ``ok``, ``partial`` or ``failed`` once recorded."""
    error: str = ""
    targets: list[dict[str, Any]] | None = None
    """Pause: the posts listed to hold (PauseTargeted), once recorded."""
    deliveries: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Notify: result per delivery key (the last one recorded)."""

    def delivery_keys(self) -> list[str]:
        """Notify: the key of every (person, channel) delivery this effect asks for."""
        return [
            f"{self.effect_id}/{r['person']}/{channel}"
            for r in self.payload.get("recipients", [])
            for channel in r.get("channels", [])
        ]

    def undelivered(self) -> list[str]:
        """Notify: delivery keys without a successful result."""
        return [k for k in self.delivery_keys() if not self.deliveries.get(k, {}).get("ok")]


@dataclass
class Recipient:
    """A person notified about the incident, and whether they acknowledged."""

    person: str
    roles: set[str] = field(default_factory=set)
    rules: set[str] = field(default_factory=set)
    notified_at: datetime | None = None
    delivered: list[str] = field(default_factory=list)
    """Channels that delivered."""
    failed: dict[str, str] = field(default_factory=dict)
    """Channel -> last error, for channels that did not deliver."""
    acked_at: datetime | None = None
    running: bool = False
    """True for the person running the incident: counted as reached, never messaged."""


@dataclass
class Approval:
    """One person's approval of one draft version (or an operator's attestation of one)."""

    person: str
    roles: list[str]
    version: int
    content_hash: str
    at: datetime
    proof: Proof | None = None
    """How the approver was proven (None: recorded before proofs existed)."""
    attested_by: str = ""
    """Set for an attestation: the operator who recorded that ``person`` approved elsewhere."""
    how: str = ""
    """For an attestation: how the approval was given (phone, in person...)."""
    seq: int = 0
    """The event that recorded it."""

    def words(self) -> str:
        """How it was given, in a few words (``approval link``, ``attested by amara (phone)``)."""
        if self.attested_by:
            return f"attested by {self.attested_by} ({self.how})"
        return self.proof.words() if self.proof else "no proof recorded"


@dataclass
class LinkIssued:
    """A personal approval link sent with an approval request."""

    link_id: str
    person: str
    draft_id: str
    version: int
    content_hash: str
    expires: datetime
    effect_id: str


@dataclass
class Draft:
    """A statement being prepared: its versions, submission, votes and publication."""

    draft_id: str
    template_id: str
    title: str
    audience: str
    variants: dict[str, str]
    content_hash: str
    version: int
    author: str
    last_editor: str
    created_at: datetime
    author_people: set[str] = field(default_factory=set)
    """The author and whoever the author's login proved behind a claimed name."""
    editor_people: set[str] = field(default_factory=set)
    """The same for the last edit."""
    submitted_hash: str | None = None
    approvals: list[Approval] = field(default_factory=list)
    rejections: list[tuple[str, int, str]] = field(default_factory=list)
    """(person, version, comment)."""
    published_hash: str | None = None
    """The content hash of the version (last) published anywhere."""
    published_url: str = ""
    published: dict[str, tuple[str, str, datetime]] = field(default_factory=dict)
    """Variant -> (how: ``publisher`` or ``by hand``, URL, when) for the published version."""
    overrides: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    """(rule id, variant, content hash, person, reason) of lint overrides."""
    _lint: tuple[str, list[Any]] | None = field(default=None, repr=False, compare=False)

    def overridden(self, rule_id: str, variant: str) -> bool:
        """True when a finding of ``rule_id`` in ``variant`` was overridden for this content."""
        return any(
            o[0] == rule_id and o[1] == variant and o[2] == self.content_hash
            for o in self.overrides
        )

    @property
    def submitted(self) -> bool:
        """True when the current version is submitted for approval."""
        return self.submitted_hash == self.content_hash

    def current_approvals(self) -> list[Approval]:
        """Approvals (and attestations) of the current content (earlier ones are stale)."""
        return [a for a in self.approvals if a.content_hash == self.content_hash]

    @property
    def writers(self) -> set[str]:
        """Everyone four-eyes keeps from approving: the author and the last editor, and the
        people proven behind them when they were only claimed."""
        return {self.author, self.last_editor} | self.author_people | self.editor_people

    def unpublished(self) -> list[str]:
        """Variants of the current version not published anywhere yet."""
        if self.published_hash != self.content_hash:
            return list(self.variants)
        return [key for key in self.variants if key not in self.published]

    def stale_approvals(self) -> list[Approval]:
        """Approvals given to an earlier version."""
        return [a for a in self.approvals if a.content_hash != self.content_hash]


class Incident:
    """The state of one incident, folded from its events (and the lifecycle's model)."""

    state: str

    def __init__(self, incident_id: str) -> None:
        self.id = incident_id
        self.state = "declared"
        self.seq = 0
        self.head_hash = ""
        self.title = ""
        self.playbook: Playbook | None = None
        self.policy: Policy | None = None
        self.drill = False
        self.opened_at: datetime | None = None
        self.declared_by = ""
        self.updated_at: datetime | None = None
        self.level: str | None = None
        self.score: int | None = None
        self.answers: dict[str, str] = {}
        self.level_history: list[tuple[datetime, str | None, str]] = []
        self.skipped: dict[str, str] = {}
        """Stage -> level at which it was skipped (cleared when the level needs the stage)."""
        self.paused_scope = PauseRule(scope="none")
        """The widest scope successfully paused so far."""
        self.paused_posts: dict[str, dict[str, Any]] = {}
        """Posts this incident holds, by post id."""
        self.resumed_posts: dict[str, dict[str, Any]] = {}
        self.statement_posts: set[str] = set()
        """Ids of scheduler posts created to publish this incident's statements."""
        self.kept_posts: dict[str, dict[str, Any]] = {}
        """Posts the operator chose to keep held at resolution."""
        self.held_by_hand: list[tuple[datetime, str, str, str]] = []
        """Confirmations that posts were held by hand: (when, who, tool, scope in words)."""
        self.effects: dict[str, Effect] = {}
        self.recipients: dict[str, Recipient] = {}
        self.sent_rules: dict[str, datetime] = {}
        """Notify rule id -> when it was first sent."""
        self.escalations: list[ev.Escalated] = []
        self.drafts: dict[str, Draft] = {}
        self.checked: dict[str, tuple[datetime, str]] = {}
        self.notes = 0
        self.refusals = 0
        self.stage_reached: dict[str, datetime] = {}
        """First time each stage was completed or skipped (for targets and reports)."""
        self.resolved_at: datetime | None = None
        self.summary = ""
        self.closed_at: datetime | None = None
        self.command_ids: set[str] = set()
        self.links: dict[str, LinkIssued] = {}
        """Approval links sent, by link id."""
        self.used_links: dict[str, tuple[datetime, str]] = {}
        """Link id -> (when, what was decided with it): a link works once."""
        self.link_refusals = 0

    # -- derived facts ----------------------------------------------------------------
    @property
    def finished(self) -> bool:
        """True once the review is done; nothing more can happen."""
        return self.state == "closed"

    @property
    def is_open(self) -> bool:
        """True until resolved."""
        return self.state not in ("resolved", "closed")

    def pause_rule(self) -> PauseRule | None:
        """The pause rule of the current level."""
        if self.playbook is None or self.level is None:
            return None
        return self.playbook.pause[self.level]

    def pause_satisfied(self) -> bool:
        """The current level's pause scope is paused (or the level pauses nothing)."""
        rule = self.pause_rule()
        if rule is None:
            return False
        if rule.is_empty:
            return True
        done = self.paused_scope
        if done.scope == "all":
            return True
        return rule.scope == "channels" and set(rule.channels) <= set(done.channels)

    def pending_effects(self, kind: str | None = None) -> list[Effect]:
        """Effects recorded as intended but with no result yet."""
        return [e for e in self.effects.values() if e.result is None and kind in (None, e.kind)]

    def failed_effects(self) -> list[Effect]:
        """Effects whose last attempt failed wholly or partly and were not retried since."""
        return [e for e in self.effects.values() if e.result in ("failed", "partial")]

    def pause_unconfirmed(self) -> str | None:
        """Why the pause is not confirmed (pending or failed), or None."""
        pending = self.pending_effects("pause")
        if pending:
            return f"a pause of scheduled posts is still under way (effect {pending[0].effect_id})"
        for effect in self.effects.values():
            if effect.kind == "pause" and effect.result in ("failed", "partial"):
                return f"the pause failed: {effect.error}; retry it first"
        return None

    def rules_due(self) -> list[str]:
        """Notify rules of the current level not sent yet."""
        if self.playbook is None or self.level is None:
            return []
        return [
            r.id for r in self.playbook.notify_rules_for(self.level) if r.id not in self.sent_rules
        ]

    def notify_satisfied(self) -> bool:
        """Every notify rule of the current level was sent (or there are none)."""
        return (
            self.level is not None and not self.rules_due() and not self.pending_effects("notify")
        )

    def lint(self, draft: Draft) -> list[Any]:
        """Policy findings for the draft's current content (cached per content hash)."""
        if self.policy is None:
            return []
        if draft._lint is None or draft._lint[0] != draft.content_hash:
            draft._lint = (draft.content_hash, _linted(self.policy, draft))
        return draft._lint[1]

    def blocking(self, draft: Draft) -> list[Any]:
        """Blocking findings of the draft's current content that nobody overrode."""
        return [
            f for f in self.lint(draft) if f.blocking and not draft.overridden(f.rule_id, f.variant)
        ]

    def draft_awaiting(self) -> list[Draft]:
        """Drafts whose current version is submitted and not yet fully approved."""
        from runbook.model.approvals import is_approved

        return [d for d in self.drafts.values() if d.submitted and not is_approved(self, d)]

    def drafts_approved(self) -> list[Draft]:
        """Drafts whose current version is fully approved."""
        from runbook.model.approvals import is_approved

        return [d for d in self.drafts.values() if d.submitted and is_approved(self, d)]

    @property
    def proof_rules(self) -> ProofRules:
        """Which proofs count for which action, from the policy pinned at declaration."""
        return self.policy.proofs if self.policy is not None else ProofRules()

    def unacknowledged(self) -> list[Recipient]:
        """Notified people who have not acknowledged yet (the people running the incident
        need not)."""
        return [r for r in self.recipients.values() if r.acked_at is None and not r.running]

    def unticked(self) -> list[tuple[str, str, str]]:
        """Checklist items not ticked: (stage, item id, text), in the playbook's order."""
        if self.playbook is None:
            return []
        return [
            (stage, item.id, item.text)
            for stage, items in self.playbook.checklist.items()
            for item in items
            if item.id not in self.checked
        ]

    def running_people(self) -> set[str]:
        """The people running the incident: who declared it and who sent its notifications
        (never paged about it)."""
        found = {r.person for r in self.recipients.values() if r.running}
        if self.declared_by:
            found.add(self.declared_by)
        return found

    def status(self) -> dict[str, Any]:
        """A summary for ``status``/``list`` (JSON-ready)."""
        return {
            "id": self.id,
            "playbook": self.playbook.id if self.playbook else None,
            "playbook_version": self.playbook.version if self.playbook else None,
            "title": self.title,
            "level": self.level,
            "state": self.state,
            "drill": self.drill,
            "opened_at": self.opened_at.isoformat() if self.opened_at else None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "events": self.seq,
        }


_LINTED: dict[tuple[int, str, str], tuple[Policy, list[Any]]] = {}
"""Findings per (policy, content hash, audience): an incident is folded afresh for every read,
and lint is the costly part of showing a draft."""


def _linted(policy: Policy, draft: Draft) -> list[Any]:
    from runbook.model.lint import lint_variants

    key = (id(policy), draft.content_hash, draft.audience)
    found = _LINTED.get(key)
    if found is not None and found[0] is policy:
        return found[1]
    findings = lint_variants(policy, draft.variants, draft.audience)
    if len(_LINTED) >= 512:
        _LINTED.pop(next(iter(_LINTED)))
    _LINTED[key] = (policy, findings)
    return findings


# -- folding ------------------------------------------------------------------------------


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
    )
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


def _close_effect(incident: Incident, effect_id: str, failures: list[dict[str, Any]]) -> None:
    effect = incident.effects.get(effect_id)
    if effect is None:
        return
    if failures:
        effect.result = "partial"
        effect.error = "; ".join(
            f"{f.get('id') or f.get('person') or f.get('platform')}: {f.get('error')}"
            for f in failures[:3]
        )
    else:
        effect.result = "ok"
        effect.error = ""


def _paused(incident: Incident, event: ev.PostsPaused) -> None:
    _close_effect(incident, event.effect_id, event.failures)
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
    _close_effect(incident, event.effect_id, event.failures)
    for post in event.posts:
        post_id = str(post["id"])
        entry = incident.paused_posts.pop(post_id, dict(post))
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
        if not effect.undelivered():
            _close_effect(incident, event.effect_id, [])
        elif all(k in effect.deliveries for k in effect.delivery_keys()):
            failed = [effect.deliveries[k] for k in effect.undelivered()]
            _close_effect(incident, event.effect_id, failed)
    if purpose == "approval_request":
        return  # approvers asked to approve a draft: not people notified of the incident
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
        channel = delivery.get("channel", "?")
        if delivery.get("ok"):
            if channel not in recipient.delivered:
                recipient.delivered.append(channel)
            recipient.failed.pop(channel, None)
        else:
            recipient.failed[channel] = str(delivery.get("error", "not delivered"))
    if incident.notify_satisfied():
        _reach(incident, "notify", event.at)


def _published(incident: Incident, event: ev.StatementPublished) -> None:
    _close_effect(incident, event.effect_id, event.failures)
    draft = incident.drafts.get(event.draft_id)
    incident.statement_posts.update(str(p["id"]) for p in event.posts if p.get("id"))
    if draft is None or not event.platforms:
        return
    _mark_published(draft, event.content_hash)
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
    )
    _reach(incident, "draft", event.at)


def _draft_edited(incident: Incident, event: ev.DraftEdited) -> None:
    draft = incident.drafts[event.draft_id]
    draft.variants = dict(event.variants)
    draft.content_hash = event.content_hash
    draft.version = event.version
    draft.last_editor = event.actor
    draft.editor_people = people_behind(event.actor, event.proof)


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
