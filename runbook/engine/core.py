"""The engine's core: who operates, what the record says, and the runner of every command.

A command (:mod:`runbook.engine.commands`) hands the runner a decision: a function of the
incident as folded now and the guard context that returns the events to record (the decisions
live in :mod:`~runbook.engine.incidents`, :mod:`~runbook.engine.statements`,
:mod:`~runbook.engine.resolution` and :mod:`~runbook.engine.approval_links`). The runner loads
the incident, asks the lifecycle whether the action is allowed now, builds the events, lets the
lifecycle settle (a skipped stage is passed, approval re-opened after a stricter reassessment),
appends with the expected seq, and on a conflict starts again on fresh state while the command
is still valid. Side effects are intents among those events: claimed for this process before
they are appended, then each is performed by the outbox (:mod:`runbook.engine.outbox`, through
:mod:`runbook.engine.performing`) with its ``effect_id`` as idempotency key, and the result the
outbox returns is appended in turn. So one ``pause`` reads top to bottom: CLI or app,
``Engine.pause``, ``run`` (decide, ``append``), ``perform`` (outbox), ``record`` (append).
"""

from __future__ import annotations

import gc
import hashlib
import random
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from runbook.clock import Clock, SystemClock
from runbook.effects import Effects
from runbook.effects.ssh import Signer
from runbook.engine import pinning
from runbook.engine.identity import Identity, os_account, resolve
from runbook.engine.link_keys import LinkKeys
from runbook.engine.performing import EffectsRunner, Performing
from runbook.engine.proofs import optional_keys
from runbook.errors import ActionRefused, ConcurrencyConflict, NotFound, RunbookError, StoreError
from runbook.i18n import _
from runbook.loading import Workspace
from runbook.model import events as ev
from runbook.model import lifecycle
from runbook.model.fold import apply, fold, scratch_copy
from runbook.model.incident import Incident
from runbook.model.lifecycle import Context
from runbook.model.proof import Proof
from runbook.store import EventStore

