"""The playbook spec: how one kind of crisis is sized and handled.

A playbook encodes a slice of the organisation's social-media policy: the severity questions
and levels, what to pause at each level, who to notify and how fast they must acknowledge,
which statements to draft, who must approve them, the checklist of each stage, and the target
times drills and reports measure against. Cross-references inside a playbook (levels named in
rules, placeholders in templates) are checked here; references to other files (roles, channels)
are checked by :mod:`runbook.loading`. Notify rules and draft templates (the texts sent to
people) are specified in :mod:`runbook.model.outreach`.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BeforeValidator,
    Field,
    SerializerFunctionWrapHandler,
    WithJsonSchema,
    model_serializer,
    model_validator,
)

from runbook.i18n import N_, _
from runbook.model.approval_rule import ApprovalRule
from runbook.model.base import Duration, Id, ProblemList, Spec
from runbook.model.outreach import DraftTemplate, NotifyRule
from runbook.model.updates import Updates, UpdateTemplate

Stage = Literal["assess", "pause", "notify", "draft", "approve", "resolve", "review"]
"""The stages of an incident, in the order of their priority."""

STAGES: tuple[str, ...] = ("assess", "pause", "notify", "draft", "approve", "resolve", "review")

UNKNOWN = "unknown"
"""The answer to a severity question the operator cannot answer yet (scored as the question
says: ``Question.unknown_score``)."""


class Option(Spec):
    """One answer to a severity question."""

    id: Id
    """How the answer is named on the command line (``--answer reach=viral``)."""
    label: str = Field(min_length=1)
    """The answer as the operator reads it."""
    score: int = Field(ge=0, le=100)
    """Points this answer adds to the severity score."""


class Question(Spec):
    """A severity question: the operator picks exactly one option."""

    SIZES: ClassVar[dict[str, int]] = {"options": 20}

    id: Id
    """How the question is named on the command line."""
    text: str = Field(min_length=1)
    """The question as the operator reads it."""
    help: str = ""
    """Optional guidance shown under the question."""
    options: list[Option] = Field(min_length=2)
    """The possible answers, mildest first."""
    unknown: int | None = Field(default=None, ge=0, le=100)
    """Points an answer of ``unknown`` adds when the operator does not know yet (default: as
    the most severe option, so not knowing never lowers the level). An option with id
    ``unknown`` is that answer itself."""

    def unknown_score(self) -> int:
        """What ``unknown`` scores for this question."""
        for option in self.options:
            if option.id == UNKNOWN:
                return option.score
        if self.unknown is not None:
            return self.unknown
        return max(option.score for option in self.options)

    def label_of(self, answer: str) -> str:
        """An answer in words (``unknown`` included)."""
        for option in self.options:
            if option.id == answer:
                return option.label
        return "Not known yet" if answer == UNKNOWN else answer

    @model_validator(mode="after")
    def _unique_options(self) -> Question:
        problems = ProblemList()
        problems.unique([o.id for o in self.options], N_("option"), ("options",))
        problems.raise_if_any()
        return self


class Level(Spec):
    """A severity level, reached when the score is at least ``min_score``."""

    id: Id
    """Short name of the level (``SEV1``)."""
    name: str = Field(min_length=1)
    """What the level is called in plain words (``Critical``)."""
    min_score: int = Field(ge=0)
    """The lowest total score that reaches this level."""
    description: str = ""
    """What this level means for the team."""


class Override(Spec):
    """A rule that lifts the level whatever the score, e.g. "anyone's safety at risk => SEV1"."""

    when: dict[Id, Id | list[Id]] = Field(min_length=1)
    """Answers that trigger the override: question id -> option id (or list of option ids)."""
    level: Id
    """The level the incident is raised to at least."""
    reason: str = Field(min_length=1)
    """Why, as recorded on the timeline."""


class Severity(Spec):
    """How to size the crisis: questions, levels and overrides."""

    SIZES: ClassVar[dict[str, int]] = {"questions": 50, "levels": 10}

    questions: list[Question] = Field(min_length=1)
    """The questions the operator answers to size the crisis."""
    levels: list[Level] = Field(min_length=1)
    """Levels from the mildest to the most severe; ``min_score`` rises and the first is 0."""
    overrides: list[Override] = []
    """Answers that force at least a given level."""

    @model_validator(mode="after")
    def _levels_are_ordered(self) -> Severity:
        problems = ProblemList()
        problems.unique([q.id for q in self.questions], N_("question"), ("questions",))
        problems.unique([lv.id for lv in self.levels], N_("level"), ("levels",))
        if self.levels[0].min_score != 0:
            problems.add(
                ("levels", 0, "min_score"),
                _("the first (mildest) level must have min_score 0 so every score has a level"),
            )
        for index in range(1, len(self.levels)):
            lower, higher = self.levels[index - 1], self.levels[index]
            if higher.min_score <= lower.min_score:
                problems.add(
                    ("levels", index, "min_score"),
                    _(
                        "levels are listed mildest first with rising min_score: %(id)s "
                        "(%(min_score)s) must be above %(id2)s (%(min_score2)s)",
                        id=higher.id,
                        min_score=higher.min_score,
                        id2=lower.id,
                        min_score2=lower.min_score,
                    ),
                )
        questions = {q.id: q for q in self.questions}
        levels = {lv.id for lv in self.levels}
        for index, override in enumerate(self.overrides):
            if override.level not in levels:
                problems.add(
                    ("overrides", index, "level"),
                    _("unknown level %(level)s", level=repr(override.level)),
                )
            for qid, wanted in override.when.items():
                loc = ("overrides", index, "when", qid)
                if qid not in questions:
                    problems.add(loc, _("unknown question %(qid)s", qid=repr(qid)))
                    continue
                options = {o.id for o in questions[qid].options}
                for oid in [wanted] if isinstance(wanted, str) else wanted:
                    if oid not in options:
                        problems.add(
                            loc,
                            _(
                                "unknown option %(oid)s of question %(qid)s",
                                oid=repr(oid),
                                qid=repr(qid),
                            ),
                        )
        problems.raise_if_any()
        return self


def _pause_rule_input(value: object) -> object:
    """Accept ``all``, ``none`` or ``{channels: [...]}`` as written in YAML."""
    if isinstance(value, str):
        if value not in ("all", "none"):
            raise ValueError(
                _(
                    "%(value)s is not a pause rule; write all, none, or channels: [x, ...]",
                    value=repr(value),
                )
            )
        return {"scope": value}
    if isinstance(value, dict) and "scope" not in value:
        return {"scope": "channels", **value}
    return value


class PauseRule(Spec):
    """What to pause at a level: ``all`` scheduled posts, ``none``, or listed ``channels``."""

    scope: Literal["all", "none", "channels"]
    """``all``, ``none`` or ``channels``."""
    channels: list[Id] = []
    """With ``channels``: channel ids as the scheduler knows them (``x``, ``instagram``)."""

    @model_validator(mode="after")
    def _channels_match_scope(self) -> PauseRule:
        if self.scope == "channels" and not self.channels:
            raise ValueError(_("list at least one channel, or write none"))
        if self.scope != "channels" and self.channels:
            raise ValueError(_("%(scope)s takes no channel list", scope=self.scope))
        return self

    @property
    def is_empty(self) -> bool:
        """True when nothing is to be paused (the stage is skipped)."""
        return self.scope == "none"

    def covers(self, channel: str) -> bool:
        """Whether a post on ``channel`` falls under this rule."""
        return self.scope == "all" or (self.scope == "channels" and channel in self.channels)

    def describe(self) -> str:
        """The rule in words (``all``, ``none``, ``x, instagram``)."""
        return ", ".join(self.channels) if self.scope == "channels" else self.scope

    def union(self, other: PauseRule) -> PauseRule:
        """The wider of two rules (escalation extends the pause scope, never narrows it)."""
        if "all" in (self.scope, other.scope):
            return PauseRule(scope="all")
        channels = list(dict.fromkeys([*self.channels, *other.channels]))
        return (
            PauseRule(scope="channels", channels=channels) if channels else PauseRule(scope="none")
        )


PauseRuleInput = Annotated[
    PauseRule,
    BeforeValidator(_pause_rule_input),
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "string", "enum": ["all", "none"]},
                {
                    "type": "object",
                    "properties": {
                        "channels": {"type": "array", "items": {"type": "string"}, "minItems": 1}
                    },
                    "required": ["channels"],
                    "additionalProperties": False,
                },
            ],
            "description": "all, none, or channels: [x, instagram]",
        }
    ),
]
"""A pause rule as written in YAML."""


class ChecklistItem(Spec):
    """A thing to do in a stage; ticking it is recorded on the timeline."""

    id: Id
    """Name used by ``runbook check ID ITEM``."""
    text: str = Field(min_length=1)
    """What to do."""


class Targets(Spec):
    """Target times from declaration, used by drills, the board and reports."""

    acknowledge: Duration | None = None
    """First acknowledgement by a notified person."""
    assess: Duration | None = None
    """Level set."""
    pause: Duration | None = None
    """Scheduled posts paused."""
    notify: Duration | None = None
    """Internal notification sent."""
    first_statement: Duration | None = None
    """First statement approved."""
    resolve: Duration | None = None
    """Incident resolved."""


class Playbook(Spec):
    """How one kind of crisis is handled (a file in ``playbooks/``)."""

    id: Id
    """Unique name of the playbook (``account-compromised``)."""
    title: str = Field(min_length=1)
    """What the crisis is, in plain words."""
    summary: str = Field(min_length=1)
    """When to use this playbook."""
    keywords: list[str] = []
    """Words people type to find it under stress (``hacked``, ``scam``, ``phishing``)."""
    version: int = Field(ge=1)
    """Raise it on every change; incidents record the version they ran."""
    severity: Severity
    """How to size the crisis."""
    pause: dict[Id, PauseRuleInput]
    """For every level: ``all``, ``none`` or ``{channels: [...]}``."""
    notify: list[NotifyRule] = []
    """Who to notify at which levels."""
    drafts: list[DraftTemplate] = Field(min_length=1)
    """Statements to prepare."""
    approval: dict[Id, ApprovalRule]
    """For every level: who must approve statements."""
    checklist: dict[Stage, list[ChecklistItem]] = {}
    """Things to do per stage (assess, pause, notify, draft, approve, resolve, review)."""
    targets: Targets = Targets()
    """Target times from declaration."""
    language: Literal["en", "fr"] = "en"
    """The language of statement texts written without a language key: dates and other
    values in them are written in it (``12 March 2026`` or ``12 mars 2026``)."""
    updates: Updates | None = None
    """Once the holding statement is out: how often each audience gets an update, who is
    reminded, and each audience's update template."""

    @model_validator(mode="after")
    def _levels_are_covered(self) -> Playbook:
        problems = ProblemList()
        levels = [lv.id for lv in self.severity.levels]
        for name, mapping in (("pause", self.pause), ("approval", self.approval)):
            for key in mapping:
                if key not in levels:
                    problems.add(
                        (name, key),
                        _(
                            "unknown level %(key)s; levels: %(items)s",
                            key=repr(key),
                            items=", ".join(levels),
                        ),
                    )
            missing = [lv for lv in levels if lv not in mapping]
            if missing:
                problems.add(
                    (name,), _("no rule for level(s): %(items)s", items=", ".join(missing))
                )
        for index, rule in enumerate(self.notify):
            for position, level in enumerate(rule.levels):
                if level not in levels:
                    problems.add(
                        ("notify", index, "levels", position),
                        _("unknown level %(level)s", level=repr(level)),
                    )
        problems.unique([r.id for r in self.notify], N_("notify rule"), ("notify",))
        problems.unique([d.id for d in self.drafts], N_("draft template"), ("drafts",))
        if self.updates is not None:
            for level in self.updates.cadence:
                if level not in levels:
                    problems.add(
                        ("updates", "cadence", level),
                        _(
                            "unknown level %(level)s; levels: %(items)s",
                            level=repr(level),
                            items=", ".join(levels),
                        ),
                    )
            drafts = {d.id for d in self.drafts}
            for index, template in enumerate(self.updates.templates):
                if template.id in drafts:
                    problems.add(
                        ("updates", "templates", index, "id"),
                        _("%(id)s is also a draft template's id", id=repr(template.id)),
                    )
        all_items = [
            (stage, i, item.id)
            for stage, items in self.checklist.items()
            for i, item in enumerate(items)
        ]
        seen: set[str] = set()
        for stage, i, item_id in all_items:
            if item_id in seen:
                problems.add(
                    ("checklist", stage, i, "id"),
                    _("checklist item id %(item_id)s is used twice", item_id=repr(item_id)),
                )
            seen.add(item_id)
        problems.raise_if_any()
        return self

    @model_serializer(mode="wrap")
    def _without_absent_updates(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """A playbook without updates dumps as before they existed (pinned playbooks and
        their hashes stay the same)."""
        data: dict[str, Any] = handler(self)
        if data.get("updates") is None:
            data.pop("updates", None)
        return data

    # -- helpers used by the engine -------------------------------------------------
    def level(self, level_id: str) -> Level:
        """The level named ``level_id``."""
        for level in self.severity.levels:
            if level.id == level_id:
                return level
        raise KeyError(level_id)

    def level_rank(self, level_id: str) -> int:
        """0 for the mildest level, rising with severity."""
        return [lv.id for lv in self.severity.levels].index(level_id)

    def notify_rules_for(self, level_id: str) -> list[NotifyRule]:
        """The notify rules that apply at ``level_id``."""
        return [rule for rule in self.notify if level_id in rule.levels]

    def checklist_item(self, item_id: str) -> tuple[str, ChecklistItem] | None:
        """Find a checklist item by id: (stage, item)."""
        for stage, items in self.checklist.items():
            for item in items:
                if item.id == item_id:
                    return stage, item
        return None

    def draft_template(self, template_id: str) -> DraftTemplate | None:
        """The draft template named ``template_id`` (an update template included)."""
        found = next((d for d in self.drafts if d.id == template_id), None)
        if found is None and self.updates is not None:
            update = self.updates.template(template_id)
            return update.as_draft() if update is not None else None
        return found

    def update_template(self, template_id: str) -> UpdateTemplate | None:
        """The update template named ``template_id`` (None for a statement's template)."""
        return self.updates.template(template_id) if self.updates is not None else None
