"""The checks before a deleted post is made again from its record: its time and its media.

Owned here because Hootsuite and Meta both recreate: a slot that has passed, or is nearer or
further than the product allows, goes back to the operator (the post stays in runbook's record,
never published silently at another time), and media that can no longer be fetched is
reported instead of posting the text without it.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta

from runbook.errors import EffectError
from runbook.i18n import _

MAX_MEDIA = 20
"""Media references checked per post at most."""


def recreate_time(
    asked: str, now: datetime, *, earliest: timedelta, latest: timedelta | None = None
) -> datetime:
    """The time to recreate a post at (``asked``: its recorded slot, or the new time the
    operator gave); EffectError (not transient) when it is not a time, has passed, or is
    outside ``now + earliest`` .. ``now + latest``."""
    try:
        when = datetime.fromisoformat(asked.strip().replace("Z", "+00:00"))
    except ValueError:
        raise EffectError(
            _("its time %(asked)s is not a date and time", asked=repr(asked)), transient=False
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if when <= now:
        raise EffectError(
            _(
                "its slot (%(asked)s) has passed: it was not recreated; give it a new time "
                "(resolve --reschedule) or post it by hand from its record",
                asked=asked,
            ),
            transient=False,
        )
    if when < now + earliest:
        minutes = int(earliest.total_seconds() // 60)
        raise EffectError(
            _(
                "its slot (%(asked)s) is less than %(minutes)s minutes away, too near to "
                "schedule: it was not recreated; give it a later time or post it by hand from "
                "its record",
                asked=asked,
                minutes=minutes,
            ),
            transient=False,
        )
    if latest is not None and when > now + latest:
        raise EffectError(
            _(
                "its slot (%(asked)s) is more than %(days)s days away, too far to schedule: it "
                "was not recreated; give it an earlier time",
                asked=asked,
                days=latest.days,
            ),
            transient=False,
        )
    return when


def media_problem(urls: list[str], timeout: float) -> str:
    """Why some of a post's media can no longer be fetched (empty: all of it can)."""
    for url in urls[:MAX_MEDIA]:
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            return f"its media {url!r} is not a web address"
        request = urllib.request.Request(url, method="HEAD", headers={"User-Agent": "runbook"})
        try:
            with urllib.request.urlopen(request, timeout=timeout):
                pass
        except urllib.error.HTTPError as exc:
            return f"its media {url} can no longer be fetched (HTTP {exc.code})"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            return f"its media {url} can no longer be fetched ({reason})"
    return ""
