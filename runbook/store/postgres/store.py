"""The team event store on PostgreSQL: several operators, several terminals, one incident.

Same guarantees as the SQLite store: one stream per incident with seq 1..n, appends that carry
the expected seq (a stale writer gets :class:`~runbook.errors.ConcurrencyConflict`), the hash
chain, and an append-only log enforced in the database (triggers refuse UPDATE, DELETE and
TRUNCATE). Appends serialise per incident with a transaction-scoped advisory lock, so writers to
different incidents never wait for each other.

Schema changes are versioned migrations (:mod:`.schema`, applied by ``runbook db migrate`` as
the schema's owner, or on first use: :mod:`.migration`) in runbook's own schema, ``runbook``,
unless the URL sets a ``search_path``; a schema holding tables runbook did not make is refused
untouched. Operators' logins may only read and append: the database checks each event follows
its incident's log and keeps the incident list and the change counter itself (:mod:`.access`
says what a login may do). A dropped connection or a serialization failure is retried
(:mod:`.session`, each retry reported as one line through :attr:`PostgresStore.notice`); when a
connection drops during COMMIT, the store checks whether the events landed before trying again,
so nothing is lost and nothing is written twice, and a final failure says whether the change
was saved. Every append sends ``NOTIFY runbook_events`` so the TUI and ``runbook watch`` follow
changes within a second. Effects in flight are claimed with advisory locks (:mod:`.claims`).

psycopg is imported in this package only, and the package only when a ``postgresql://`` URL is
used.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from runbook.errors import ConcurrencyConflict, StoreError
from runbook.i18n import _
from runbook.model.events import Event
from runbook.model.intake import IntakeRecord
from runbook.store.chain import from_rows, rows_to_import, to_row
from runbook.store.listing import HEADS, derive
from runbook.store.postgres import access, claims, intake_log, migration
from runbook.store.postgres.claims import EffectClaim
from runbook.store.postgres.session import TRANSIENT, Conn, Session, one
from runbook.store.witness import Witness, location, witness_rows

CHANNEL = "runbook_events"
"""The LISTEN/NOTIFY channel every append notifies (payload: the incident id)."""

_COLUMNS = "incident_id, seq, type, at, actor, state, command_id, data, prev_hash, hash"


class PostgresStore(Session):
    """Event store in a PostgreSQL database (see module docstring); its connection, retries
    and error messages are its :class:`~.session.Session`'s."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        super().__init__(url)
        self.witness: Witness | None = Witness(location(url))
        """Where each append's chain head is written outside the database (:mod:`..witness`)."""
        self._listener: Conn | None = None
        if migrate:
            self.migrate()

    @contextmanager
    def exclusive(self, incident_id: str) -> Iterator[None]:
        """Hold the incident's lock (a session advisory lock) around a whole command, so
        operators on one incident take turns instead of colliding and retrying. Released
        when the block ends, or by the server if the connection drops."""
        with self._lock:
            try:
                conn = self._connection()  # a server away is the command's to retry and say
                conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (incident_id,))
            except TRANSIENT:
                self.drop()  # work unlocked: appends still check the expected seq
                yield
                return
            try:
                yield
            finally:
                if self._conn is conn and not conn.closed:
                    try:
                        conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (incident_id,))
                    except psycopg.Error:
                        self.drop()

    def claim(self, effect_id: str) -> EffectClaim | None:
        """Hold ``effect_id`` for this process while it performs it; None when another live
        process holds it (see :mod:`.claims`)."""
        return claims.claim(self, effect_id)

    # -- schema --------------------------------------------------------------------------
    def schema_version(self) -> int:
        """The migration the database is at (0: empty)."""
        return migration.schema_version(self)

    def migrate(self) -> list[int]:
        """Apply pending migrations; return those applied (see :mod:`.migration`)."""
        return migration.migrate(self)

    # -- people and roles ----------------------------------------------------------------
    def db_identity(self) -> tuple[str, str | None]:
        """(the role this connection is, the person the database maps it to or None)."""

        def work(conn: Conn) -> tuple[str, str | None]:
            row = one(
                conn.execute(
                    "SELECT current_user AS role, "
                    "(SELECT person FROM operators WHERE db_role = current_user) AS person"
                )
            )
            return str(row["role"]), row["person"]

        return self.retrying(work)

    def grant_operator(self, person: str, role: str, password: str | None = None) -> bool:
        """Map the database role ``role`` to ``person`` (creating it when missing, with a
        password when given) with an operator's grants only; True when created."""
        return self.retrying(lambda conn: access.grant_operator(conn, person, role, password))

    def access(self) -> access.Access:
        """What the current login is and may do (``runbook db check``; the owner warning)."""
        return self.retrying(access.read_access)

    # -- the port ------------------------------------------------------------------------
    def append(
        self,
        incident_id: str,
        expected_seq: int,
        events: list[Event],
    ) -> list[Event]:
        """Append after ``expected_seq`` or raise ConcurrencyConflict (see EventStore)."""
        rows: list[dict[str, Any]] = []

        def work(conn: Conn) -> None:
            if not rows:
                # Fail fast: a writer whose view is already stale does not queue for the lock.
                seen = one(
                    conn.execute(
                        "SELECT max(seq) AS seq FROM events WHERE incident_id = %s",
                        (incident_id,),
                    )
                )
                if (seen["seq"] or 0) != expected_seq:
                    raise _conflict(conn, incident_id, expected_seq)
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (incident_id,))
            head = conn.execute(
                "SELECT seq, hash FROM events WHERE incident_id = %s ORDER BY seq DESC LIMIT 1",
                (incident_id,),
            ).fetchone()
            current, prev_hash = (head["seq"], head["hash"]) if head else (0, "")
            if current != expected_seq:
                if rows and self._landed(conn, incident_id, rows):
                    return  # an earlier attempt committed before its connection dropped
                raise _conflict(conn, incident_id, expected_seq)
            rows.clear()
            for offset, event in enumerate(events, start=1):
                row = to_row(event, expected_seq + offset, prev_hash)
                prev_hash = row["hash"]
                rows.append(row)
            with conn.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO events ({_COLUMNS}) VALUES (%(incident_id)s, %(seq)s, "
                    "%(type)s, %(at)s, %(actor)s, %(state)s, %(command_id)s, %(data)s, "
                    "%(prev_hash)s, %(hash)s)",
                    rows,
                )
            # The incident list and the change counter follow in the database (a trigger).
            conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, incident_id))

        try:
            self.retrying(work)
        except pg_errors.UniqueViolation:
            raise ConcurrencyConflict(incident_id, expected_seq + 1, "another writer") from None
        witness_rows(self.witness, rows, self.notice)
        return [
            event.model_copy(
                update={"seq": row["seq"], "prev_hash": row["prev_hash"], "hash": row["hash"]}
            )
            for event, row in zip(events, rows, strict=True)
        ]

    @staticmethod
    def _landed(conn: Conn, incident_id: str, rows: list[dict[str, Any]]) -> bool:
        found = conn.execute(
            "SELECT hash FROM events WHERE incident_id = %s AND seq = %s",
            (incident_id, rows[-1]["seq"]),
        ).fetchone()
        return bool(found and found["hash"] == rows[-1]["hash"])

    def import_rows(self, incident_id: str, rows: list[dict[str, Any]]) -> int:
        """Write another store's rows exactly as they are (hashes kept) for ``db copy``.

        Rows already present and identical are skipped; a different history is refused.
        Returns how many rows were written.
        """

        def work(conn: Conn) -> int:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (incident_id,))
            existing = conn.execute(
                "SELECT seq, hash FROM events WHERE incident_id = %s ORDER BY seq",
                (incident_id,),
            ).fetchall()
            have = {row["seq"]: row["hash"] for row in existing}
            fresh = rows_to_import(incident_id, rows, have)
            with conn.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO events ({_COLUMNS}) VALUES (%(incident_id)s, %(seq)s, "
                    "%(type)s, %(at)s, %(actor)s, %(state)s, %(command_id)s, %(data)s, "
                    "%(prev_hash)s, %(hash)s)",
                    fresh,
                )
            conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, incident_id))
            return len(fresh)

        written = self.retrying(work)
        witness_rows(self.witness, rows[-1:] if written else [], self.notice)
        return written

    def rows(self, incident_id: str, after_seq: int = 0) -> list[dict[str, Any]]:
        """The stored rows after ``after_seq`` in seq order."""

        def work(conn: Conn) -> list[dict[str, Any]]:
            return list(
                conn.execute(
                    f"SELECT {_COLUMNS} FROM events WHERE incident_id = %s AND seq > %s "
                    "ORDER BY seq",
                    (incident_id, after_seq),
                ).fetchall()
            )

        return self.retrying(work)

    def load(
        self, incident_id: str, after_seq: int = 0, *, with_hashes: bool = True
    ) -> list[Event]:
        """Typed events after ``after_seq`` (``with_hashes`` is accepted for the port; the
        rows are read whole here)."""
        return list(from_rows(self.rows(incident_id, after_seq)))

    def incidents(self) -> list[dict[str, Any]]:
        """Every incident's summary, newest first."""

        def work(conn: Conn) -> list[dict[str, Any]]:
            return list(
                conn.execute("SELECT * FROM incidents ORDER BY opened_at DESC, id").fetchall()
            )

        return self.retrying(work)

    def command_use(self, command_id: str) -> tuple[str, str | None] | None:
        """Where a command id was first used: (incident id, the command recorded with it)."""

        def work(conn: Conn) -> tuple[str, str | None] | None:
            row = conn.execute(
                "SELECT incident_id, (data::jsonb)->>'command' AS command FROM events "
                "WHERE command_id = %s ORDER BY at, seq LIMIT 1",
                (command_id,),
            ).fetchone()
            return (row["incident_id"], row["command"]) if row else None

        return self.retrying(work)

    def heads(self) -> dict[str, dict[str, Any]]:
        """Every incident in the log: id -> its newest event's seq, state and time."""

        def work(conn: Conn) -> dict[str, dict[str, Any]]:
            return {row["incident_id"]: row for row in conn.execute(HEADS).fetchall()}

        return self.retrying(work)

    def rebuild_incidents(self) -> list[str]:
        """Rewrite the incident list from the logs (needs the owner's login: operators may
        not write the list; the database keeps it for them)."""

        def work(conn: Conn) -> list[str]:
            changed = []
            listed = {row["id"]: row for row in conn.execute("SELECT * FROM incidents")}
            for head in conn.execute(HEADS).fetchall():
                found = head["incident_id"]
                rows = conn.execute(
                    f"SELECT {_COLUMNS} FROM events WHERE incident_id = %s ORDER BY seq",
                    (found,),
                ).fetchall()
                derived = derive(rows)
                if listed.pop(found, None) != derived:
                    conn.execute("SELECT runbook_list_incident(%s)", (found,))
                    changed.append(found)
            for phantom in listed:
                conn.execute("DELETE FROM incidents WHERE id = %s", (phantom,))
                changed.append(phantom)
            return sorted(changed)

        try:
            return self.retrying(work)
        except StoreError as exc:
            if "may not" in str(exc) or "permission denied" in str(exc):
                raise StoreError(
                    _(
                        "rebuilding the incident list needs the team store's owner login (the "
                        "one that runs `runbook db migrate`); the database keeps the list for "
                        "operators"
                    )
                ) from None
            raise

    def incident_ids(self) -> list[str]:
        """Every incident id that has events (for copying a store)."""

        def work(conn: Conn) -> list[str]:
            rows = conn.execute("SELECT DISTINCT incident_id FROM events ORDER BY 1").fetchall()
            return [row["incident_id"] for row in rows]

        return self.retrying(work)

    def change_token(self) -> int:
        """A counter every append increments (any writer, any machine)."""

        def work(conn: Conn) -> int:
            return int(one(conn.execute("SELECT counter FROM changes WHERE id = 1"))["counter"])

        return self.retrying(work)

    def wait_for_change(self, token: int, timeout: float) -> int:
        """Block until the store changes after ``token`` (LISTEN/NOTIFY) or ``timeout``."""
        try:
            if self._listener is None or self._listener.closed:
                self._listener = psycopg.connect(
                    self.url, options=self.options(), autocommit=True, connect_timeout=10
                )
                self._listener.execute(f"LISTEN {CHANNEL}")  # listen first, then look
            current = self.change_token()
            if current != token:
                return current
            for _ in self._listener.notifies(timeout=timeout, stop_after=1):
                break
        except psycopg.Error:
            self._listener = None
            time.sleep(min(timeout, 0.5))
        return self.change_token()

    # -- the intake log ------------------------------------------------------------------
    def intake_append(self, records: list[IntakeRecord]) -> list[IntakeRecord]:
        """Append to the intake log, one writer at a time (see :mod:`runbook.store.intake`)."""
        return self.retrying(lambda conn: intake_log.append(conn, records, CHANNEL))

    def intake_records(self, after_seq: int = 0) -> list[IntakeRecord]:
        """The intake log after ``after_seq`` (see :mod:`runbook.store.intake`)."""
        return self.retrying(lambda conn: intake_log.records(conn, after_seq))

    def close(self) -> None:
        """Close the connections."""
        with self._lock:
            self.drop()
            if self._listener is not None:
                self._listener.close()
                self._listener = None


def _conflict(conn: Conn, incident_id: str, expected_seq: int) -> ConcurrencyConflict:
    """The conflict a stale writer gets, naming the event that took its place."""
    winner = conn.execute(
        "SELECT type, actor, at FROM events WHERE incident_id = %s AND seq = %s",
        (incident_id, expected_seq + 1),
    ).fetchone()
    who = f"{winner['type']} by {winner['actor']} at {winner['at']}" if winner else "unknown"
    return ConcurrencyConflict(incident_id, expected_seq + 1, who)
