"""Who is performing an effect: a claim the operating system (or the database) holds for a
live process, so no other process performs the same effect at the same time.

An effect (a pause, a fan-out of notifications) in flight is owned by the process performing
it, however slow it is; ``tick``, ``retry`` or another app skip it while the claim is held. A
claim is released when its holder finishes or dies: a SIGKILLed process's file descriptors
(SQLite) or connection (PostgreSQL) are closed by the kernel at once, so another process can
take the effect over within moments, never after a fixed lease.

* SQLite (:class:`FileClaims`): one lock file per effect in a folder beside the database
  (``incidents.db.effects/``), held with ``flock`` (an exclusive lock per open file, so two
  threads of one process exclude each other too). The file is removed by its holder before
  the lock is let go; a process that locked a file that was removed meanwhile tries again.
* PostgreSQL: a session advisory lock keyed by the effect id, on a connection of its own
  (see :mod:`runbook.store.postgres.claims`).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from pathlib import Path
from typing import Protocol

from runbook.errors import StoreError


class Claim(Protocol):
    """A held claim on one effect."""

    def release(self) -> None:
        """Let the effect go (idempotent)."""
        ...


class FileClaim:
    """An effect's lock file, locked by this process (see module docstring)."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    def release(self) -> None:
        """Remove the lock file, then let the lock go."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.path)  # while still locked: nobody can hold a removed file
        os.close(fd)


class FileClaims:
    """Claims on effects as lock files in ``folder`` (see module docstring)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, effect_id: str) -> Path:
        """The lock file of ``effect_id`` (a digest: ids are not file names)."""
        return self.folder / (hashlib.sha256(effect_id.encode("utf-8")).hexdigest()[:32] + ".lock")

    def claim(self, effect_id: str) -> FileClaim | None:
        """Hold ``effect_id`` for this process; None when a live process holds it."""
        path = self.path(effect_id)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot make the effect lock folder {self.folder}: {exc}") from None
        for _ in range(100):
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError as exc:
                raise StoreError(f"cannot open the effect lock {path}: {exc}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return None
            except OSError as exc:
                os.close(fd)
                raise StoreError(f"cannot lock {path}: {exc}") from None
            try:
                same = os.fstat(fd).st_ino == os.stat(path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                return FileClaim(path, fd)
            os.close(fd)  # its holder removed it as we opened it: take the new one
        raise StoreError(f"could not lock {path}: it keeps changing")
