"""Least privilege on the team store (a real PostgreSQL): the schema belongs to an owner login
that is not a superuser; operators' logins may read and append events and nothing else, and
the database itself checks that every event follows its incident's log. A lost connection
reads as runbook's own lines."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from runbook.engine import Engine
from runbook.loading import Workspace
from runbook.store import open_store
from runbook.store.chain import row_hash
from runbook.store.postgres.schema import MIGRATIONS
from tests.conftest import ROOT
from tests.helpers_store import PG_SKIP, pg_url, with_search_path

pytestmark = pytest.mark.skipif(pg_url() is None, reason=PG_SKIP)


@dataclasses.dataclass
class Team:
    """A fresh schema owned by a non-superuser owner login, and operator logins."""

    owner_url: str
    roles: dict[str, str]
    workspace: Workspace
    config: Path

    def url(self, person: str) -> str:
        return login(self.owner_url, self.roles[person])


def login(url: str, role: str) -> str:
    """``url`` connecting as ``role`` (the test server trusts local logins)."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}"))


@pytest.fixture
def team(workspace: Workspace, config_dir: Path, tmp_path: Path) -> Iterator[Team]:
    url = pg_url()
    assert url is not None
    suffix = uuid.uuid4().hex[:8]
    schema, owner = f"t_{suffix}", f"rb_owner_{suffix}"
    roles = {"tom": f"rb_tom_{suffix}", "amara": f"rb_amara_{suffix}"}
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{owner}" LOGIN CREATEROLE')
        admin.execute(f'CREATE SCHEMA "{schema}" AUTHORIZATION "{owner}"')
    owner_url = with_search_path(login(url, owner), schema)
    people = [
        p.model_copy(update={"db_roles": [roles[p.id]]}) if p.id in roles else p
        for p in workspace.contacts.people
    ]
    mapped = dataclasses.replace(
        workspace, contacts=workspace.contacts.model_copy(update={"people": people})
    )
    store = open_store(owner_url)  # migrates, as the owner
    for person, role in roles.items():
        store.grant_operator(person, role)
    store.close()
    # The command line runs under the same contacts (db_roles listed), as an incident pins them.
    import shutil

    config = tmp_path / "team-config"
    shutil.copytree(config_dir, config)
    contacts = config / "contacts" / "team.yaml"
    text = contacts.read_text(encoding="utf-8")
    for person, role in roles.items():
        text = re.sub(
            rf"^(\s*)- id: {person}$",
            lambda found, role=role: f"{found.group(0)}\n{found.group(1)}  db_roles: [{role}]",
            text,
            count=1,
            flags=re.MULTILINE,
        )
    contacts.write_text(text, encoding="utf-8")
    yield Team(owner_url, roles, mapped, config)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        for role in [*roles.values(), owner]:
            admin.execute(f'DROP OWNED BY "{role}"')
            admin.execute(f'DROP ROLE "{role}"')


