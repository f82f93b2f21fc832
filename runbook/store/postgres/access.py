"""What the team store's login may do: operator roles, privileges, and the owner warning.

Operators connect with roles that may read the tables and append events, nothing more
(:data:`~runbook.store.postgres.schema.OPERATOR_GRANTS`); the schema's owner runs migrations
and grants roles. A login that can alter the schema (its owner, a superuser) can also disable
the triggers that keep the log append-only, so runbook warns whenever it is used for incident
work (:attr:`Access.warning`), and ``runbook db check`` lists what the current login may do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from runbook.i18n import _
from runbook.store.postgres.schema import OPERATOR_GRANTS, TABLES

Conn = psycopg.Connection[dict[str, Any]]
PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "TRIGGER")
"""Table privileges ``runbook db check`` reports."""
NEEDED = {table: ("SELECT",) for table in TABLES} | {
    "events": ("SELECT", "INSERT"),
    "intake": ("SELECT", "INSERT"),
}
"""What an operator needs on each table: read everything, append events and warnings."""


@dataclass(frozen=True)
class Access:
    """What the current login is and may do on the team store."""

    role: str
    person: str | None
    """The person the database maps the role to (``operators``), if any."""
    superuser: bool
    owner: bool
    """True when the login owns runbook's tables (or is a member of the role that does)."""
    privileges: dict[str, tuple[str, ...]]
    """Table -> the privileges the login holds on it."""

    @property
    def can_alter(self) -> bool:
        """True when the login can change the schema: alter tables, disable triggers."""
        return self.superuser or self.owner

    def too_much(self) -> list[str]:
        """What the login may do beyond reading and appending events."""
        found = []
        if self.superuser:
            found.append(_("it is a superuser"))
        elif self.owner:
            found.append(_("it owns the tables (ALTER, DISABLE TRIGGER)"))
        for table, held in self.privileges.items():
            extra = [p for p in held if p not in NEEDED.get(table, ())]
            if extra:
                found.append(
                    _("%(privileges)s on %(table)s", privileges=", ".join(extra), table=table)
                )
        return found

    def missing(self) -> list[str]:
        """What the login lacks to work as an operator."""
        return [
            _("%(privileges)s on %(table)s", privileges=p, table=table)
            for table, needed in NEEDED.items()
            for p in needed
            if p not in self.privileges.get(table, ())
        ]

    @property
    def warning(self) -> str:
        """One line when the login can rewrite history (empty when it cannot)."""
        if not self.can_alter:
            return ""
        return _(
            "connected to the team store as %(role)s, a login that can alter the schema "
            "and rewrite history; run incidents with an operator login "
            "(`runbook db grant PERSON`)",
            role=repr(self.role),
        )


def read_access(conn: Conn) -> Access:
    """The current login's :class:`Access` (read from the database's catalogs)."""
    row = conn.execute(
        "SELECT current_user AS role, r.rolsuper AS superuser, "
        "pg_has_role(current_user, c.relowner, 'USAGE') AS owner, "
        "(SELECT person FROM operators WHERE db_role = current_user) AS person "
        "FROM pg_roles r, pg_class c WHERE r.rolname = current_user "
        "AND c.oid = to_regclass('events')"
    ).fetchone()
    if row is None:
        from runbook.errors import StoreError

        raise StoreError(_("this database has no runbook event log; run `runbook db migrate`"))
    privileges: dict[str, tuple[str, ...]] = {}
    for table in TABLES:
        held = []
        for privilege in PRIVILEGES:
            answer = conn.execute(
                "SELECT to_regclass(%s) IS NOT NULL "
                "AND has_table_privilege(current_user, to_regclass(%s), %s) AS yes",
                (table, table, privilege),
            ).fetchone()
            if answer is not None and answer["yes"]:
                held.append(privilege)
        privileges[table] = tuple(held)
    return Access(
        role=str(row["role"]),
        person=row["person"],
        superuser=bool(row["superuser"]),
        owner=bool(row["owner"]),
        privileges=privileges,
    )


def grant_operator(conn: Conn, person: str, role: str, password: str | None) -> bool:
    """Map the database role ``role`` to ``person`` (creating it when missing, with a password
    when given) with an operator's grants only; True when the role was created."""
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    name = sql.Identifier(role)
    if not exists:
        if password:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(name, sql.Literal(password))
            )
        else:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(name))
    elif password:
        conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(name, sql.Literal(password)))
    schema = conn.execute("SELECT current_schema() AS s").fetchone()
    assert schema is not None
    target = sql.Identifier(schema["s"])
    conn.execute(
        sql.SQL("REVOKE ALL ON {tables} FROM {role}").format(
            tables=sql.SQL(", ").join(
                sql.SQL("{}.{}").format(target, sql.Identifier(t)) for t in TABLES
            ),
            role=name,
        )
    )
    for grant in OPERATOR_GRANTS:
        conn.execute(sql.SQL(grant).format(schema=target, role=name))
    conn.execute(
        "INSERT INTO operators (db_role, person) VALUES (%s, %s) "
        "ON CONFLICT (db_role) DO UPDATE SET person = excluded.person",
        (role, person),
    )
    return not exists
