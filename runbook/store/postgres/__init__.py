"""The team event store on PostgreSQL (see :mod:`.store`): its schema (:mod:`.schema`) and
what a login may do on it (:mod:`.access`). psycopg is imported in this package only."""

from runbook.store.postgres.store import PostgresStore

__all__ = ["PostgresStore"]
