"""The contacts directory spec (``contacts/*.yaml``): people, on-call rotations, channels.

Roles are resolved to people here: a fixed role is held by the people listing it; a rotation
role is held by whoever is on call at a given moment (time-zone aware). Channel settings hold
no secrets: passwords, tokens and webhook URLs are named by environment variable only.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationInfo, field_validator, model_validator

from runbook.i18n import N_, _
from runbook.model.base import Duration, Id, ProblemList, Spec
from runbook.model.schedulers import SchedulerConfig

EnvName = Annotated[str, Field(pattern=r"^[A-Z_][A-Z0-9_]*$")]
"""The name of an environment variable holding a secret (``RUNBOOK_SMTP_PASSWORD``)."""

LoginName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.@-]{0,62}$")]
"""An operating-system account or database role name (``tom``, ``tom.fletcher``)."""

SSH_KEY_PATTERN = (
    r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|"
    r"sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\n\r]{0,200})?$"
)
SshKey = Annotated[str, Field(pattern=SSH_KEY_PATTERN, max_length=4000)]
"""A public key line as OpenSSH writes it (``ssh-ed25519 AAAA... comment``)."""


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            _("unknown time zone %(name)s; use a name like Europe/London", name=repr(name))
        ) from None
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
    language: Literal["en", "fr"] | None = None
    """The language runbook writes to this person in (``en``, ``fr``): notifications,
    escalations, approval requests, the stand-down. Default: the playbook's language."""
    logins: list[LoginName] = []
    """Operating-system accounts that are this person: runbook started under one of them acts
    as this person with proof ``login`` (no ``--as`` needed)."""
    ssh_keys: list[SshKey] = []
    """Public SSH keys this person signs with (allowed signers, as in ``~/.ssh/id_ed25519.pub``):
    a signature by one of them proves an approval is theirs."""
    db_roles: list[LoginName] = []
    """PostgreSQL roles that are this person on the team store (``runbook db grant``): the
    database refuses events from such a role under any other name."""

    _tz = field_validator("timezone")(lambda value: _check_timezone(value))


class Rotation(Spec):
    """An on-call rotation: members take turns holding ``role``."""

    SIZES: ClassVar[dict[str, int]] = {"members": 10_000}

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


def is_private(channel: SmtpChannel | WebhookChannel | ConsoleChannel) -> bool:
    """True when a message on ``channel`` reaches only its addressee (email does; a chat room
    webhook and the operator's console do not): only private channels carry approval links."""
    return channel.kind == "smtp"


class ApprovalLinks(Spec):
    """Personal approval links, sent when a draft is submitted to the people who must approve
    it, and served by ``runbook serve``. The signing secret is never in a file people edit:
    it is read from ``secret_env``, else from a key file in runbook's data folder."""

    base_url: str = Field(default="http://127.0.0.1:8750", pattern=r"^https?://[^\s/?#]+(/\S*)?$")
    """Where approvers reach ``runbook serve`` (behind an HTTPS proxy for phones)."""
    via: list[Id] = Field(default_factory=lambda: ["email"], min_length=1)
    """Channels approval requests go through; links are included only on private ones (email)."""
    valid_for: Duration = timedelta(hours=2)
    """How long a link works (at most 7 days)."""
    secret_env: EnvName = "RUNBOOK_LINK_SECRET"
    """Environment variable holding the signing secret (every runbook and ``runbook serve`` of
    a team must share it)."""

    @field_validator("valid_for")
    @classmethod
    def _bounded(cls, value: timedelta) -> timedelta:
        if value > timedelta(days=7):
            raise ValueError(_("approval links may be valid for at most 7d"))
        if value < timedelta(minutes=5):
            raise ValueError(_("approval links must be valid for at least 5m"))
        return value