def runbook(team: Team, url: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "RUNBOOK_DB": url,
        "RUNBOOK_CONFIG": str(team.config),
        "RUNBOOK_LINK_SECRET": "x" * 40,
    }
    env.pop("RUNBOOK_OPERATOR", None)
    return subprocess.run(
        [sys.executable, "-m", "runbook", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def declared_by(team: Team, person: str) -> tuple[Engine, str]:
    engine = Engine(open_store(team.url(person)), team.workspace, account="anyone")
    return engine, engine.declare("account-compromised", "Hacked").id


def run_as(url: str, sql: str, params: tuple[object, ...] = ()) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql, params)


def next_row(engine: Engine, incident_id: str, **changes: object) -> dict[str, object]:
    """A well-formed next event (a note by tom), with ``changes`` applied before hashing."""
    last = engine.stored_rows(incident_id)[-1]
    role = engine.identity().db_role
    row: dict[str, object] = {
        **last,
        "seq": last["seq"] + 1,
        "type": "NoteAdded",
        "actor": "tom",
        "command_id": None,
        "data": (
            '{"proof":{"account":"anyone","db_role":"' + role + '","method":"db-role"},'
            '"text":"hello"}'
        ),
        "prev_hash": last["hash"],
    }
    row.update(changes)
    row["hash"] = row_hash(row, str(row["prev_hash"]))
    return row


def insert(url: str, row: dict[str, object]) -> None:
    run_as(
        url,
        "INSERT INTO events (incident_id, seq, type, at, actor, state, command_id, data, "
        "prev_hash, hash) VALUES (%(incident_id)s, %(seq)s, %(type)s, %(at)s, %(actor)s, "
        "%(state)s, %(command_id)s, %(data)s, %(prev_hash)s, %(hash)s)",
        row,  # type: ignore[arg-type]
    )


def test_an_operator_appends_through_runbook_and_the_database_lists_the_incident(team):
    engine, incident_id = declared_by(team, "tom")
    engine.note(incident_id, "First call with the platform")
    (listed,) = engine.store.incidents()
    assert (listed["id"], listed["title"], listed["events"]) == (incident_id, "Hacked", 2)
    assert engine.verify(incident_id).ok
    engine.store.close()


def test_a_well_formed_next_event_is_accepted_from_an_operator(team):
    engine, incident_id = declared_by(team, "tom")
    insert(team.url("tom"), next_row(engine, incident_id))
    assert [e.type for e in engine.timeline(incident_id)] == ["IncidentDeclared", "NoteAdded"]
    engine.store.close()


@pytest.mark.parametrize(
    ("changes", "refusal"),
    [
        ({"seq": 3}, "out of order"),
        ({"seq": 1}, "out of order"),
        ({"prev_hash": "0" * 64}, "does not chain"),
        ({"actor": "amara"}, "cannot record an event as amara"),
    ],
    ids=["a seq ahead", "a seq taken", "a wrong previous hash", "another person's name"],
)
def test_the_database_refuses_an_event_that_does_not_follow_the_log(team, changes, refusal):
    engine, incident_id = declared_by(team, "tom")
    with pytest.raises(psycopg.errors.RaiseException, match=refusal):
        insert(team.url("tom"), next_row(engine, incident_id, **changes))
    assert len(engine.stored_rows(incident_id)) == 1
    engine.store.close()


def test_the_database_refuses_a_hash_that_does_not_match_the_event(team):
    engine, incident_id = declared_by(team, "tom")
    row = next_row(engine, incident_id)
    row["data"] = str(row["data"]).replace("hello", "goodbye")  # hash left as it was
    with pytest.raises(psycopg.errors.RaiseException, match="hash that does not match"):
        insert(team.url("tom"), row)
    engine.store.close()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE events SET data = '{}' WHERE seq = 1",
        "DELETE FROM events",
        "TRUNCATE events",
        "ALTER TABLE events DISABLE TRIGGER ALL",
        "ALTER TABLE events DISABLE TRIGGER events_no_update",
        "DROP TRIGGER events_check_chain ON events",
        "UPDATE incidents SET state = 'closed'",
        "DELETE FROM incidents",
        "INSERT INTO incidents (id, title, state, events) VALUES ('INC-GHOST1', 'x', 'paused', 1)",
        "UPDATE changes SET counter = 0",
        "INSERT INTO operators VALUES ('someone', 'tom')",
        "DELETE FROM operators",
    ],
)
def test_an_operator_login_cannot_change_anything_but_append(team, sql):
    engine, incident_id = declared_by(team, "tom")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        run_as(team.url("tom"), sql)
    assert engine.verify(incident_id).ok
    assert engine.store.incidents()[0]["state"] == "declared"
    engine.store.close()


