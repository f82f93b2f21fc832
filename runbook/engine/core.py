"""The engine's core: who operates, what the record says, and how the events it records are made.

``EngineCore`` holds the store, the workspace, the clock and the adapters; it answers who is
operating and how that is proven (:mod:`.identity`), folds an incident from its events, and
stamps the events and intents commands build. Its bases carry the write path: the runner of
every command and the append (:mod:`runbook.engine.runner`), opening an incident's log
(:mod:`runbook.engine.declaring`), and the outbox each intent is handed to
(:mod:`runbook.engine.performing`). A command (:mod:`runbook.engine.commands`) hands the runner
a decision (from :mod:`~runbook.engine.incidents`, :mod:`~runbook.engine.statements`,
:mod:`~runbook.engine.resolution`, :mod:`~runbook.engine.approval_links`...). So one ``pause``
reads top to bottom: CLI or app, ``Engine.pause``, ``run`` (decide, ``append``), ``perform``
(outbox), ``record`` (append).
"""

from __future__ import annotations

import gc
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from runbook.clock import Clock, SystemClock
from runbook.effects import Effects
from runbook.effects.ssh import Signer
from runbook.engine.declaring import Declaring
from runbook.engine.identity import Identity, os_account, resolve
from runbook.engine.link_keys import LinkKeys
from runbook.engine.performing import Performing
from runbook.engine.proofs import optional_keys
from runbook.engine.runner import Runner
from runbook.errors import NotFound, RunbookError
from runbook.i18n import _
from runbook.loading import Workspace
from runbook.loading.pins import Current
from runbook.model import events as ev
from runbook.model.fold import fold, scratch_copy
from runbook.model.incident import Incident
from runbook.model.lifecycle import Context
from runbook.model.proof import Proof
from runbook.store import EventStore

SIGNED = frozenset({"approve", "reject", "override", "attest"})
"""Actions the operator's SSH key signs when the engine has a signer."""

E = TypeVar("E", bound=ev.Event)


class EngineCore(Declaring, Runner):
    """Who operates, what the record says, and how events are made (see module docstring);
    its bases run commands (:class:`~runbook.engine.runner.Runner`) and open incidents
    (:class:`~runbook.engine.declaring.Declaring`), :class:`runbook.engine.commands.Engine`
    adds the commands."""

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
        self.pins_loaded: tuple[Workspace, dict[str, Current]] | None = None
        """The hashes of the configuration loaded now, per playbook (see
        :func:`runbook.engine.pinning.loaded`), kept while the workspace is the same."""
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
