"""The one error hierarchy of runbook.

Every error a person can cause or meet derives from :class:`RunbookError` and carries a
message written for a comms person, not a developer. Storage, network and parsing errors are
translated into these at the boundary where they happen, so the CLI and TUI only ever show
``str(error)`` and never a traceback.
"""

from __future__ import annotations

from runbook.i18n import _


class RunbookError(Exception):
    """Base of every error runbook reports to a person."""


class ConfigError(RunbookError):
    """A playbook, policy, contacts or scenario file is invalid.

    ``problems`` holds every problem found (``file:line:col: field: message``), so a person
    can fix a whole file in one go.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems) if self.problems else _("invalid configuration"))


class NotFound(RunbookError):
    """An incident, playbook, person or other named thing does not exist."""


class ActionRefused(RunbookError):
    """The lifecycle or a guard refuses an action; the message says why and what is allowed.

    ``reason`` is the refusal in words that fit every surface (it is what the timeline
    records, the same from the app and the command line); ``cli`` and ``app`` say how to go
    on from the command line or in the app (a command, a key). ``allowed`` names the actions
    allowed now when the refusal is "not now" (the app shows their keys). ``str()`` is the
    command line's words; :meth:`for_app` the app's.
    """

    def __init__(
        self, reason: str, *, cli: str = "", app: str = "", allowed: tuple[str, ...] = ()
    ) -> None:
        self.reason = reason
        self.cli = cli
        self.app = app
        self.allowed = allowed
        super().__init__(reason + (f" ({cli})" if cli else ""))

    def for_app(self) -> str:
        """The refusal with the app's way on (a key) instead of a command."""
        return self.reason + (f" ({self.app})" if self.app else "")


class Reason(str):
    """A guard's reason for refusing, with how to go on from the command line and in the app
    (see :class:`ActionRefused`)."""

    cli: str
    app: str
    allowed: tuple[str, ...]

    def __new__(
        cls, text: str, cli: str = "", app: str = "", allowed: tuple[str, ...] = ()
    ) -> Reason:
        made = super().__new__(cls, text)
        made.cli = cli
        made.app = app
        made.allowed = allowed
        return made


class ConcurrencyConflict(RunbookError):
    """Another writer appended to the incident first; retry on fresh state."""

    def __init__(self, incident_id: str, seq: int, winner: str) -> None:
        self.incident_id = incident_id
        self.seq = seq
        self.winner = winner
        super().__init__(
            _(
                "incident %(id)s: event #%(seq)s was already written by someone else "
                "(%(winner)s); reload and try again",
                id=incident_id,
                seq=seq,
                winner=winner,
            )
        )


class StoreError(RunbookError):
    """The event store cannot be opened, read or written."""


class IntegrityError(RunbookError):
    """The event log fails verification (tampering or corruption)."""


class EffectError(RunbookError):
    """An outside system (scheduler, mail server, webhook) could not do what was asked.

    ``transient`` says whether trying again later may help (timeouts, connection errors,
    rate limits, server errors) or not (refused addresses, 4xx answers).
    """

    def __init__(self, message: str, *, transient: bool = False) -> None:
        self.transient = transient
        super().__init__(message)
