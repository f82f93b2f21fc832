"""Incident state: what folding its events (:mod:`runbook.model.fold`) builds.

:class:`Incident` is a plain class (it is also the ``transitions`` model of the lifecycle) that
holds pydantic data. Derived facts (is the pause confirmed? which draft waits for approval?) are
methods here, so the engine, the TUI and the exports agree on them. The state of each effect
and of each person notified (:class:`Effect`, :class:`Recipient`) lives in
:mod:`runbook.model.effect_state`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from runbook.i18n import _
from runbook.model import events as ev
from runbook.model.effect_state import Effect, Recipient
from runbook.model.playbook import PauseRule, Playbook
from runbook.model.policy import Policy
from runbook.model.proof import Proof, ProofRules
from runbook.model.updates import UpdateDue, UpdateLog, schedule


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
            return _("attested by %(person)s (%(how)s)", person=self.attested_by, how=self.how)
        return self.proof.words() if self.proof else _("no proof recorded")


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
    stand_ins: dict[str, list[str]] = field(default_factory=dict)
    """Approving roles nobody eligible held when this version was written, each with the
    roles that may approve in its place (see :class:`~runbook.model.events.DraftEdited`)."""
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
        self.pins: dict[str, str] = {}
        """Content hashes of the playbook, policy and contacts it runs under (config_pins)."""
        self.access: dict[str, Any] | None = None
        """Who held which role when the contacts were pinned (never changed in place)."""
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
        self.updates = UpdateLog()
        """Stakeholder updates: when the cadence started, sent, reminded, escalated."""

    # -- derived facts ----------------------------------------------------------------
    @property
    def finished(self) -> bool:
        """True once the review is done; nothing more can happen."""
        return self.state == "closed"

    @property
    def is_open(self) -> bool:
        """True until resolved."""
        return self.state not in ("resolved", "closed")

    def update_schedule(self) -> list[UpdateDue]:
        """When each audience's next update is due (empty before the first statement is out,
        once resolved, or when the playbook sets no cadence at this level)."""
        if self.playbook is None or not self.is_open:
            return []
        return schedule(self.playbook.updates, self.level, self.updates)

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
            return _(
                "a pause of scheduled posts is still under way (effect %(effect)s)",
                effect=pending[0].effect_id,
            )
        for effect in self.effects.values():
            if effect.kind == "pause" and effect.result in ("failed", "partial"):
                return _("the pause failed: %(error)s; retry it first", error=effect.error)
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
