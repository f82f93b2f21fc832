"""Post-incident timeline export: Markdown, JSON, CSV and HTML.

The export is built in two steps so the CLI, the TUI and drills share it:

1. :func:`build_report` (``report.py``): a pure function from an incident's stored rows and the
   contacts directory to a :class:`~runbook.export.model.Report` (timeline, stage metrics against
   targets, people, posts, drafts, assessments, lint overrides, hash-chain head), with contact
   details and secrets scrubbed and, on request, people shown by role;
2. :func:`render`: the report in one format (``render_md``, ``render_json``, ``render_csv``,
   ``render_html``).

:func:`export_incident` does both for an incident in an engine's store and checks the output
for leaks; :func:`runbook.export.files.write_atomic` writes it. A caller holding typed events in
memory (a drill run without a store) passes ``records.rows_from_events(events)`` as the rows.
``verify.py`` checks a JSON export's embedded chain. This package never imports Textual.

Language: an export speaks the playbook's language (``language: fr``) unless the caller asks
for another (``language=``, ``runbook export --lang``); the report records it and every
renderer writes in it (:func:`runbook.i18n.using`), dates and durations included.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from runbook.errors import NotFound, RunbookError
from runbook.export.model import FORMAT_VERSION, Report
from runbook.export.report import build_report
from runbook.i18n import _, using

if TYPE_CHECKING:
    from runbook.engine import Engine

FORMATS = ("md", "json", "csv", "html")
"""Export formats, as ``--format`` names them."""
SUFFIXES = {".md": "md", ".markdown": "md", ".json": "json", ".csv": "csv", ".html": "html"}
"""File suffixes that imply a format."""

__all__ = [
    "FORMATS",
    "FORMAT_VERSION",
    "Report",
    "build_report",
    "export_incident",
    "render",
]


def render(report: Report, fmt: str) -> str:
    """``report`` in format ``fmt`` (one of :data:`FORMATS`), in the report's language."""
    with using(report.language):
        return _render(report, fmt)


def _render(report: Report, fmt: str) -> str:
    if fmt == "md":
        from runbook.export.render_md import render_md

        return render_md(report)
    if fmt == "json":
        from runbook.export.render_json import render_json

        return render_json(report)
    if fmt == "csv":
        from runbook.export.render_csv import render_csv

        return render_csv(report)
    if fmt == "html":
        from runbook.export.render_html import render_html

        return render_html(report)
    raise ValueError(f"unknown export format {fmt!r}; formats: {', '.join(FORMATS)}")


def export_incident(
    engine: Engine,
    incident_id: str,
    fmt: str,
    *,
    tz: str = "UTC",
    redact_names: bool = False,
    environ: Mapping[str, str] | None = None,
    now: datetime | None = None,
    upto_seq: int | None = None,
    language: str | None = None,
) -> str:
    """The export of incident ``incident_id`` from ``engine``'s store, checked for leaks.

    ``environ`` (usually ``os.environ``) supplies the secret values that must not appear;
    ``now`` is the generation time written in the export; ``upto_seq`` exports the incident
    as it stood at that event (``verify --export`` rebuilds an earlier export to compare);
    ``language`` (``en``, ``fr``) overrides the playbook's language.
    """
    from runbook.export.redact import secret_values

    incident_id = incident_id.strip().upper()
    rows: list[dict[str, Any]] = engine.stored_rows(incident_id)
    if upto_seq is not None:
        rows = rows[:upto_seq]
    if not rows:
        raise NotFound(_("no incident %(id)r; `runbook list` shows them", id=incident_id))
    contacts = engine.workspace.contacts
    secrets = secret_values(contacts, environ or {})
    with _collector_paused():
        report = build_report(
            rows,
            contacts,
            tz=tz,
            redact_names=redact_names,
            secrets=secrets,
            generated_at=now,
            language=language,
        )
        text = render(report, fmt)
    check_leaks(text, contacts, secrets)
    return text


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a large report: it allocates
    hundreds of thousands of objects that all stay alive, and collections would only
    rescan them (about a sixth of the time for 100,000 events)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def check_leaks(text: str, contacts: Any, secrets: list[str]) -> None:
    """Refuse output that holds a contact's email or phone, or a secret (a bug if it does)."""
    from runbook.export.redact import leaks

    found = leaks(text, contacts, secrets)
    if found:
        kinds = ", ".join(sorted({_(kind) for kind in found}))
        raise RunbookError(
            _("the export would reveal %(kinds)s; nothing was written (please report)", kinds=kinds)
        )
