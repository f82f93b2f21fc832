"""Lint figures: one statement linted against the shipped policy and against a hostile one
(goal: < 50 ms per lint whatever the policy).

Run from the repository root: ``.venv/bin/python benchmarks/bench_lint.py``. The hostile
policy has 200 rules of the patterns that make a backtracking engine run for minutes
(``(a+)+$``, ``(x|x)*y``, ``(\\w+\\s?)*$``) and the statement is the longest a platform
allows (3,000 characters) of the text that triggers them. Python's ``re`` is shown on the
same pattern with a shorter text, in a subprocess killed after 10 s, for reference. It prints
figures and the goal; it asserts nothing.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from runbook.loading import load_workspace
from runbook.model.lint import lint_text
from runbook.model.policy import Policy

REPO = Path(__file__).resolve().parent.parent
GOAL_MS = 50.0
HOSTILE = [r"(a+)+$", r"(x|x)*y", r"(\w+\s?)*$", r"(.*a){12}", r"([a-z]+)*=+"]


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
    ) * 20
    statement = statement[:3000]
    print(
        f"shipped policy ({len(shipped.forbidden_phrases)} forbidden rules): "
        f"{best_ms(shipped, statement):.1f} ms per lint of {len(statement)} characters"
    )
    rules = [
        {"id": f"r{index}", "explanation": "x", "patterns": [HOSTILE[index % len(HOSTILE)]]}
        for index in range(200)
    ]
    hostile = shipped.model_copy(
        update={
            "forbidden_phrases": [
                shipped.forbidden_phrases[0].model_validate(rule) for rule in rules
            ]
        }
    )
    text = ("a" * 2999) + "!"
    print(
        f"hostile policy (200 backtracking patterns): {best_ms(hostile, text):.1f} ms per "
        f"lint of {len(text)} characters (goal < {GOAL_MS:.0f} ms)"
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