MAX_ATTEMPTS = 200
"""How often a command is retried on fresh state after losing a race (with a growing,
jittered pause so busy writers take turns instead of colliding again)."""
SIGNED = frozenset({"approve", "reject", "override", "attest"})
"""Actions the operator's SSH key signs when the engine has a signer."""
ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""The letters and digits of incident ids (no 0/O, 1/I: read aloud on a call)."""
ID_PATTERN = re.compile(f"INC-[{ID_ALPHABET}]{{6}}")

Build = Callable[[Incident, Context], list[ev.Event]]
E = TypeVar("E", bound=ev.Event)


class EngineCore(EffectsRunner):
    """Who operates, what the record says, and the runner every command goes through (see
    module docstring); :class:`runbook.engine.commands.Engine` adds the commands."""

    max_attempts = MAX_ATTEMPTS
    """Tries for one command before giving up (see MAX_ATTEMPTS)."""

    def __init__(
        self,
        store: EventStore,
        workspace: Workspace,
        *,
        operator: str | None = None,
        clock: Clock | None = None,
        effects: Effects | None = None,
        account: str | None = None,
        link_keys: LinkKeys | None = None,
    ) -> None:
        from runbook.effects.sinks import console_effects

        self.store = store
        self.workspace = workspace
        self.clock = clock or SystemClock()
        self.effects = effects or console_effects()
        self.account = os_account() if account is None else account
        """The operating-system account of this process (the ``login`` proof)."""
        self._link_keys = link_keys
        self.signer: Signer | None = None
        """Signs approvals and rejections with the operator's SSH key when set (the app sets
        it when the operator's key is available; ``--sign`` does for one command)."""
        self._db: tuple[str, str | None] | None = None
        self._identity: tuple[str | None, Identity] | None = None
        self.operator = operator
        """Who the operator asked to be (``--as``); None: whoever the login or database role
        proves (filled in when it proves someone)."""
        if operator is None:
            try:
                self.operator = self.identity().person
            except RunbookError:
                pass  # nobody proven: the first command says how to say who you are
        self._cache: dict[str, Incident] = {}
        self.performed: list[tuple[str, str]] = []
        """(incident id, effect id) of every intent this engine performed, in order: what
        the command line reports on when an effect failed."""
        self.request: str | None = None
        """The command line an operator's ``--command-id`` came with (set by the command
        line): recorded with the command's events, so the id cannot be reused for another."""
        self._given_id: str | None = None
        self.performing = Performing(self)
        """Who performs which intent: this process, while it holds the intent's claim."""

    # -- who is acting -------------------------------------------------------------------
    def identity(self) -> Identity:
        """Who is operating and how it is proven (see :mod:`runbook.identity`)."""
        if self._identity is None or self._identity[0] != self.operator:
            if self._db is None:
                mapping = getattr(self.store, "db_identity", None)
                self._db = mapping() if mapping is not None else ("", None)
            role, person = self._db
            found = resolve(
                self.workspace.contacts,
                self.operator,
                account=self.account,
                db_role=role,
                db_person=person,
            )
            self._identity = (self.operator, found)
        return self._identity[1]

    def actor(self) -> str:
        """The operator's person id; refuse when unset or unknown."""
        return self.identity().person

    def signing(self) -> Signer | None:
        """The signer for the operator's actions: the engine's, unless it is someone else's
        key (the operator switched person)."""
        signer = self.signer
        if signer is None or signer.person not in ("", self.operator):
            return None
        return signer

    def link_keys(self) -> LinkKeys:
        """The team's approval-link secret (environment, else the key file)."""
        if self._link_keys is None:
            self._link_keys = LinkKeys.load(self.workspace.contacts.links())
        return self._link_keys

    def context(
        self, incident: Incident, draft_id: str | None = None, *, proof: Proof | None = None
    ) -> Context:
        """The guard context for the operator on ``incident`` now."""
        identity = self.identity()
        actor = identity.person
        roles = frozenset(self.workspace.contacts.roles_of(actor, self.clock.now()))
        return Context(
            actor=actor,
            roles=roles,
            draft_id=draft_id,
            proof=proof or identity.proof(),
            signed=SIGNED if self.signing() is not None else frozenset(),
        )

    # -- queries -------------------------------------------------------------------------
    def incident(self, incident_id: str) -> Incident:
        """The incident folded from its events (incrementally from a cached fold)."""
        incident_id = incident_id.strip().upper()
        cached = self._cache.get(incident_id)
        if cached is not None:
            fresh = self.store.load(incident_id, after_seq=cached.seq, with_hashes=False)
            if not fresh:
                return scratch_copy(cached)
            incident = fold(incident_id, fresh, into=scratch_copy(cached))
        else:
            with _quiet_collector():
                loaded = self.store.load(incident_id, with_hashes=False)
                if not loaded:
                    raise NotFound(
                        _(
                            "no incident %(incident_id)s; `runbook list` shows them",
                            incident_id=repr(incident_id),
                        )
                    )
                incident = fold(incident_id, loaded)
        self._cache[incident_id] = incident
        return scratch_copy(incident)

    def verifying_keys(self) -> Callable[[], LinkKeys | None]:
        """The link secret for checking receipts, if this machine has it (never made here)."""
        if self._link_keys is not None:
            keys = self._link_keys
            return lambda: keys
        settings = self.workspace.contacts.links()
        return optional_keys(lambda: LinkKeys.load(settings, create=False))

    def stored_rows(self, incident_id: str) -> list[dict[str, Any]]:
        """The incident's events exactly as stored, hashes included (exports, verify)."""
        return self.store.rows(incident_id.strip().upper())

    # -- the command runner --------------------------------------------------------------
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

    def open_incident(
        self,
        declared: Callable[[str], ev.IncidentDeclared],
        *,
        command_id: str | None = None,
        incident_id: str | None = None,
    ) -> Incident:
        """Record an incident's first event, ``declared(id)``, under ``incident_id`` or a free
        random id (derived from ``command_id`` when given, so a repeated declaration finds
        the incident it opened)."""
        if incident_id is not None and not ID_PATTERN.fullmatch(incident_id):
            raise ActionRefused(
                _(
                    "incident id %(incident_id)s must be INC- and 6 of %(id_alphabet)s (e.g. "
                    "INC-7KQ4PX)",
                    incident_id=repr(incident_id),
                    id_alphabet=ID_ALPHABET,
                )
            )
        if command_id is not None:
            self.check_command_id(command_id)
        request = self.request if command_id is not None else None
        for attempt in range(self.max_attempts):
            chosen = incident_id or _new_id(command_id, attempt)
            event = declared(chosen).model_copy(
                update={"command_id": command_id, "command": request}
            )
            try:
                self.store.append(chosen, 0, [event])
            except ConcurrencyConflict:
                first = self.store.load(chosen)[:1]
                if command_id and first and first[0].command_id == command_id:
                    return self.incident(chosen)  # the same declaration, repeated
                if incident_id is not None:
                    raise ActionRefused(
                        _("incident %(incident_id)s already exists", incident_id=incident_id)
                    ) from None
                continue
            return self.incident(chosen)
        raise StoreError(_("could not find a free incident id; try again"))

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
                pinning.guard(self, incident, command.action, ctx)
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

    # -- what commands build -------------------------------------------------------------
    def event(self, cls: type[E], incident: Incident, **data: Any) -> E:
        """An event by the operator, stamped with how the operator is proven (``actor``,
        ``proof`` and ``at`` may be given: a decision through a link, a signed approval)."""
        if "proof" not in data:
            data["proof"] = self.identity().proof()
        if "actor" not in data:
            data["actor"] = self.actor()
        if "at" not in data:
            data["at"] = self.clock.now()
        return cls(incident_id=incident.id, **data)

    def system_event(self, cls: type[E], incident: Incident, **data: Any) -> E:
        """One of runbook's own steps (a result, an escalation), recorded by this process."""
        return cls(
            incident_id=incident.id,
            at=self.clock.now(),
            actor="runbook",
            proof=self.system_proof(),
            **data,
        )

    def intent(
        self,
        incident: Incident,
        kind: str,
        payload: dict[str, Any],
        *,
        system: bool = False,
        label: str = "",
    ) -> ev.EffectRequested:
        """An outbox intent, its ``effect_id`` the idempotency key the adapters see
        (``system``: one runbook makes by itself, an escalation; ``label`` names it in the
        id instead of ``kind``)."""
        make = self.system_event if system else self.event
        return make(
            ev.EffectRequested,
            incident,
            effect_id=f"{incident.id}-{label or kind}-{uuid.uuid4().hex[:10]}",
            kind=kind,
            payload=payload,
        )

    def system_proof(self) -> Proof:
        """The proof of runbook's own steps: recorded by this process, for its operator."""
        try:
            return self.identity().system_proof()
        except RunbookError:
            return Proof(method="system", account=self.account)

    @staticmethod
    def scratch(incident: Incident) -> Incident:
        """A copy of ``incident`` to fold proposed events into (specs shared, state copied)."""
        return scratch_copy(incident)


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


def _new_id(command_id: str | None, attempt: int) -> str:
    """A fresh incident id: random, or from the command id (a repeat finds its incident)."""
    if command_id is None:
        return "INC-" + "".join(secrets.choice(ID_ALPHABET) for _ in range(6))
    digest = hashlib.sha256(f"{command_id}/{attempt}".encode()).digest()
    return "INC-" + "".join(ID_ALPHABET[b % len(ID_ALPHABET)] for b in digest[:6])


@contextmanager
def _quiet_collector() -> Iterator[None]:
    """No cyclic garbage collection while a long incident is read (no cycles; ~20% faster)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
