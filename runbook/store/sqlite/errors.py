"""What the SQLite store says when SQLite fails: each error in words a person can act on,
and text a hand-edited file holds in bytes that are not UTF-8.

:func:`explain` turns an :class:`sqlite3.DatabaseError` into the message of a
:class:`~runbook.errors.StoreError` (busy, damaged, disk full, read-only, append-only);
:func:`lenient` reads undecodable text with a replacement character, so ``verify`` names the
event instead of failing to read it. Apart from :mod:`.store` so the store reads as the port it
implements, not as error handling.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from runbook.i18n import _


def lenient(raw: bytes) -> str:
    """Text read from the file, with a replacement character for bytes that are not UTF-8."""
    return raw.decode("utf-8", "replace")


def explain(path: Path, exc: sqlite3.DatabaseError) -> str:
    """A message a comms person can act on, for an SQLite error."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return _(
            "the incident store %(path)s is busy (another program is writing); try again",
            path=path,
        )
    if "not a database" in text or "malformed" in text:
        return _(
            "%(path)s is not a runbook incident store or is damaged (%(error)s)",
            path=path,
            error=text,
        )
    if "disk is full" in text or "disk I/O" in text:
        return _(
            "cannot write the incident store %(path)s: %(error)s; check the disk",
            path=path,
            error=text,
        )
    if "readonly" in text or "read-only" in text:
        return _("the incident store %(path)s is read-only; check its permissions", path=path)
    if "unable to open" in text:
        return _("cannot open the incident store at %(path)s", path=path)
    if "intake log is append-only" in text:
        return _("the intake log is append-only: warnings cannot be changed or deleted")
    if "append-only" in text:
        return _("the event log is append-only: events cannot be changed or deleted")
    return _("incident store %(path)s: %(error)s", path=path, error=text)
