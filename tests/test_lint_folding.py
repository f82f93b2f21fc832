"""Lint matches what a person means, not the keyboard they typed it on: typographic apostrophes
and quotes, non-breaking spaces and decomposed accents fold to what the policy wrote, spans
still point at the original characters, and no pattern can make lint run forever."""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runbook.model.folding import fold
from runbook.model.lint import lint_text
from runbook.model.policy import Policy

POLICY = Policy.model_validate(
    {
        "organisation": {"name": "Northwind"},
        "platforms": {"x": {"name": "X", "limit": 280}},
        "forbidden_phrases": [
            {"id": "no-comment", "explanation": "Never say it.", "phrases": ["aujourd'hui pas"]},
            {"id": "fault", "explanation": "No fault.", "patterns": [r"\bwe're at fault\b"]},
            {"id": "nested", "explanation": "Slow on re.", "patterns": [r"(a+)+$"]},
            {
                "id": "email",
                "explanation": "No addresses.",
                "patterns": [r"(?:^|[^\w.])(?P<hit>[a-z.]+@[a-z.]+\.[a-z]{2,})\b"],
                "allow": ["press@example.com"],
            },
        ],
        "required_disclaimers": [
            {
                "id": "previsions",
                "text": "Ces prévisions n'engagent que l'entreprise.",
                "when_patterns": [r"\bchiffre d'affaires\b"],
                "explanation": "Forward-looking.",
            }
        ],
    }
)


def found(text: str) -> list[tuple[str, str]]:
    return [(f.rule_id, f.matched) for f in lint_text(POLICY, text, "public", "x")]


def test_a_typographic_apostrophe_matches_a_rule_written_with_a_plain_one() -> None:
    text = "Notre chiffre d\u2019affaires progresse."
    findings = lint_text(POLICY, text, "public", "x")
    trigger = next(f for f in findings if f.rule_id == "previsions")
    assert trigger.matched == "chiffre d\u2019affaires"
    assert text[trigger.start : trigger.end] == trigger.matched
    assert ("fault", "We\u2019re at\u00a0fault") in found("Yes, We\u2019re at\u00a0fault.")
    assert ("no-comment", "Aujourd\u2019hui  pas") in found("Aujourd\u2019hui  pas de réponse.")


def test_a_disclaimer_typed_with_either_apostrophe_satisfies_the_rule() -> None:
    base = "Notre chiffre d'affaires progresse. "
    for disclaimer in (
        "Ces prévisions n'engagent que l'entreprise.",
        "Ces prévisions n\u2019engagent que l\u2019entreprise.",
        unicodedata.normalize("NFD", "Ces\u00a0prévisions n\u2019engagent que l'entreprise."),
    ):
        assert "previsions" not in {rule for rule, _ in found(base + disclaimer)}
    assert "previsions" in {rule for rule, _ in found(base)}


def test_a_named_hit_is_reported_alone_and_an_allowed_match_passes() -> None:
    assert found("Write to jo.smith@mail.example.org now") == [
        ("email", "jo.smith@mail.example.org")
    ]
    assert found("Write to press@example.com now") == []


def test_a_pattern_that_backtracks_forever_in_python_is_linear_here() -> None:
    text = "a" * 50_000 + "!"
    assert "nested" not in {rule for rule, _ in found(text)}
    assert ("nested", "aaaa") in found("x aaaa")


def test_folding_maps_each_character_back_to_what_was_typed() -> None:
    text = "e\u0301t\u00e9 \ufb01n\u00a0\u00ab ok \u00bb"
    folded = fold(text)
    assert folded.text == 'été fin " ok "'
    start = folded.text.index("fin")
    assert folded.original(start, start + 3) == (text.index("\ufb01"), text.index("\u00a0"))


TEXT = st.lists(
    st.sampled_from(
        list("aAé e\u0301'’«»\u00a0\u202f-—@.x\n") + ["we're at fault", "chiffre d’affaires"]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_every_finding_span_lies_in_the_text_and_is_what_it_matched(text: str) -> None:
    for finding in lint_text(POLICY, text, "public", "x"):
        assert 0 <= finding.start <= finding.end <= len(text)
        assert text[finding.start : finding.end] == finding.matched


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_folding_any_text_keeps_its_map_ordered_and_inside_the_text(text: str) -> None:
    folded = fold(text)
    assert len(folded.starts) == len(folded.ends) == len(folded.text) + 1
    assert list(folded.starts) == sorted(folded.starts)
    assert all(0 <= s <= e <= len(text) for s, e in zip(folded.starts, folded.ends, strict=True))
