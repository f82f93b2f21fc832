"""The incident's timeline as the app shows it: one ``Line`` per entry, worded on demand.

Kept apart from :mod:`runbook.tui.data` (which reads the incident and decides what the
screens show) because the timeline's own concerns are wording, proof marks and folding the
delivery results of one notification into one line; the timeline widget and the incident
view both use it. No Textual here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from runbook.describe import how, sentence, tone
from runbook.i18n import N_, _

PROOF_MARKS = {
    "claimed": N_("claimed"),
    "ssh-signature": N_("signed"),
    "link": N_("by link"),
    "db-role": N_("db role"),
    "none": N_("no proof"),
}
"""The timeline's short marks per proof method."""


class Line:
    """One timeline entry; its words are worked out the first time it is shown (a
    10,000-event timeline describes only the lines on screen), in the words the export and
    ``runbook watch`` use (:mod:`runbook.describe`), people by name."""

    __slots__ = ("_event", "_more", "_names", "_words")

    def __init__(self, event: Any, names: dict[str, str]) -> None:
        self._event = event
        self._more: list[Any] = []
        self._names = names
        self._words: tuple[str, str] | None = None

    def joins(self, other: Line) -> bool:
        """True when ``other`` is another delivery result of the same notification: the app
        shows one line per notification (each message's result is its own event, recorded
        one by one; the export and ``runbook watch`` list them all)."""
        return (
            self.type == other.type == "NotificationsSent"
            and self._event.effect_id == other._event.effect_id
        )

    def take(self, other: Line) -> None:
        """Fold ``other`` (see :meth:`joins`) into this line: who was reached, and how."""
        self._more.append(other._event)
        self._more.extend(other._more)
        self._words = None

    @property
    def last_seq(self) -> int:
        """The last event this line shows."""
        return int((self._more[-1] if self._more else self._event).seq)

    @property
    def numbers(self) -> str:
        """``#12``, or ``#12-25`` for a line showing several events."""
        last = self.last_seq
        return f"#{self.seq}" if last == self.seq else f"#{self.seq}-{last}"

    @property
    def seq(self) -> int:
        """Position in the incident's stream."""
        return int(self._event.seq)

    @property
    def at(self) -> datetime:
        """When it happened (UTC)."""
        return self._event.at

    @property
    def actor(self) -> str:
        """Who did it."""
        return str(self._event.actor)

    @property
    def type(self) -> str:
        """The event's type (``NoteAdded``)."""
        return type(self._event).__name__

    def _described(self) -> tuple[str, str]:
        if self._words is None:
            data = self._event.data()
            if self._more:
                deliveries = [d for e in [self._event, *self._more] for d in e.deliveries]
                data = {**data, "deliveries": deliveries}
            kind = self.type
            self._words = (
                sentence(kind, data, lambda person: self._names.get(person, person)),
                tone(kind, data),
            )
        return self._words

    @property
    def text(self) -> str:
        """The entry in words."""
        return self._described()[0]

    @property
    def tone(self) -> str:
        """``good``, ``warn``, ``bad`` or ``""``."""
        return self._described()[1]

    @property
    def how(self) -> str:
        """How the actor was proven, in words (empty for runbook's own steps)."""
        return how(self._event.data(), lambda person: self._names.get(person, person))

    @property
    def mark(self) -> str:
        """A short mark after the line for proofs worth seeing at a glance (a claim, a
        signature, a link, a database role; nothing for a login or runbook's steps)."""
        proof = self._event.proof
        method = proof.method if proof is not None else "none"
        mark = PROOF_MARKS.get(method, "")
        return _(mark) if mark else ""


QUIET = frozenset({"DeliveryStarted"})
"""Events the app's timeline leaves out: each message's start is bookkeeping for a crash (its
result, or "may have been sent", is the line that matters); the export and ``runbook watch``
keep them."""


def timeline_lines(events: list[Any], names: dict[str, str]) -> list[Line]:
    """Timeline entries for ``events`` (``names``: person id -> full name); the results of
    one notification's messages make one entry."""
    lines: list[Line] = []
    for event in events:
        if event.type in QUIET:
            continue
        line = Line(event, names)
        if lines and lines[-1].joins(line):
            lines[-1].take(line)
        else:
            lines.append(line)
    return lines
