"""The intake log on an SQLite file: warnings survive the process that took them, nobody can
change or delete one through SQLite, and ``runbook verify --all`` names a record altered
behind runbook's back. Bad reports are refused in one line naming what is wrong.
"""

from __future__ import annotations

import sqlite3

import pytest

from runbook.errors import ActionRefused, RunbookError, StoreError
from runbook.store.sqlite import SqliteStore


def test_a_warning_is_kept_across_processes_and_cannot_be_changed(engine_as, db_path):
    engine = engine_as("tom")
    report = engine.report("A journalist asks about leaked client files", "https://x.com/j/4")
    engine.store.close()
    reopened = SqliteStore(db_path)
    assert [r.summary for r in reopened.intake_records()] == [report.summary]
    with sqlite3.connect(db_path) as raw, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("UPDATE intake SET key = 'x'")
    with sqlite3.connect(db_path) as raw, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("DELETE FROM intake")
    reopened.close()


def test_verify_all_names_an_intake_record_altered_behind_runbooks_back(
    engine_as, db_path, run_cli
):
    engine = engine_as("tom")
    engine.report("First", "")
    engine.report("Second", "")
    assert engine.verify_intake() == (2, "")
    with sqlite3.connect(db_path) as raw:
        raw.execute("DROP TRIGGER intake_no_update")
        raw.execute("UPDATE intake SET record = replace(record, 'First', 'Fake') WHERE seq = 1")
    assert engine.verify_intake() == (2, "intake record #1 was altered or is out of order")
    checked = run_cli("--db", str(db_path), "verify", "--all")
    assert checked.returncode == 1
    assert "intake log: TAMPERED OR DAMAGED: intake record #1 was altered" in checked.stderr


@pytest.mark.parametrize(
    ("text", "link", "problem"),
    [
        ("", "", "say what you saw (the report's text is empty)"),
        ("x" * 4001, "", "the report's text is longer than 4000 characters"),
        ("odd post", "javascript:alert(1)", "the link must start with http:// or https://"),
    ],
)
def test_a_bad_report_is_refused_in_one_line(engine_as, text, link, problem):
    with pytest.raises(RunbookError) as refused:
        engine_as("tom").report(text, link)
    assert str(refused.value) == problem
    assert not isinstance(refused.value, StoreError | ActionRefused)


def test_dismissing_needs_a_reason_and_a_warning_is_decided_once(engine_as):
    tom = engine_as("tom")
    warning = tom.report("Parody account", "")
    with pytest.raises(ActionRefused, match="say why the warning is dismissed"):
        tom.dismiss_warning(warning.key, "  ")
    tom.dismiss_warning(warning.key, "a parody account we know")
    with pytest.raises(ActionRefused, match="already dismissed: a parody account we know"):
        tom.declare_from_warning(warning.key, "offensive-post")
