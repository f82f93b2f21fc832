"""The CSV export: one event per row, ready for a spreadsheet.

UTF-8 with a byte-order mark (Excel then reads accents correctly), CRLF line ends, a header row.
A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with
``'`` so a spreadsheet never runs it as a formula (CSV injection). Drill exports carry
``[DRILL]`` in the first column of every row.

The header row is the same in every language: its column names are ids spreadsheets and
scripts refer to (an interface, like the JSON keys). The cells follow the report's language
(event names, details, how each actor was proven, ``[EXERCICE]``); the type, state and hash
columns are ids and stay as recorded.
"""

from __future__ import annotations

import csv
import io

from runbook.export.model import Report
from runbook.export.times import spreadsheet
from runbook.model.text import inert

BOM = "\ufeff"
_DANGEROUS = frozenset("=+-@\t\r")


def cell(value: object) -> str:
    """A value made safe for a spreadsheet cell (and inert on a terminal)."""
    text = "" if value is None else str(value)
    return ("'" if text[:1] in _DANGEROUS else "") + inert(text)


def render_csv(report: Report) -> str:
    """The timeline as CSV text (starting with the BOM)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "marking",
            "incident",
            "seq",
            "time (UTC)",
            f"time ({report.timezone})",
            "T+",
            "actor",
            "actor name",
            "actor role",
            "proven by",
            "event",
            "type",
            "details",
            "state",
            "hash",
        ]
    )
    marking = cell(report.incident.marking)
    incident = cell(report.incident.id)
    memo: dict[str, str] = {}

    def repeated(value: str) -> str:
        found = memo.get(value)
        if found is None:
            found = memo[value] = cell(value)
        return found

    rows = (
        (
            marking,
            incident,
            entry.seq,
            spreadsheet(entry.at),
            spreadsheet(entry.at_local),
            entry.t_plus,
            repeated(entry.actor),
            repeated(entry.actor_name),
            repeated(entry.actor_role),
            repeated(entry.proof),
            repeated(entry.event),
            repeated(entry.type),
            cell(entry.details),
            repeated(entry.state),
            entry.hash,
        )
        for entry in report.timeline
    )
    writer.writerows(rows)
    return BOM + out.getvalue()
