"""The demo content calendar: upcoming brand posts to pause and release while trying runbook.

The shipped contacts configure a file calendar with ``demo: 40``. When its file is missing, it
is written here: 40 cheerful brand posts over the coming week across the shipped platforms,
every one marked ``[DEMO]``, in a YAML calendar whose first line says it is a demo. A demo
calendar whose every post is past and none held is written afresh (so the demo never pauses
stale posts); a calendar without the demo line is never touched.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from runbook.errors import EffectError
from runbook.i18n import _

DEMO_MARK = "# runbook demo content calendar"
"""The first line of a demo calendar (only such a file is ever rewritten)."""
CHANNELS = ("x", "instagram", "linkedin", "facebook", "threads", "bluesky")
TEXTS = (
    "Autumn trail collection is here: boots, layers and a flask of something warm.",
    "Weekend plans? Our guide to five easy coastal walks, with dogs welcome.",
    "Meet Priya from our Leeds store: 12 years of fitting hiking boots.",
    "Flash sale: 20% off rain shells until Sunday midnight.",
    "Repair, don't replace: book a free zip repair in any of our stores.",
    "Customer photo of the week: sunrise on Helvellyn. Tag us to be featured.",
    "New colours for the Fell 30 backpack, made from recycled bottles.",
    "Our podcast this week: packing light for a three-day hike.",
)


def _posts(count: int, now: datetime) -> list[dict[str, str]]:
    first = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)  # 1-2 h ahead
    return [
        {
            "id": f"DEMO-{index + 1:02d}",
            "channel": CHANNELS[index % len(CHANNELS)],
            "scheduled_at": (first + timedelta(hours=4 * index)).isoformat(),
            "text": f"[DEMO] {TEXTS[index % len(TEXTS)]}",
            "status": "scheduled",
        }
        for index in range(count)
    ]


def _stale(path: Path, now: datetime) -> bool:
    """True for a demo calendar with every post past and none held."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if not text.startswith(DEMO_MARK):
        return False
    try:
        posts = yaml.safe_load(text) or []
    except yaml.YAMLError:
        return False
    if not isinstance(posts, list):
        return False
    for post in posts:
        if not isinstance(post, dict) or post.get("status") != "scheduled":
            return False
        try:
            when = datetime.fromisoformat(str(post.get("scheduled_at")))
        except ValueError:
            return False
        if when.tzinfo is None or when > now:
            return False
    return True


def ensure_demo_calendar(path: Path, count: int, now: datetime) -> None:
    """Write the demo calendar at ``path`` when it is missing or a stale demo (see module)."""
    if path.exists() and not _stale(path, now):
        return
    body = yaml.safe_dump(_posts(count, now), sort_keys=False, allow_unicode=True, width=100)
    text = (
        f"{DEMO_MARK}: example posts for trying runbook out, not real ones.\n"
        "# Delete this file to start the demo afresh; runbook writes a new one.\n" + body
    )
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with temp.open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise EffectError(
            _("cannot write the demo calendar %(path)s: %(exc)s", path=path, exc=exc)
        ) from None
