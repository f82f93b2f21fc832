"""The engine: its commands and queries, what the CLI, the app and the approval server call.

Each command is a verb; it names the lifecycle action, hands the runner
(:meth:`~runbook.engine.runner.Runner.run`) the decision that builds its events and returns
the incident as it is afterwards. Nothing here decides anything or touches the store or an
adapter. This module holds the incident's own commands (declare, assess, pause, notify, close,
retry: decided in :mod:`~runbook.engine.incidents`) and the stand-down with its posts
(:mod:`~runbook.engine.resolution`); :class:`Engine` gathers the others from their modules:
reading the record (:mod:`.reading`), statements from draft to post (:mod:`.drafts`), the clock
(:mod:`.ticks`), the inbox (:mod:`.inbox`), deliveries that may have been sent
(:mod:`.deliveries`) and the configuration an incident runs under (:mod:`.configuration`).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from runbook.engine import incidents, resolution
from runbook.engine.configuration import ConfigurationCommands
from runbook.engine.deliveries import DeliveryCommands
from runbook.engine.drafts import StatementCommands
from runbook.engine.inbox import InboxCommands
from runbook.engine.reading import RecordQueries
from runbook.engine.ticks import ClockCommands
from runbook.errors import ActionRefused
from runbook.i18n import _
from runbook.model.incident import Incident


class Engine(
    RecordQueries,
    StatementCommands,
    ClockCommands,
    InboxCommands,
    DeliveryCommands,
    ConfigurationCommands,
):
    """Runs commands on incidents for one operator, and answers what the record says."""

    # -- the incident ----------------------------------------------------------------------
    def declare(
        self,
        playbook_id: str,
        title: str,
        *,
        drill: bool = False,
        command_id: str | None = None,
        incident_id: str | None = None,
    ) -> Incident:
        """Open an incident on a playbook; the playbook and policy are pinned in the event.

        ``incident_id`` chooses the id (``INC-`` and six letters or digits of the id alphabet;
        drills use it for reproducible reports); by default a random free id is drawn.
        """
        declared = incidents.declaration(self, playbook_id, title, drill, incident_id)
        return self.open_incident(declared, command_id=command_id, incident_id=incident_id)

    def assess(
        self, incident_id: str, answers: dict[str, str], *, command_id: str | None = None
    ) -> Incident:
        """Set the level from answers (first time), or reassess (answers merged over the old)."""
        action = "assess" if self.incident(incident_id).level is None else "reassess"
        build = partial(incidents.assess, self, answers)
        return self.run(incident_id, action, build, command_id=command_id)

    def pause(
        self,
        incident_id: str,
        *,
        by_hand: str | None = None,
        note: str = "",
        command_id: str | None = None,
    ) -> Incident:
        """Hold the brand's scheduled posts at the scope the playbook sets for the level.

        Without a scheduler runbook can reach, the operator holds them by hand in their tool
        and confirms it here (``by_hand``: the tool's name); that is recorded as their
        confirmation, not as a pause runbook made."""
        build = partial(incidents.pause, self, by_hand, note)
        return self.run(incident_id, "pause", build, command_id=command_id)

    def notify(self, incident_id: str, *, command_id: str | None = None) -> Incident:
        """Tell the people the playbook names for the level (once each)."""
        build = partial(incidents.notify, self)
        return self.run(incident_id, "notify", build, command_id=command_id)

    def notify_preview(self, incident_id: str) -> list[dict[str, Any]]:
        """Who ``notify`` would tell now (person, roles, rules, channels); records nothing."""
        incident = self.incident(incident_id)
        if incident.level is None:
            raise ActionRefused(_("assess the level first"))
        return list(incidents.notify_intent(self, incident).payload["recipients"])

    def ack(self, incident_id: str, *, command_id: str | None = None) -> Incident:
        """The operator acknowledges being notified."""
        return self.run(incident_id, "ack", partial(incidents.ack, self), command_id=command_id)

    def check(self, incident_id: str, item_id: str, *, command_id: str | None = None) -> Incident:
        """Tick a checklist item."""
        build = partial(incidents.check, self, item_id)
        return self.run(incident_id, "check", build, command_id=command_id)

    def note(self, incident_id: str, text: str, *, command_id: str | None = None) -> Incident:
        """Add a note to the timeline."""
        build = partial(incidents.note, self, text.strip())
        return self.run(incident_id, "note", build, command_id=command_id, record_refusal=False)

    def close(
        self,
        incident_id: str,
        review: str = "",
        *,
        leave_open: bool = False,
        command_id: str | None = None,
    ) -> Incident:
        """Mark the post-incident review done; nothing more can happen after this.

        Checklist items still unticked are named and the close refused, unless the operator
        confirms leaving them open (``leave_open``): the record then lists them."""
        build = partial(incidents.close, self, review, leave_open)
        return self.run(incident_id, "close", build, command_id=command_id)

    def retry_all(self, incident_id: str, *, command_id: str | None = None) -> tuple[int, Incident]:
        """What the operator's "retry" means: re-run steps an interrupted run left without a
        result, then try again whatever still failed. Returns (steps re-run, incident)."""
        recovered = self.recover(incident_id)
        incident = self.incident(incident_id)
        if recovered and not incident.failed_effects():
            return recovered, incident
        return recovered, self.retry(incident_id, command_id=command_id)

    def retry(self, incident_id: str, *, command_id: str | None = None) -> Incident:
        """Try again every effect that failed (same idempotency key, next attempt)."""
        build = partial(incidents.retry, self)
        return self.run(incident_id, "retry", build, command_id=command_id)

    def refuse_if_not_allowed(
        self, incident_id: str, action: str, *, draft_id: str | None = None
    ) -> None:
        """Record and raise the refusal ``action`` meets now, exactly as its command would
        (the app asks this before opening the form of an action it shows as refused);
        nothing is recorded when the action is allowed after all."""

        def allowed(incident: Incident, ctx: object) -> list:  # type: ignore[type-arg]
            raise _Allowed

        try:
            self.run(incident_id, action, allowed, draft_id=draft_id)
        except _Allowed:
            return

    # -- resolution and posts --------------------------------------------------------------
    def resolve(
        self,
        incident_id: str,
        summary: str,
        *,
        resume: str | None = None,
        keep: list[str] | None = None,
        new_times: dict[str, str] | None = None,
        command_id: str | None = None,
    ) -> Incident:
        """Stand down: release the posts this incident held as the operator chose, tell
        everyone who was notified, and record the summary.

        When the incident holds posts the operator must decide: ``resume="all"`` or
        ``"none"``, or name posts to ``keep`` held and give ``new_times`` (ISO 8601) to posts
        whose slot passed during the pause ("missed slot": a new time, or now to publish now).
        """
        build = partial(
            resolution.resolve,
            self,
            summary.strip(),
            resume,
            list(keep or []),
            dict(new_times or {}),
        )
        return self.run(incident_id, "resolve", build, command_id=command_id)

    def pause_preview(self, incident_id: str) -> dict[str, Any]:
        """What ``pause`` would hold now: scope, total, counts per channel, next 10 posts."""
        return resolution.pause_preview(self, self.incident(incident_id))

    def check_schedulers(self) -> list[dict[str, Any]]:
        """Each configured scheduler's credentials, reachability and the posts it would see
        (``{"scheduler", "product", "hold", "ok", "posts", "scheduled", "error"}``); changes
        nothing and records nothing. Empty when no scheduler is configured."""
        check = getattr(self.effects.for_incident(False).scheduler, "check", None)
        return list(check()) if check is not None else []

    def posts(self, incident_id: str) -> list[dict[str, Any]]:
        """The incident's ledger of posts: held, resumed or kept, with missed slots flagged."""
        return resolution.post_ledger(self, self.incident(incident_id))


class _Allowed(Exception):
    """The action met no refusal (:meth:`Engine.refuse_if_not_allowed`): nothing to record."""
