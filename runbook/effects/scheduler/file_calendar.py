"""A content calendar file (CSV or YAML) as a scheduler: the small team's spreadsheet.

Many comms teams keep their upcoming posts in a shared file rather than a scheduling tool. This
module owns reading that file, marking posts ``held`` / back to ``scheduled``, and writing it
back without ever leaving it half-written or overwriting someone else's edit. The formats
live in :mod:`.calendar_csv` and :mod:`.calendar_yaml`, adding new posts (a statement handed
over for publishing) in :mod:`.calendar_create`.

The file:

* CSV with a header row naming at least ``id, channel, scheduled_at, status`` (``text`` is
  optional; names are matched case-insensitively). Any other column is kept untouched, and so
  are the delimiter (``,`` ``;`` tab or ``|``), quoting, line endings, a UTF-8 byte-order mark
  and every row runbook does not change (copied byte for byte).
* YAML: a list of mappings with the same keys, read only through :mod:`runbook.loading`
  (so limited to its 1 MiB size: use CSV for very large calendars). Changed values are edited
  in place, keeping comments and layout; if that cannot be done safely the file is rewritten
  with ``yaml.safe_dump`` (comments are then lost).

``status`` is ``scheduled``, ``held``, ``published``, ``draft`` or the team's own words; runbook
only ever changes ``scheduled`` <-> ``held`` (and ``scheduled_at`` when releasing at a new time),
and adds ``scheduled`` posts when it publishes a statement: CSV rows are appended in the file's
own delimiter, quoting and line endings, YAML items after the last one.

Writes: runbook's own writers queue on an advisory lock (``<file>.lock``); the new content goes
to a temporary file in the same folder, is flushed to disk and then swapped in with
``os.replace``. Just before the swap the file is compared (mtime, size, SHA-256) with what was
read; if anyone changed it meanwhile nothing is written and a transient :class:`EffectError`
asks to try again. Every call reads the file once and writes it at most once.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from runbook.clock import Clock, SystemClock
from runbook.effects import Outcome, Post
from runbook.effects.scheduler import HELD, SCHEDULED
from runbook.errors import EffectError
from runbook.i18n import _, formats
from runbook.model.schedulers import CALENDAR_FORMATS
from runbook.model.text import decode_utf8

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: the change check still protects edits
    fcntl = None  # type: ignore[assignment]

COLUMNS = ("id", "channel", "scheduled_at", "text", "status")
"""The documented columns (CSV header names or YAML keys)."""
REQUIRED = ("id", "channel", "scheduled_at", "status")
"""Columns a calendar must have (``text`` may be left out)."""
EXCERPT_CHARS = 80
"""Length of the excerpt shown for a post."""
OVERDUE_WINDOW = timedelta(hours=24)
"""Posts whose time passed less than this long ago are still listed: in a file calendar a
person may be about to publish an overdue post by hand."""
LOCK_WAIT = 10.0
"""Seconds to wait for another runbook writing the same calendar before giving up."""

Fingerprint = tuple[int, int, str]
"""(mtime_ns, size, sha256) of the calendar's bytes."""
MAX_CALENDAR_BYTES = 50 * 1024 * 1024
"""Largest calendar file runbook reads (a 10,000-post CSV is about 1.2 MB)."""
Changes = dict[str, dict[str, str]]
"""Per post id, the columns to set (``status``, ``scheduled_at``)."""
NewPosts = list[dict[str, str]]
"""Posts to add: ``id, channel, scheduled_at, text, status`` each."""


@dataclass(slots=True)
class _Row:
    id: str
    line: int
    channel: str
    scheduled_at: str
    text: str
    status: str
    ref: int
    """Position of the record in the file (CSV record or YAML list index)."""

    def as_dict(self, scheduler: str, changed: dict[str, str] | None = None) -> dict[str, Any]:
        """Same as ``self.post(...).as_dict()``, without building a Post (10,000 at a time)."""
        changed = changed or {}
        return {
            "id": self.id,
            "channel": self.channel,
            "scheduled_at": changed.get("scheduled_at", self.scheduled_at),
            "excerpt": excerpt(self.text),
            "status": changed.get("status", self.status),
            "scheduler": scheduler,
        }

    def post(self, scheduler: str) -> Post:
        return Post(**self.as_dict(scheduler))


