"""The incident list is a cache of the logs, never an authority (SQLite and PostgreSQL).

Each column of the store's incident list is altered behind runbook's back: ``runbook verify``
names the incident and the field, ``verify --all`` finds it among all incidents, ``runbook db
rebuild`` restores it from the events, and meanwhile the board and ``runbook tick`` go by the
log (an open incident the list calls closed is still escalated).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from runbook.clock import SimulatedClock
from runbook.effects.sinks import drill_effects
from runbook.engine import Engine
from runbook.loading import Workspace
from runbook.store import open_store
from tests.conftest import ROOT
from tests.helpers_store import pg_url, raw, with_search_path

SEV1 = {"control": "attacker", "content": "scam", "reach": "viral", "data": "none", "scope": "one"}
CHANGES = {
    "state": "closed",
    "level": "SEV4",
    "title": "Nothing to see",
    "events": 1,
    "updated_at": "2020-01-01T00:00:00+00:00",
    "opened_at": "2020-01-01T00:00:00+00:00",
    "drill": True,
    "playbook": "offensive-post",
}
"""A change to every column of the incident list."""


@pytest.fixture(params=["sqlite", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh store of each kind: its location (file or URL)."""
    if request.param == "sqlite":
        yield str(tmp_path / "incidents.db")
        return
    url = pg_url()
    if url is None:
        pytest.skip("no PostgreSQL test server (RUNBOOK_TEST_PG_URL)")
    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    yield with_search_path(url, schema)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def behind_runbooks_back(location: str, sql: str, params: tuple[object, ...]) -> None:
    """Run SQL on the store directly (``?`` placeholders), as someone with write access."""
    if location.startswith("postgresql://"):
        with psycopg.connect(location, autocommit=True) as connection:
            connection.execute(sql.replace("?", "%s"), params)
        return
    connection = raw(location)
    try:
        connection.execute(sql, params)
    finally:
        connection.close()


