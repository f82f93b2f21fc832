"""Events: the facts an incident is made of, named in the past tense.

Each event is immutable and carries the envelope every event has (incident id, seq, time in
UTC, actor, the incident's state after it, the command that caused it, and its place in the
hash chain) plus its own data. The event log is the source of truth; incident state is a fold
over it (:mod:`runbook.model.incident`), and replaying it never performs a side effect. The
envelope is :mod:`runbook.model.event_base`; the events of warnings and stakeholder updates are
in :mod:`runbook.model.intake_events`, those of drafts and sign-off in
:mod:`runbook.model.draft_events`; every type is re-exported here.

Side effects follow the outbox pattern: an :class:`EffectRequested` intent is recorded first,
the effect is performed with the intent's ``effect_id`` as idempotency key, and a result event
(``PostsPaused``, ``NotificationsSent``, ...) or :class:`EffectFailed` records what happened.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter

from runbook.model.draft_events import (
    ApprovalAttested,
    DraftApproved,
    DraftEdited,
    DraftRejected,
    DraftStarted,
    DraftSubmitted,
    LinkRefused,
    LintOverridden,
)
from runbook.model.event_base import ENVELOPE, Event
from runbook.model.intake_events import (
    UpdateEscalated,
    UpdateFellDue,
    UpdateSent,
    WarningLinked,
)


class IncidentDeclared(Event):
    """Someone declared an incident; the playbook and policy are pinned as they were."""

    type: Literal["IncidentDeclared"] = "IncidentDeclared"
    title: str
    playbook_id: str
    playbook_version: int
    playbook: dict[str, Any]
    """The playbook's full content at declaration: editing YAML never changes a running incident."""
    policy: dict[str, Any] | None = None
    """The organisation policy's content at declaration."""
    drill: bool = False
    """True for a tabletop drill: nothing real is sent."""
    pins: dict[str, str] = {}
    """The content hashes of the playbook, policy and contacts the incident runs under (empty:
    declared before pinning)."""
    access: dict[str, Any] | None = None
    """Who held which role when declared, with digests of their logins and keys
    (:func:`runbook.model.config_pins.access_map`): what a configuration change is compared
    with."""


class ConfigurationChanged(Event):
    """A proven person recorded that the incident now runs under another playbook, policy or
    contacts (each change: which file, old and new hash, what differs), and why."""

    type: Literal["ConfigurationChanged"] = "ConfigurationChanged"
    changes: list[dict[str, Any]]
    """One per file that changed: kind (playbook, policy, contacts), old_hash, new_hash and a
    short summary of what differs."""
    why: str
    """Why the configuration changed, in the recorder's words."""
    playbook: dict[str, Any] | None = None
    """The playbook's new content, when it changed (the incident runs under it from here)."""
    policy: dict[str, Any] | None = None
    """The policy's new content, when it changed."""
    access: dict[str, Any] | None = None
    """Who holds which role now (as in :attr:`IncidentDeclared.access`), when contacts changed."""


class SeverityAssessed(Event):
    """The level was set (first assessment) or changed (reassessment)."""

    type: Literal["SeverityAssessed"] = "SeverityAssessed"
    answers: dict[str, str]
    score: int
    level: str
    previous_level: str | None = None
    overrides: list[str] = []
    """Reasons of the overrides that lifted the level."""


class StageSkipped(Event):
    """A stage was passed because the playbook asks nothing of it at this level."""

    type: Literal["StageSkipped"] = "StageSkipped"
    stage: str
    level: str
    reason: str


class EffectRequested(Event):
    """Intent: an effect on the outside world is about to be performed (outbox)."""

    type: Literal["EffectRequested"] = "EffectRequested"
    effect_id: str
    """Idempotency key of the effect."""
    kind: Literal[
        "pause",
        "resume",
        "notify",
        "stand_down",
        "publish",
        "approval_request",
        "update",
        "update_reminder",
    ]
    payload: dict[str, Any] = {}
    """What to do, as the adapter needs it."""
    attempt: int = 1
    resend: list[str] = []
    """Notify: delivery keys the operator chose to send again although they may have been
    sent already (``runbook resend``): possible repeats, sent only on this attempt."""


