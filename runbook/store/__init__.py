"""The event store: an append-only log of events, one stream per incident.

:class:`EventStore` is the port; :mod:`runbook.store.sqlite` is the embedded default. Appends
carry the seq the writer expects to follow; a stale writer gets
:class:`~runbook.errors.ConcurrencyConflict` and retries on fresh state. Every event is
chained to the previous one by hash, so :mod:`runbook.store.chain` can name the first event
that was tampered with or corrupted. Beside the log each store keeps the incident list
(:mod:`runbook.store.listing`), derived from the events it appends: a cache that
:meth:`EventStore.heads` lets the engine check, and ``runbook db rebuild`` rewrites. After each
append the chain head is also written outside the database (:mod:`runbook.store.witness`), so a
rewrite that recomputes every hash is still found.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from runbook.model.events import Event
from runbook.store.claims import Claim
from runbook.store.witness import Witness


class EventStore(Protocol):
    """Where incidents' events are kept."""

    notice: Callable[[str], None] | None
    """Called with one line when the store loses its connection and tries again (the team
    store; the CLI prints it, the app shows it). None: nobody is told."""

    witness: Witness | None
    """Where each append's chain head is written outside the database (None: nowhere); see
    :mod:`runbook.store.witness`."""

    def append(
        self,
        incident_id: str,
        expected_seq: int,
        events: list[Event],
    ) -> list[Event]:
        """Append ``events`` after ``expected_seq``; return them with seq and hashes set.

        The incident list follows from the events (:mod:`runbook.store.listing`). Raises
        ConcurrencyConflict if another writer appended first.
        """
        ...

    def load(
        self, incident_id: str, after_seq: int = 0, *, with_hashes: bool = True
    ) -> list[Event]:
        """The incident's events after ``after_seq``, in order (empty if unknown).

        ``with_hashes=False`` may leave every hash but the newest empty (replay needs only
        the head's)."""
        ...

    def rows(self, incident_id: str) -> list[dict[str, Any]]:
        """The stored rows as written (for verification)."""
        ...

    def incidents(self) -> list[dict[str, Any]]:
        """The incident list: a summary of every incident, newest first (a cache)."""
        ...

    def command_use(self, command_id: str) -> tuple[str, str | None] | None:
        """Where a command id was first used: (incident id, the command recorded with it, as
        :attr:`Event.command` says), or None when no event carries it."""
        ...

    def heads(self) -> dict[str, dict[str, Any]]:
        """Every incident in the log itself: id -> its newest event's ``seq``, ``state`` and
        ``at`` (what the incident list must agree with)."""
        ...

    def rebuild_incidents(self) -> list[str]:
        """Rewrite the incident list from the logs; return the ids whose row changed (or was
        dropped: a row with no events behind it)."""
        ...

    def change_token(self) -> int:
        """A number that changes whenever anyone (any process) writes to the store."""
        ...

    def wait_for_change(self, token: int, timeout: float) -> int:
        """Block until the store changes after ``token`` (or ``timeout`` seconds pass);
        return the new token. PostgreSQL listens for notifications; SQLite polls."""
        ...

    def import_rows(self, incident_id: str, rows: list[dict[str, Any]]) -> int:
        """Write rows copied from another store exactly (hashes kept); return how many."""
        ...

    def claim(self, effect_id: str) -> Claim | None:
        """Hold ``effect_id`` for this process while it performs it; None when another live
        process holds it. Released by :meth:`Claim.release` or when the process dies
        (:mod:`runbook.store.claims`)."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


def open_store(location: str) -> EventStore:
    """Open the store at ``location``: a file path (SQLite) or a ``postgresql://`` URL."""
    if location.startswith(("postgresql://", "postgres://")):
        from runbook.store.postgres import PostgresStore

        return PostgresStore(location)
    from runbook.store.sqlite import SqliteStore

    return SqliteStore(location)