@dataclass
class _Calendar:
    """One read of the file: its posts, problems found, and how to write a changed copy."""

    rows: dict[str, _Row]
    fingerprint: Fingerprint
    mode: int
    render: Callable[[Changes], bytes]
    append: Callable[[NewPosts], bytes]
    """The file's bytes with new posts added after the existing ones."""
    problems: list[str] = field(default_factory=list)
    """Problems that stop listing (bad dates, missing statuses) but not holding/releasing."""


def excerpt(text: str) -> str:
    """The first :data:`EXCERPT_CHARS` characters of ``text``, whitespace runs collapsed."""
    return " ".join(text.split())[:EXCERPT_CHARS]


def parse_time(value: str) -> datetime | None:
    """An ISO 8601 date and time (time-zone-less values are local time), or None."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.astimezone()


class FileCalendar:
    """A CSV or YAML content calendar file as a :class:`SchedulerAdapter`."""

    def __init__(
        self,
        name: str,
        path: str | os.PathLike[str],
        *,
        clock: Clock | None = None,
        format: str | None = None,
    ) -> None:
        self.name = name
        self.path = Path(path)
        self.clock: Clock = clock or SystemClock()
        self.format = format or CALENDAR_FORMATS.get(self.path.suffix.lower())
        if self.format not in ("csv", "yaml"):
            raise ValueError(
                f"cannot tell whether {self.path} is CSV or YAML; name it .csv or .yaml, or "
                "set format: csv or format: yaml"
            )

    def __repr__(self) -> str:
        return f"FileCalendar({self.name!r}, {str(self.path)!r}, format={self.format!r})"

    # -- the protocol ---------------------------------------------------------------
    def list_posts(self) -> list[Post]:
        """Every upcoming post: held ones, undated ones, and those due no more than
        :data:`OVERDUE_WINDOW` ago. Raises EffectError if any post's date or status is
        unreadable (so no post is silently missed)."""
        calendar = self._read()
        if calendar.problems:
            more = len(calendar.problems) - 1
            extra = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
            raise EffectError(calendar.problems[0] + extra)
        since = self.clock.now() - OVERDUE_WINDOW
        posts = []
        for row in calendar.rows.values():
            moment = parse_time(row.scheduled_at) if row.scheduled_at.strip() else None
            if row.status == HELD or moment is None or moment >= since:
                posts.append(row.post(self.name))
        return posts

    def hold(self, post_ids: list[str], key: str) -> Outcome:
        """Mark these posts ``held`` (already held: success; other statuses: failure)."""
        return self._change(post_ids, HELD, {})

    def release(self, post_ids: list[str], key: str, new_times: dict[str, str]) -> Outcome:
        """Mark these posts ``scheduled`` again, at ``new_times[id]`` where given."""
        return self._change(post_ids, SCHEDULED, new_times)

    def status(self, post_ids: list[str]) -> dict[str, str]:
        """Current status of each post (``missing`` when not in the file)."""
        rows = self._read().rows
        return {pid: rows[pid].status if pid in rows else "missing" for pid in post_ids}

    def create(self, posts: list[dict[str, Any]], key: str) -> Outcome:
        """Add ``scheduled`` posts (see :func:`.calendar_create.create`): ids come from
        ``key`` and each post's index, so creating again with the same key adds nothing."""
        from runbook.effects.scheduler.calendar_create import create

        return create(self, posts, key)

    # -- changing posts -------------------------------------------------------------
    def _change(self, post_ids: list[str], want: str, new_times: dict[str, str]) -> Outcome:
        outcome = Outcome()
        with self._locked():
            calendar = self._read()
            changes: Changes = {}
            accepted: list[_Row] = []
            for pid in dict.fromkeys(post_ids):
                row = calendar.rows.get(pid)
                problem = self._plan(row, pid, want, new_times.get(pid), changes)
                if problem:
                    outcome.failures.append(
                        {"id": pid, "error": problem, "transient": False, "scheduler": self.name}
                    )
                elif row is not None:
                    accepted.append(row)
            if changes:
                self._replace(calendar, calendar.render(changes))
        outcome.done = [row.as_dict(self.name, changes.get(row.id)) for row in accepted]
        return outcome

    def _plan(
        self, row: _Row | None, pid: str, want: str, new_time: str | None, changes: Changes
    ) -> str:
        """Record the change ``row`` needs in ``changes``; return a problem or ''."""
        if row is None:
            return f"post {pid} is not in {self.path}; it may have been deleted or renamed"
        if row.status not in (HELD, SCHEDULED):
            return (
                f"post {pid} ({self.path} line {row.line}) is {row.status or 'without status'!r}"
                f", not scheduled or held; runbook left it as it is"
            )
        change: dict[str, str] = {}
        if want == SCHEDULED and new_time is not None:
            if parse_time(new_time) is None:
                return f"post {pid}: the new time {new_time!r} is not a date and time"
            if new_time != row.scheduled_at:
                change["scheduled_at"] = new_time
        if row.status != want:
            change["status"] = want
        if change:
            changes[pid] = change
        return ""

    # -- reading --------------------------------------------------------------------
    def _read(self) -> _Calendar:
        raw, fingerprint, mode = self._read_bytes()
        rows, problems, render, append = self._parse(raw)
        return _Calendar(rows, fingerprint, mode, render, append, problems)

    def _parse(self, raw: bytes) -> ParseResult:
        # the format modules import this one, so they are imported here
        if self.format == "csv":
            from runbook.effects.scheduler.calendar_csv import parse_csv

            return parse_csv(self.path, raw)
        from runbook.effects.scheduler.calendar_yaml import parse_yaml

        return parse_yaml(self.path, raw)

    def _read_bytes(self) -> tuple[bytes, Fingerprint, int]:
        try:
            with open(self.path, "rb") as handle:
                info = os.fstat(handle.fileno())
                if info.st_size > MAX_CALENDAR_BYTES:
                    raise EffectError(
                        _(
                            "the content calendar %(path)s is %(st_size)s bytes; runbook reads "
                            "calendars up to %(max_calendar_bytes)s bytes (about 400,000 posts): "
                            "split it, or use a scheduler's API",
                            path=self.path,
                            st_size=formats.number(info.st_size, digits=0),
                            max_calendar_bytes=formats.number(MAX_CALENDAR_BYTES, digits=0),
                        )
                    )
                raw = handle.read(MAX_CALENDAR_BYTES + 1)
        except FileNotFoundError:
            raise EffectError(
                _(
                    "the content calendar %(path)s does not exist; check the path configured for "
                    "scheduler %(name)s",
                    path=self.path,
                    name=repr(self.name),
                )
            ) from None
        except PermissionError:
            raise EffectError(
                _("runbook is not allowed to read %(path)s", path=self.path)
            ) from None
        except IsADirectoryError:
            raise EffectError(
                _("%(path)s is a folder, not a content calendar file", path=self.path)
            ) from None
        except OSError as exc:
            raise EffectError(
                _("cannot read %(path)s: %(reason)s", path=self.path, reason=exc.strerror or exc),
                transient=True,
            ) from None
        return raw, (info.st_mtime_ns, info.st_size, hashlib.sha256(raw).hexdigest()), info.st_mode

    def _fingerprint_now(self, real: str) -> Fingerprint | None:
        try:
            with open(real, "rb") as handle:
                info = os.fstat(handle.fileno())
                digest = hashlib.sha256(handle.read()).hexdigest()
        except OSError:
            return None
        return info.st_mtime_ns, info.st_size, digest

    # -- writing --------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Queue behind any other runbook writing this calendar (advisory ``<file>.lock``)."""
        if fcntl is None:  # pragma: no cover
            yield
            return
        lock_path = os.path.realpath(self.path) + ".lock"
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise EffectError(
                _(
                    "runbook cannot create %(lock_path)s next to %(path)s (%(reason)s); check "
                    "that the folder may be written to",
                    lock_path=lock_path,
                    path=self.path,
                    reason=exc.strerror or exc,
                )
            ) from None
        try:
            deadline = time.monotonic() + LOCK_WAIT
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise EffectError(
                            _(
                                "%(path)s is being changed by another runbook for more than "
                                "%(lock_wait)s s; nothing was written — try again",
                                path=self.path,
                                lock_wait=format(LOCK_WAIT, ".0f"),
                            ),
                            transient=True,
                        ) from None
                    time.sleep(0.01)
            yield
        finally:
            os.close(fd)

    def _replace(self, calendar: _Calendar, data: bytes) -> None:
        """Swap in ``data`` atomically, unless the file changed since it was read."""
        real = os.path.realpath(self.path)  # a symlinked calendar keeps its link
        folder, base = os.path.split(real)
        try:
            fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{base}.", suffix=".runbook-tmp")
        except OSError as exc:
            raise EffectError(
                _(
                    "runbook cannot write in the folder of %(path)s (%(reason)s); nothing was "
                    "changed",
                    path=self.path,
                    reason=exc.strerror or exc,
                )
            ) from None
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, calendar.mode & 0o7777)
            if self._fingerprint_now(real) != calendar.fingerprint:
                raise EffectError(
                    _(
                        "%(path)s was changed by someone else while runbook was updating posts; "
                        "nothing was written — try again",
                        path=self.path,
                    ),
                    transient=True,
                )
            os.replace(temp, real)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            if isinstance(exc, OSError):
                raise EffectError(
                    _(
                        "could not save %(path)s (%(reason)s); the calendar was not changed",
                        path=self.path,
                        reason=exc.strerror or exc,
                    ),
                    transient=True,
                ) from None
            raise
        with contextlib.suppress(OSError):  # make the rename itself durable
            dir_fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)


