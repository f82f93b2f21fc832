"""Bounds on everything a file or a person can size, in one place.

A pasted megabyte, a duration of a million days or a playbook with ten thousand questions must
never overflow a date at ``tick``, make ``status`` lint for minutes or fill the screen: each is
refused where it enters, with one line naming the field and the limit. Files are checked when
they load (every list, mapping and text of a spec: :class:`runbook.model.base.Spec`, durations
at most 90 days: :func:`runbook.model.base.parse_duration`); what people type is checked by
the engine's commands against the limits here (:func:`check_text`).
"""

from __future__ import annotations

from datetime import timedelta

from runbook.errors import ActionRefused
from runbook.i18n import _, formats

MAX_TITLE = 200
"""An incident's title (characters)."""
MAX_NOTE = 10_000
"""A note, a resolution summary or a review (characters)."""
MAX_STATEMENT = 20_000
"""One variant of a statement, typed or rendered from a template (characters)."""
MAX_REASON = 2_000
"""A reason, a comment or an attestation's note (characters)."""
MAX_HOW = 80
"""How an approval was given elsewhere (``by phone``)."""
MAX_RESCHEDULE = timedelta(days=366)
"""How far ahead a held post may be released to (``--reschedule POST=TIME``)."""


def check_text(what: str, text: str, limit: int) -> None:
    """Refuse ``text`` longer than ``limit`` characters, naming ``what`` (one line)."""
    if len(text) > limit:
        raise ActionRefused(
            _(
                "%(what)s is %(n)s characters long; at most %(limit)s",
                what=what,
                n=formats.number(len(text), digits=0),
                limit=formats.number(limit, digits=0),
            )
        )
