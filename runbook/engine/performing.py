"""Performing intents: one live process owns an effect while it performs it.

An intent (:class:`~runbook.model.events.EffectRequested`) is performed by the process that
holds its claim (:mod:`runbook.store.claims`: a lock the operating system or the database
lets go when the holder finishes or dies). A command claims the intents it records *before*
appending them, so no other process can take them in between; ``tick``, ``retry`` and the
app's recovery (:meth:`Performing.recover`) perform only intents with no result whose claim is
free, that is whose performer is gone (a SIGKILLed process's claim is free at once). An effect
whose performer is alive is never performed a second time, however slow it is.

What performing does is the outbox's (:mod:`runbook.engine.outbox`); this module owns who
performs, and when.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from runbook.model import events as ev
from runbook.store.claims import Claim

if TYPE_CHECKING:
    from runbook.engine.core import EngineCore


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
