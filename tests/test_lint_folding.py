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


RULE_IDS = {"no-comment", "fault", "nested", "email", "previsions"}
TYPED = {"'": "\u2019", " ": "\u00a0"}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT, st.text(max_size=20))
def test_every_span_starts_and_ends_on_what_was_typed_and_still_matches_alone(
    text: str, noise: str
) -> None:
    text = noise + text
    for finding in lint_text(POLICY, text, "public", "x"):
        if finding.rule_id not in RULE_IDS or finding.start == finding.end:
            continue
        # never inside a letter and its accent: the span covers whole typed characters
        for edge in (finding.start, finding.end):
            assert edge == len(text) or not unicodedata.combining(text[edge])
        # the original characters behind the span, folded, are what the rule matched
        alone = {f.rule_id for f in lint_text(POLICY, finding.matched, "public", "x")}
        if finding.rule_id not in {"previsions", "nested", "email"}:  # context-free rules
            assert finding.rule_id in alone, (finding, text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_typing_on_a_phone_or_another_normal_form_finds_the_same_rules(text: str) -> None:
    plain = text.replace("\u2019", "'").replace("\u00a0", " ").replace("\u202f", " ")
    typed = "".join(TYPED.get(char, char) for char in plain)
    expected = {f.rule_id for f in lint_text(POLICY, plain, "public", "x")}
    for variant in (
        typed,
        unicodedata.normalize("NFD", plain),
        unicodedata.normalize("NFC", typed),
    ):
        assert {f.rule_id for f in lint_text(POLICY, variant, "public", "x")} == expected


def test_a_phrase_is_found_as_whole_words_only_even_after_a_near_miss() -> None:
    policy = Policy.model_validate(
        {
            "organisation": {"name": "N"},
            "platforms": {"web": {"name": "Web", "limit": 5000}},
            "forbidden_phrases": [{"id": "aa", "explanation": "x", "phrases": ["a a"]}],
        }
    )
    text = "ba a a, xa a\u00a0a"
    spans = [(f.start, f.end) for f in lint_text(policy, text, "public", "web")]
    assert spans == [(3, 6), (11, 14)]
    assert lint_text(policy, "é a a", "public", "web")[0].matched == "a a"
    assert lint_text(policy, "aé a", "public", "web") == []


def test_a_policy_too_large_to_lint_instantly_is_refused_naming_why() -> None:
    import pytest
    from pydantic import ValidationError

    rules = [
        {"id": f"r{n}", "explanation": "x", "phrases": [f"w{n}-{j}" for j in range(50)]}
        for n in range(5)
    ]
    with pytest.raises(ValidationError, match="250 phrases and patterns; at most 200"):
        Policy.model_validate(
            {
                "organisation": {"name": "N"},
                "platforms": {"web": {"name": "Web", "limit": 5000}},
                "forbidden_phrases": rules,
            }
        )
    with pytest.raises(ValidationError, match="a phrase is at most 300"):
        Policy.model_validate(
            {
                "organisation": {"name": "N"},
                "platforms": {"web": {"name": "Web", "limit": 5000}},
                "forbidden_phrases": [{"id": "p", "explanation": "x", "phrases": ["a " * 200]}],
            }
        )
    with pytest.raises(ValidationError, match="too large to run quickly"):
        Policy.model_validate(
            {
                "organisation": {"name": "N"},
                "platforms": {"web": {"name": "Web", "limit": 5000}},
                "forbidden_phrases": [{"id": "p", "explanation": "x", "patterns": ["a.{300}b"]}],
            }
        )


def test_a_hit_in_a_very_long_match_reports_the_whole_match_rather_than_slow_down() -> None:
    from runbook.model.patterns import MAX_HIT, find_all

    assert list(find_all(r"x(?P<hit>a+)y", "x" + "a" * 10 + "y")) == [(1, 11)]
    long = "x" + "a" * MAX_HIT + "y"
    assert list(find_all(r"x(?P<hit>a+)y", long)) == [(0, len(long))]
    assert list(find_all(r"é(?P<hit>a+)", "ééaa")) == [(2, 4)]


def test_a_pattern_matching_thousands_of_times_stops_early_and_still_reports() -> None:
    from runbook.model.lint import MAX_MATCHES

    text = "press@example.com " * 50 + "jo@leak.example.org"
    hits = [f for f in lint_text(POLICY, text, "public", "x") if f.rule_id == "email"]
    assert len(hits) == 1  # the last match looked at, never excused by allow: nothing hidden
    assert hits[0].matched == "press@example.com"
    many = lint_text(POLICY, "aujourd\u2019hui pas, " * 1500, "public", "x")
    assert len([f for f in many if f.rule_id == "no-comment"]) == MAX_MATCHES
