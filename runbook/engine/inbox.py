"""The inbox's verbs: receive a warning, report one, declare an incident from it, dismiss it.

Warnings arrive from ``runbook serve`` (paging and listening tools, the staff form) and from
``runbook report``; each is appended to the store's intake log as it came, with who sent it
and how that was proven (:mod:`runbook.store.intake`). The inbox is that log folded
(:func:`runbook.model.intake.inbox`). A warning never opens an incident by itself: the on-call
person declares one from it (the warning's text and link are carried into the incident's
timeline, and the intake log says which incident it became) or dismisses it with a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from runbook.engine import incidents
from runbook.engine.core import EngineCore
from runbook.errors import ActionRefused, NotFound, RunbookError
from runbook.i18n import _
from runbook.model import events as ev
from runbook.model.incident import Incident
from runbook.model.intake import MAX_TEXT, IntakeRecord, Warning, chain_problem, inbox, suggest
from runbook.model.intake_formats import report as report_record
from runbook.model.lifecycle import Context
from runbook.store.intake import intake_of


class InboxCommands(EngineCore):
    """The inbox (see module docstring); :class:`runbook.engine.commands.Engine` has them."""

    # -- reading -------------------------------------------------------------------------
    def intake_log(self, after_seq: int = 0) -> list[IntakeRecord]:
        """The intake log as stored, oldest first."""
        return intake_of(self.store).intake_records(after_seq)

    def inbox(self, *, waiting_only: bool = False) -> list[Warning]:
        """The warnings, newest arrival first (``waiting_only``: those still to decide)."""
        warnings = inbox(self.intake_log())
        return [w for w in warnings if w.waiting] if waiting_only else warnings

    def warning(self, key: str) -> Warning:
        """The warning with ``key`` (NotFound otherwise)."""
        for warning in self.inbox():
            if warning.key == key:
                return warning
        raise NotFound(_("no warning %(key)s in the inbox", key=repr(key)))

    def verify_intake(self) -> tuple[int, str]:
        """(records checked, the first problem of the intake log's hash chain or "")."""
        records = self.intake_log()
        return len(records), chain_problem(records)

    def suggest_playbook(self, key: str) -> str | None:
        """The playbook the warning's text suggests (by the playbooks' keywords), if any."""
        warning = self.warning(key)
        return suggest(self.workspace.playbooks, f"{warning.summary} {warning.link}")

    # -- receiving -----------------------------------------------------------------------
    def receive(self, record: IntakeRecord) -> IntakeRecord:
        """Append what a sender posted (or the refusal of a bad post) to the intake log."""
        return intake_of(self.store).intake_append([record])[0]

    def report(self, text: str, link: str = "") -> IntakeRecord:
        """Someone reports what they saw: a warning on the inbox, with who they are and how that
        is proven. Any employee may report: someone not in contacts is recorded by the
        operating-system account running the command (proof ``os-account``, not a person)."""
        actor: str
        proof: str
        try:
            identity = self.identity()
            actor, proof = identity.person, identity.proof().method
        except RunbookError:
            actor, proof = f"account:{self.account or '?'}", "os-account"
        record = report_record(text, link.strip(), actor=actor, proof=proof, at=self.clock.now())
        return self.receive(record)

    # -- deciding ------------------------------------------------------------------------
    def dismiss_warning(self, key: str, reason: str) -> IntakeRecord:
        """Dismiss a warning with a reason (it stays in the log, marked dismissed)."""
        reason = " ".join(reason.split())
        if not reason:
            raise ActionRefused(_("say why the warning is dismissed"))
        if len(reason) > MAX_TEXT:
            raise ActionRefused(
                _("keep the reason under %(max_text)s characters", max_text=MAX_TEXT)
            )
        warning = self._waiting(key)
        return self.receive(self._decision("WarningDismissed", warning, reason=reason))

    def declare_from_warning(
        self, key: str, playbook_id: str, title: str = "", *, drill: bool = False
    ) -> Incident:
        """Declare an incident from a warning on ``playbook_id``: the warning's text and link
        go into the incident's timeline and the intake log records the incident's id. Declaring
        again from the same warning finds the incident it opened."""
        warning = self._waiting(key)
        title = title.strip() or warning.summary[:120]
        declared = incidents.declaration(self, playbook_id, title, drill, None)
        command = f"warning-{warning.key}-{warning.count}"
        incident = self.open_incident(declared, command_id=command)
        linked: Callable[[Incident, Context], list[ev.Event]] = partial(_linked, self, warning)
        self.run(incident.id, "note", linked, command_id=f"{command}-linked")
        self.receive(self._decision("IncidentDeclaredFromWarning", warning, incident=incident.id))
        return self.incident(incident.id)

    def _waiting(self, key: str) -> Warning:
        warning = self.warning(key)
        if warning.status == "dismissed":
            raise ActionRefused(
                _("the warning was already dismissed: %(reason)s", reason=warning.reason)
            )
        if warning.status == "declared":
            raise ActionRefused(
                _(
                    "incident %(incident_id)s was already declared from it",
                    incident_id=warning.incident_id,
                )
            )
        return warning

    def _decision(
        self, kind: str, warning: Warning, *, reason: str = "", incident: str = ""
    ) -> IntakeRecord:
        identity = self.identity()
        return IntakeRecord(
            type=kind,
            at=self.clock.now(),
            source="inbox",
            key=warning.key,
            actor=identity.person,
            proof=identity.proof().method,
            reason=reason,
            incident_id=incident,
        )


def _linked(
    engine: EngineCore, warning: Warning, incident: Incident, ctx: Context
) -> list[ev.Event]:
    return [
        engine.event(
            ev.WarningLinked,
            incident,
            key=warning.key,
            source=warning.source,
            received_by=warning.received_by,
            summary=warning.summary,
            link=warning.link,
            first_at=warning.first_at,
            count=warning.count,
        )
    ]
