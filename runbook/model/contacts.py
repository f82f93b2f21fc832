"""The contacts directory spec (``contacts/*.yaml``): people, on-call rotations, channels.

Roles are resolved to people here: a fixed role is held by the people listing it; a rotation
role is held by whoever is on call at a given moment (time-zone aware). Channel settings hold
no secrets: passwords, tokens and webhook URLs are named by environment variable only.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationInfo, field_validator, model_validator

from runbook.effects.scheduler.config import SchedulerConfig
from runbook.model.base import Duration, Id, ProblemList, Spec

EnvName = Annotated[str, Field(pattern=r"^[A-Z_][A-Z0-9_]*$")]
"""The name of an environment variable holding a secret (``RUNBOOK_SMTP_PASSWORD``)."""


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}; use a name like Europe/London") from None
    return name


class Person(Spec):
    """Someone who can be notified, approve, or operate runbook."""

    id: Id
    """Name used with ``--as`` and in rotations."""
    name: str = Field(min_length=1)
    """Full name as shown to others."""
    roles: list[Id] = []
    """Roles this person always holds (``comms_lead``, ``legal``)."""
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    """Work email address."""
    chat: str | None = None
    """Chat handle (``@amara``)."""
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 ().-]{6,}$")
    """Phone number in international form."""
    timezone: str = "UTC"
    """Where this person works (``Europe/Paris``)."""

    _tz = field_validator("timezone")(lambda value: _check_timezone(value))


class Rotation(Spec):
    """An on-call rotation: members take turns holding ``role``."""

    id: Id
    """Name of the rotation."""
    role: Id
    """The role the person on call holds (``comms_on_call``)."""
    members: list[Id] = Field(min_length=1)
    """People in the order they take turns."""
    start: date
    """The date the first member's first shift starts."""
    handoff: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    """Local time of day shifts change (``09:00``)."""
    every: Duration = timedelta(days=7)
    """Length of one shift (``7d``, ``12h``)."""
    timezone: str = "UTC"
    """Time zone of ``start`` and ``handoff``."""

    _tz = field_validator("timezone")(lambda value: _check_timezone(value))

    def on_call(self, at: datetime) -> str:
        """The member on call at ``at`` (an aware datetime)."""
        zone = ZoneInfo(self.timezone)
        hour, minute = (int(part) for part in self.handoff.split(":"))
        first = datetime.combine(self.start, time(hour, minute), tzinfo=zone)
        shifts = int((at - first) // self.every)
        return self.members[shifts % len(self.members)]


class SmtpChannel(Spec):
    """Email through an SMTP server."""

    kind: Literal["smtp"]
    host: str = Field(min_length=1)
    """SMTP server host name."""
    port: int = Field(default=587, ge=1, le=65535)
    """SMTP port (587 for STARTTLS, 465 for SSL, 25 plain)."""
    security: Literal["starttls", "ssl", "none"] = "starttls"
    """How the connection is protected."""
    sender: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    """The From address."""
    username_env: EnvName | None = None
    """Environment variable holding the SMTP user name."""
    password_env: EnvName | None = None
    """Environment variable holding the SMTP password."""
    timeout: Duration = timedelta(seconds=10)
    """Give up on one attempt after this long."""


class WebhookChannel(Spec):
    """A chat webhook (Slack-compatible by default)."""

    kind: Literal["webhook"]
    url_env: EnvName
    """Environment variable holding the webhook URL (it is a secret)."""
    format: Literal["slack", "mattermost", "teams"] = "slack"
    """Payload format."""
    timeout: Duration = timedelta(seconds=10)
    """Give up on one attempt after this long."""


class ConsoleChannel(Spec):
    """Print messages on the operator's terminal (for trying runbook out)."""

    kind: Literal["console"]


Channel = Annotated[SmtpChannel | WebhookChannel | ConsoleChannel, Field(discriminator="kind")]


class Contacts(Spec):
    """The contacts directory (one or more files in ``contacts/``, merged)."""

    people: list[Person] = []
    """Everyone runbook may notify or who may operate it."""
    rotations: list[Rotation] = []
    """On-call rotations."""
    channels: dict[Id, Channel] = {}
    """Notification channels by name (``email``, ``chat``)."""
    schedulers: dict[Id, SchedulerConfig] = {}
    """Schedulers holding the brand's upcoming posts (a file calendar, a scheduler's API)."""

    @model_validator(mode="after")
    def _references_resolve(self, info: ValidationInfo) -> Contacts:
        if info.context and info.context.get("partial"):
            return self  # one file of several: checked once they are merged
        problems = ProblemList()
        problems.unique([p.id for p in self.people], "person", ("people",))
        problems.unique([r.id for r in self.rotations], "rotation", ("rotations",))
        people = {p.id for p in self.people}
        for index, rotation in enumerate(self.rotations):
            for position, member in enumerate(rotation.members):
                if member not in people:
                    problems.add(
                        ("rotations", index, "members", position), f"unknown person {member!r}"
                    )
        problems.raise_if_any()
        return self

    # -- lookups --------------------------------------------------------------------
    def person(self, person_id: str) -> Person | None:
        """The person with id ``person_id``."""
        return next((p for p in self.people if p.id == person_id), None)

    def names(self) -> dict[str, str]:
        """Person id -> full name, for putting people in words."""
        return {person.id: person.name for person in self.people}

    def roles(self) -> set[str]:
        """Every role held by someone, permanently or by rotation."""
        held = {role for person in self.people for role in person.roles}
        return held | {rotation.role for rotation in self.rotations}

    def holders(self, role: str, at: datetime) -> list[str]:
        """People holding ``role`` at ``at``: permanent holders, then whoever is on call."""
        found = [p.id for p in self.people if role in p.roles]
        for rotation in self.rotations:
            if rotation.role == role:
                on_call = rotation.on_call(at)
                if on_call not in found:
                    found.append(on_call)
        return found

    def roles_of(self, person_id: str, at: datetime) -> set[str]:
        """Every role ``person_id`` holds at ``at``."""
        person = self.person(person_id)
        held = set(person.roles) if person else set()
        held |= {r.role for r in self.rotations if r.on_call(at) == person_id}
        return held
