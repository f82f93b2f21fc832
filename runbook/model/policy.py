"""The organisation policy spec (``playbooks/policy.yaml``).

Every draft is linted against these rules: platform length limits (counted as each platform
counts), forbidden phrases, required disclaimers, topics that need legal review, personal-data
patterns and confidential markers. Regular expressions are compiled (on RE2, linear time:
:mod:`runbook.model.patterns`) when the file loads, so a broken or unsafe pattern is a
validation error, never a crash or a hang mid-incident.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from runbook.i18n import _, formats
from runbook.model.automaton import MAX_POLICY_STATES, dfa_states
from runbook.model.base import Id, ProblemList, Spec
from runbook.model.folding import fold_signs
from runbook.model.notification_templates import Notifications
from runbook.model.outreach import Audience
from runbook.model.patterns import why_refused
from runbook.model.proof import ProofRules


def _compiled(patterns: list[str]) -> list[str]:
    """Check that RE2 can run every pattern (each bad one located, with the reason)."""
    problems = ProblemList()
    for index, pattern in enumerate(patterns):
        why = why_refused(pattern)
        if why:
            shown = pattern if len(pattern) <= 80 else pattern[:77] + "..."
            problems.add((index,), _("pattern %(shown)s %(why)s", shown=repr(shown), why=why))
    problems.raise_if_any()
    return patterns


MAX_PHRASE = 300
"""Longest literal phrase (characters): a phrase is a few words, and a long one with repeated
words makes even a linear search slow on a long statement."""
MAX_MATCHERS = 200
"""Phrases and patterns in the whole policy: each costs a pass over the statement, and lint of
the longest statement stays under 50 ms (``benchmarks/bench_lint.py``)."""
SECTIONS = (
    "forbidden_phrases",
    "required_disclaimers",
    "legal_review_topics",
    "personal_data",
    "confidential_markers",
    "speculation",
)


def _phrases_bounded(phrases: list[str]) -> list[str]:
    """Refuse a phrase longer than :data:`MAX_PHRASE` (each one located)."""
    problems = ProblemList()
    for index, phrase in enumerate(phrases):
        if len(phrase) > MAX_PHRASE:
            problems.add(
                (index,),
                _(
                    "is %(n)s characters long; a phrase is at most %(limit)s (use a pattern "
                    "for more)",
                    n=formats.number(len(phrase), digits=0),
                    limit=MAX_PHRASE,
                ),
            )
    problems.raise_if_any()
    return phrases


Severity = Literal["block", "warn"]
"""``block`` stops submission unless overridden; ``warn`` is shown but allows it."""


class Organisation(Spec):
    """Facts about the organisation used in statements."""

    name: str = Field(min_length=1)
    """The brand as it signs statements."""
    press_contact: str = ""
    """Where journalists should write (e.g. press@example.com)."""
    support_url: str = ""
    """Where customers find help."""


class Platform(Spec):
    """A place statements are published, and how it counts characters."""

    name: str = Field(min_length=1)
    """Display name (``X``, ``LinkedIn``)."""
    limit: int = Field(ge=1)
    """Maximum length of one post, as the platform counts it."""
    counting: Literal["characters", "weighted", "graphemes"] = "characters"
    """``characters`` (code points), ``graphemes`` (what a reader sees as one character), or
    ``weighted`` (X: CJK and emoji count 2, URLs count ``url_length``)."""
    url_length: int | None = Field(default=None, ge=1)
    """If set, every URL counts as this many characters (X: 23)."""
    audience: Audience = "public"
    """``public`` for social platforms, ``internal`` for staff channels (email, intranet)."""


class Rule(Spec):
    """A lint rule: a pattern that, when found in a draft, yields a finding."""

    id: Id
    """Name of the rule shown with every finding."""
    severity: Severity = "block"
    """``block`` or ``warn``."""
    explanation: str = Field(min_length=1)
    """One line telling the writer why this matters."""
    phrases: list[str] = []
    """Literal phrases to find (case-insensitive, whole words)."""
    patterns: list[str] = []
    """Regular expressions to find (case-insensitive, run on RE2: no lookaround or
    backreferences). Where a pattern has a group named ``hit`` (``(?P<hit>...)``), only that
    group is reported: the rest is context that must be there."""
    allow: list[str] = []
    """Matches that are fine as they are (case-insensitive, whole match): our own press
    mailbox for a rule that blocks email addresses."""
    override_role: Id | None = None
    """Role whose holder may override a blocking finding with a reason."""
    audiences: list[Audience] = ["public", "internal"]
    """Audiences the rule applies to."""

    _patterns_compile = field_validator("patterns")(lambda patterns: _compiled(patterns))
    _phrases_bounded = field_validator("phrases")(lambda phrases: _phrases_bounded(phrases))

    @model_validator(mode="after")
    def _has_something_to_find(self) -> Rule:
        if not self.phrases and not self.patterns:
            raise ValueError(_("a rule needs phrases or patterns to look for"))
        return self


class LegalTopic(Rule):
    """A topic on which statements need review by a named role (legal by default).

    A finding adds ``review_role`` to the approvers the draft needs."""

    review_role: Id = "legal"
    """Role that must approve any draft touching this topic."""
    severity: Severity = "warn"
    """``warn`` (default): the draft needs ``review_role``'s approval; ``block`` also stops
    submission until someone holding ``override_role`` overrides it."""


class Disclaimer(Spec):
    """Text that must appear in drafts for some audiences or platforms."""

    id: Id
    """Name of the rule."""
    text: str = Field(min_length=1)
    """The disclaimer as it must appear (matched case-insensitively)."""
    audiences: list[Audience] = ["public"]
    """Audiences that need it."""
    platforms: list[Id] = []
    """Only on these platforms (empty: all)."""
    when_patterns: list[str] = []
    """Only when the draft matches one of these regular expressions (empty: always)."""
    severity: Severity = "block"
    """``block`` or ``warn`` when missing."""
    explanation: str = Field(min_length=1)
    """Why it is required."""

    _patterns_compile = field_validator("when_patterns")(lambda patterns: _compiled(patterns))


class Policy(Spec):
    """The organisation's rules every draft is linted against."""

    organisation: Organisation
    """Who speaks."""
    platforms: dict[Id, Platform] = Field(min_length=1)
    """Publishing platforms by id (``x``, ``linkedin``, ...)."""
    forbidden_phrases: list[Rule] = []
    """Things the brand never says."""
    required_disclaimers: list[Disclaimer] = []
    """Text that must appear."""
    legal_review_topics: list[LegalTopic] = []
    """Topics (litigation, regulators, financial performance, health) that need legal review."""
    personal_data: list[Rule] = []
    """Patterns of personal data that must never go out (emails, phone numbers, accounts)."""
    confidential_markers: list[Rule] = []
    """Markers of confidential material (``CONFIDENTIAL``, ``internal only``)."""
    speculation: list[Rule] = []
    """Speculation the brand must not make (on causes, on financial impact, ...)."""
    proofs: ProofRules = ProofRules()
    """Which proofs of identity count for approvals, overrides and every other action."""
    alternate_approvers: dict[Id, list[Id]] = {}
    """Per approving role, the roles that may approve in its place when everyone holding it
    wrote or edited the text (four-eyes leaves nobody): ``legal: [general_counsel]``."""
    notifications: Notifications | None = None
    """How messages to people are worded: the organisation's role names, who media
    questions go to, and its own templates per kind and language (runbook's otherwise)."""

    @model_validator(mode="after")
    def _rule_ids_unique(self) -> Policy:
        problems = ProblemList()
        seen: set[str] = set()
        matchers = 0
        where: tuple[str | int, ...] = ()
        states, counted = 0, set[str]()
        heavy: tuple[str | int, ...] | None = None
        for section in SECTIONS:
            for index, rule in enumerate(getattr(self, section)):
                for field in ("patterns", "when_patterns"):
                    for number, pattern in enumerate(getattr(rule, field, ())):
                        if pattern not in counted:  # the same pattern is compiled once
                            counted.add(pattern)
                            states += dfa_states(fold_signs(pattern)) or 0
                            if states > MAX_POLICY_STATES and heavy is None:
                                heavy = (section, index, field, number)
                matchers += len(getattr(rule, "phrases", ())) + len(getattr(rule, "patterns", ()))
                matchers += len(getattr(rule, "when_patterns", ()))
                if matchers > MAX_MATCHERS and not where:
                    where = (section, index)
                if rule.id in seen:
                    problems.add(
                        (section, index, "id"), _("rule id %(id)s is used twice", id=repr(rule.id))
                    )
                seen.add(rule.id)
        if matchers > MAX_MATCHERS:
            problems.add(
                where,
                _(
                    "the policy has %(n)s phrases and patterns; at most %(limit)s, so that lint "
                    "stays instant on a long statement: merge phrases into patterns",
                    n=formats.number(matchers, digits=0),
                    limit=MAX_MATCHERS,
                ),
            )
        if heavy is not None:
            problems.add(
                heavy,
                _(
                    "with this pattern the policy's patterns can need %(n)s automaton states "
                    "together; at most %(limit)s, so that lint stays instant on a long "
                    "statement: shorten counted repetitions or anchor the largest patterns",
                    n=formats.number(states, digits=0),
                    limit=formats.number(MAX_POLICY_STATES, digits=0),
                ),
            )
        problems.raise_if_any()
        return self

    @model_serializer(mode="wrap")
    def _without_absent_notifications(
        self, handler: SerializerFunctionWrapHandler
    ) -> dict[str, Any]:
        """A policy without a notifications section dumps as before it existed (policies
        pinned in incidents stay the same)."""
        data: dict[str, Any] = handler(self)
        if data.get("notifications") is None:
            data.pop("notifications", None)
        return data

    def wording(self) -> Notifications:
        """The notifications section (runbook's wording when absent)."""
        return self.notifications or Notifications()

    def roles_referenced(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Every (location, role) this policy names, for the cross-file check."""
        found: list[tuple[tuple[str | int, ...], str]] = []
        for section in (
            "forbidden_phrases",
            "personal_data",
            "confidential_markers",
            "speculation",
        ):
            for index, rule in enumerate(getattr(self, section)):
                if rule.override_role:
                    found.append(((section, index, "override_role"), rule.override_role))
        for index, topic in enumerate(self.legal_review_topics):
            found.append((("legal_review_topics", index, "review_role"), topic.review_role))
            if topic.override_role:
                found.append((("legal_review_topics", index, "override_role"), topic.override_role))
        for role, alternates in self.alternate_approvers.items():
            found.append((("alternate_approvers", role), role))
            for index, alternate in enumerate(alternates):
                found.append((("alternate_approvers", role, index), alternate))
        if self.notifications is not None:
            if self.notifications.media_role:
                found.append((("notifications", "media_role"), self.notifications.media_role))
            for role in self.notifications.role_names:
                found.append((("notifications", "role_names", role), role))
        return found