class PauseTargeted(Event):
    """The posts a pause is about to hold, listed from the schedulers before holding them.

    Recorded so that a pause interrupted after this point is retried on exactly these posts
    (nothing paused twice, nothing missed)."""

    type: Literal["PauseTargeted"] = "PauseTargeted"
    effect_id: str
    posts: list[dict[str, Any]] = []


class PostsPaused(Event):
    """Result: scheduled posts were held."""

    type: Literal["PostsPaused"] = "PostsPaused"
    effect_id: str
    scope: str
    """The rule applied (``all``, ``none``, or channel list)."""
    posts: list[dict[str, Any]] = []
    """Posts held: id, channel, scheduled_at, excerpt, scheduler."""
    failures: list[dict[str, Any]] = []
    """Posts that could not be held: id, error."""
    note: str = ""


class PostsHeldByHand(Event):
    """The operator confirmed they held the brand's scheduled posts by hand in a scheduling
    tool runbook cannot reach (no scheduler configured): recorded as their confirmation, never
    as a pause runbook made."""

    type: Literal["PostsHeldByHand"] = "PostsHeldByHand"
    tool: str
    """Where they held them (``Hootsuite``, ``the content calendar``)."""
    scope: dict[str, Any]
    """The pause rule they confirm (``{"scope": "all"}``)."""
    note: str = ""


class PostsResumed(Event):
    """Result: posts this incident held were released."""

    type: Literal["PostsResumed"] = "PostsResumed"
    effect_id: str
    posts: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    kept: list[str] = []
    """Post ids the operator chose to keep held."""
    still_held: dict[str, list[str]] = {}
    """Post id -> other open incidents that still hold it (not released at the scheduler)."""
    new_times: dict[str, str] = {}
    """Post id -> the new slot given for a post that missed its slot (or now: publish now)."""


Purpose = Literal[
    "notify", "escalation", "stand_down", "approval_request", "update", "update_reminder"
]
"""Why people were sent a message: the playbook's notify rules, an escalation (nobody
acknowledged in time), the stand-down at resolution, or a request to approve a draft."""


class NotificationsSent(Event):
    """Result: messages were delivered (or not) to people."""

    type: Literal["NotificationsSent"] = "NotificationsSent"
    effect_id: str
    rule_id: str
    purpose: Purpose = "notify"
    """Why they were sent (older events: read from ``rule_id``)."""
    deliveries: list[dict[str, Any]] = []
    """One per person and channel: person, roles, channel, ok, error, message_id, and
    ``outcome`` (``delivered``, ``failed``, or ``unknown``: the receiver took the message and
    then failed to answer, so it may have arrived). Recorded one delivery at a time."""


class DeliveryStarted(Event):
    """runbook began sending one message (one person, one channel): recorded just before it
    leaves, so a crash before its result (:class:`NotificationsSent`) leaves it shown as
    "may have been sent", never silently sent again."""

    type: Literal["DeliveryStarted"] = "DeliveryStarted"
    effect_id: str
    key: str
    """The delivery key (effect id / person / channel); its email Message-ID and webhook
    Idempotency-Key derive from it, the same on a re-send."""
    person: str
    channel: str
    repeat: bool = False
    """True when the operator chose to send it again although it may have been sent (the
    person may receive it twice)."""


class DeliveryInterrupted(Event):
    """The process sending one message stopped (killed, crashed) after it started and before
    it learned the result: the message may have been sent. Recorded by the process that took
    the effect over; never sent again unless the operator chooses to (``runbook resend``)."""

    type: Literal["DeliveryInterrupted"] = "DeliveryInterrupted"
    effect_id: str
    key: str
    person: str
    channel: str


class StatementPublished(Event):
    """Result: an approved statement went out."""

    type: Literal["StatementPublished"] = "StatementPublished"
    effect_id: str
    draft_id: str
    version: int
    content_hash: str
    platforms: list[str] = []
    failures: list[dict[str, Any]] = []
    url: str = ""
    """Where the statement can be seen, when the operator gave it."""
    posts: list[dict[str, Any]] = []
    """Posts created in a scheduler for it (id, channel, scheduled_at, ...)."""


class StatementPostedByHand(Event):
    """The operator posted an approved statement by hand on one platform and says where: a
    record of their post, never sent through the publisher too."""

    type: Literal["StatementPostedByHand"] = "StatementPostedByHand"
    draft_id: str
    version: int
    content_hash: str
    variant: str
    """Where it was posted (``x``, ``linkedin:fr``)."""
    url: str
    """The post's address."""


