"""The report model: everything an export shows, independent of its format.

Plain dataclasses (fast to build for 100,000 events) that pydantic serialises to JSON and
describes as JSON Schema (:mod:`runbook.export.schema`); every renderer reads the same
:class:`Report`, so the formats never disagree. Times are ISO 8601 strings: ``...Z`` in UTC and
with the chosen zone's offset in ``*_local`` fields. ``t_plus`` is the offset from the
declaration (``T+01:05:00``). People are shown by ``label``: their name, or their role
(``legal (2)``) when names are redacted. Ids, types, states and statuses are English in every
language; labels, verdicts, event names, details and actions are in the report's ``language``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ConfigDict

from runbook.model.base import FIELD_DOCS

FORMAT_VERSION = "1.1"
"""Version of the export format: the major number changes when a field changes meaning or is
removed; the minor number when fields are added (1.1: ``language``)."""

_CONFIG = ConfigDict(use_attribute_docstrings=FIELD_DOCS)

StageStatus = Literal["met", "missed", "skipped", "not_reached", "no_target", "held_by_hand"]


@dataclass(slots=True)
class IncidentInfo:
    """What the incident was and how it ended."""

    __pydantic_config__ = _CONFIG

    id: str
    """The incident id (``INC-7KQ4PX``)."""
    title: str
    """What happened, as declared."""
    drill: bool
    """True for a tabletop drill: nothing real was sent."""
    marking: str
    """``[DRILL]`` for drills (``[EXERCICE]`` in French), empty otherwise; shown on every page
    of every format."""
    playbook_id: str
    playbook_title: str
    playbook_version: int
    level: str | None
    """The level at the end of the export (``SEV1``)."""
    level_name: str | None
    """The level in plain words (``Critical``)."""
    state: str
    """The lifecycle state at the end of the export."""
    declared_by: str
    """Who declared it (label)."""
    opened_at: str
    opened_at_local: str
    resolved_at: str | None
    closed_at: str | None
    duration: str | None
    """Declaration to resolution (``2h5m``), or to the last event while still open."""
    summary: str
    """The resolution summary."""
    review: str
    """The outcome of the post-incident review, recorded at close."""


@dataclass(slots=True)
class StageMetric:
    """How long one stage took from declaration, against the playbook's target."""

    __pydantic_config__ = _CONFIG

    stage: str
    """``assess``, ``pause``, ``notify``, ``acknowledge``, ``first_statement``, ``resolve``, or
    ``update:<audience>`` for a stakeholder update (its time against the time it was due)."""
    label: str
    """The measure in words (``Time to pause``)."""
    reached_at: str | None
    reached_at_local: str | None
    t_plus: str | None
    elapsed_seconds: int | None
    elapsed: str | None
    """Time from declaration (``7m30s``)."""
    target_seconds: int | None
    target: str | None
    """The playbook's target (``10m``), if it sets one."""
    status: StageStatus
    margin_seconds: int | None
    """Elapsed minus target: negative when early, positive when late."""
    verdict: str
    """The outcome in words: ``met (2m30s to spare)``, ``missed by 4m``, ``skipped ...``."""


@dataclass(slots=True)
class PersonInvolved:
    """Someone who acted in or was notified about the incident."""

    __pydantic_config__ = _CONFIG

    label: str
    """Their name, or their role (``legal (2)``) when names are redacted."""
    person: str | None
    """Their person id (None when names are redacted)."""
    roles: list[str]
    first_at: str
    first_t_plus: str
    notified_t_plus: str | None
    acknowledged_t_plus: str | None
    events: int
    """How many events they were the actor of."""
    actions: list[str]
    """What they did, in order of first occurrence (``approved D1 v3``)."""


@dataclass(slots=True)
class PostEntry:
    """A scheduled post the incident paused (or tried to)."""

    __pydantic_config__ = _CONFIG

    post_id: str
    channel: str
    scheduled_at: str
    excerpt: str
    paused_t_plus: str | None
    resumed_t_plus: str | None
    status: Literal["resumed", "kept_held", "still_held", "pause_failed"]
    missed_slot: bool
    """True when its scheduled time passed while it was held (or its pause failed)."""
    error: str
    """Why it could not be paused or resumed, if so."""
    hold: str = ""
    """How its scheduler held it: ``draft``, ``delete-and-recreate`` (recorded whole, deleted,
    recreated on release); empty: marked held (a calendar, a generic API)."""
    recreated_as: str = ""
    """For a post deleted to hold it: the id of the post made again on release."""


@dataclass(slots=True)
class DraftStep:
    """One step in a draft's life: a version, a submission, a vote, a publication."""

    __pydantic_config__ = _CONFIG

    seq: int
    at: str
    t_plus: str
    action: str
    """``started``, ``edited``, ``submitted``, ``approved``, ``rejected``, ``lint override``,
    ``published``, ``publish failed``."""
    by: str
    version: int | None
    detail: str