# -- shared by the formats (calendar_csv, calendar_yaml) ----------------------------------

ParseResult = tuple[
    dict[str, _Row], list[str], Callable[[Changes], bytes], Callable[[NewPosts], bytes]
]
"""What parsing a calendar gives: posts by id, problems, the change and append renderers."""


def _decode(path: Path, raw: bytes) -> str:
    try:
        return decode_utf8(raw, str(path))
    except ValueError as exc:
        raise EffectError(_('%(exc)s (in a spreadsheet: "CSV UTF-8")', exc=exc)) from None


def _check_row(path: Path, row: _Row, problems: list[str]) -> None:
    """Note a missing status or unreadable date (stops listing, not holding)."""
    if not row.status:
        problems.append(
            f"{path} line {row.line}: post {row.id} has no status; write scheduled, held, "
            "published or draft"
        )
    if row.scheduled_at:
        if parse_time(row.scheduled_at) is None:
            problems.append(
                f"{path} line {row.line}: post {row.id} has scheduled_at {row.scheduled_at!r}, "
                "which is not a date and time; write it like 2026-11-21T15:00:00Z"
            )
    elif row.status in (SCHEDULED, HELD):
        problems.append(
            f"{path} line {row.line}: post {row.id} is {row.status} but has no scheduled_at"
        )


def _apply_edits(text: str, edits: list[tuple[int, int, str]]) -> str:
    """``text`` with each ``(start, end, new)`` span replaced (spans do not overlap)."""
    pieces: list[str] = []
    copied = 0
    for start, end, new in sorted(edits):
        pieces += (text[copied:start], new)
        copied = end
    pieces.append(text[copied:])
    return "".join(pieces)
