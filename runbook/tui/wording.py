"""The words the terminal UI uses: durations, countdowns, stage, state and target names.

Presentation only (no Textual, no rules). Events are put in words by :mod:`runbook.describe`,
shared with the export and ``runbook watch``. Every word here is in the language in force
(the tables hold English ids marked with ``N_``; :func:`word` translates them when shown).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from runbook.errors import ActionRefused
from runbook.i18n import N_, _, current_language, formats

KEYS: list[tuple[str, str, str]] = [
    ("a", "level", N_("level")),
    ("p", "pause", N_("pause")),
    ("n", "notify", N_("notify")),
    ("k", "ack", N_("ack")),
    ("d", "start_draft", N_("draft")),
    ("e", "edit_draft", N_("edit")),
    ("s", "submit", N_("submit")),
    ("y", "approve", N_("approve")),
    ("Y", "attest", N_("attest")),
    ("x", "reject", N_("reject")),
    ("o", "override", N_("override")),
    ("P", "publish", N_("publish")),
    ("t", "retry", N_("retry")),
    ("S", "resend", N_("send again")),
    ("m", "note", N_("note")),
    ("r", "resolve", N_("resolve")),
    ("c", "close", N_("close")),
    ("C", "config_change", N_("record the change")),
]
"""(key, action, footer words) of every incident action (``C`` records a change of
playbook, policy or contacts: offered only while one is pending)."""

ACTION_KEYS = {
    **{name: key for key, name, _words in KEYS},
    "assess": "a",
    "reassess": "a",
    "check": N_("enter"),
}
"""The key of each lifecycle action on the incident screen (``enter`` ticks the checklist)."""


def refusal_words(refusal: ActionRefused) -> str:
    """A refusal as the app says it: the reason, then the way on in the app (a key), or the
    keys of the actions allowed now; never a command of the command line."""
    if refusal.allowed:
        labels = {name: words for _key, name, words in KEYS}
        labels.update(assess=N_("level"), reassess=N_("level"), check=N_("tick"))
        keys = list(
            dict.fromkeys(
                f"{_(ACTION_KEYS[name]) if name == 'check' else ACTION_KEYS[name]} "
                + _(labels[name])
                for name in refusal.allowed
                if name in ACTION_KEYS
            )
        )
        if keys:
            return refusal.reason + " (" + _("allowed now: %(words)s", words=", ".join(keys)) + ")"
    return refusal.for_app()


STAGE_WORDS = {
    "assess": N_("level"),
    "pause": N_("pause"),
    "notify": N_("notify"),
    "draft": N_("draft"),
    "approve": N_("approve"),
    "resolve": N_("resolve"),
    "review": N_("review"),
}
"""Stage ids as a comms person reads them on the stepper."""

TARGET_WORDS = {
    "acknowledge": N_("ack"),
    "assess": N_("level"),
    "pause": N_("pause"),
    "notify": N_("notify"),
    "first_statement": N_("statement"),
    "resolve": N_("resolve"),
}
"""Target names (playbook ``targets``: acknowledged, level set, posts paused, people notified,
first statement approved, resolved) as short words for the board."""

STATE_WORDS = {
    "declared": N_("declared"),
    "assessed": N_("assessed"),
    "paused": N_("paused"),
    "notified": N_("notified"),
    "drafting": N_("drafting"),
    "in_review": N_("in_review"),
    "approved": N_("approved"),
    "resolved": N_("resolved"),
    "closed": N_("closed"),
}
"""The incident's lifecycle states as the board and the incident screen show them."""

STATUS_WORDS = {
    "done": N_("done"),
    "skipped": N_("skipped"),
    "unconfirmed": N_("unconfirmed"),
    "to do": N_("to do"),
}
"""A stage's status (``stage_status``) in words."""


def word(table: Mapping[str, str], key: str) -> str:
    """``key``'s word from ``table`` in the language in force (``key`` itself if unlisted)."""
    found = table.get(key)
    return _(found) if found else key


def clock_span(delta: timedelta) -> str:
    """A short elapsed time: ``45s``, ``12m``, ``1h05m``, ``2d3h`` (``45 s``, ``12 min``,
    ``1h05``, ``2j3h`` in French)."""
    seconds = int(abs(delta.total_seconds()))
    if seconds < 60:
        return _("%(s)ss", s=seconds)
    minutes, _rest = divmod(seconds, 60)
    if minutes < 60:
        return _("%(m)sm", m=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return _("%(h)sh%(m)sm", h=hours, m=str(minutes).zfill(2))
    days, hours = divmod(hours, 24)
    return _("%(d)sd%(h)sh", d=days, h=hours)


def since(start: datetime | None, now: datetime) -> str:
    """Elapsed time since ``start`` (``-`` when unknown)."""
    return clock_span(now - start) if start else "-"


def countdown(due: datetime, now: datetime) -> tuple[str, bool]:
    """(``in 4m`` or ``3m overdue``, overdue?)."""
    left = due - now
    if left.total_seconds() < 0:
        return _("%(span)s overdue", span=clock_span(left)), True
    return _("in %(span)s", span=clock_span(left)), False


def offset(at: datetime, opened: datetime | None) -> str:
    """Time since declaration as ``+0:12:03`` (empty when unknown)."""
    if opened is None:
        return ""
    seconds = max(0, int((at - opened).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    return f"+{hours}:{rest // 60:02d}:{rest % 60:02d}"


def moment(at: datetime) -> str:
    """A moment to the second, in UTC: ``2026-11-21 14:05:03 UTC`` / ``21 novembre 2026 à
    14:05:03 UTC``."""
    when = at.astimezone(UTC) if at.tzinfo else at
    if current_language() == "en":
        return when.strftime("%Y-%m-%d %H:%M:%S UTC")
    return _(
        "%(date)s at %(time)s UTC", date=formats.long_date(when), time=when.strftime("%H:%M:%S")
    )


def slot(value: str) -> str:
    """A post's scheduled time (ISO 8601) in a few characters, in UTC: ``20 Nov 12:00`` /
    ``20 nov. 12:00`` (the text itself when it is not a time)."""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return str(value or "")
    when = when.astimezone(UTC) if when.tzinfo else when
    import babel.dates

    return babel.dates.format_datetime(when, "d MMM HH:mm", tzinfo=UTC, locale=current_language())


def ago(at: datetime, now: datetime) -> str:
    """``5 min ago`` / ``il y a 5 min``."""
    return formats.ago(at, now)
