"""Lint figures: one statement linted against the shipped policy and against a hostile one
(goal: < 50 ms per lint whatever the policy).

Run from the repository root: ``.venv/bin/python benchmarks/bench_lint.py``. The hostile
policies are the largest validation accepts (``MAX_MATCHERS`` phrases and patterns): patterns
that make a backtracking engine run for minutes (``(a+)+$``, ``(x|x)*y``, ``(\\w+\\s?)*$``,
``(.*a){12}`` with a named ``hit``), or the longest phrases of one repeated word; the statement
is the longest runbook accepts (``MAX_STATEMENT``, 20,000 characters) of the text that triggers
them. Python's ``re`` is shown on the
same pattern with a shorter text, in a subprocess killed after 10 s, for reference. It prints
figures and the goal; it asserts nothing.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from runbook.loading import load_workspace
from runbook.model.limits import MAX_STATEMENT
from runbook.model.lint import lint_text
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
    per_rule = 5
    rules = [
        {
            "id": f"r{index}",
            "explanation": "x",
            # each one distinct (``|zq17`` never matches), so none is a repeat looked up once
            "patterns": [
                f"{HOSTILE[(index + j) % len(HOSTILE)]}|zq{index * per_rule + j}"
                for j in range(per_rule)
            ],
        }
        for index in range(MAX_MATCHERS // per_rule)
    ]
    hostile = Policy.model_validate({**base, "forbidden_phrases": rules})
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
    for label, policy, text in (
        ("backtracking patterns", hostile, ("a" * (MAX_STATEMENT - 1)) + "!"),
        ("backtracking patterns", hostile, ("a " * MAX_STATEMENT)[:MAX_STATEMENT]),
        ("backtracking patterns", hostile, _mixed(MAX_STATEMENT)),
        ("long phrases of repeated words", long_phrases, ("a " * MAX_STATEMENT)[:MAX_STATEMENT]),
    ):
        print(
            f"hostile policy ({MAX_MATCHERS} {label}): {best_ms(policy, text):.1f} ms per lint "
            f"of {len(text)} characters {text[:6]!r}... (goal < {GOAL_MS:.0f} ms)"
        )
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
