"""Performing intents: one live process owns an effect while it performs it.

An intent (:class:`~runbook.model.events.EffectRequested`) is performed by the process that
holds its claim (:mod:`runbook.store.claims`: a lock the operating system or the database
lets go when the holder finishes or dies). A command claims the intents it records *before*
appending them, so no other process can take them in between; ``tick``, ``retry`` and the
app's recovery (:meth:`Performing.recover`) perform only intents with no result whose claim is
free, that is whose performer is gone (a SIGKILLed process's claim is free at once). An effect
whose performer is alive is never performed a second time, however slow it is.

What performing does is the outbox's (:mod:`runbook.engine.outbox`); this module owns who
performs, and when, and (:class:`EffectsRunner`, a base of the engine) the outbox each
incident's intents go to, with what it asks of other incidents (the posts they hold).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from runbook.engine.outbox import Outbox
from runbook.model import events as ev
from runbook.model.incident import Incident
from runbook.store.claims import Claim

if TYPE_CHECKING:
    from runbook.clock import Clock
    from runbook.effects import Effects
    from runbook.engine.core import EngineCore
    from runbook.engine.link_keys import LinkKeys
    from runbook.loading import Workspace
    from runbook.model.proof import Proof
    from runbook.store import EventStore


class _LocalClaim:
    """A claim held in this process only (a store without claims of its own)."""

    held: set[str] = set()
    lock = threading.Lock()

    def __init__(self, effect_id: str) -> None:
        self.effect_id = effect_id

    @classmethod
    def take(cls, effect_id: str) -> _LocalClaim | None:
        with cls.lock:
            if effect_id in cls.held:
                return None
            cls.held.add(effect_id)
        return cls(effect_id)

    def release(self) -> None:
        with self.lock:
            self.held.discard(self.effect_id)


class Performing:
    """Who performs which intent, for one engine (see module docstring)."""

    def __init__(self, engine: EngineCore) -> None:
        self.engine = engine
        self._local = threading.local()

    def _kept(self) -> dict[str, Claim]:
        kept: dict[str, Claim] | None = getattr(self._local, "claims", None)
        if kept is None:
            kept = self._local.claims = {}
        return kept

    def claim(self, effect_id: str) -> Claim | None:
        """Hold ``effect_id`` for this process; None when a live performer holds it."""
        claim = getattr(self.engine.store, "claim", None)
        if claim is None:
            return _LocalClaim.take(effect_id)
        held: Claim | None = claim(effect_id)
        return held

    def claim_intents(self, events: list[ev.Event]) -> list[Claim]:
        """Claim the intents among ``events`` before they are appended (see :meth:`keep`)."""
        taken = []
        for event in events:
            if isinstance(event, ev.EffectRequested):
                claim = self.claim(event.effect_id)
                if claim is not None:
                    taken.append(claim)
                    self._kept()[event.effect_id] = claim
        return taken

    def drop(self, events: list[ev.Event]) -> None:
        """Let go the claims on the intents among ``events`` that were not performed (their
        append failed, or the command stopped before performing them)."""
        kept = self._kept()
        for event in events:
            if isinstance(event, ev.EffectRequested):
                claim = kept.pop(event.effect_id, None)
                if claim is not None:
                    claim.release()

    def perform(self, incident_id: str, effect_id: str) -> bool:
        """Perform one intent and record its result, once, if no live process performs it
        and it has no result yet; True when this call performed it."""
        engine = self.engine
        claim = self._kept().pop(effect_id, None) or self.claim(effect_id)
        if claim is None:
            return False  # its performer is alive: never twice at once
        try:
            incident = engine.incident(incident_id)  # read after claiming: fresh
            effect = incident.effects.get(effect_id)
            if effect is None or effect.result is not None:
                return False
            result = engine.outbox(incident).perform(incident, effect)
            if result is not None:
                engine.record(incident.id, [result], f"result:{effect.effect_id}:{effect.attempt}")
            engine.performed.append((incident.id, effect_id))
            return True
        finally:
            claim.release()

    def recover(self, incident_id: str) -> int:
        """Perform the intents with no result whose performer is gone (their claim is free):
        left by a process that stopped mid-way. Returns how many were performed."""
        incident = self.engine.incident(incident_id)
        done = 0
        for effect in incident.pending_effects():
            if self.engine.perform(incident.id, effect.effect_id):
                done += 1
        return done


class EffectsRunner:
    """The engine's side of effects: the outbox it hands intents to, performing them (through
    :class:`Performing`), and what the outbox asks about other incidents (the posts they
    hold). A base of :class:`~runbook.engine.core.EngineCore`."""

    if TYPE_CHECKING:
        store: EventStore
        effects: Effects
        workspace: Workspace
        clock: Clock
        performing: Performing

        def incident(self, incident_id: str) -> Incident: ...

        def record(self, incident_id: str, events: list[ev.Event], marker: str) -> None: ...

        def system_proof(self) -> Proof: ...

        def link_keys(self) -> LinkKeys: ...

    def outbox(self, incident: Incident) -> Outbox:
        """The outbox for ``incident``: its adapters (a drill's are simulated), this engine
        as the ledger results are recorded in."""
        return Outbox(
            self,
            self.effects.for_incident(incident.drill),
            self.workspace.contacts,
            self.clock,
        )

    def has_scheduler(self, incident: Incident) -> bool:
        """True when runbook can reach a scheduler holding the brand's posts (drills: their
        simulated calendar)."""
        scheduler = self.effects.for_incident(incident.drill).scheduler
        return bool(getattr(scheduler, "configured", True))

    def perform_all(self, incident_id: str, recorded: list[ev.Event]) -> None:
        """Perform every intent among ``recorded`` (just appended by a command)."""
        try:
            for event in recorded:
                if isinstance(event, ev.EffectRequested):
                    self.perform(incident_id, event.effect_id)
        finally:
            self.performing.drop(recorded)

    def perform(self, incident_id: str, effect_id: str) -> bool:
        """Perform one intent through the outbox and record its result (once), unless a live
        process performs it already; True when this call performed it."""
        return self.performing.perform(incident_id, effect_id)

    def recover(self, incident_id: str) -> int:
        """Perform intents with no result whose performer is gone (killed or crashed: its
        claim is free at once); an intent a live process performs, however slowly, is left
        to it. Returns how many were performed."""
        return self.performing.recover(incident_id)

    def statement_posts(self) -> set[str]:
        """Scheduler posts runbook created for statements (of any incident, closed ones too:
        a crisis statement is never the brand's routine post): a pause never holds them."""
        found: set[str] = set()
        for incident_id in self.store.heads():
            found |= self.incident(incident_id).statement_posts
        return found

    def held_elsewhere(self, incident_id: str) -> dict[str, list[str]]:
        """Post id -> other incidents (not closed) that hold it: paused and not released,
        or kept held at their resolution."""
        holders: dict[str, list[str]] = {}
        for post_id, _post, other_id in self._held_by_others(incident_id):
            holders.setdefault(post_id, []).append(other_id)
        return holders

    def held_posts_elsewhere(self, incident_id: str) -> dict[str, dict[str, Any]]:
        """Post id -> the post (with its record) as another open incident holds it."""
        found: dict[str, dict[str, Any]] = {}
        for post_id, post, _other in self._held_by_others(incident_id):
            found.setdefault(post_id, post)
        return found

    def _held_by_others(self, incident_id: str) -> Iterator[tuple[str, dict[str, Any], str]]:
        for other_id, head in self.store.heads().items():  # the logs, not the list
            if other_id == incident_id or head["state"] == "closed":
                continue
            other = self.incident(other_id)
            for post_id, post in [*other.paused_posts.items(), *other.kept_posts.items()]:
                yield post_id, post, other.id
