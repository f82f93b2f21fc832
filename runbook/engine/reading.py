"""What the record says, read by the engine: the incidents, their events and their proofs.

The queries the board, the incident screen, ``runbook list``, ``timeline``, ``verify`` and
``db rebuild`` ask; each reads the store (through the fold of
:meth:`~runbook.engine.core.EngineCore.incident`) and records nothing. Separate from the
commands (:mod:`runbook.engine.commands`), which change the record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from runbook.effects import Wait
from runbook.engine import proofs, witnessing
from runbook.engine.core import EngineCore
from runbook.errors import NotFound
from runbook.i18n import _
from runbook.model import events as ev
from runbook.model import lifecycle
from runbook.model.effect_state import Effect
from runbook.model.messages import SentMessage, sent_messages
from runbook.store.chain import Verification
from runbook.store.listing import LISTED, LISTED_FROM_HEADS, disagreements, head_summary
from runbook.store.witness import Heads


class RecordQueries(EngineCore):
    """Reading the record; :class:`runbook.engine.commands.Engine` answers them."""

    # -- reading the record ------------------------------------------------------------------
    def incidents(self) -> list[dict[str, Any]]:
        """Every incident in the log, newest first, summarised. The store's incident list is
        a cache: a row is used only when it agrees with its log (count, state, times, level,
        and what the declaration says: playbook, title, drill); an incident whose row is
        missing or disagrees is summarised from its events (``listed`` says so), so no row
        can hide an incident from the board or ``tick``, or show it as something else."""
        listed = {row["id"]: row for row in self.store.incidents()}
        found = []
        for incident_id, head in self.store.heads().items():
            row = listed.get(incident_id)
            if (
                row is None
                or disagreements(row, head_summary(head), LISTED_FROM_HEADS)
                or (head["state"] and row["state"] != head["state"])
            ):
                status = self.incident(incident_id).status()
                row = {name: status[name] for name in LISTED}
                row["listed"] = "from its events: the incident list disagrees"
            found.append(row)
        found.sort(key=lambda row: row["id"])
        found.sort(key=lambda row: row.get("opened_at") or "", reverse=True)
        return found

    def listing_problems(self, incident_id: str) -> list[str]:
        """Where the store's incident list disagrees with the incident's events (empty: it
        agrees); ``runbook db rebuild`` restores the list from the logs."""
        incident_id = incident_id.strip().upper()
        status = self.incident(incident_id).status()
        row = next((r for r in self.store.incidents() if r["id"] == incident_id), None)
        if row is None:
            return [_("the incident list has no row for it")]
        return disagreements(row, status)

    def unlisted_problems(self) -> dict[str, str]:
        """Rows of the incident list with no events behind them (added outside runbook)."""
        heads = self.store.heads()
        return {
            row["id"]: _("it is in the incident list but has no events")
            for row in self.store.incidents()
            if row["id"] not in heads
        }

    def rebuild_incidents(self) -> list[str]:
        """Rewrite the store's incident list from the logs; the ids corrected."""
        return self.store.rebuild_incidents()

    def failures_performed(self) -> list[tuple[str, Effect]]:
        """Effects this engine performed (since this was last asked) whose
        result is a failure, for everyone or for some, as recorded now."""
        found = []
        for incident_id, effect_id in dict.fromkeys(self.performed):
            effect = self.incident(incident_id).effects.get(effect_id)
            if effect is not None and effect.result in ("failed", "partial", "unknown"):
                found.append((incident_id, effect))
        self.performed.clear()
        return found

    def report_waits(self, callback: Callable[[Wait], None]) -> None:
        """Have the adapters tell ``callback`` when they wait before trying again (a
        server's Retry-After, backoff), as each wait starts."""
        self.effects.report_waits(callback)

    def report_store_notices(self, callback: Callable[[str], None]) -> None:
        """Have the store tell ``callback`` when it loses its connection and tries again."""
        self.store.notice = callback

    def store_warning(self) -> str:
        """One line when the store's login can rewrite history (empty otherwise)."""
        access = getattr(self.store, "access", None)
        return str(access().warning) if access is not None else ""

    def timeline(self, incident_id: str) -> list[ev.Event]:
        """Every event of the incident in order."""
        self.incident(incident_id)
        return self.store.load(incident_id.strip().upper())

    def verify(self, incident_id: str, heads: Heads | None = None) -> Verification:
        """Check the incident's hash chain, that no event was cut off its end, every stored
        proof (:func:`runbook.engine.proofs.verify_stored`) and every head witnessed outside
        the database, the store's and ``heads`` (:mod:`runbook.engine.witnessing`)."""
        incident_id = incident_id.strip().upper()
        rows = self.store.rows(incident_id)
        if not rows:
            raise NotFound(
                _(
                    "no incident %(incident_id)s; `runbook list` shows them",
                    incident_id=repr(incident_id),
                )
            )
        recorded = next((r["events"] for r in self.store.incidents() if r["id"] == incident_id), 0)
        result = proofs.verify_stored(
            incident_id, rows, recorded, self.workspace.contacts, self.verifying_keys()
        )
        result = witnessing.compare(result, rows, *witnessing.known_heads(self.store, heads))
        if not result.ok:
            return result
        return replace(result, listing=tuple(self.listing_problems(incident_id)))

    def removed_incidents(self, heads: Heads | None = None) -> dict[str, str]:
        """Incidents witnessed outside the database that it no longer holds."""
        known, _ = witnessing.known_heads(self.store, heads)
        return witnessing.removed_incidents(known, set(self.store.heads()))

    def messages(self, incident_id: str) -> list[SentMessage]:
        """Every message runbook sent about the incident (or tried to), oldest first."""
        return sent_messages(self.timeline(incident_id))

    def events_after(self, incident_id: str, seq: int) -> list[ev.Event]:
        """The incident's events after ``seq`` (a screen adds only what is new)."""
        return self.store.load(incident_id.strip().upper(), after_seq=seq)

    def change_token(self) -> int:
        """A number that changes whenever anyone writes to the store."""
        return self.store.change_token()

    def wait_for_change(self, token: int, timeout: float) -> int:
        """Block until the store changes after ``token`` or ``timeout`` seconds pass."""
        return self.store.wait_for_change(token, timeout)

    def allowed(self, incident_id: str) -> list[str]:
        """Actions the operator may take now (what the UI offers)."""
        incident = self.incident(incident_id)
        return lifecycle.allowed(incident, self.context(incident))
