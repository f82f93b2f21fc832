"""Hostile-input figures: every case of the corpus (``tests/corpus.py``) run as the test suite
runs it, one subprocess each, one after the other (goal: each case under 2 s).

Run from the repository root: ``.venv/bin/python benchmarks/bench_corpus.py``. It prints the
number of cases, the median and the slowest, and every case over the goal; it asserts nothing
(the suite checks the outcomes; a case that hangs fails there on its timeout).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.corpus import CASES, make_base, run_case  # noqa: E402
from tests.signing import make_keyring, signed_config  # noqa: E402

GOAL = 2.0


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="runbook-corpus-"))
    (root / "keys").mkdir()
    config = signed_config(root / "config", make_keyring(root / "keys"))
    base, incident = make_base(root, config)
    times = []
    for case in CASES:
        folder = root / case.id
        folder.mkdir()
        outcome = run_case(case, folder, config, base, incident)
        times.append((outcome.seconds, case.id, outcome.code == case.code))
    seconds = [t for t, _, _ in times]
    slow = sorted((t, name) for t, name, _ in times if t > GOAL)
    print(
        f"{len(times)} cases; median {statistics.median(seconds):.2f} s, "
        f"slowest {max(times)[1]} {max(seconds):.2f} s (goal: each < {GOAL:.0f} s)"
    )
    print(f"over the goal: {', '.join(f'{n} {t:.2f} s' for t, n in slow) or 'none'}")
    wrong = [name for _, name, ok in times if not ok]
    print(f"exit code other than expected: {', '.join(wrong) or 'none'}")


if __name__ == "__main__":
    main()
