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

import re
from dataclasses import dataclass
from functools import lru_cache

from runbook.model.counting import count
from runbook.model.folding import Folded, fold, folded_words
from runbook.model.patterns import find_all
from runbook.model.policy import Policy

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


@lru_cache(maxsize=4096)
def _phrase(phrase: str) -> re.Pattern[str]:
    """A literal phrase as whole words (linear: escaped words, no nested repetition)."""
    words = r"\s+".join(re.escape(part) for part in fold(phrase).text.split())
    return re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE)


def _spans(phrases: list[str], patterns: list[str], folded: Folded) -> list[tuple[int, int]]:
    """Every match of the phrases and patterns in the folded text, as original spans."""
    spans: list[tuple[int, int]] = []
    for phrase in phrases:
        spans.extend(
            folded.original(m.start(), m.end())
            for m in _phrase(phrase).finditer(folded.text)
            if m.end() > m.start()
        )
    for pattern in patterns:
        spans.extend(folded.original(start, end) for start, end in find_all(pattern, folded.text))
    return sorted(spans)


def platform_of(variant: str) -> tuple[str, str]:
    """(platform, language) of a variant key such as ``x`` or ``linkedin:fr``."""
    platform, _, language = variant.partition(":")
    return platform, language or "default"


def lint_text(policy: Policy, text: str, audience: str, variant: str) -> list[Finding]:
    """Every finding for one variant's text."""
    platform, _ = platform_of(variant)
    folded = fold(text)
    findings: list[Finding] = []
    for section, category in SECTIONS:
        for rule in getattr(policy, section):
            if audience not in rule.audiences:
                continue
            review = getattr(rule, "review_role", None)
            allowed = {folded_words(value) for value in rule.allow}
            for start, end in _spans(rule.phrases, rule.patterns, folded):
                if allowed and folded_words(text[start:end]) in allowed:
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
    findings.extend(_disclaimers(policy, text, folded, audience, variant, platform))
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
    policy: Policy, text: str, folded: Folded, audience: str, variant: str, platform: str
) -> list[Finding]:
    findings = []
    words = folded_words(text)
    for disclaimer in policy.required_disclaimers:
        if audience not in disclaimer.audiences:
            continue
        if disclaimer.platforms and platform not in disclaimer.platforms:
            continue
        trigger = None
        if disclaimer.when_patterns:
            for pattern in disclaimer.when_patterns:  # the first pattern found says why
                trigger = next(iter(_spans([], [pattern], folded)), None)
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
