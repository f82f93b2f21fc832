"""A policy pattern whose search can need an exponential automaton (``a.{20}c``: RE2 runs out of
DFA memory and falls back to its slow engine) is refused when the policy loads, at its line,
with the way out; every useful pattern (phone numbers, IBANs, e-mail addresses, fill-in
fields, long lists of words, every pattern the shipped policies hold) still loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from runbook.loading import load_workspace
from runbook.model.automaton import MAX_POLICY_STATES, MAX_STATES, dfa_states
from runbook.model.lint import lint_text
from runbook.model.patterns import MAX_PATTERN, why_refused
from runbook.model.policy import SECTIONS, Policy
from tests.test_loading import POLICY, QUOTE, pos, problems, write

REPO = Path(__file__).resolve().parent.parent
BLOWUPS = [
    r"a.{20}c",
    r"[ab]*a[ab]{20}c",
    r"(?P<hit>x.{16}y)",
    r"1.{15}!",
    r"(?:^|[^+\d])\b(?P<hit>(\d[ -]?){11,18}\d)\b",  # the shipped card pattern, before
    # RE2 syntax Python's parser does not read, mapped rather than left unchecked
    r"(?U)a.{20}c",
    r"a.{20}c(?s)",
    r"\x{41}\C{20}c",
    r"[\p{Greek}[:alpha:]].{12}c",
    r"(?iU:a).{20}c",
]
USEFUL = [
    r"\d{10}",
    r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,3})?\b",
    r"[\w.+-]+@[\w-]+\.[\w.]+",
    r"(?:^|[^\w.])(?P<hit>[a-z.]+@[a-z.]+\.[a-z]{2,})\b",
    r"<\s*\pL[^<>\n]{0,60}>",
    r"\(\d{3}\)\s?\d{3}[\s.-]\d{4}\b",
    r"^a.{20}c",
    r"(a+)+$",
    r"(.*a){12}",
    r"\p{Greek}+\PL[[:alpha:]]\x{41}\Qa.b\E\z",
]


def shipped_patterns() -> list[str]:
    found: list[str] = []
    for folder in (REPO / "playbooks", REPO / "examples" / "fr" / "playbooks"):
        policy = load_workspace([folder]).policy
        assert policy is not None
        for section in SECTIONS:
            for rule in getattr(policy, section):
                found.extend(getattr(rule, "patterns", []) or [])
                found.extend(getattr(rule, "when_patterns", []) or [])
    return found


@pytest.mark.parametrize("pattern", BLOWUPS)
def test_a_pattern_whose_automaton_blows_up_is_refused_with_the_way_out(pattern: str) -> None:
    why = why_refused(pattern)
    assert why is not None
    assert why.startswith("can need more than 2,000 automaton states on some text")
    assert "shorten a repetition such as {20} or anchor the pattern" in why


@pytest.mark.parametrize("pattern", USEFUL)
def test_a_useful_pattern_needs_a_small_automaton_and_loads(pattern: str) -> None:
    states = dfa_states(pattern)
    assert states is not None
    assert states <= MAX_STATES * 0.6  # the IBAN pattern, the largest: 1,053
    assert why_refused(pattern) is None


def test_every_pattern_the_shipped_policies_hold_loads_with_room_to_spare() -> None:
    patterns = shipped_patterns()
    assert len(patterns) > 50
    for pattern in patterns:
        states = dfa_states(pattern)
        assert states is not None, pattern
        assert states <= MAX_STATES * 0.6, (pattern, states)


def test_a_long_list_of_words_needs_about_as_many_states_as_it_has_characters() -> None:
    words = [f"word{index}x" for index in range(110)]
    pattern = r"\b(" + "|".join(words) + r")\b"
    assert len(pattern) <= MAX_PATTERN
    states = dfa_states(pattern)
    assert states is not None
    assert states <= len(pattern)
    assert why_refused(pattern) is None


def test_the_same_repetition_anchored_or_after_a_narrow_context_loads() -> None:
    assert why_refused(r"a.{20}c") is not None
    assert why_refused(r"^a.{20}c") is None
    assert why_refused(r"<[^<>]{0,60}>") is None


def test_a_blowup_pattern_is_refused_at_its_line_in_the_policy_file(tmp_path: Path) -> None:
    text = POLICY + "    patterns:\n      - 'fine'\n      - '[ab]*a[ab]{20}c'\n"
    path = write(tmp_path, "policy.yaml", text)
    found = problems(path, Policy)
    assert found == [
        f"{path}:{pos(text, QUOTE + '[ab]')}: forbidden_phrases[0].patterns[1]: pattern "
        "'[ab]*a[ab]{20}c' can need more than 2,000 automaton states on some text (a long "
        "counted repetition after a part that can match anywhere): shorten a repetition such "
        "as {20} or anchor the pattern"
    ]


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("Card 4111 1111 1111 1111 was used.", "4111 1111 1111 1111"),
        ("Card 4111-1111-1111-1111.", "4111-1111-1111-1111"),
        ("Account:123456789012", "123456789012"),
        ("Call +33 6 12 34 56 78 90 12 now", None),
    ],
)
def test_the_shipped_card_pattern_still_finds_card_numbers_and_not_phone_numbers(
    text: str, hit: str | None
) -> None:
    policy = load_workspace([REPO / "playbooks"]).policy
    assert policy is not None
    found = [
        text[finding.start : finding.end]
        for finding in lint_text(policy, text, "public", "linkedin")
        if finding.rule_id == "account-number"
    ]
    assert found == ([hit] if hit else [])


def test_a_policy_whose_patterns_together_need_too_large_an_automaton_is_refused_where_it_tips(
    tmp_path: Path,
) -> None:
    tags = [first + second for first in "!#%&,/;=@" for second in "!#%&,/;=@"][:40]
    heavy = [f"a.{{9}}c|~{tag}~" for tag in tags]  # each one alone is fine
    assert all(why_refused(pattern) is None for pattern in heavy)
    total, tips = 0, None
    for number, pattern in enumerate(heavy):
        total += dfa_states(pattern) or 0
        if total > MAX_POLICY_STATES and tips is None:
            tips = number
    assert tips is not None
    text = POLICY + "    patterns:\n" + "".join(f"      - '{pattern}'\n" for pattern in heavy)
    path = write(tmp_path, "policy.yaml", text)
    found = problems(path, Policy)
    assert len(found) == 1
    assert found[0].startswith(
        f"{path}:{pos(text, QUOTE + heavy[tips])}: forbidden_phrases[0].patterns[{tips}]: with "
        "this pattern the policy's patterns can need "
    )
    assert found[0].endswith(
        "automaton states together; at most 40,000, so that lint stays instant on a long "
        "statement: shorten counted repetitions or anchor the largest patterns"
    )