@dataclass(slots=True)
class ApprovalEntry:
    """One approval (or attestation) of a draft's latest version: who, how proven, when."""

    __pydantic_config__ = _CONFIG

    by: str
    roles: list[str]
    proof: str
    """How the approver was proven (``approval link``, ``SSH signature SHA256:…``), or who
    attested it."""
    at: str
    t_plus: str
    counts: bool
    """False when it does not satisfy the approval rule (see ``why_not``)."""
    why_not: str


@dataclass(slots=True)
class DraftEntry:
    """A statement draft, its versions and its approval history."""

    __pydantic_config__ = _CONFIG

    draft_id: str
    template_id: str
    title: str
    audience: str
    version: int
    """The latest version."""
    content_hash: str
    status: str
    """``published``, ``approved``, ``in review``, ``rejected`` or ``draft``."""
    approved_by: list[str]
    """Approvals of the latest version."""
    approvals: list[ApprovalEntry]
    """The same approvals with how each was proven and whether it counts."""
    stale_approvals: list[str]
    """Approvals given to earlier versions (no longer counting)."""
    history: list[DraftStep]
    variants: dict[str, str]
    """The latest text per variant (``x``, ``linkedin:fr``)."""


@dataclass(slots=True)
class Assessment:
    """A level set or changed."""

    __pydantic_config__ = _CONFIG

    seq: int
    at: str
    t_plus: str
    by: str
    previous_level: str | None
    level: str
    score: int | None
    direction: Literal["initial", "up", "down", "same"]
    overrides: list[str]
    """Reasons of the overrides that lifted the level."""


@dataclass(slots=True)
class LintOverride:
    """A blocking policy finding let stand by someone allowed to, with their reason."""

    __pydantic_config__ = _CONFIG

    seq: int
    at: str
    t_plus: str
    by: str
    reason: str
    details: dict[str, Any]
    """The event's other fields (draft, version, rule, variant, ...)."""


@dataclass(slots=True)
class StoredRecord:
    """The event as stored (the fields its hash covers), so the chain can be rechecked."""

    __pydantic_config__ = _CONFIG

    incident_id: str
    type: str
    at: str
    """The stored time text, exactly as hashed."""
    actor: str
    state: str
    command_id: str | None
    data: dict[str, Any]
    """The event's data; its canonical JSON (sorted keys, no spaces) is what was hashed."""


@dataclass(slots=True)
class TimelineEntry:
    """One event on the timeline."""

    __pydantic_config__ = _CONFIG

    seq: int
    at: str
    at_local: str
    t_plus: str
    t_plus_seconds: int
    actor: str
    """Who (label; ``runbook`` for automatic steps)."""
    actor_name: str
    actor_role: str
    proof: str
    """How the actor was proven (``login tom``, ``approval link``, ``claimed (typed by
    tom)``); empty for runbook's own steps."""
    type: str
    """The event type (``DraftApproved``); unknown types are kept as stored."""
    event: str
    """The event in words (``Draft approved``)."""
    details: str
    state: str
    """The lifecycle state after the event."""
    category: str
    """``lifecycle``, ``effect``, ``people``, ``draft``, ``note``, ``refusal`` or ``other``."""
    hash: str
    prev_hash: str
    redacted: bool
    """True when redaction changed the stored record: its hash cannot be rechecked."""
    record: StoredRecord


@dataclass(slots=True)
class ChainInfo:
    """The hash chain: check the export against ``runbook verify ID``."""

    __pydantic_config__ = _CONFIG

    count: int
    head_hash: str
    head: str
    """The head as ``runbook verify ID --head`` takes it (``INC-7KQ4PX#37:<hash>``): kept
    apart from the database, it shows later that the database still holds this record."""
    verified: bool
    """True when every stored event verified when the export was made."""
    problem: str
    first_bad_seq: int | None
    redacted_events: int
    """Events whose record was redacted in this export (links checked, hashes not)."""


@dataclass(slots=True)
class Redaction:
    """What was removed from this export."""

    __pydantic_config__ = _CONFIG

    names: bool
    """True when people are shown by role instead of name."""
    replacements: int
    """How many contact details, secrets or names were replaced."""


@dataclass(slots=True)
class Report:
    """A post-incident timeline export."""

    __pydantic_config__ = _CONFIG

    format_version: str
    generated_at: str | None
    timezone: str
    """The zone of every ``*_local`` time."""
    incident: IncidentInfo
    stages: list[StageMetric]
    people: list[PersonInvolved]
    posts: list[PostEntry]
    drafts: list[DraftEntry]
    assessments: list[Assessment]
    """The first assessment and every reassessment."""
    lint_overrides: list[LintOverride]
    timeline: list[TimelineEntry]
    chain: ChainInfo
    redaction: Redaction
    language: str = "en"
    """The language of the report's words (``en``, ``fr``): event names, details, verdicts,
    labels and actions. Ids, types, states and statuses are the same in every language."""
