"""runbook never alters a database that is not its own, and one command id means one command.

SQLite files carry runbook's application id and store version: another application's file, a
file with tables runbook did not make, or one from a newer runbook is refused before a byte
is written. On PostgreSQL runbook's tables live in their own schema, and a schema holding
unrelated tables is refused untouched. An operator's ``--command-id`` given to another
command (another name, other arguments, another incident) is refused naming the first."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest

from runbook.errors import StoreError
from runbook.store.sqlite import SqliteStore
from runbook.store.sqlite.schema import APPLICATION_ID
from tests.helpers_store import pg_url, with_search_path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_sqlite(path: Path, *statements: str) -> Path:
    connection = sqlite3.connect(path)
    for statement in statements:
        connection.execute(statement)
    connection.commit()
    connection.close()
    return path


def test_another_applications_sqlite_file_is_refused_and_left_byte_for_byte(
    tmp_path: Path, run_cli: Any
) -> None:
    cases = {
        "photos.db": ("PRAGMA application_id = 1234", "CREATE TABLE events (x)"),
        "crm.db": ("CREATE TABLE users (id INTEGER)", "CREATE TABLE orders (id INTEGER)"),
        "mixed.db": ("CREATE TABLE events (x)", "CREATE TABLE incidents (y)", "CREATE TABLE t (z)"),
        "other.db": ("CREATE TABLE notes (body TEXT)",),
    }
    for name, statements in cases.items():
        path = make_sqlite(tmp_path / name, *statements)
        before = digest(path)
        with pytest.raises(StoreError, match="nothing was changed|not a runbook"):
            SqliteStore(path)
        assert digest(path) == before, name
        assert (
            not (tmp_path / f"{name}-wal").exists()
            or (tmp_path / f"{name}-wal").stat().st_size == 0
        )
    refused = run_cli("--db", str(tmp_path / "crm.db"), "list")
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        f"runbook: {tmp_path / 'crm.db'} is not a runbook incident store: it holds tables "
        "runbook did not make (orders, users); nothing was changed: choose another --db"
    ]


def test_a_file_with_runbooks_table_names_in_another_shape_or_anothers_marks_is_left_alone(
    tmp_path: Path,
) -> None:
    cases = {
        "events-only.db": (("CREATE TABLE events (id INTEGER)",), "its table events"),
        "half.db": (
            ("CREATE TABLE events (incident_id, seq)", "CREATE TABLE incidents (id, name)"),
            "its table events",
        ),
        "intake.db": (("CREATE TABLE intake (x)",), "its table intake"),
        "versioned.db": (("PRAGMA user_version = 7",), "set its version to 7"),
        "view.db": (("CREATE VIEW v AS SELECT 1",), r"did not make \(v\)"),
    }
    for name, (statements, words) in cases.items():
        path = make_sqlite(tmp_path / name, *statements)
        before = digest(path)
        with pytest.raises(StoreError, match=words):
            SqliteStore(path)
        assert digest(path) == before, name
    empty = tmp_path / "empty.db"
    empty.touch()
    SqliteStore(empty).close()  # an empty file is nobody's: runbook makes it its own


def test_a_new_store_is_marked_as_runbooks_and_a_newer_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    SqliteStore(path).close()
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    connection.execute("PRAGMA user_version = 99")
    connection.commit()
    connection.close()
    with pytest.raises(StoreError, match="made by a newer runbook"):
        SqliteStore(path)


def test_a_store_made_before_the_mark_is_adopted_with_its_events(
    tmp_path: Path, engine_as: Any, db_path: Path
) -> None:
    engine = engine_as("amara")
    made = engine.declare("account-compromised", "Hacked")
    engine.store.close()
    connection = sqlite3.connect(db_path)
    connection.execute("PRAGMA application_id = 0")
    connection.commit()
    connection.close()
    store = SqliteStore(db_path)
    assert [e.type for e in store.load(made.id)] == ["IncidentDeclared"]
    store.close()
    assert sqlite3.connect(db_path).execute("PRAGMA application_id").fetchone()[0] == (
        APPLICATION_ID
    )


def test_a_command_id_means_one_command(run_cli: Any) -> None:
    first = run_cli("--command-id", "k-1", "declare", "account-compromised", "--title", "Hacked")
    again = run_cli("--command-id", "k-1", "declare", "account-compromised", "--title", "Hacked")
    assert first.returncode == again.returncode == 0
    incident = first.stdout.split()[-1]
    assert again.stdout.split()[-1] == incident
    other = run_cli("--command-id", "k-1", "declare", "account-compromised", "--title", "Other")
    assert other.returncode == 1
    assert "command id 'k-1' was already used for `runbook declare " in other.stderr
    assert f"on {incident}; give each command its own --command-id" in other.stderr

    run_cli("--command-id", "n-1", "note", incident, "call legal", check=True)
    run_cli("--command-id", "n-1", "note", incident, "call legal", check=True)
    for args in (
        ("note", incident, "call the CEO"),
        ("check", incident, "call legal"),
    ):
        refused = run_cli("--command-id", "n-1", *args)
        assert refused.returncode == 1, args
        assert "was already used for `runbook note " in refused.stderr
    second = run_cli("declare", "offensive-post", "--title", "Post", check=True).stdout.split()[-1]
    elsewhere = run_cli("--command-id", "n-1", "note", second, "call legal")
    assert elsewhere.returncode == 1
    assert f"on {incident};" in elsewhere.stderr
    exported = json.loads(run_cli("export", incident, "--format", "json", check=True).stdout)
    notes = [e["details"] for e in exported["timeline"] if e["type"] == "NoteAdded"]
    assert notes == ["call legal"]


@pytest.mark.skipif(pg_url() is None, reason="no PostgreSQL test server")
def test_a_postgres_schema_with_unrelated_tables_is_refused_untouched() -> None:
    import psycopg

    from runbook.store.postgres import PostgresStore

    url = pg_url()
    assert url is not None
    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
        connection.execute(f'CREATE TABLE "{schema}".invoices (id INTEGER)')
    with pytest.raises(StoreError, match=r"holds tables runbook did not make \(invoices\)"):
        PostgresStore(with_search_path(url, schema))
    with psycopg.connect(url, autocommit=True) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (schema,),
        ).fetchall()
    assert tables == [("invoices",)]


@pytest.mark.skipif(pg_url() is None, reason="no PostgreSQL test server")
def test_on_postgres_runbooks_tables_live_in_their_own_schema() -> None:
    import psycopg

    from runbook.store.postgres import PostgresStore

    url = pg_url()
    assert url is not None
    name = "rb_" + uuid.uuid4().hex[:10]
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    own = url.rsplit("/", 1)[0] + f"/{name}"
    try:
        with psycopg.connect(own, autocommit=True) as connection:
            connection.execute("CREATE TABLE public.customers (id INTEGER)")
        store = PostgresStore(own)
        store.close()
        with psycopg.connect(own, autocommit=True) as connection:
            found = connection.execute(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_schema IN ('public', 'runbook') ORDER BY 1, 2"
            ).fetchall()
        assert ("public", "customers") in found
        assert {("runbook", t) for t in ("events", "incidents", "runbook_schema")} <= set(found)
        assert not [row for row in found if row[0] == "public" and row[1] != "customers"]
    finally:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
