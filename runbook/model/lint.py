"""Policy lint: every draft variant checked against the organisation's policy.

A finding names the rule, its severity (``block`` stops submission unless a person holding the
rule's override role overrides it with a reason; ``warn`` is shown), the matched span in the
variant's text and a one-line explanation. Legal-review topics add their review role to the
draft's required approvers. Platform limits are checked as each platform counts.
Matching runs on the text folded by :mod:`runbook.model.folding` (’ matches ', a non-breaking
space matches a space, composed and decomposed letters are equal) and reports spans in the
original text; patterns run on RE2 (:mod:`runbook.model.patterns`), linear in the text.
Pure and cached per content hash: linting is cheap enough to run on every keystroke.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import islice

from runbook.model.counting import count
from runbook.model.folding import Folded, fold, folded_words
from runbook.model.patterns import Haystack, find_all, find_phrase
from runbook.model.policy import Policy

MAX_MATCHES = 20
"""Matches of one phrase or pattern looked for in one text: past twenty the rule has said
what it had to, and each further match would cost time (the last one is never excused)."""

SECTIONS = (
    ("forbidden_phrases", "forbidden phrase"),
    ("personal_data", "personal data"),
    ("confidential_markers", "confidential material"),
    ("speculation", "speculation"),
    ("legal_review_topics", "needs legal review"),
)


@dataclass(frozen=True)
class Finding:
    """One problem in one variant of a draft."""

    rule_id: str
    severity: str
    """``block`` or ``warn``."""
    category: str
    variant: str
    """Which variant (``x``, ``linkedin:fr``)."""
    start: int
    end: int
    matched: str
    explanation: str
    override_role: str | None = None
    review_role: str | None = None
    """Role that must approve the draft because of this finding."""

    @property
    def blocking(self) -> bool:
        """True when the finding stops submission (unless overridden)."""
        return self.severity == "block"

    def describe(self) -> str:
        """One line: where, which rule, what matched, why."""
        where = f"{self.variant}:{self.start}-{self.end}"
        matched = repr(self.matched)
        return f"{self.severity.upper()} {self.rule_id} at {where} {matched}: {self.explanation}"


class _Search:
    """One lint's searches of the folded text: each phrase and pattern looked for once, even
    when several rules name it."""

    def __init__(self, folded: Folded) -> None:
        self.folded = folded
        self.hay = Haystack(folded.text)
        self.found: dict[tuple[str, str], list[tuple[int, int]]] = {}
        self.capped: set[tuple[int, int]] = set()
        """Spans that are the last a phrase or pattern was looked for (:data:`MAX_MATCHES`
        reached): never excused by ``allow``, so stopping early cannot hide a finding."""

    def spans(self, phrases: list[str], patterns: list[str]) -> list[tuple[int, int]]:
        """The matches of the phrases and patterns (at most :data:`MAX_MATCHES` each), as
        spans of the original text."""
        spans: list[tuple[int, int]] = []
        for kind, items in (("phrase", phrases), ("pattern", patterns)):
            for item in items:
                key = (kind, item)
                if key not in self.found:
                    matches = (
                        find_phrase(_folded_phrase(item), self.hay)
                        if kind == "phrase"
                        else find_all(item, self.hay)
                    )
                    found = [self.folded.original(s, e) for s, e in islice(matches, MAX_MATCHES)]
                    if len(found) == MAX_MATCHES:
                        self.capped.add(found[-1])
                    self.found[key] = found
                spans.extend(self.found[key])
        return sorted(spans)


@lru_cache(maxsize=4096)
def _folded_phrase(phrase: str) -> str:
    return fold(phrase).text


def platform_of(variant: str) -> tuple[str, str]:
    """(platform, language) of a variant key such as ``x`` or ``linkedin:fr``."""
    platform, _, language = variant.partition(":")
    return platform, language or "default"


def lint_text(policy: Policy, text: str, audience: str, variant: str) -> list[Finding]:
    """Every finding for one variant's text."""
    platform, _ = platform_of(variant)
    folded = fold(text)
    search = _Search(folded)
    findings: list[Finding] = []
    for section, category in SECTIONS:
        for rule in getattr(policy, section):
            if audience not in rule.audiences:
                continue
            review = getattr(rule, "review_role", None)
            allowed = {folded_words(value) for value in rule.allow}
            for start, end in search.spans(rule.phrases, rule.patterns):
                if (
                    allowed
                    and (start, end) not in search.capped
                    and folded_words(text[start:end]) in allowed
                ):
                    continue
                findings.append(
                    Finding(
                        rule_id=rule.id,
                        severity=rule.severity,
                        category=category,
                        variant=variant,
                        start=start,
                        end=end,
                        matched=text[start:end],
                        explanation=rule.explanation,
                        override_role=rule.override_role,
                        review_role=review,
                    )
                )
    findings.extend(_disclaimers(policy, text, search, audience, variant, platform))
    spec = policy.platforms.get(platform)
    if spec is not None:
        measured = count(text, spec.counting, spec.limit, spec.url_length)
        if not measured.fits:
            start = measured.over_at or 0
            findings.append(
                Finding(
                    rule_id=f"length-{platform}",
                    severity="block",
                    category="platform limit",
                    variant=variant,
                    start=start,
                    end=len(text),
                    matched=text[start:],
                    explanation=(
                        f"{spec.name} allows {spec.limit}; this is {measured.length} as "
                        f"{spec.name} counts it"
                    ),
                )
            )
    return sorted(findings, key=lambda f: (f.start, f.rule_id))


def _disclaimers(
    policy: Policy, text: str, search: _Search, audience: str, variant: str, platform: str
) -> list[Finding]:
    findings = []
    words = " ".join(search.folded.text.split()).casefold()
    for disclaimer in policy.required_disclaimers:
        if audience not in disclaimer.audiences:
            continue
        if disclaimer.platforms and platform not in disclaimer.platforms:
            continue
        trigger = None
        if disclaimer.when_patterns:
            for pattern in disclaimer.when_patterns:  # the first pattern found says why
                trigger = next(iter(search.spans([], [pattern])), None)
                if trigger:
                    break
            if trigger is None:
                continue
        if folded_words(disclaimer.text) in words:
            continue
        start, end = trigger if trigger else (len(text), len(text))
        findings.append(
            Finding(
                rule_id=disclaimer.id,
                severity=disclaimer.severity,
                category="missing disclaimer",
                variant=variant,
                start=start,
                end=end,
                matched=text[start:end],
                explanation=f'{disclaimer.explanation} Add: "{disclaimer.text}"',
            )
        )
    return findings


def lint_variants(policy: Policy, variants: dict[str, str], audience: str) -> list[Finding]:
    """Every finding in every variant of a draft."""
    return [f for key, text in variants.items() for f in lint_text(policy, text, audience, key)]
