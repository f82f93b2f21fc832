"""What every event's words are made of: the separators, lists, a draft's version and the
generic ``field: value`` line of an event this version has no words for (see
:mod:`runbook.describe`), in the language in force.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from runbook.i18n import N_, _

Label = Callable[[str], str]
Scrub = Callable[[str], str]

GENERIC_LIMIT = 600

STATE_WORDS = {
    "declared": N_("state|declared"),
    "assessed": N_("state|assessed"),
    "paused": N_("state|paused"),
    "notified": N_("state|notified"),
    "drafting": N_("state|drafting"),
    "in_review": N_("state|in review"),
    "approved": N_("state|approved"),
    "resolved": N_("state|resolved"),
    "closed": N_("state|closed"),
}
"""Each lifecycle state (``runbook.model.lifecycle.STATES``) in words, for exports and drill
reports (catalog context ``state``)."""


def semicolon() -> str:
    """The separator between parts of a line (``; `` / `` ; ``)."""
    return _("; ")


def listed(items: list[str]) -> str:
    """``a, b, c`` (ids and names, as recorded)."""
    return ", ".join(items)


def generic(data: dict[str, Any], scrub: Scrub, skip: tuple[str, ...] = ()) -> str:
    """``name: value; ...`` for any event's data (the field names are the stored ones)."""
    parts = []
    for key, value in data.items():
        if key in skip or key == "proof":  # how the actor was proven is shown beside them
            continue
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        parts.append(_("%(field)s: %(value)s", field=key, value=text))
    details = semicolon().join(parts)
    if len(details) > GENERIC_LIMIT:
        details = details[: GENERIC_LIMIT - 1] + "…"
    return scrub(details)


def version_of(data: dict[str, Any], key: str = "version") -> str:
    """``D1 v3``: a draft and its version."""
    return _("%(draft)s v%(version)s", draft=data["draft_id"], version=data[key])
