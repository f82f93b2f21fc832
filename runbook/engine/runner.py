"""The runner of every command, and the append that records what it decided.

:meth:`Runner.run` is the path one command takes once the engine has its decision (a function
of the incident as folded now and the guard context, from :mod:`.incidents`, :mod:`.statements`,
:mod:`.sign_off`, :mod:`.resolution` or :mod:`.approval_links`): load the incident, ask the
configuration pin (:mod:`.pinning`) and the lifecycle whether the action is allowed now, build
the events, let the lifecycle settle, :meth:`~Runner.append` with the expected seq (claiming
the intents first), start again on fresh state after losing a race, and hand what was recorded
to the outbox (:meth:`~runbook.engine.performing.EffectsRunner.perform_all`). The results the
outbox returns, and runbook's own steps (escalations, reminders), come back through
:meth:`~Runner.record_steps`. A refusal is recorded as such. Separate from
:mod:`runbook.engine.core` (who operates, what the record says, how events are stamped) so the
write path reads in one place; :class:`~runbook.engine.core.EngineCore` has it as a base.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from runbook.engine import pinning
from runbook.engine.performing import EffectsRunner
from runbook.errors import ActionRefused, ConcurrencyConflict, StoreError
from runbook.i18n import _
from runbook.model import events as ev
from runbook.model import lifecycle
from runbook.model.fold import apply
from runbook.model.incident import Incident
from runbook.model.lifecycle import Context
from runbook.model.proof import Proof

if TYPE_CHECKING:
    from runbook.engine.core import EngineCore
    from runbook.engine.identity import Identity

MAX_ATTEMPTS = 200
"""How often a command is retried on fresh state after losing a race (with a growing,
jittered pause so busy writers take turns instead of colliding again)."""

Build = Callable[[Incident, Context], list[ev.Event]]


class Runner(EffectsRunner):
    """Runs commands and appends their events (see module docstring); a base of
    :class:`~runbook.engine.core.EngineCore`."""

    max_attempts = MAX_ATTEMPTS
    """Tries for one command before giving up (see MAX_ATTEMPTS)."""

    if TYPE_CHECKING:
        request: str | None
        _given_id: str | None

        def identity(self) -> Identity: ...

        def context(
            self, incident: Incident, draft_id: str | None = None, *, proof: Proof | None = None
        ) -> Context: ...

        @staticmethod
        def scratch(incident: Incident) -> Incident: ...

    def run(
        self,
        incident_id: str,
        action: str,
        build: Build,
        *,
        command_id: str | None = None,
        draft_id: str | None = None,
        record_refusal: bool = True,
        extra: dict[str, Any] | None = None,
        proof: Proof | None = None,
        actor: str | None = None,
    ) -> Incident:
        """Run one command: decide on fresh state (``build``), append, perform its intents.

        ``build`` gets the incident as folded now and the guard context, and returns the
        events to record; a refusal it raises is recorded (unless ``record_refusal`` is off)
        and raised. ``command_id`` makes the command idempotent; ``actor`` and ``proof`` set
        who decides when it is not the operator (a decision through an approval link)."""
        command = Command(
            action=action,
            build=build,
            command_id=command_id or uuid.uuid4().hex,
            draft_id=draft_id,
            record_refusal=record_refusal,
            extra=extra or {},
            proof=proof,
            actor=actor,
        )
        if command_id is not None:
            self.check_command_id(command_id)
        exclusive = getattr(self.store, "exclusive", None)
        if exclusive is not None:  # team store: operators on one incident take turns
            with exclusive(incident_id.strip().upper()):
                incident, recorded = self._attempts(incident_id, command)
        else:
            incident, recorded = self._attempts(incident_id, command)
        if recorded:  # effects run outside the lock: a slow mail server blocks nobody
            self.perform_all(incident.id, recorded)
            return self.incident(incident.id)
        return incident

    def check_command_id(self, command_id: str) -> None:
        """Refuse an operator's ``--command-id`` already given to another command (another
        name or other arguments, on any incident): one id means one command. The same
        command repeated passes (it is then recorded once)."""
        if self.request is None:
            return
        self._given_id = command_id
        used = self.store.command_use(command_id)
        if used is None:
            return
        where, first = used
        if first != self.request:
            what = f"`{first}`" if first else _("another command")
            raise ActionRefused(
                _(
                    "command id %(command_id)s was already used for %(what)s on %(where)s; give "
                    "each command its own --command-id",
                    command_id=repr(command_id),
                    what=what,
                    where=where,
                )
            )

    def _attempts(self, incident_id: str, command: Command) -> tuple[Incident, list[ev.Event]]:
        for attempt in range(self.max_attempts):
            incident = self.incident(incident_id)
            if command.command_id in incident.command_ids:
                return incident, []
            if command.actor is not None:  # a decision through a link: the link's person acts
                roles = self.workspace.contacts.roles_of(command.actor, self.clock.now())
                ctx = Context(
                    actor=command.actor,
                    roles=frozenset(roles),
                    draft_id=command.draft_id,
                    proof=command.proof,
                )
            else:
                ctx = self.context(incident, command.draft_id, proof=command.proof)
            ctx.extra.update(command.extra)
            try:
                pinning.guard(cast("EngineCore", self), incident, command.action, ctx)
                state = lifecycle.next_state(incident, command.action, ctx)
                built = command.build(incident, ctx)
            except ActionRefused as refusal:
                if command.record_refusal and not incident.finished:
                    self._record_refusal(incident, command.action, refusal.reason, ctx)
                raise
            try:
                request = self.request if command.command_id == self._given_id else None
                recorded = self.append(incident, ctx, built, state, command.command_id, request)
            except ConcurrencyConflict:
                _back_off(attempt)
                continue
            return incident, recorded
        raise StoreError(
            _(
                "incident %(incident_id)s is changing too fast to record %(action)s; retry",
                incident_id=incident_id,
                action=command.action,
            )
        )

    def append(
        self,
        incident: Incident,
        ctx: Context,
        built: list[ev.Event],
        state: str,
        command_id: str | None,
        request: str | None = None,
    ) -> list[ev.Event]:
        """Apply ``built`` to ``incident`` (a scratch fold: it is changed), let the lifecycle
        settle, stamp the state and append with the expected seq (ConcurrencyConflict when
        someone else wrote first)."""
        expected = incident.seq
        incident.state = state
        for event in built:
            apply(incident, event)
        final = lifecycle.settle(incident, ctx)
        update: dict[str, Any] = {"state": final, "command_id": command_id}
        if request is not None:
            update["command"] = request
        stamped = [e.model_copy(update=update) for e in built]
        # Intents are claimed before they are recorded: no other process takes them over
        # while this one is about to perform them (released by perform_all, or here).
        self.performing.claim_intents(stamped)
        try:
            return self.store.append(incident.id, expected, stamped)
        except BaseException:
            self.performing.drop(stamped)
            raise

    def record_steps(
        self,
        incident_id: str,
        build: Callable[[Incident], list[ev.Event]],
        marker: str | None = None,
    ) -> tuple[Incident, list[ev.Event]]:
        """Append runbook's own steps (results, escalations, refused links): facts no guard
        stops, built by ``build`` on fresh state and built again after losing a race.
        ``marker`` makes the append idempotent: once recorded, it is never recorded again."""
        for attempt in range(self.max_attempts):
            incident = self.incident(incident_id)
            if marker is not None and marker in incident.command_ids:
                return incident, []
            events = build(incident)
            if not events:
                return incident, []
            try:
                ctx = Context(actor="runbook")
                return incident, self.append(incident, ctx, events, incident.state, marker)
            except ConcurrencyConflict:
                _back_off(attempt)
        raise StoreError(
            _(
                "could not record what happened on %(incident_id)s; run `runbook retry`",
                incident_id=incident_id,
            )
        )

    def record(self, incident_id: str, events: list[ev.Event], marker: str) -> None:
        """Append results the outbox reports, once (``marker``: their idempotency key)."""
        self.record_steps(incident_id, lambda _incident: events, marker)

    def _record_refusal(self, incident: Incident, action: str, reason: str, ctx: Context) -> None:
        event = ev.ActionRefused(
            incident_id=incident.id,
            at=self.clock.now(),
            actor=ctx.actor,
            proof=self._refusal_proof(ctx.proof),
            action=action,
            reason=reason,
        )
        try:
            self.append(self.scratch(incident), ctx, [event], incident.state, None)
        except ConcurrencyConflict:
            pass  # the refusal stands; losing its record to a race is harmless

    def _refusal_proof(self, proof: Proof | None) -> Proof:
        """How the author of a refused action is recorded: a signature that was refused proves
        nothing, so the operator's own identity is kept; a link keeps only its id."""
        if proof is not None and proof.method == "link":
            return Proof(method="link", account=proof.account, link=proof.link)
        if proof is None or proof.method == "ssh-signature":
            return self.identity().proof()
        return proof


@dataclass(frozen=True)
class Command:
    """One command as the runner sees it (see :meth:`EngineCore.run`)."""

    action: str
    build: Build
    command_id: str
    draft_id: str | None
    record_refusal: bool
    extra: dict[str, Any]
    proof: Proof | None
    actor: str | None


def _back_off(attempt: int) -> None:
    """Pause a little after losing a race: nothing at first, then up to 20 ms, jittered."""
    if attempt >= 2:
        time.sleep(random.uniform(0, min(0.02, 0.001 * attempt)))
