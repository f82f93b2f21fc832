"""The policy's regular expressions, run on RE2: linear time, whatever the pattern or the text.

A pattern in ``policy.yaml`` is written by a person and run on every keystroke of a statement
during a crisis, so it must never hang the app: Python's ``re`` backtracks (``(a+)+$`` on a
long line runs for minutes); RE2 (google-re2) guarantees time linear in the text and bounded
memory. The price is that RE2 refuses lookaround (``(?<!...)``, ``(?=...)``) and
backreferences (``\\1``): such a pattern is refused when the policy loads, with the reason,
never at lint time. Instead of a lookbehind, match the context and name the part to report
``(?P<hit>...)``; instead of a negative lookahead for exceptions, list them in the rule's
``allow``. Patterns match case-insensitively, on text folded by
:mod:`runbook.model.folding` (write plain ``'`` and spaces; ’ and non-breaking spaces in a
statement still match). In RE2 ``\\b``, ``\\w`` and ``\\d`` are ASCII; ``\\pL`` is any letter.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import re2  # type: ignore[import-untyped]

from runbook.i18n import _
from runbook.model.folding import fold_signs

MAX_PATTERN = 1_000
"""Longest pattern accepted (characters)."""
MAX_MEMORY = 8 << 20
"""Memory RE2 may use for one compiled pattern (bytes): a pattern needing more is refused."""


def _options() -> Any:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.max_mem = MAX_MEMORY
    return options


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> Any:
    """The compiled RE2 pattern (case-insensitive, typographic signs folded); raises
    ``ValueError`` with the reason when RE2 cannot run it."""
    if len(pattern) > MAX_PATTERN:
        raise ValueError(
            _(
                "is %(n)s characters long; at most %(max_pattern)s",
                n=len(pattern),
                max_pattern=MAX_PATTERN,
            )
        )
    try:
        return re2.compile(fold_signs(pattern), _options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        what, _sep, where = str(reason).partition(": ")
        if "(?<" in pattern or "(?=" in pattern or "(?!" in pattern:
            raise ValueError(
                _(
                    "cannot be run safely: lookaround (%(value)s) could make matching slow; "
                    "match the context and name the part to report (?P<hit>...), or list "
                    "exceptions under allow:",
                    value=where or what,
                )
            ) from None
        if re.search(r"\\[1-9]|\(\?P=", pattern):
            raise ValueError(
                _("cannot be run safely: backreferences could make matching slow")
            ) from None
        raise ValueError(
            _(
                "is not a valid regular expression: %(what)s at %(where)s",
                what=what,
                where=repr(where),
            )
        ) from None


def why_refused(pattern: str) -> str | None:
    """Why ``pattern`` cannot be used (one line), or None when it can."""
    try:
        compile_pattern(pattern)
    except ValueError as exc:
        return str(exc)
    return None


def find_all(pattern: str, text: str) -> Iterator[tuple[int, int]]:
    """Every non-empty match of ``pattern`` in ``text`` as (start, end) character offsets:
    the group named ``hit`` where the pattern has one (the rest is context), else the whole
    match."""
    compiled = compile_pattern(pattern)
    hit = compiled.groupindex.get("hit", 0)
    for match in compiled.finditer(text):
        start, end = match.span(hit)
        if end > start >= 0:
            yield start, end
