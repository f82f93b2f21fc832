"""YAML content calendars: reading posts, editing values in place, appending new posts.

The YAML side of :mod:`.file_calendar` (which owns the file itself: locking, the change check
and the atomic swap). A calendar is a list of mappings, read only through
:mod:`runbook.loading` (so limited to its 1 MiB size). Changed values are edited in place,
keeping comments and layout; new posts are appended as block items indented like the first
one. Every edit is checked by reading the result back; when it does not give exactly the
wanted data the file is rewritten with ``yaml.safe_dump`` instead (comments are then lost).
"""

from __future__ import annotations

import codecs
import copy
import json
import re
from pathlib import Path
from typing import Any

import yaml

from runbook import loading
from runbook.effects.scheduler.file_calendar import (
    Changes,
    ParseResult,
    _apply_edits,
    _check_row,
    _decode,
    _Row,
)
from runbook.errors import ConfigError, EffectError
from runbook.i18n import _, formats

_COMMENT_LINE = re.compile(r"^[ \t]*#.*$", re.MULTILINE)


def parse_yaml(path: Path, raw: bytes) -> ParseResult:
    """The posts of a YAML calendar, problems found, and its change and append renderers."""
    text = _decode(path, raw)
    bom = codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b""
    if len(raw) > loading.MAX_FILE_BYTES:
        raise EffectError(
            _(
                "%(path)s is %(n)s bytes; YAML calendars are limited to %(max_file_bytes)s bytes "
                "— keep a large calendar as CSV",
                path=path,
                n=formats.number(len(raw), digits=0),
                max_file_bytes=formats.number(loading.MAX_FILE_BYTES, digits=0),
            )
        )
    if not _COMMENT_LINE.sub("", text).strip():  # nothing planned yet (comments at most)
        data: Any = []
        parsed = None
    else:
        try:
            parsed = loading.parse_yaml(path, text)
        except ConfigError as exc:
            raise EffectError("; ".join(exc.problems)) from None
        data = [] if parsed.data is None else parsed.data
    if not isinstance(data, list):
        raise EffectError(
            _(
                "%(path)s line 1: a YAML calendar is a list of posts (each starting with '- id:')",
                path=path,
            )
        )

    def line_of(loc: tuple[str | int, ...]) -> int:
        return parsed.position(loc)[0] if parsed is not None else 1

    rows: dict[str, _Row] = {}
    problems: list[str] = []
    for index, item in enumerate(data):
        line = line_of((index,))
        if not isinstance(item, dict):
            raise EffectError(
                _(
                    "%(path)s line %(line)s: each post must be a mapping (id: ..., ...)",
                    path=path,
                    line=line,
                )
            )
        pid = "" if item.get("id") is None else str(item["id"]).strip()
        if not pid:
            raise EffectError(
                _("%(path)s line %(line)s: this post has no id; give it one", path=path, line=line)
            )
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
        values = {
            key: "" if item.get(key) is None else str(item[key])
            for key in ("channel", "scheduled_at", "text", "status")
        }
        row = _Row(
            pid,
            line,
            values["channel"].strip(),
            values["scheduled_at"].strip(),
            values["text"],
            values["status"].strip().lower(),
            index,
        )
        rows[pid] = row
        _check_row(path, row, problems)

    newline = "\r\n" if "\r\n" in text else "\n"

    def encoded(edited: str | None, wanted: list[Any]) -> bytes:
        """The edited text when it reads back as ``wanted`` (comments and layout kept), else
        ``wanted`` dumped afresh; in the file's line endings, with its byte-order mark."""
        if edited is not None:
            try:
                if loading.parse_yaml(path, edited).data == wanted:
                    return bom + edited.encode("utf-8")
            except ConfigError:
                pass
        return bom + _dump(wanted).replace("\n", newline).encode("utf-8")

    def render(changes: Changes) -> bytes:
        wanted = copy.deepcopy(data)
        for pid, change in changes.items():
            wanted[rows[pid].ref].update(change)
        edited = _edit_in_place(text, parsed, rows, changes) if parsed is not None else None
        return encoded(edited, wanted)

    def append(posts: list[dict[str, str]]) -> bytes:
        added = _block_items(text, posts, newline)
        edited = text + ("" if not text or text.endswith("\n") else newline) + added
        return encoded(edited, [*copy.deepcopy(data), *posts])

    return rows, problems, render, append


def _dump(data: Any) -> str:
    return yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=10_000
    )


_ITEM_INDENT = re.compile(r"^([ \t]*)-(?:[ \t]|\r?$)", re.MULTILINE)


def _block_items(text: str, posts: list[dict[str, str]], newline: str) -> str:
    """``posts`` as block sequence items indented like the file's first item."""
    found = _ITEM_INDENT.search(text)
    indent = found.group(1) if found else ""
    lines = _dump(posts).splitlines(keepends=True)
    return "".join(indent + line if line.strip() else line for line in lines).replace("\n", newline)


_QUOTED = {
    '"': re.compile(r'"(?:[^"\\\n]|\\.)*"'),
    "'": re.compile(r"'(?:[^'\n]|'')*'"),
}
_PLAIN_END = re.compile(r"\s#|[,}\]\n]|$")
_SAFE_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.:+-]*[A-Za-z0-9Z]|[A-Za-z0-9]")


def _edit_in_place(text: str, parsed: Any, rows: dict[str, _Row], changes: Changes) -> str | None:
    """Replace just the changed scalars, keeping comments and layout; None when unsure."""
    edits: list[tuple[int, int, str]] = []
    for pid, change in changes.items():
        for key, value in change.items():
            where = parsed.marks.get((rows[pid].ref, key))
            if where is None or not where.scalar:
                return None
            start = where.value.index
            quote = text[start : start + 1]
            if quote in _QUOTED:
                match = _QUOTED[quote].match(text, start)
                if match is None:
                    return None
                end = match.end()
                new = json.dumps(value) if quote == '"' else "'" + value.replace("'", "''") + "'"
            else:
                plain_end = _PLAIN_END.search(text, start)
                if plain_end is None:  # never: the pattern matches at the end of the text
                    return None
                end = plain_end.start()
                while end > start and text[end - 1] in " \t\r":
                    end -= 1
                new = value if _SAFE_PLAIN.fullmatch(value) else json.dumps(value)
            if end <= start:
                return None
            edits.append((start, end, new))
    return _apply_edits(text, edits)