class IntakeSource(Spec):
    """A tool allowed to post warnings to ``runbook serve`` (a paging or listening tool)."""

    kind: Literal["pagerduty", "webhook"]
    """``pagerduty``: the PagerDuty Events API v2 (``POST /v2/enqueue``, the token is the
    event's ``routing_key``); ``webhook``: any JSON (``POST /intake/<id>``, the token in an
    ``Authorization: Bearer`` header)."""
    token_env: EnvName
    """Environment variable holding this source's own token (never written in a file)."""
    summary_field: str = Field(default="summary", max_length=80)
    """For a webhook: the JSON field (dotted path, ``mention.text``) that holds the summary."""
    link_field: str = Field(default="url", max_length=80)
    """For a webhook: the JSON field (dotted path) that holds a link to what was seen."""
    key_field: str = Field(default="id", max_length=80)
    """For a webhook: the JSON field (dotted path) whose value groups repeats."""


class Intake(Spec):
    """Where warnings come from: the tools allowed to post them, and the staff report form."""

    sources: dict[Id, IntakeSource] = {}
    """Tools by name (``pagerduty``, ``brandwatch``); each has its own token."""
    reports: bool = True
    """Staff may report what they saw on the server's form page (``/report``) as well as with
    ``runbook report``."""


class Contacts(Spec):
    """The contacts directory (one or more files in ``contacts/``, merged)."""

    SIZES: ClassVar[dict[str, int]] = {"people": 10_000, "rotations": 1_000}

    people: list[Person] = []
    """Everyone runbook may notify or who may operate it."""
    rotations: list[Rotation] = []
    """On-call rotations."""
    channels: dict[Id, Channel] = {}
    """Notification channels by name (``email``, ``chat``)."""
    schedulers: dict[Id, SchedulerConfig] = {}
    """Schedulers holding the brand's upcoming posts (a file calendar, a scheduler's API)."""
    approval_links: ApprovalLinks | None = None
    """Personal approval links for people away from a terminal (defaults when absent)."""
    intake: Intake | None = None
    """Warnings from paging and listening tools and staff reports (``runbook serve``)."""

    @model_validator(mode="after")
    def _references_resolve(self, info: ValidationInfo) -> Contacts:
        if info.context and info.context.get("partial"):
            return self  # one file of several: checked once they are merged
        problems = ProblemList()
        problems.unique([p.id for p in self.people], N_("person"), ("people",))
        problems.unique([r.id for r in self.rotations], N_("rotation"), ("rotations",))
        people = {p.id for p in self.people}
        for field in ("logins", "db_roles"):
            owner: dict[str, str] = {}
            for index, person in enumerate(self.people):
                for position, name in enumerate(getattr(person, field)):
                    if name in owner and owner[name] != person.id:
                        problems.add(
                            ("people", index, field, position),
                            _(
                                "%(name)s is already %(owner)s's; one account is one person",
                                name=repr(name),
                                owner=owner[name],
                            ),
                        )
                    owner.setdefault(name, person.id)
        links = self.approval_links
        if links is not None:
            for position, channel in enumerate(links.via):
                if channel not in self.channels:
                    problems.add(
                        ("approval_links", "via", position),
                        _(
                            "channel %(channel)s is not configured (channels: %(value)s)",
                            channel=repr(channel),
                            value=", ".join(sorted(self.channels)) or "none",
                        ),
                    )
        for index, rotation in enumerate(self.rotations):
            for position, member in enumerate(rotation.members):
                if member not in people:
                    problems.add(
                        ("rotations", index, "members", position),
                        _("unknown person %(member)s", member=repr(member)),
                    )
        problems.raise_if_any()
        return self

    # -- lookups --------------------------------------------------------------------
    def person(self, person_id: str) -> Person | None:
        """The person with id ``person_id``."""
        return next((p for p in self.people if p.id == person_id), None)

    def person_with_login(self, account: str) -> Person | None:
        """The person an operating-system account is mapped to."""
        return next((p for p in self.people if account and account in p.logins), None)

    def person_with_db_role(self, role: str) -> Person | None:
        """The person a PostgreSQL role is mapped to."""
        return next((p for p in self.people if role and role in p.db_roles), None)

    def links(self) -> ApprovalLinks:
        """The approval-link settings (defaults when the section is absent)."""
        return self.approval_links or ApprovalLinks()

    def intake_settings(self) -> Intake:
        """The intake settings (defaults when the section is absent: reports only)."""
        return self.intake or Intake()

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