class EffectFailed(Event):
    """Result: an effect could not be performed at all; it can be retried."""

    type: Literal["EffectFailed"] = "EffectFailed"
    effect_id: str
    kind: str
    error: str


class Acknowledged(Event):
    """A notified person acknowledged."""

    type: Literal["Acknowledged"] = "Acknowledged"
    person: str
    rules: list[str] = []


class Escalated(Event):
    """Nobody acknowledged a notify rule in time; its escalation roles were notified."""

    type: Literal["Escalated"] = "Escalated"
    rule_id: str
    to_roles: list[str]
    waited: str
    """How long runbook waited (``15m``)."""
    round: int = 1
    effect_id: str = ""
    """The notification sent for this escalation."""


class ChecklistItemChecked(Event):
    """A checklist item was ticked."""

    type: Literal["ChecklistItemChecked"] = "ChecklistItemChecked"
    item_id: str
    stage: str
    text: str


class NoteAdded(Event):
    """A free-text note on the timeline."""

    type: Literal["NoteAdded"] = "NoteAdded"
    text: str


class ActionRefused(Event):
    """An action was refused; recorded so the timeline shows attempts, not only successes."""

    type: Literal["ActionRefused"] = "ActionRefused"
    action: str
    reason: str


class IncidentResolved(Event):
    """The incident was stood down."""

    type: Literal["IncidentResolved"] = "IncidentResolved"
    summary: str


class IncidentClosed(Event):
    """The post-incident review is done."""

    type: Literal["IncidentClosed"] = "IncidentClosed"
    review: str = ""
    open_items: list[dict[str, str]] = []
    """Checklist items left unticked at closing, as the operator confirmed: id, stage, text."""


AnyEvent = Annotated[
    IncidentDeclared
    | SeverityAssessed
    | StageSkipped
    | EffectRequested
    | PauseTargeted
    | PostsPaused
    | PostsHeldByHand
    | PostsResumed
    | NotificationsSent
    | DeliveryStarted
    | DeliveryInterrupted
    | StatementPublished
    | StatementPostedByHand
    | EffectFailed
    | Acknowledged
    | Escalated
    | DraftStarted
    | DraftEdited
    | DraftSubmitted
    | DraftApproved
    | ApprovalAttested
    | LinkRefused
    | DraftRejected
    | LintOverridden
    | ChecklistItemChecked
    | NoteAdded
    | WarningLinked
    | UpdateSent
    | UpdateFellDue
    | UpdateEscalated
    | ActionRefused
    | ConfigurationChanged
    | IncidentResolved
    | IncidentClosed,
    Field(discriminator="type"),
]


class _Events:
    """Validates a list of stored event dicts into typed events in one fast call; built on
    first use (building it costs ~0.1 s, which the app's first frame does not need)."""

    _adapter: TypeAdapter[list[AnyEvent]] | None = None

    def validate_python(self, items: Any) -> list[AnyEvent]:
        adapter = self._adapter
        if adapter is None:
            adapter = type(self)._adapter = TypeAdapter(list[AnyEvent])
        return adapter.validate_python(items)


EVENTS = _Events()
"""Validates a list of stored event dicts into typed events in one fast call."""

__all__ = [
    "ApprovalAttested",
    "DraftApproved",
    "DraftEdited",
    "DraftRejected",
    "DraftStarted",
    "DraftSubmitted",
    "LinkRefused",
    "LintOverridden",
    "ENVELOPE",
    "Event",
    "UpdateEscalated",
    "UpdateFellDue",
    "UpdateSent",
    "WarningLinked",
]

RESULT_TYPES = (
    "PostsPaused",
    "PostsResumed",
    "NotificationsSent",
    "StatementPublished",
    "EffectFailed",
)
"""Event types that close an outbox intent."""


def event_from_row(row: dict[str, Any]) -> AnyEvent:
    """One typed event from a stored row (envelope columns plus ``data``).

    ``data`` may be the stored JSON text or a dict; a row without ``data`` is taken to be an
    event dict already.
    """
    item = {name: value for name, value in row.items() if name != "data"}
    data = row.get("data") or {}
    if isinstance(data, str):
        data = json.loads(data)
    return EVENTS.validate_python([{**data, **item}])[0]
