"""Over a hundred hostile and careless inputs (``tests/corpus.py``), each run as a person would:
a subprocess, the shipped configuration with one file changed (``validate``) or a command line
against a store holding one incident. Every one is refused with the right exit code and one
clear line (or one located line per problem, for files) saying what and where, never a
traceback, never a raw control character; the store is left as it was (at most a recorded
refusal) and its chain still verifies. Each case is bounded by a timeout, so nothing hangs;
``benchmarks/bench_corpus.py`` prints how long each took."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from runbook.engine import Engine
from runbook.loading import load_workspace
from runbook.locations import default_paths
from runbook.store.sqlite import SqliteStore
from tests.corpus import CASES, Case, make_base, run_case

RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, config_dir: Path) -> tuple[Path, str]:
    return make_base(tmp_path_factory.mktemp("corpus-base"), config_dir)


@pytest.fixture(scope="module")
def workspace_of_config(config_dir: Path) -> Any:
    return load_workspace(default_paths(config_dir))


def test_the_corpus_holds_over_a_hundred_distinct_cases() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) >= 100
    assert len(set(ids)) == len(ids)
    assert {case.kind for case in CASES} == {"validate", "cli"}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_bad_input_is_refused_in_one_clear_line_and_nothing_is_lost(
    case: Case,
    tmp_path: Path,
    config_dir: Path,
    base: tuple[Path, str],
    workspace_of_config: Any,
) -> None:
    base_db, incident = base
    outcome = run_case(case, tmp_path, config_dir, base_db, incident)
    printed = outcome.stdout + outcome.stderr
    assert outcome.code == case.code, printed
    assert "Traceback" not in printed
    assert not RAW.search(printed), "a raw control character reached the terminal"
    lines = [line for line in outcome.stderr.splitlines() if line.strip()]
    assert lines, "nothing said why"
    assert case.expect in outcome.stderr, outcome.stderr
    if not re.fullmatch(r"runbook: \d+ problems? found", lines[-1]):
        assert case.kind == "cli", lines
        assert len(lines) == 1, lines
        assert lines[0].startswith("runbook: ")
    else:  # a file's problems: one located line each, then how many
        problems = lines[:-1]
        assert problems
        changed = str(tmp_path / "config" / case.file) if case.kind == "validate" else ""
        assert any(changed in line for line in problems), problems
        if case.located and case.kind == "validate":
            assert any(re.match(rf"{re.escape(changed)}:\d+:\d+: ", p) for p in problems)
    if case.kind == "cli":
        assert set(outcome.added) <= {"ActionRefused"}, outcome.added
        if not outcome.added:
            assert outcome.after == outcome.before
        store = SqliteStore(tmp_path / "cli.db")
        try:
            engine = Engine(store, workspace_of_config, operator="amara")
            assert engine.verify(incident).ok
        finally:
            store.close()