def runbook(location: str, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RUNBOOK_DB": location, "RUNBOOK_CONFIG": str(config)}
    env["RUNBOOK_OPERATOR"] = "amara"
    return subprocess.run(
        [sys.executable, "-m", "runbook", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def notified_incident(location: str, workspace: Workspace, clock: SimulatedClock) -> str:
    """A SEV1 incident whose people were notified at the (past) simulated time: by the real
    clock, its acknowledgements are long overdue."""
    engine = Engine(
        open_store(location), workspace, operator="amara", clock=clock, effects=drill_effects()
    )
    incident_id = engine.declare("account-compromised", "Scam DMs from our X account").id
    engine.assess(incident_id, SEV1)
    engine.notify(incident_id)
    engine.store.close()
    return incident_id


def test_verify_names_each_changed_column_of_the_list_and_rebuild_restores_it(
    location, workspace, clock
):
    incident_id = notified_incident(location, workspace, clock)
    engine = Engine(open_store(location), workspace, operator="amara", clock=clock)
    listed = engine.incidents()
    for column, value in CHANGES.items():
        behind_runbooks_back(
            location, f"UPDATE incidents SET {column} = ? WHERE id = ?", (value, incident_id)
        )
        result = engine.verify(incident_id)
        assert not result.ok, column
        assert result.first_bad_seq is None, "the events themselves are intact"
        assert [line.split(" is ")[0] for line in result.listing] == [column]
        assert engine.rebuild_incidents() == [incident_id]
        assert engine.verify(incident_id).ok
        assert engine.incidents() == listed
    engine.store.close()


def test_the_command_line_names_a_wrong_list_and_rebuilds_it(
    location, workspace, clock, config_dir
):
    incident_id = notified_incident(location, workspace, clock)
    before = runbook(location, config_dir, "list", "--all", "--json")
    behind_runbooks_back(
        location, "UPDATE incidents SET state = ? WHERE id = ?", ("closed", incident_id)
    )

    checked = runbook(location, config_dir, "verify", incident_id)
    assert checked.returncode == 1
    assert f"{incident_id}: THE INCIDENT LIST IS WRONG" in checked.stderr
    assert "state is 'closed' in the incident list but 'notified' in its events" in checked.stderr
    assert "`runbook db rebuild` restores it" in checked.stderr
    every = runbook(location, config_dir, "verify", "--all")
    assert every.returncode == 1
    assert f"{incident_id}: THE INCIDENT LIST IS WRONG" in every.stderr

    rebuilt = runbook(location, config_dir, "db", "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert f"1 incident(s) corrected ({incident_id})" in rebuilt.stdout
    assert runbook(location, config_dir, "verify", "--all").returncode == 0
    assert runbook(location, config_dir, "list", "--all", "--json").stdout == before.stdout


def test_an_incident_the_list_calls_closed_is_still_listed_and_escalated(
    location, workspace, clock, config_dir
):
    incident_id = notified_incident(location, workspace, clock)
    behind_runbooks_back(
        location, "UPDATE incidents SET state = ? WHERE id = ?", ("closed", incident_id)
    )

    listed = runbook(location, config_dir, "list")
    assert listed.returncode == 0, listed.stderr
    assert incident_id in listed.stdout
    assert "notified" in listed.stdout.split(incident_id)[1].splitlines()[0]

    ticked = runbook(location, config_dir, "tick")
    assert ticked.returncode == 0, ticked.stderr
    assert f"{incident_id}: escalated" in ticked.stdout


def test_an_incident_missing_from_the_list_is_still_listed_and_escalated(
    location, workspace, clock, config_dir
):
    incident_id = notified_incident(location, workspace, clock)
    behind_runbooks_back(location, "DELETE FROM incidents WHERE id = ?", (incident_id,))

    assert incident_id in runbook(location, config_dir, "list").stdout
    checked = runbook(location, config_dir, "verify", incident_id)
    assert checked.returncode == 1
    assert "the incident list has no row for it" in checked.stderr

    ticked = runbook(location, config_dir, "tick")
    assert f"{incident_id}: escalated" in ticked.stdout
    healed = runbook(location, config_dir, "verify", incident_id)
    assert healed.returncode == 0, "appending lists the incident afresh from its events"


def test_a_row_with_no_events_behind_it_is_found_by_verify_all_and_dropped_by_rebuild(
    location, workspace, clock, config_dir
):
    notified_incident(location, workspace, clock)
    behind_runbooks_back(
        location,
        "INSERT INTO incidents (id, title, state, drill, events) VALUES (?, ?, ?, ?, ?)",
        ("INC-GHOST2", "An incident that never happened", "paused", False, 3),
    )
    assert "INC-GHOST2" not in runbook(location, config_dir, "list").stdout

    every = runbook(location, config_dir, "verify", "--all")
    assert every.returncode == 1
    assert "INC-GHOST2: THE INCIDENT LIST IS WRONG" in every.stderr
    assert "it is in the incident list but has no events" in every.stderr

    assert "INC-GHOST2" in runbook(location, config_dir, "db", "rebuild").stdout
    assert runbook(location, config_dir, "verify", "--all").returncode == 0


def test_an_incident_whose_every_listed_column_is_altered_is_still_listed_and_escalated(
    location, workspace, clock, config_dir
):
    incident_id = notified_incident(location, workspace, clock)
    for column, value in CHANGES.items():
        behind_runbooks_back(
            location, f"UPDATE incidents SET {column} = ? WHERE id = ?", (value, incident_id)
        )

    checked = runbook(location, config_dir, "verify", incident_id)
    assert checked.returncode == 1
    assert f"{incident_id}: THE INCIDENT LIST IS WRONG" in checked.stderr
    listed = runbook(location, config_dir, "list")
    assert incident_id in listed.stdout
    line = listed.stdout.split(incident_id)[1].splitlines()[0]
    assert "notified" in line
    assert "Nothing to see" not in line
    ticked = runbook(location, config_dir, "tick")
    assert ticked.returncode == 0, ticked.stderr
    assert f"{incident_id}: escalated" in ticked.stdout


def test_no_single_altered_column_changes_what_the_board_and_list_show(location, workspace, clock):
    incident_id = notified_incident(location, workspace, clock)
    engine = Engine(open_store(location), workspace, operator="amara", clock=clock)
    (truth,) = engine.incidents()
    for column, value in CHANGES.items():
        behind_runbooks_back(
            location, f"UPDATE incidents SET {column} = ? WHERE id = ?", (value, incident_id)
        )
        (shown,) = engine.incidents()
        assert shown.pop("listed") == "from its events: the incident list disagrees", column
        assert shown == truth, column
        engine.rebuild_incidents()
    engine.store.close()


def test_verify_names_a_wrong_list_in_french(location, workspace, clock, config_dir):
    incident_id = notified_incident(location, workspace, clock)
    behind_runbooks_back(
        location, "UPDATE incidents SET level = ? WHERE id = ?", ("SEV4", incident_id)
    )
    checked = runbook(location, config_dir, "--lang", "fr", "verify", incident_id)
    assert checked.returncode == 1
    assert "level vaut 'SEV4' dans la liste des incidents mais 'SEV1' d’après ses événements" in (
        checked.stderr
    )
