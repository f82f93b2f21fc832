"""Dates, times, numbers and durations written for the reader's language (Babel).

English keeps the forms runbook has always shown (``2026-03-12 14:05 UTC``, ``12 March 2026``,
``5m ago``); French reads as a French reader expects (``12 mars 2026 à 14:05 UTC``,
``1er mars``, ``il y a 5 min``, ``3,5``). Every function takes the language explicitly or uses
the one in force (:func:`runbook.i18n.current_language`). Babel is imported on first use.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from runbook.i18n import current_language, normalise


def _lang(language: str | None) -> str:
    return normalise(language) or current_language()


@cache
def _babel() -> Any:
    import babel.dates
    import babel.numbers

    return babel


def long_date(when: datetime, language: str | None = None) -> str:
    """``12 March 2026`` / ``12 mars 2026`` (``1er mars 2026`` on the first of a month)."""
    lang = _lang(language)
    if lang == "fr":
        text = _babel().dates.format_date(when, "d MMMM y", locale="fr")
        return "1er" + text[1:] if when.day == 1 else text
    return _babel().dates.format_date(when, "d MMMM y", locale="en")


def date_time(when: datetime, language: str | None = None) -> str:
    """``2026-03-12 14:05 UTC`` / ``12 mars 2026 à 14:05 UTC`` (always in UTC)."""
    moment = when.astimezone(UTC) if when.tzinfo else when
    if _lang(language) == "fr":
        return f"{long_date(moment, 'fr')} à {moment:%H:%M} UTC"
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def clock(when: datetime) -> str:
    """``14:05`` (the same in both languages)."""
    return when.strftime("%H:%M")


def number(value: float, language: str | None = None, digits: int = 1) -> str:
    """``1,234.5`` / ``1 234,5`` (at most ``digits`` decimals, no trailing zeros)."""
    pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "")
    return _babel().numbers.format_decimal(value, format=pattern, locale=_lang(language))


def percent(ratio: float, language: str | None = None) -> str:
    """``87%`` / ``87 %``."""
    return _babel().numbers.format_percent(ratio, locale=_lang(language))


def span(delta: timedelta | float, language: str | None = None) -> str:
    """A rounded duration: ``5 min``, ``2 h``, ``3 days`` / ``5 min``, ``2 h``, ``3 jours``."""
    seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
    return _babel().dates.format_timedelta(
        timedelta(seconds=abs(seconds)), format="short", threshold=1.5, locale=_lang(language)
    )


def ago(when: datetime, now: datetime, language: str | None = None) -> str:
    """``5 min ago`` / ``il y a 5 min`` (``in 5 min`` / ``dans 5 min`` for the future)."""
    return _babel().dates.format_timedelta(
        when - now, format="short", threshold=1.5, add_direction=True, locale=_lang(language)
    )
