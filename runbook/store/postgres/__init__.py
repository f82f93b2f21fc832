"""The team event store on PostgreSQL (see :mod:`.store`): its connection and retries
(:mod:`.session`), its schema (:mod:`.schema`) and how it is brought up to date
(:mod:`.migration`), what a login may do on it (:mod:`.access`), the intake log
(:mod:`.intake_log`) and effect claims (:mod:`.claims`). psycopg is imported in this package
only."""

from runbook.store.postgres.store import PostgresStore

__all__ = ["PostgresStore"]
