"""The embedded event store in one SQLite file (see :mod:`.store`): the file's tables and how
runbook knows it as its own (:mod:`.schema`), SQLite's errors in words (:mod:`.errors`) and the
incident list's upkeep (:mod:`.incident_list`).

:class:`SqliteStore` is re-exported here: it is imported from some fifty places (tests,
benchmarks, the store's opener) as ``runbook.store.sqlite.SqliteStore``.
"""

from runbook.store.sqlite.store import SqliteStore

__all__ = ["SqliteStore"]
