"""CSV content calendars: reading posts, changing cells in place, appending new posts.

The CSV side of :mod:`.file_calendar` (which owns the file itself: locking, the change check
and the atomic swap). The header names at least ``id, channel, scheduled_at, status``
(``text`` is optional; case-insensitive); the delimiter (``,`` ``;`` tab or ``|``), quoting,
line endings and a UTF-8 byte-order mark are detected and kept. A change replaces only the
changed cells, every other byte is copied; new posts are appended as rows written in the
file's own delimiter, quoting and line endings (and without a final line ending when the file
had none). Parsing is the hot loop of a 10,000-post calendar and is kept lean.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path
from typing import Literal

from runbook.effects.scheduler.file_calendar import (
    COLUMNS,
    REQUIRED,
    Changes,
    NewPosts,
    ParseResult,
    _apply_edits,
    _check_row,
    _decode,
    _Row,
    parse_time,
)
from runbook.errors import EffectError
from runbook.i18n import _


def _delimiter(path: Path, header_line: str) -> str:
    for candidate in (",", ";", "\t", "|"):
        names = {part.strip().strip('"').strip().lower() for part in header_line.split(candidate)}
        if all(column in names for column in REQUIRED):
            return candidate
    found = header_line.strip().lstrip("\ufeff")
    raise EffectError(
        _(
            "%(path)s line 1: the header must name the columns %(items)s (found: %(found)s)",
            path=path,
            items=", ".join(COLUMNS),
            found=repr(found[:120]),
        )
    )


def parse_csv(path: Path, raw: bytes) -> ParseResult:
    """The posts of a CSV calendar, problems found, and its change and append renderers."""
    bom = raw.startswith(codecs.BOM_UTF8)
    text = _decode(path, raw)
    first_end = text.find("\n")
    newline = "\r\n" if first_end > 0 and text[first_end - 1] == "\r" else "\n"
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    if not lines or not lines[0].strip():
        raise EffectError(
            _(
                "%(path)s line 1: the calendar is empty; its first line must be the header "
                "%(items)s",
                path=path,
                items=",".join(COLUMNS),
            )
        )
    delimiter = _delimiter(path, lines[0])
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True)
    rows: dict[str, _Row] = {}
    problems: list[str] = []
    records: list[tuple[int, int, list[str]]] = []
    try:
        header = next(reader)
        columns: dict[str, int] = {}
        for index, name in enumerate(header):
            columns.setdefault(name.strip().lower(), index)
        quote_all = lines[0].rstrip("\r\n") == delimiter.join(f'"{h}"' for h in header)
        i_id, i_channel, i_at, i_status = (columns[c] for c in REQUIRED)
        i_text = columns.get("text", -1)
        width = max(i_id, i_channel, i_at, i_status, i_text) + 1
        start = reader.line_num
        for fields in reader:  # the hot loop of a 10,000-post calendar: kept lean
            end = reader.line_num
            record = len(records)
            records.append((start, end, fields))
            line = start + 1
            start = end
            cells = fields if len(fields) >= width else fields + [""] * (width - len(fields))
            pid = cells[i_id].strip()
            if not pid:
                if any(value.strip() for value in fields):
                    raise EffectError(
                        _(
                            "%(path)s line %(line)s: this post has no id; give it one",
                            path=path,
                            line=line,
                        )
                    )
                continue
            if pid in rows:
                raise EffectError(
                    _(
                        "%(path)s line %(line)s: post id %(pid)s is used twice (first on line "
                        "%(line2)s); ids must be unique",
                        path=path,
                        line=line,
                        pid=repr(pid),
                        line2=rows[pid].line,
                    )
                )
            status = cells[i_status].strip().lower()
            at = cells[i_at].strip()
            row = _Row(
                pid,
                line,
                cells[i_channel].strip(),
                at,
                cells[i_text] if i_text >= 0 else "",
                status,
                record,
            )
            rows[pid] = row
            if not status or not at or parse_time(at) is None:
                _check_row(path, row, problems)
    except csv.Error as exc:
        raise EffectError(
            _(
                "%(path)s line %(line_num)s: not valid CSV (%(exc)s)",
                path=path,
                line_num=reader.line_num,
                exc=exc,
            )
        ) from None

    cell = rf'(?:"(?:[^"]|"")*"|[^{re.escape(delimiter)}"\r\n]*)'
    style: Literal[0, 1] = csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    plans: dict[tuple[str, str], tuple[int, re.Pattern[str], str, str]] = {}

    def plan(name: str, value: str) -> tuple[int, re.Pattern[str], str, str]:
        """Where column ``name`` is in a record (group 1 of the pattern), and ``value`` as
        written in an unquoted and in a quoted cell."""
        index = columns[name]
        skip = f"(?:{cell}{re.escape(delimiter)}){{{index}}}" if index else ""
        quoted = '"' + value.replace('"', '""') + '"'
        needs_quotes = quote_all or any(c in value for c in (delimiter, '"', "\r", "\n"))
        plans[name, value] = (
            index,
            re.compile(f"{skip}({cell})"),
            quoted if needs_quotes else value,
            quoted,
        )
        return plans[name, value]

    def splice(record: str, fields: list[str], change: dict[str, str]) -> str | None:
        """``record`` with only the changed cells replaced, every other character kept; None
        when a cell cannot be found exactly (checked against what the csv reader read)."""
        spans = []
        for name, value in change.items():
            index, pattern, plain, quoted = plans.get((name, value)) or plan(name, value)
            match = pattern.match(record) if index < len(fields) else None
            if match is None:
                return None
            text = match.group(1)
            if text[:1] == '"':
                if text[1:-1].replace('""', '"') != fields[index]:
                    return None
                spans.append((match.start(1), match.end(1), quoted))
            elif text == fields[index]:
                spans.append((match.start(1), match.end(1), plain))
            else:
                return None
        if len(spans) == 1:
            start, end, value = spans[0]
            return record[:start] + value + record[end:]
        return _apply_edits(record, spans)

    def render(changes: Changes) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline, quoting=style)
        edits = []
        for pid, change in changes.items():
            start, end, fields = records[rows[pid].ref]
            record = lines[start] if end - start == 1 else "".join(lines[start:end])
            new = splice(record, fields, change)
            if new is None:  # a row the cell pattern cannot follow: write it whole
                fields = list(fields)
                for name, value in change.items():
                    index = columns[name]
                    fields.extend([""] * (index + 1 - len(fields)))
                    fields[index] = value
                buffer.seek(0)
                buffer.truncate()
                writer.writerow(fields)
                new = buffer.getvalue()
                if not record.endswith("\n"):  # the last line had no line ending
                    new = new[: -len(newline)]
            edits.append((start, end, new))
        edits.sort()
        out: list[str] = []
        position = 0
        for start, end, new in edits:
            out.extend(lines[position:start])
            out.append(new)
            position = end
        out.extend(lines[position:])
        return ("\ufeff" if bom else "").encode() + "".join(out).encode("utf-8")

    def append(posts: NewPosts) -> bytes:
        missing = [name for name in posts[0] if name not in columns] if posts else []
        if missing:
            raise EffectError(
                _(
                    "%(path)s line 1: the calendar has no %(items)s column; add it to the header "
                    "so runbook can write the statement there",
                    path=path,
                    items=", ".join(missing),
                )
            )
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline, quoting=style)
        for post in posts:
            fields = [""] * len(header)
            for name, value in post.items():
                fields[columns[name]] = value
            writer.writerow(fields)
        added = buffer.getvalue()
        if not text.endswith("\n"):  # keep "no line ending after the last row"
            added = newline + added[: -len(newline)]
        return raw + added.encode("utf-8")

    return rows, problems, render, append
