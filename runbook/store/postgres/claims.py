"""Effect claims on the team store: which process is performing an effect, held by the
database server for as long as that process's connection lives.

A claim is a session advisory lock keyed by the effect id (:data:`EFFECT_LOCKS`, then the id's
hash), taken on a connection of its own so it outlives no process: the server lets it go when
the claim is released or the connection drops (a killed process). Apart from :mod:`.store`
because it is the PostgreSQL side of :mod:`runbook.store.claims`, not part of the event log.
"""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

from runbook.errors import StoreError
from runbook.store.postgres.session import Conn, Session, first_line

EFFECT_LOCKS = 0x52424B
"""First key of the advisory locks held on effects in flight (the second: the effect id's
hash), apart from the single-key locks on incidents."""


def claim(session: Session, effect_id: str) -> EffectClaim | None:
    """Hold ``effect_id`` for this process while it performs it (a session advisory lock
    keyed by the effect id, on a connection of its own); None when another live process
    holds it. The server lets it go when the claim is released or its connection drops
    (a killed process), so the effect can be taken over at once."""
    try:
        conn: Conn = psycopg.connect(
            session.url,
            options=session.options(),
            row_factory=dict_row,
            connect_timeout=10,
            autocommit=True,
            application_name="runbook effect",
        )
        row = conn.execute(
            "SELECT pg_try_advisory_lock(%s, hashtext(%s)) AS held",
            (EFFECT_LOCKS, effect_id),
        ).fetchone()
    except psycopg.Error as exc:
        raise StoreError(
            f"cannot reach the team incident store at {session.where()} to take effect "
            f"{effect_id} over: {first_line(exc)}"
        ) from None
    if not (row and row["held"]):
        conn.close()
        return None
    return EffectClaim(conn)


class EffectClaim:
    """An effect held by this process: the connection holding its advisory lock."""

    def __init__(self, conn: Conn) -> None:
        self._conn: Conn | None = conn

    def release(self) -> None:
        """Close the connection, which lets the lock go."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except psycopg.Error:
                pass
