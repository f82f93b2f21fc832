"""Opening an incident: its id, drawn free or chosen, and the declaration that starts its log.

An incident id is ``INC-`` and six letters or digits of :data:`ID_ALPHABET` (read aloud on a
call). :meth:`Declaring.open_incident` appends the first event at seq 0 under a random free id,
or one derived from the operator's ``--command-id`` (a repeated declaration finds the incident
it opened), or the id asked for (drills, for reproducible reports). Separate from the runner
(:mod:`runbook.engine.runner`): there is no incident yet to fold, guard or settle, only a log to
start; what the declaration holds is decided in :func:`runbook.engine.incidents.declaration`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

from runbook.errors import ActionRefused, ConcurrencyConflict, StoreError
from runbook.i18n import _
from runbook.model import events as ev
from runbook.model.incident import Incident

if TYPE_CHECKING:
    from runbook.store import EventStore

ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""The letters and digits of incident ids (no 0/O, 1/I: read aloud on a call)."""
ID_PATTERN = re.compile(f"INC-[{ID_ALPHABET}]{{6}}")


class Declaring:
    """Opening an incident's log (see module docstring); a base of
    :class:`~runbook.engine.core.EngineCore`."""

    if TYPE_CHECKING:
        store: EventStore
        request: str | None
        max_attempts: int

        def incident(self, incident_id: str) -> Incident: ...

        def check_command_id(self, command_id: str) -> None: ...

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


def _new_id(command_id: str | None, attempt: int) -> str:
    """A fresh incident id: random, or from the command id (a repeat finds its incident)."""
    if command_id is None:
        return "INC-" + "".join(secrets.choice(ID_ALPHABET) for _ in range(6))
    digest = hashlib.sha256(f"{command_id}/{attempt}".encode()).digest()
    return "INC-" + "".join(ID_ALPHABET[b % len(ID_ALPHABET)] for b in digest[:6])
