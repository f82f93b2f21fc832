"""Bringing the team store's schema up to date: which migration a database is at, refusing a
schema that is not runbook's, and applying the pending migrations of :mod:`.schema` in order.

Apart from :mod:`.schema` (the migrations' SQL) and from :mod:`.store` (the event log), since
it runs once when a store is opened or by ``runbook db migrate``, as the schema's owner: an
operator's login only reads the version, and a store made by a newer runbook is refused.
"""

from __future__ import annotations

from runbook.errors import StoreError
from runbook.i18n import _
from runbook.store.postgres import access
from runbook.store.postgres.schema import MIGRATIONS, OWN_TABLES, SCHEMA
from runbook.store.postgres.session import Conn, Session, one


def schema_version(session: Session) -> int:
    """The migration the database is at (0: empty)."""

    def work(conn: Conn) -> int:
        found = one(conn.execute("SELECT to_regclass('runbook_schema') AS t"))
        if found["t"] is None:
            return 0
        row = one(conn.execute("SELECT max(version) AS v FROM runbook_schema"))
        return int(row["v"] or 0)

    return session.retrying(work)


def check_ownership(session: Session) -> None:
    """Refuse, before writing anything, a schema holding tables runbook did not make."""

    def work(conn: Conn) -> list[str]:
        rows = conn.execute(
            "SELECT table_name AS name, current_schema() AS schema "
            "FROM information_schema.tables WHERE table_schema = current_schema()"
        ).fetchall()
        schema = rows[0]["schema"] if rows else ""
        return [schema, *sorted(str(r["name"]) for r in rows if r["name"] not in OWN_TABLES)]

    schema, *foreign = session.retrying(work)
    if foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        raise StoreError(
            _(
                "the schema %(schema)s at %(where)s holds tables runbook did not make "
                "(%(shown)s); nothing was changed: give runbook its own schema (add "
                "?options=-csearch_path%%3Drunbook to the URL, or see the README)",
                schema=repr(schema),
                where=session.where(),
                shown=shown,
            )
        )


def migrate(session: Session) -> list[int]:
    """Apply pending migrations (serialised by an advisory lock); return those applied.
    A store already up to date is only read (an operator's role may not create tables).
    A schema with tables runbook did not make is refused, untouched."""
    check_ownership(session)
    current = schema_version(session)
    if current == len(MIGRATIONS):
        return []
    if current and not session.retrying(access.read_access).can_alter:
        raise StoreError(
            _(
                "the team store at %(where)s has schema version %(current)s and this runbook "
                "needs %(n)s: its owner runs `runbook db migrate` first",
                where=session.where(),
                current=current,
                n=len(MIGRATIONS),
            )
        )

    def work(conn: Conn) -> list[int]:
        conn.execute("SELECT pg_advisory_xact_lock(424242)")
        if session.default_schema():
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        conn.execute("CREATE TABLE IF NOT EXISTS runbook_schema (version INTEGER NOT NULL)")
        row = one(conn.execute("SELECT max(version) AS v FROM runbook_schema"))
        current = int(row["v"] or 0)
        if current > len(MIGRATIONS):
            raise StoreError(
                _(
                    "the team store at %(where)s was made by a newer runbook (schema "
                    "%(current)s); upgrade runbook",
                    where=session.where(),
                    current=current,
                )
            )
        applied = []
        for number, sql in enumerate(MIGRATIONS, start=1):
            if number > current:
                conn.execute(sql)
                conn.execute("INSERT INTO runbook_schema VALUES (%s)", (number,))
                applied.append(number)
        return applied

    return session.retrying(work)
