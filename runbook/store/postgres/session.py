"""A session with the team database: one connection, reconnected and retried, and every
failure said in runbook's words.

:class:`Session` owns the connection the store works on and :meth:`Session.retrying`, which
runs one transaction, tries again when the connection drops or the transaction cannot
serialise (each retry reported as one line through :attr:`Session.notice`) and turns every
driver error into a :class:`~runbook.errors.StoreError` saying whether the change was saved.
It is apart from :mod:`.store` so the store reads as the port it implements, not as
connection handling. psycopg's own log lines (its internal state on a broken connection) are
kept off the terminal: what happened is said in runbook's words.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg
from psycopg import errors as pg_errors
from psycopg.rows import dict_row

from runbook.errors import StoreError
from runbook.i18n import _
from runbook.store.postgres.schema import SCHEMA

logging.getLogger("psycopg").addHandler(logging.NullHandler())
logging.getLogger("psycopg").propagate = False

Conn = psycopg.Connection[dict[str, Any]]
"""A connection whose rows are dicts (``row_factory=dict_row``)."""
T = TypeVar("T")
ATTEMPTS = 5
"""Tries for one operation when the connection drops or a transaction cannot serialise."""

TRANSIENT = (
    psycopg.OperationalError,
    pg_errors.SerializationFailure,
    pg_errors.DeadlockDetected,
)
"""Failures worth another try on a fresh connection."""


class Session:
    """The connection to the team database at ``url`` (see module docstring)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.RLock()
        self._conn: Conn | None = None
        self._connected = False
        """True once a connection was opened: losing it later (a failover, a restart) is
        retried, while a database never reached is said at once."""
        self.notice: Callable[[str], None] | None = None
        """Called with one line when the connection is lost and the store tries again (the
        CLI prints it; the app shows it)."""

    # -- connections ---------------------------------------------------------------------
    def where(self) -> str:
        """The database, named without its password."""
        info = psycopg.conninfo.conninfo_to_dict(self.url)
        return f"{info.get('host', 'localhost')}:{info.get('port', 5432)}/{info.get('dbname', '')}"

    def options(self) -> str:
        """The URL's server options, with ``search_path`` set to runbook's own schema
        (:data:`SCHEMA`) unless the URL chose one."""
        options = str(psycopg.conninfo.conninfo_to_dict(self.url).get("options") or "")
        if "search_path" in options:
            return options
        return f"{options} -c search_path={SCHEMA}".strip()

    def default_schema(self) -> bool:
        """True when the URL leaves the schema to runbook (:data:`SCHEMA`)."""
        return "search_path" not in str(
            psycopg.conninfo.conninfo_to_dict(self.url).get("options") or ""
        )

    def connect(self) -> Conn:
        """The session's connection, opened when there is none."""
        try:
            return self._connection()
        except psycopg.Error as exc:
            raise self._unreachable(exc) from None

    def _connection(self) -> Conn:
        """The session's connection, opened when there is none (psycopg's error if not)."""
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(
                self.url,
                options=self.options(),
                row_factory=dict_row,
                connect_timeout=10,
                autocommit=True,
                application_name="runbook",
            )
            self._connected = True
        return self._conn

    def _unreachable(self, exc: BaseException) -> StoreError:
        return StoreError(
            _(
                "cannot reach the team incident store at %(where)s: %(reason)s",
                where=self.where(),
                reason=first_line(exc),
            )
        )

    def drop(self) -> None:
        """Close the connection (a broken one included); the next use opens another."""
        if self._conn is not None:
            try:
                self._conn.close()
            except psycopg.Error:
                pass
            self._conn = None

    def retrying(self, work: Callable[[Conn], T]) -> T:
        """Run ``work(conn)`` in a transaction, retrying when the connection is lost or the
        transaction cannot serialise; every failure leaves as a StoreError in plain words."""
        last: Exception | None = None
        committing = False  # once a try reached its commit, the change may have been saved
        for attempt in range(ATTEMPTS):
            if attempt:
                self.say(
                    _(
                        "lost the connection to the team database (%(reason)s); trying again "
                        "(%(attempt)s of %(attempts)s)",
                        reason=reason(last),
                        attempt=attempt + 1,
                        attempts=ATTEMPTS,
                    )
                )
                time.sleep(min(0.05 * 2**attempt, 1.0))
            with self._lock:
                try:
                    conn = self._connection()
                except psycopg.Error as exc:
                    if not self._connected:
                        raise self._unreachable(exc) from None
                    last = exc  # the server went away (a failover, a restart): try again
                    self.drop()
                    continue
                try:
                    with conn.transaction():
                        result = work(conn)
                        committing = True
                    if attempt:
                        self.say(_("reconnected to the team database; done"))
                    return result
                except TRANSIENT as exc:
                    last = exc
                    self.drop()
                except pg_errors.RaiseException as exc:
                    raise StoreError(first_line(exc)) from None
                except pg_errors.InsufficientPrivilege as exc:
                    raise StoreError(
                        _(
                            "the team store refused: %(reason)s (your database login may not do "
                            "this)",
                            reason=first_line(exc),
                        )
                    ) from None
                except pg_errors.UniqueViolation:
                    raise
                except psycopg.Error as exc:
                    self.drop()
                    raise StoreError(
                        _("the team store failed: %(reason)s", reason=reason(exc))
                    ) from None
        outcome = (
            _("it may have been saved just before the connection dropped: check before repeating")
            if committing
            else _("nothing was saved; run the command again")
        )
        raise StoreError(
            _(
                "lost the connection to the team database at %(where)s and could not get it back "
                "after %(attempts)s tries (%(reason)s); %(outcome)s",
                where=self.where(),
                attempts=ATTEMPTS,
                reason=reason(last),
                outcome=outcome,
            )
        )

    def say(self, line: str) -> None:
        """Tell :attr:`notice`, when someone listens, one line about the connection."""
        if self.notice is not None:
            self.notice(line)


def reason(exc: BaseException | None) -> str:
    """Why the connection failed, in words (never the driver's object representations)."""
    if isinstance(exc, pg_errors.AdminShutdown):
        return _("the database server ended this session")
    if isinstance(exc, pg_errors.SerializationFailure | pg_errors.DeadlockDetected):
        return _("another writer got in the way")
    text = first_line(exc)
    if "<" in text and ">" in text:
        return _("the connection broke")
    if text.startswith("connection failed"):  # psycopg's words for a server not answering
        return _("the database server did not answer")
    return text


def first_line(exc: BaseException | None) -> str:
    """The error's first line (its name when it has no text)."""
    text = str(exc or "unknown error").strip()
    return text.splitlines()[0] if text else type(exc).__name__


def one(cursor: psycopg.Cursor[dict[str, Any]]) -> dict[str, Any]:
    """The one row a query always answers (an aggregate, a setting); a store that answers
    none is not one runbook can use."""
    row = cursor.fetchone()
    if row is None:
        raise StoreError(_("the team store answered a query with no row; is it a runbook store?"))
    return row
