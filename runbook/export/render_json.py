"""The JSON export: the report model as published in ``schemas/export.schema.json``.

Key order follows the model, so two exports of the same events are byte-identical. Each timeline
entry embeds its stored record (``record``) with ``seq``, ``hash`` and ``prev_hash``, which is
what ``runbook verify --export FILE`` rechecks.

Language: keys, ids, types, states and statuses are English in every language (tools read
them); the prose fields (event names, details, labels, verdicts, actions) are in the report's
``language``, which the document states, so ``verify --export`` rebuilds it in the same one.
"""

from __future__ import annotations

from functools import cache

from pydantic import TypeAdapter

from runbook.export.model import Report


@cache
def adapter() -> TypeAdapter[Report]:
    """The pydantic adapter that serialises and describes :class:`Report`."""
    return TypeAdapter(Report)


def render_json(report: Report) -> str:
    """The report as indented JSON (UTF-8 text, non-ASCII kept)."""
    return adapter().dump_json(report, indent=2).decode("utf-8") + "\n"
