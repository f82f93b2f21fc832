"""Adding posts to a content calendar file: how a statement is handed to a file calendar.

:meth:`FileCalendar.create <runbook.effects.scheduler.file_calendar.FileCalendar.create>`
lands here. Each new post gets an id derived from the idempotency key and its position in
the request (``rb-`` and the first 10 hex digits of SHA-256 of ``key/index``), so a create
retried with the same key finds its posts already in the file and adds nothing twice; those
are reported as done as they now are (someone may have edited or published them meanwhile).

New posts are ``scheduled``, at the time asked for (``now``: the calendar's clock). They are
written like every other change to the file: under the advisory lock, one read, and one atomic
swap that refuses to overwrite an edit someone saved meanwhile. Before the swap the new content
is parsed back and every new post must read back exactly as meant (id, channel, time, text,
status), so a statement is never written in a way the calendar would read differently.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from runbook.effects import Outcome
from runbook.effects.scheduler import SCHEDULED, scheduled_time
from runbook.effects.scheduler.file_calendar import NewPosts, excerpt
from runbook.errors import EffectError
from runbook.i18n import _

if TYPE_CHECKING:
    from runbook.clock import Clock
    from runbook.effects.scheduler.file_calendar import FileCalendar

ID_PREFIX = "rb-"
"""Ids of the posts runbook adds start with this."""


def post_id(key: str, index: int) -> str:
    """The id of the ``index``-th post created with idempotency key ``key``."""
    return ID_PREFIX + hashlib.sha256(f"{key}/{index}".encode()).hexdigest()[:10]


def create(calendar: FileCalendar, posts: list[dict[str, Any]], key: str) -> Outcome:
    """Add ``posts`` to ``calendar`` (see the module docstring); one read, at most one write."""
    outcome = Outcome()
    added: list[tuple[int, dict[str, str]]] = []
    with calendar._locked():
        current = calendar._read()
        for index, post in enumerate(posts):
            pid = post_id(key, index)
            row = current.rows.get(pid)
            if row is not None:  # created by an earlier try with the same key
                outcome.done.append({**row.as_dict(calendar.name), "index": index})
                continue
            values, problem = _new_post(pid, post, calendar.clock)
            if problem:
                outcome.failures.append(
                    {
                        "index": index,
                        "id": pid,
                        "channel": str(post.get("channel") or ""),
                        "error": problem,
                        "transient": False,
                        "scheduler": calendar.name,
                    }
                )
            else:
                added.append((index, values))
        if added:
            new = [values for _, values in added]
            data = current.append(new)
            _check_reads_back(calendar, data, new)
            calendar._replace(current, data)
    for index, values in added:
        done = {
            "id": values["id"],
            "channel": values["channel"],
            "scheduled_at": values["scheduled_at"],
            "excerpt": excerpt(values["text"]),
            "status": SCHEDULED,
            "scheduler": calendar.name,
            "index": index,
        }
        outcome.done.append(done)
    outcome.done.sort(key=lambda item: item["index"])
    return outcome


def _new_post(pid: str, post: dict[str, Any], clock: Clock) -> tuple[dict[str, str], str]:
    """The calendar values of a new post, or a problem a comms person can act on."""
    channel = str(post.get("channel") or "").strip()
    text = post.get("text")
    when = str(post.get("scheduled_at") or "")
    if not channel:
        return {}, f"post {pid} has no channel; say where it should be published"
    if not isinstance(text, str) or not text.strip():
        return {}, f"the {channel} post {pid} has no text"
    at = scheduled_time(when, clock)
    if at is None:
        return {}, (
            f"the {channel} post {pid} has the time {when!r}, which is not a date and time; "
            "write it like 2026-11-21T15:00:00Z, or now"
        )
    values = {"id": pid, "channel": channel, "scheduled_at": at, "text": text}
    return {**values, "status": SCHEDULED}, ""


def _check_reads_back(calendar: FileCalendar, data: bytes, new: NewPosts) -> None:
    """Refuse to write ``data`` unless each new post reads back from it exactly."""
    rows = calendar._parse(data)[0]
    for values in new:
        row = rows.get(values["id"])
        got = None if row is None else (row.channel, row.scheduled_at, row.text, row.status)
        if got != (values["channel"], values["scheduled_at"], values["text"], SCHEDULED):
            raise EffectError(
                _(
                    "runbook could not add the %(channel)s post to %(path)s in a way that reads "
                    "back exactly as written; nothing was written — add it by hand",
                    channel=values["channel"],
                    path=calendar.path,
                )
            )
