"""The drill scenario spec (``playbooks/drills/*.yaml``).

A scenario names the playbook to exercise; the cast (which person plays which role, stand-ins
allowed: a person may play a role they do not hold in contacts); injects released at a time
from the start (``at: T+8m``) or after another inject (``after: first-post``, ``offset: 5m``)
of four kinds: a message to the team, a simulated social post or trend, a journalist's or
regulator's inquiry, and a new fact that should trigger reassessment; an optional simulated
calendar of scheduled posts for the pause to hold; and expectations with target times the team
is scored against ("level >= SEV2 within 10m", "posts paused within 15m", "legal approved the
statement within 45m").

Checks inside the file (unique ids, ``after`` references, no cycles) are made here; checks
against the playbook and contacts are made by :func:`runbook.drill.files.load_scenario`. The
expectations' kinds are specified in :mod:`runbook.drill.expectations`.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from datetime import UTC, datetime, timedelta
from typing import Annotated, ClassVar, Literal

from pydantic import (
    AwareDatetime,
    BeforeValidator,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)

from runbook.drill.expectations import Expectation
from runbook.drill.words import ASKERS
from runbook.i18n import N_, _, formats, in_context
from runbook.model.base import Duration, Id, ProblemList, Spec, format_duration, parse_duration

DEFAULT_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
"""When a drill starts when its scenario names no ``start`` (a fixed time: same report twice)."""

OFFSET_PATTERN = r"^\s*(T\s*\+\s*)?(\d+\s*[dhms]?\s*)+$"
_ZERO = re.compile(r"^(0+\s*[dhms]?\s*)+$")


def parse_offset(value: object) -> timedelta:
    """Parse a time from the start of the drill: ``T+8m``, ``8m``, ``1h30m`` or ``0``."""
    if isinstance(value, timedelta):
        if value < timedelta(0):
            raise ValueError(_("a time from the start cannot be negative"))
        return value
    if value == 0 and not isinstance(value, bool):
        return timedelta(0)
    if not isinstance(value, str):
        raise ValueError(_("write a time from the start like T+8m, 1h30m or 0"))
    text = value.strip()
    if text[:1] in ("T", "t"):
        rest = text[1:].lstrip()
        if not rest.startswith("+"):
            raise ValueError(
                _("%(value)s is not a time from the start; write it like T+8m", value=repr(value))
            )
        text = rest[1:].strip()
    if _ZERO.match(text):
        return timedelta(0)
    try:
        return parse_duration(text)
    except ValueError:
        raise ValueError(
            _(
                "%(value)s is not a time from the start; write it like T+8m, 1h30m or 0",
                value=repr(value),
            )
        ) from None


def format_offset(delta: timedelta) -> str:
    """``T+8m`` (``T+0`` at the start)."""
    return "T+" + ("0" if not delta else format_duration(delta))


Offset = Annotated[
    timedelta,
    BeforeValidator(parse_offset),
    PlainSerializer(format_offset, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": OFFSET_PATTERN,
            "description": "A time from the start of the drill: T+8m, 1h30m or 0.",
        }
    ),
]
"""A time from the start of the drill, written ``T+8m`` (or just ``8m``)."""


# -- injects ------------------------------------------------------------------------------


class _Inject(Spec):
    """What every inject has: an id and when it is released."""

    id: Id
    """Name of the inject (other injects and expectations refer to it)."""
    at: Offset | None = None
    """When it is released, from the start of the drill (``T+8m``); or use ``after``."""
    after: Id | None = None
    """Release it after another inject (that inject's id), ``offset`` later."""
    offset: Duration | None = None
    """With ``after``: how long after that inject (default: at the same moment)."""

    @model_validator(mode="after")
    def _when(self) -> _Inject:
        problems = ProblemList()
        if (self.at is None) == (self.after is None):
            problems.add(("at",), _("give either at (T+offset) or after (another inject's id)"))
        if self.offset is not None and self.after is None:
            problems.add(("offset",), _("offset goes with after; use at: T+... otherwise"))
        if self.after is not None and self.after == self.id:
            problems.add(("after",), _("an inject cannot come after itself"))
        problems.raise_if_any()
        return self

    @abstractmethod
    def summary(self) -> str:
        """One line saying what happens (for feeds and reports); each kind says it."""


class MessageInject(_Inject):
    """A message to the team (from a colleague, a platform, the facilitator)."""

    kind: Literal["message"]
    """``message``."""
    sender: str = ""
    """Who the message is from, as the team reads it (``Tom, social media``)."""
    text: str = Field(min_length=1)
    """The message."""

    def summary(self) -> str:
        """The message, with its sender."""
        if not self.sender:
            return self.text
        return _("%(sender)s: %(text)s", sender=self.sender, text=self.text)


class SocialPostInject(_Inject):
    """A simulated social post or trend about the brand."""

    kind: Literal["social_post"]
    """``social_post``."""
    author: str = Field(min_length=1)
    """Who posted (``@outdoor_dad_82``), or the trend's name."""
    platform: Id | None = None
    """Where (``x``, ``instagram``, ...)."""
    text: str = Field(min_length=1)
    """What the post says."""
    reach: int = Field(ge=0)
    """How many people have seen it so far."""

    def summary(self) -> str:
        """Author, platform, reach and text."""
        reach = formats.number(self.reach, digits=0)
        if self.platform:
            return _(
                "%(author)s on %(platform)s (reach %(reach)s): %(text)s",
                author=self.author,
                platform=self.platform,
                reach=reach,
                text=self.text,
            )
        return _(
            "%(author)s (reach %(reach)s): %(text)s",
            author=self.author,
            reach=reach,
            text=self.text,
        )


class InquiryInject(_Inject):
    """A journalist or a regulator asks a question."""

    kind: Literal["inquiry"]
    """``inquiry``."""
    who: Literal["journalist", "regulator"]
    """``journalist`` or ``regulator``."""
    outlet: str = Field(min_length=1)
    """The newspaper, channel or authority (``The Daily Ledger``, ``ICO``)."""
    question: str = Field(min_length=1)
    """What they ask."""
    text: str = ""
    """Anything else the team is told (deadline, tone)."""

    def summary(self) -> str:
        """Who asks what."""
        extra = f" {self.text}" if self.text else ""
        return (
            _(
                "%(who)s (%(outlet)s) asks: %(question)s",
                who=in_context(ASKERS[self.who]),
                outlet=self.outlet,
                question=self.question,
            )
            + extra
        )


class NewFactInject(_Inject):
    """A new fact that should lead the team to reassess the level."""

    kind: Literal["new_fact"]
    """``new_fact``."""
    text: str = Field(min_length=1)
    """The fact, as the team learns it."""
    suggests: dict[Id, Id] = Field(min_length=1)
    """The answers this fact changes: question id -> option id of the playbook."""
    expected_level: Id | None = None
    """The level a correct reassessment reaches (compared in the report)."""

    def summary(self) -> str:
        """The fact."""
        return _("new fact: %(text)s", text=self.text)


Inject = Annotated[
    MessageInject | SocialPostInject | InquiryInject | NewFactInject,
    Field(discriminator="kind"),
]
"""One inject: ``kind`` is message, social_post, inquiry or new_fact."""


class CalendarPost(Spec):
    """A simulated scheduled post (the drill's calendar; nothing real is touched)."""

    id: Id
    """The post's id in the simulated calendar."""
    channel: Id
    """Where it would go out (``x``, ``instagram``)."""
    at: Offset
    """When it is scheduled, from the start of the drill (``T+3h``)."""
    text: str = Field(min_length=1)
    """What it says."""


class Scenario(Spec):
    """A tabletop drill on a playbook (a file in ``playbooks/drills/``)."""

    SIZES: ClassVar[dict[str, int]] = {"injects": 1_000}

    id: Id
    """Unique name of the scenario."""
    title: str = Field(min_length=1)
    """The drill's title (also the incident's title unless ``incident_title`` is given)."""
    summary: str = Field(min_length=1)
    """What the drill trains, for the facilitator."""
    playbook: Id
    """The id of the playbook to exercise."""
    start: AwareDatetime = DEFAULT_START
    """When the simulated clock starts (ISO 8601 with a time zone); fixed by default."""
    incident_title: str | None = Field(default=None, min_length=1, max_length=200)
    """The title the incident is declared with (default: ``title``)."""
    declared_by: Id | None = None
    """The cast role whose player declares the incident at T+0 (default: the first role)."""
    expected_level: Id | None = None
    """The level a correct first assessment reaches (compared in the report)."""
    duration: Offset | None = None
    """How long the drill runs (default: until the last inject, response or target)."""
    cast: dict[Id, Id | list[Id]] = Field(min_length=1)
    """Role -> the person (or people) playing it; a stand-in may play a role they don't hold."""
    injects: list[Inject] = []
    """What happens during the drill, and when."""
    calendar: list[CalendarPost] = []
    """Simulated scheduled posts the pause should hold."""
    expectations: list[Expectation] = Field(min_length=1)
    """What the team is scored against."""

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        problems = ProblemList()
        _unique(problems, [i.id for i in self.injects], USED_TWICE["inject"], ("injects",))
        _unique(
            problems,
            [e.id for e in self.expectations],
            USED_TWICE["expectation"],
            ("expectations",),
        )
        _unique(problems, [p.id for p in self.calendar], USED_TWICE["calendar"], ("calendar",))
        ids = {i.id for i in self.injects}
        for index, inject in enumerate(self.injects):
            if inject.after is not None and inject.after != inject.id and inject.after not in ids:
                problems.add(
                    ("injects", index, "after"), _unknown(UNKNOWN_INJECT, inject.after, ids)
                )
        for index, expectation in enumerate(self.expectations):
            if expectation.after is not None and expectation.after not in ids:
                problems.add(
                    ("expectations", index, "after"),
                    _unknown(UNKNOWN_INJECT, expectation.after, ids),
                )
        if not problems.items:
            for index in _cycle(self.injects):
                problems.add(
                    ("injects", index, "after"), _("injects wait for each other in a loop")
                )
        if self.declared_by is not None and self.declared_by not in self.cast:
            problems.add(
                ("declared_by",), _unknown(UNKNOWN_CAST_ROLE, self.declared_by, set(self.cast))
            )
        for role, people in self.cast.items():
            if isinstance(people, list) and not people:
                problems.add(("cast", role), _("name at least one person"))
        problems.raise_if_any()
        return self

    # -- helpers ------------------------------------------------------------------------
    def players(self, role: str) -> list[str]:
        """The people playing ``role`` (empty when the cast does not name it)."""
        people = self.cast.get(role, [])
        return [people] if isinstance(people, str) else list(people)

    def declarer(self) -> str:
        """The person who declares the incident."""
        role = self.declared_by or next(iter(self.cast))
        return self.players(role)[0]

    def release_offsets(self) -> dict[str, timedelta]:
        """Inject id -> when it is released, from the start (``after`` chains resolved)."""
        by_id = {i.id: i for i in self.injects}
        found: dict[str, timedelta] = {}

        def resolve(inject_id: str) -> timedelta:
            if inject_id not in found:
                inject = by_id[inject_id]
                if inject.at is not None:
                    found[inject_id] = inject.at
                else:
                    assert inject.after is not None
                    found[inject_id] = resolve(inject.after) + (inject.offset or timedelta(0))
            return found[inject_id]

        for inject in self.injects:
            resolve(inject.id)
        return found

    def schedule(self) -> list[tuple[timedelta, Inject]]:
        """Injects in release order (ties keep file order)."""
        offsets = self.release_offsets()
        ordered = sorted(enumerate(self.injects), key=lambda pair: (offsets[pair[1].id], pair[0]))
        return [(offsets[inject.id], inject) for _, inject in ordered]


UNKNOWN_INJECT = N_("unknown inject %(name)s (known: %(known)s)")
UNKNOWN_CAST_ROLE = N_("unknown cast role %(name)s (known: %(known)s)")


USED_TWICE = {
    "inject": N_("inject id %(id)s is used twice"),
    "expectation": N_("expectation id %(id)s is used twice"),
    "calendar": N_("calendar post id %(id)s is used twice"),
}
"""What a scenario says of an id used twice, by list (translated when said)."""


def _unique(problems: ProblemList, ids: list[str], message: str, loc: tuple[str, ...]) -> None:
    """Record a problem for every id used twice (located at its second use)."""
    seen: set[str] = set()
    for index, item in enumerate(ids):
        if item in seen:
            problems.add((*loc, index, "id"), _(message, id=repr(item)))
        seen.add(item)


def _unknown(message: str, name: str, known: set[str]) -> str:
    listed = ", ".join(sorted(known)) or in_context(N_("list|none"))
    return _(message, name=repr(name), known=listed)


def _cycle(injects: list[Inject]) -> list[int]:
    """Indexes of injects whose ``after`` chain loops."""
    after = {i.id: i.after for i in injects}
    looping = []
    for index, inject in enumerate(injects):
        seen = {inject.id}
        current = inject.after
        while current is not None:
            if current in seen:
                looping.append(index)
                break
            seen.add(current)
            current = after.get(current)
    return looping
