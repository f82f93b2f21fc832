"""What a drill scenario expects of the team: the expectations it is scored against.

Each kind (``level_at_least``, ``posts_paused``, ``notified``, ``acknowledged``,
``statement_approved``, ``statement_published``, ``checklist``, ``resolved``) is a spec with
its target time and its words; :data:`PLAYBOOK_TARGET` names the playbook target used when a
scenario gives no ``within``. Kept apart from :mod:`runbook.drill.scenario` (the file's
shape: cast, injects, calendar) because scoring and the report read these alone.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Annotated, Literal

from pydantic import Field

from runbook.i18n import N_, _, in_context
from runbook.model.base import Duration, Id, Spec


class _Expectation(Spec):
    """What every expectation has: an id and a target time."""

    id: Id
    """Name of the expectation (shown in the report)."""
    within: Duration | None = None
    """Target time from the start (or from ``after``); default: the playbook's target."""
    after: Id | None = None
    """Count the time from this inject's release instead of from the start."""

    @abstractmethod
    def describe(self) -> str:
        """The expectation in words (without its time); each kind says it."""


class LevelAtLeast(_Expectation):
    """The level is at least ``level`` (default time: the playbook's ``targets.assess``)."""

    kind: Literal["level_at_least"]
    """``level_at_least``."""
    level: Id
    """The lowest acceptable level."""

    def describe(self) -> str:
        """``level >= SEV2``."""
        return _("level >= %(level)s", level=self.level)


class PostsPaused(_Expectation):
    """Scheduled posts are paused at the level's scope (default: ``targets.pause``)."""

    kind: Literal["posts_paused"]
    """``posts_paused``."""

    def describe(self) -> str:
        """``posts paused``."""
        return _("posts paused")


class Notified(_Expectation):
    """Everyone the playbook names for the level was notified (default: ``targets.notify``)."""

    kind: Literal["notified"]
    """``notified``."""

    def describe(self) -> str:
        """``people notified``."""
        return _("people notified")


class Acknowledged(_Expectation):
    """Someone notified acknowledged (default: ``targets.acknowledge``)."""

    kind: Literal["acknowledged"]
    """``acknowledged``."""
    by_role: Id | None = None
    """Only an acknowledgement by someone holding this role counts."""

    def describe(self) -> str:
        """``acknowledged (by legal)``."""
        if self.by_role:
            return _("acknowledged by %(role)s", role=self.by_role)
        return in_context(N_("expectation|acknowledged"))


class StatementApproved(_Expectation):
    """A statement is fully approved (default: ``targets.first_statement``)."""

    kind: Literal["statement_approved"]
    """``statement_approved``."""
    by_role: Id | None = None
    """The approvals must include one given as this role (``legal``)."""
    template: Id | None = None
    """Only a draft from this template counts (``holding``)."""

    def describe(self) -> str:
        """``statement approved (by legal)``."""
        what = (
            _("%(template)s statement", template=self.template)
            if self.template
            else in_context(N_("expectation|statement"))
        )
        if self.by_role:
            return _("%(what)s approved by %(role)s", what=what, role=self.by_role)
        return _("%(what)s approved", what=what)


class StatementPublished(_Expectation):
    """An approved statement is published (no playbook default: give ``within``)."""

    kind: Literal["statement_published"]
    """``statement_published``."""
    template: Id | None = None
    """Only a draft from this template counts."""

    def describe(self) -> str:
        """``statement published``."""
        return _(
            "%(what)s published", what=self.template or in_context(N_("expectation|statement"))
        )


class ChecklistDone(_Expectation):
    """Checklist items are ticked (no ``within``: by the end of the drill)."""

    kind: Literal["checklist"]
    """``checklist``."""
    items: list[Id] = Field(min_length=1)
    """Checklist item ids of the playbook."""

    def describe(self) -> str:
        """``checklist: a, b``."""
        return _("checklist: %(items)s", items=", ".join(self.items))


class Resolved(_Expectation):
    """The incident is resolved (default: ``targets.resolve``)."""

    kind: Literal["resolved"]
    """``resolved``."""

    def describe(self) -> str:
        """``resolved``."""
        return _("incident resolved")


Expectation = Annotated[
    LevelAtLeast
    | PostsPaused
    | Notified
    | Acknowledged
    | StatementApproved
    | StatementPublished
    | ChecklistDone
    | Resolved,
    Field(discriminator="kind"),
]
"""One expectation, by ``kind``."""

PLAYBOOK_TARGET = {
    "level_at_least": "assess",
    "posts_paused": "pause",
    "notified": "notify",
    "acknowledged": "acknowledge",
    "statement_approved": "first_statement",
    "resolved": "resolve",
}
"""Expectation kind -> the playbook target used when ``within`` is not given."""
