"""Stakeholder updates and their cadence: how often each audience must hear from the team once
the holding statement is out, and the template of each audience's update.

A playbook's ``updates`` section says, per level and audience (public, staff, executives,
customers), how often an update is due (SEV1: public every 60m, executives every 30m), who is
reminded when one falls due and through which channels, when an overdue update is escalated
and to whom, and the template of each audience's update. An update is a draft like any other
(linted, approved, published or sent); its template may name the approvals its audience needs
(an internal executive update may need fewer than a public one). :func:`schedule` answers
when each update is due from the incident's record alone, so the board, the incident screen,
``tick`` and the export agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from runbook.i18n import N_, _, in_context
from runbook.model.approval_rule import ApprovalRule
from runbook.model.base import Duration, Id, ProblemList, Spec

if TYPE_CHECKING:
    from runbook.model.outreach import DraftTemplate

Stakeholder = Literal["public", "staff", "executives", "customers"]
"""Who an update is for."""
STAKEHOLDERS: tuple[str, ...] = ("public", "staff", "executives", "customers")
PUBLIC_AUDIENCES = ("public", "customers")
"""Audiences whose updates the brand publishes (the others are internal)."""
AUDIENCE_NAMES = {
    "public": N_("audience|public"),
    "staff": N_("audience|staff"),
    "executives": N_("audience|executives"),
    "customers": N_("audience|customers"),
}
"""Each audience in words (the catalog's context keeps them apart from other senses)."""


def audience_name(audience: str) -> str:
    """``audience`` in the language in force (``executives`` -> ``direction`` in French); the
    id itself in English and for an audience it does not know."""
    found = AUDIENCE_NAMES.get(audience)
    return in_context(found) if found else audience


class UpdateTemplate(Spec):
    """The regular update for one audience (e.g. the executive summary)."""

    id: Id
    """Name of the template (``exec-summary``); ``runbook draft ID --template`` takes it."""
    audience: Stakeholder
    """Who it is for: ``public``, ``staff``, ``executives`` or ``customers``."""
    title: str = Field(min_length=1)
    """What the update is, in plain words."""
    platforms: list[Id] = Field(min_length=1)
    """Where it goes: platform ids from policy.yaml (``x``, ``email``, ``intranet``)."""
    text: str | dict[Id, str]
    """The update, with $placeholders (``$next_update_at`` included); or one per language."""
    send: Literal["publish", "notify"] = "publish"
    """``publish``: through the publisher, like a statement; ``notify``: sent to ``roles``
    through the notification channels ``via``."""
    roles: list[Id] = []
    """With ``notify``: the roles that receive it."""
    via: list[Id] = []
    """With ``notify``: the channels it goes through (``email``, ``chat``)."""
    approval: ApprovalRule | None = None
    """Who must approve it, instead of the level's rule (None: the level's rule)."""

    @model_validator(mode="after")
    def _delivery_is_complete(self) -> UpdateTemplate:
        if self.send == "notify" and (not self.roles or not self.via):
            raise ValueError(_("an update sent through notify needs roles and via"))
        if self.send == "publish" and (self.roles or self.via):
            raise ValueError(_("roles and via are for updates sent through notify"))
        return self

    def as_draft(self) -> DraftTemplate:
        """The draft template the update is written from (public or internal audience)."""
        from runbook.model.outreach import DraftTemplate

        return DraftTemplate(
            id=self.id,
            title=self.title,
            audience="public" if self.audience in PUBLIC_AUDIENCES else "internal",
            platforms=list(self.platforms),
            text=self.text,
        )


class Updates(Spec):
    """The rhythm of updates once the holding statement is out, and their templates."""

    cadence: dict[Id, dict[Stakeholder, Duration]] = {}
    """Per level: audience -> how often an update is due (``SEV1: {public: 60m}``)."""
    remind: list[Id] = Field(default_factory=lambda: ["comms_lead"], min_length=1)
    """Roles reminded when an update falls due."""
    via: list[Id] = Field(default_factory=lambda: ["chat"], min_length=1)
    """Channels the reminders go through."""
    escalate_after: Duration | None = None
    """How long an update may stay overdue before it is escalated (None: never)."""
    escalate_to: list[Id] = []
    """Roles told when an update stays overdue."""
    templates: list[UpdateTemplate] = []
    """The update of each audience."""

    @model_validator(mode="after")
    def _consistent(self) -> Updates:
        problems = ProblemList()
        if self.escalate_to and self.escalate_after is None:
            problems.add(("escalate_to",), _("escalate_to needs escalate_after"))
        problems.unique([t.id for t in self.templates], N_("update template"), ("templates",))
        audiences = {t.audience for t in self.templates}
        for level, rule in self.cadence.items():
            for audience, every in rule.items():
                if audience not in audiences:
                    problems.add(
                        ("cadence", level, audience),
                        _(
                            "no update template for %(audience)s; add one under templates",
                            audience=repr(audience),
                        ),
                    )
                if every < timedelta(minutes=5):
                    problems.add(("cadence", level, audience), _("an update every < 5m is noise"))
        problems.raise_if_any()
        return self

    def template(self, template_id: str) -> UpdateTemplate | None:
        """The update template named ``template_id``."""
        return next((t for t in self.templates if t.id == template_id), None)

    def for_audience(self, audience: str) -> UpdateTemplate | None:
        """The first update template for ``audience``."""
        return next((t for t in self.templates if t.audience == audience), None)


@dataclass
class UpdateLog:
    """What an incident's record says about its updates (kept by the fold)."""

    started: datetime | None = None
    """When the first statement went out: the cadence runs from then."""
    sent: dict[str, datetime] = field(default_factory=dict)
    """Audience -> when its last update went out."""
    history: list[tuple[str, datetime, datetime | None, str]] = field(default_factory=list)
    """Every update sent: (audience, sent at, due at, draft id)."""
    reminded: set[tuple[str, str]] = field(default_factory=set)
    """(audience, due time ISO) whose reminder was recorded."""
    escalated: set[tuple[str, str]] = field(default_factory=set)
    """(audience, due time ISO) whose escalation was recorded."""


@dataclass(frozen=True)
class UpdateDue:
    """When one audience's next update is due."""

    audience: str
    every: timedelta
    due_at: datetime
    last_at: datetime | None
    """When the last update to this audience went out (None: none yet)."""
    reminded: bool
    """A reminder for this due time was recorded."""
    escalated: bool
    """An escalation for this due time was recorded."""
    escalate_at: datetime | None
    """When it is escalated if still not sent (None: never)."""

    def state(self, now: datetime) -> str:
        """``upcoming`` (not due yet), ``due``, ``overdue`` (past ``escalate_after``, not yet
        escalated) or ``escalated`` at ``now``."""
        if self.escalated:
            return "escalated"
        if now < self.due_at:
            return "upcoming"
        if self.escalate_at is not None and now >= self.escalate_at:
            return "overdue"
        return "due"


def schedule(updates: Updates | None, level: str | None, log: UpdateLog) -> list[UpdateDue]:
    """Each audience's next update at ``level``: due ``every`` after the last one sent, or
    after the first statement went out when none was."""
    if updates is None or level is None or log.started is None:
        return []
    found = []
    for audience, every in updates.cadence.get(level, {}).items():
        last = log.sent.get(audience)
        due_at = (last or log.started) + every
        key = (audience, due_at.isoformat())
        escalate_at = due_at + updates.escalate_after if updates.escalate_after else None
        found.append(
            UpdateDue(
                audience=audience,
                every=every,
                due_at=due_at,
                last_at=last,
                reminded=key in log.reminded,
                escalated=key in log.escalated,
                escalate_at=escalate_at,
            )
        )
    return sorted(found, key=lambda item: (item.due_at, item.audience))
