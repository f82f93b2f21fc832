"""Comparing an incident's stored chain with the heads witnessed outside the database.

The chain alone cannot show a rewrite that recomputed every hash; the heads the store wrote to
its witness file (:mod:`runbook.store.witness`) on each append, and any head a person brings
from an export or a notification (``verify --head``, ``verify --witness FILE``), can. Each
known head must be in the database with the same hash: a different hash names the event where
the record was rewritten, a missing one says events (or a whole incident) were removed.
Nothing known to compare with is a warning ("not witnessed"), never a failure.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from runbook.i18n import _
from runbook.store import EventStore
from runbook.store.chain import Verification
from runbook.store.witness import Heads, disagreement


def known_heads(store: EventStore, extra: Heads | None = None) -> tuple[Heads, str]:
    """Every head known for the store: its witness file's and ``extra``; and a warning when
    the store's witness file is not there."""
    heads = Heads()
    warning = ""
    witness = store.witness
    if witness is not None:
        if witness.exists():
            heads.merge(witness.read())
        else:
            warning = _("no witness file at %(path)s", path=witness.path)
    if extra is not None:
        heads.merge(extra)
    return heads, warning


def compare(
    result: Verification,
    rows: list[dict[str, Any]],
    heads: Heads,
    warning: str,
) -> Verification:
    """``result`` (a chain already checked) with the witnessed heads compared: the first
    disagreement makes it fail naming the event; nothing to compare with is noted."""
    known = heads.of(result.incident_id)
    if not known:
        why = warning or _(
            "no witnessed head for this incident (recorded before witnessing, or elsewhere)"
        )
        return replace(result, unwitnessed=why)
    found = disagreement(rows, known)
    if found is None or (result.first_bad_seq is not None and found[0] > result.first_bad_seq):
        return replace(result, witnessed=len(known))
    seq, problem = found
    if seq == result.first_bad_seq:  # both name the event: say both
        problem = f"{result.problem}; and {problem}"
    return replace(result, first_bad_seq=seq, problem=problem, witnessed=0)


def removed_incidents(heads: Heads, present: set[str]) -> dict[str, str]:
    """Incidents the witness saw that the database no longer has: id -> the problem."""
    return {
        incident_id: _(
            "the witness saw event #%(seq)s of this incident, but the database has no events "
            "for it: the incident was removed",
            seq=max(seqs),
        )
        for incident_id, seqs in heads.by_incident.items()
        if incident_id not in present and seqs
    }
