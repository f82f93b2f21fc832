"""Lint figures: one statement linted against the shipped policy and against hostile ones
(goal: < 50 ms per lint whatever the policy).

Run from the repository root: ``.venv/bin/python benchmarks/bench_lint.py``. Hostile patterns
validation refuses (``a.{20}b``, whose automaton blows up) are listed with the reason. The
hostile policies are the largest validation accepts (``MAX_MATCHERS`` patterns, together
needing as many automaton states as ``MAX_POLICY_STATES`` allows): patterns that make a
backtracking engine run for minutes (``(a+)+$``, ``(x|x)*y``, ``(\\w+\\s?)*$``, ``(.*a){12}``
with a named ``hit``), the largest automata a pattern may need (``a.{9}b``, an IBAN pattern),
or the longest phrases of one repeated word; the statement is the longest runbook accepts
(``MAX_STATEMENT``, 20,000 characters) of the text that triggers them. The first lint of a
freshly loaded policy (RE2 builds its automata on that text) and the best later one are shown,
then the worst of all. Python's ``re`` is shown on the same pattern with a shorter text, in a
subprocess killed after 10 s, for reference. It prints figures and the goal; it asserts
nothing.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from runbook.loading import load_workspace
from runbook.model.automaton import MAX_POLICY_STATES, dfa_states
from runbook.model.folding import fold_signs
from runbook.model.limits import MAX_STATEMENT
from runbook.model.lint import lint_text
from runbook.model.patterns import why_refused
from runbook.model.policy import MAX_MATCHERS, MAX_PHRASE, Policy

REPO = Path(__file__).resolve().parent.parent
GOAL_MS = 50.0
HOSTILE = [
    r"(a+)+$",
    r"(x|x)*y",
    r"(\w+\s?)*$",
    r"(.*a){12}",
    r"([a-z]+)*=+",
    r"(?P<hit>(.*a){12})",
    r"a.{20}b",
    r"[ab]*a[ab]{20}c",
    r"(?:a\s+){75}b",
    r"(?P<hit>a{3})",
    # the largest automata validation still accepts (about 1,000 states each; twice as many
    # is refused, ``runbook.model.automaton.MAX_STATES``)
    r"a.{9}b",
    r"[ab]*a[ab]{9}c",
    r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,3})?\b",
]


def _mixed(size: int) -> str:
    """``a`` and ``b`` in a fixed pseudo-random order: the text that makes a pattern such as
    ``[ab]*a[ab]{20}c`` need more automaton states than RE2 keeps (it then runs its slower,
    still linear, engine)."""
    state, out = 7, []
    for _ in range(size):
        state = (state * 1103515245 + 12345) % 2**31
        out.append("ab"[(state >> 16) & 1])
    return "".join(out)


def _tag(number: int) -> str:
    """``number`` written in punctuation."""
    return str(number).translate(str.maketrans("0123456789", "!#%&',/;=@"))


def _codes(size: int) -> str:
    """Letters, digits and single spaces in a fixed pseudo-random order: what makes an
    IBAN-like pattern keep many candidate starts alive at once."""
    state, out = 11, []
    for _ in range(size):
        state = (state * 1103515245 + 12345) % 2**31
        out.append("AB12 "[(state >> 16) % 5])
    return "".join(out)


_SALT = [0]
_CHEAP = 100
"""Automaton states of a pattern always let into a hostile policy (``(.*a){12}``: 60)."""


def _policy(base: dict[str, Any], patterns: list[str], tag: str, per_rule: int) -> Policy:
    """A policy of ``MAX_MATCHERS`` distinct patterns taken in turn from ``patterns`` (the
    first ones as often as the policy-wide automaton bound lets them, then the others)."""
    chosen: list[str] = []
    total, index = 0, 0
    while len(chosen) < MAX_MATCHERS:
        _SALT[0] += 1
        # each one distinct (``|~!#~`` never matches; no letter or digit, so as not to
        # enlarge the automaton), so none is a repeat looked up once
        candidate = f"{patterns[index % len(patterns)]}|~{_tag(_SALT[0])}~"
        states = dfa_states(fold_signs(candidate)) or 0
        reserve = (MAX_MATCHERS - len(chosen) - 1) * _CHEAP  # room left for the rest
        heavy = states > _CHEAP and total + states + reserve > MAX_POLICY_STATES
        if heavy or why_refused(candidate):
            index += 1
            continue
        total += states
        chosen.append(candidate)
        if tag == "a":
            index += 1
    rules = [
        {"id": f"{tag}{number}", "explanation": "x", "patterns": chosen[at : at + per_rule]}
        for number, at in enumerate(range(0, len(chosen), per_rule))
    ]
    return Policy.model_validate({**base, "forbidden_phrases": rules})


def _states(policy: Policy) -> str:
    total = sum(
        dfa_states(fold_signs(pattern)) or 0
        for rule in policy.forbidden_phrases
        for pattern in rule.patterns
    )
    return f"{total:,}"


def best_ms(policy: Policy, text: str, runs: int = 7) -> float:
    lint_text(policy, text, "public", "linkedin")  # compile once, as the app does
    times = []
    for index in range(runs):
        variant = text + " " * index  # a new text each run: no cache
        start = time.perf_counter()
        lint_text(policy, variant, "public", "linkedin")
        times.append((time.perf_counter() - start) * 1000)
    return min(times)


def main() -> None:
    shipped = load_workspace([REPO / "playbooks", REPO / "contacts"]).policy
    statement = (
        "We are aware that our account posted offensive content earlier today. "
        "We have removed it and are investigating. Press: press@example.com. "
    ) * 200
    for size in (3000, MAX_STATEMENT):
        print(
            f"shipped policy ({len(shipped.forbidden_phrases)} forbidden rules): "
            f"{best_ms(shipped, statement[:size]):.1f} ms per lint of {size} characters"
        )
    # The largest policy validation lets through (MAX_MATCHERS phrases and patterns), every
    # one of a shape that makes a backtracking engine run for minutes, or a long phrase of
    # repeated words, on the longest statement allowed (MAX_STATEMENT characters).
    base = shipped.model_dump()
    for name in ("legal_review_topics", "personal_data", "confidential_markers", "speculation"):
        base[name] = []
    base["required_disclaimers"] = []
    accepted = []
    for pattern in HOSTILE:
        why = why_refused(pattern)
        if why:
            print(f"refused at validation: {pattern}: {why}")
        else:
            accepted.append(pattern)
    heaviest = sorted(accepted, key=lambda pattern: -(dfa_states(pattern) or 0))
    per_rule = 5
    hostile = _policy(base, accepted, "a", per_rule)
    automata = _policy(base, heaviest, "b", per_rule)
    print(
        f"hostile policies: {_states(hostile)} and {_states(automata)} automaton states "
        f"(validation accepts at most {MAX_POLICY_STATES:,})"
    )
    phrase = ("a " * (MAX_PHRASE // 2))[: MAX_PHRASE - 4] + " b"
    long_phrases = Policy.model_validate(
        {
            **base,
            "forbidden_phrases": [
                {
                    "id": f"p{index}",
                    "explanation": "x",
                    "phrases": [phrase + str(j) for j in range(5)],
                }
                for index in range(MAX_MATCHERS // per_rule)
            ],
        }
    )
    worst = 0.0
    for label, policy, text in (
        ("backtracking patterns", hostile, ("a" * (MAX_STATEMENT - 1)) + "!"),
        ("backtracking patterns", hostile, ("a " * MAX_STATEMENT)[:MAX_STATEMENT]),
        ("backtracking patterns", hostile, _mixed(MAX_STATEMENT)),
        ("backtracking patterns", hostile, _codes(MAX_STATEMENT)),
        ("largest automata", automata, _mixed(MAX_STATEMENT)),
        ("largest automata", automata, _codes(MAX_STATEMENT)),
        ("long phrases of repeated words", long_phrases, ("a " * MAX_STATEMENT)[:MAX_STATEMENT]),
    ):
        # a freshly validated copy: its first lint builds RE2's automata on this text
        fresh = Policy.model_validate(policy.model_dump())
        start = time.perf_counter()
        lint_text(fresh, text, "public", "linkedin")
        first = (time.perf_counter() - start) * 1000
        later = best_ms(fresh, text)
        worst = max(worst, first, later)
        print(
            f"hostile policy ({MAX_MATCHERS} {label}): first lint {first:.1f} ms, then "
            f"{later:.1f} ms per lint of {len(text)} characters {text[:6]!r}... "
            f"(goal < {GOAL_MS:.0f} ms)"
        )
    print(f"worst lint of the worst policy validation accepts: {worst:.1f} ms")
    probe = (
        "import re,time; t=time.perf_counter(); re.search(r'(a+)+$', 'a'*28+'!'); "
        "print(round(time.perf_counter()-t,2))"
    )
    try:
        out = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, timeout=10
        ).stdout.strip()
        print(f"for reference, Python re on (a+)+$ against 29 characters: {out} s")
    except subprocess.TimeoutExpired:
        print("for reference, Python re on (a+)+$ against 29 characters: > 10 s (killed)")


if __name__ == "__main__":
    main()