def test_db_check_says_what_each_login_may_do(team):
    operator = runbook(team, team.url("tom"), "db", "check")
    assert operator.returncode == 0, operator.stderr
    assert f"login {team.roles['tom']} (mapped to tom)" in operator.stdout
    assert "  events          SELECT, INSERT" in operator.stdout
    assert "  incidents       SELECT" in operator.stdout
    assert "  schema changes  no" in operator.stdout
    assert "ok: this login may read and append events, nothing more" in operator.stdout

    owner = runbook(team, team.owner_url, "db", "check")
    assert owner.returncode == 1
    assert "  schema changes  yes (owner)" in owner.stdout
    assert "this login can rewrite history: it owns the tables" in owner.stderr


def test_working_as_the_owner_is_warned_in_one_line_and_an_operator_is_not(team):
    owner = runbook(team, team.owner_url, "--as", "amara", "list")
    assert owner.returncode == 0, owner.stderr
    warnings = [line for line in owner.stderr.splitlines() if "WARNING" in line]
    assert len(warnings) == 1
    assert "can alter the schema and rewrite history" in warnings[0]
    assert "runbook db grant PERSON" in warnings[0]

    operator = runbook(team, team.url("tom"), "list")
    assert operator.returncode == 0, operator.stderr
    assert operator.stderr == ""


def test_db_grant_gives_an_operator_only_what_it_needs(team, tmp_path):
    # team.config lists tom's database role in his contacts entry (see the fixture).
    run_as(team.owner_url, f'GRANT UPDATE ON incidents TO "{team.roles["tom"]}"')
    assert runbook(team, team.url("tom"), "db", "check").returncode == 1, "too much, first"

    grant = runbook(team, team.owner_url, "db", "grant", "tom")
    assert grant.returncode == 0, grant.stderr
    assert f"database role {team.roles['tom']} for tom" in grant.stdout
    check = runbook(team, team.url("tom"), "db", "check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_an_operator_on_an_old_schema_is_told_to_ask_the_owner(team):
    run_as(team.owner_url, "DELETE FROM runbook_schema WHERE version >= 3")
    listed = runbook(team, team.url("tom"), "list")
    assert listed.returncode == 1
    assert f"has schema version 2 and this runbook needs {len(MIGRATIONS)}" in listed.stderr
    assert "its owner runs `runbook db migrate`" in listed.stderr
    assert "Traceback" not in listed.stderr


def test_a_terminated_backend_reads_as_runbooks_own_lines(team):
    engine, incident_id = declared_by(team, "amara")
    engine.store.close()
    url = pg_url()
    assert url is not None
    stop = threading.Event()
    killed = [0]

    def kill() -> None:
        with psycopg.connect(url, autocommit=True) as admin:
            while not stop.is_set():
                rows = admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = 'runbook' AND usename = %s",
                    (team.roles["amara"],),
                ).fetchall()
                killed[0] += len(rows)
                time.sleep(0.03)

    killer = threading.Thread(target=kill)
    killer.start()
    outcomes = []
    try:
        for index in range(12):
            done = runbook(team, team.url("amara"), "note", incident_id, f"note {index}")
            outcomes.append((index, done))
    finally:
        stop.set()
        killer.join()

    assert killed[0] > 0, "the test must actually cut connections"
    assert any("lost the connection to the team database" in done.stderr for _, done in outcomes)
    for _index, done in outcomes:
        assert "Traceback" not in done.stderr
        assert "psycopg" not in done.stderr, done.stderr
        assert "<" not in done.stderr, done.stderr
        for line in done.stderr.splitlines():
            assert line.startswith("runbook: "), line
        if done.returncode != 0:
            assert done.returncode == 1
            assert "nothing was saved" in done.stderr or "may have been saved" in done.stderr

    reader = Engine(open_store(team.url("tom")), team.workspace, account="anyone")
    notes = [e.text for e in reader.timeline(incident_id) if e.type == "NoteAdded"]
    saved = [f"note {index}" for index, done in outcomes if done.returncode == 0]
    assert set(saved) <= set(notes)
    assert len(notes) == len(set(notes)), "no note was recorded twice"
    assert reader.verify(incident_id).ok
    reader.store.close()
