"""How exports write times: ISO 8601 in UTC and in the chosen zone, and T+ offsets.

Every renderer shows the times the report model holds, so the conversions live here once. The
words follow the language in force (:func:`runbook.i18n.using`): English keeps
``2026-11-21 14:05:00 UTC`` and ``1h30m``; French reads ``21 novembre 2026 à 14:05:00 UTC``
and ``1 h 30 min``. ISO times (machine fields) are the same in every language.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from runbook.errors import RunbookError
from runbook.i18n import current_language, formats
from runbook.model.base import format_duration

_FRENCH_UNITS = (("j", 86400), ("h", 3600), ("min", 60), ("s", 1))


def zone(name: str) -> ZoneInfo:
    """The time zone ``name`` or a one-line error naming it."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise RunbookError(
            f"unknown time zone {name!r}; use a name like Europe/London, America/New_York or UTC"
        ) from None


def iso_utc(moment: datetime) -> str:
    """``2026-11-21T14:05:00Z``."""
    text = moment.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")


def iso_local(moment: datetime, tz: ZoneInfo) -> str:
    """``2026-11-21T15:05:00+01:00`` in ``tz``."""
    return moment.astimezone(tz).isoformat()


def t_plus(seconds: float) -> str:
    """``T+00:05:00``; ``T+1d 02:05:00`` beyond a day (``T+1j ...`` in French); ``T-...``
    before the declaration."""
    total = int(seconds)
    if 0 <= total < 86400:
        return f"T+{total // 3600:02d}:{total // 60 % 60:02d}:{total % 60:02d}"
    sign = "-" if seconds < 0 else "+"
    total = abs(total)
    days, rest = divmod(total, 86400)
    clock = f"{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}"
    if not days:
        return f"T{sign}{clock}"
    unit = "j" if current_language() == "fr" else "d"
    return f"T{sign}{days}{unit} {clock}"


def duration(seconds: float) -> str:
    """``1h30m`` (as playbooks write durations); ``1 h 30 min`` in French."""
    if current_language() != "fr":
        return format_duration(timedelta(seconds=int(seconds)))
    total = int(seconds)
    sign = "-" if total < 0 else ""
    total = abs(total)
    parts = []
    for unit, size in _FRENCH_UNITS:
        if total >= size:
            parts.append(f"{total // size} {unit}")
            total %= size
    return sign + (" ".join(parts) or "0 s")


@lru_cache(maxsize=4096)
def _french_date(day: str) -> str:
    """``2026-11-21`` -> ``21 novembre 2026`` (cached: a timeline repeats its days)."""
    return formats.long_date(datetime.fromisoformat(day), "fr")


def _words(day: str, clock: str, zone_name: str) -> str:
    """A day, a clock time and a zone in the language in force."""
    if current_language() == "fr":
        return f"{_french_date(day)} à {clock} {zone_name}"
    return f"{day} {clock} {zone_name}"


def readable(iso: str, tz: ZoneInfo | None = None) -> str:
    """``2026-11-21 14:05:00 UTC``, or in ``tz`` with its abbreviation (``15:05:00 CET``);
    ``21 novembre 2026 à 14:05:00 UTC`` in French."""
    if tz is None and iso.endswith("Z") and len(iso) >= 20:
        return _words(iso[:10], iso[11:19], "UTC")
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    if tz is None:
        utc = moment.astimezone(UTC)
        return _words(f"{utc:%Y-%m-%d}", f"{utc:%H:%M:%S}", "UTC")
    local = moment.astimezone(tz)
    return _words(f"{local:%Y-%m-%d}", f"{local:%H:%M:%S}", local.tzname() or "")


def readable_local(iso_local: str, tz: ZoneInfo) -> str:
    """:func:`readable` of a time already written in ``tz`` (``*_local`` fields), fast."""
    if len(iso_local) < 25 or iso_local[-6] not in "+-":
        return readable(iso_local, tz)
    key = (tz.key, iso_local[:10], iso_local[-6:])
    name = _ABBREVIATIONS.get(key)
    if name is None:
        name = datetime.fromisoformat(iso_local).astimezone(tz).tzname() or iso_local[-6:]
        _ABBREVIATIONS[key] = name
    return _words(iso_local[:10], iso_local[11:19], name)


_ABBREVIATIONS: dict[tuple[str, str, str], str] = {}

_UTC_NAMES = frozenset(
    {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Universal", "Etc/Universal", "Zulu", "Etc/Zulu"}
)


def is_utc(zone: str) -> bool:
    """Whether ``zone`` is UTC under one of its names: a report then shows one time column,
    not the same time twice."""
    return zone in _UTC_NAMES


def spreadsheet(iso: str) -> str:
    """``2026-11-21 14:05:00`` (the zone goes in the column heading)."""
    if len(iso) >= 19 and iso[10] == "T":
        return f"{iso[:10]} {iso[11:19]}"
    return f"{datetime.fromisoformat(iso.replace('Z', '+00:00')):%Y-%m-%d %H:%M:%S}"
