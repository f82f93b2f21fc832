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
RE2 stays fast only while its automaton stays small: a pattern whose search can need more than
:data:`runbook.model.automaton.MAX_STATES` states (``a.{20}c``) is refused too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import re2  # type: ignore[import-untyped]

from runbook.i18n import _, formats
from runbook.model.automaton import MAX_STATES, dfa_states
from runbook.model.folding import fold_signs

MAX_PATTERN = 1_000
"""Longest pattern accepted (characters)."""
MAX_PROGRAM = 2_000
"""Largest compiled pattern (RE2 program instructions): a search costs at worst the text's
length times this, so a counted repetition such as ``.{300}`` is refused (the shipped
policy's largest pattern is 134, the French example's, with its accented alternatives, 1,364)."""
MAX_HIT = 1_000
"""Longest match (bytes) inside which the named ``hit`` is looked for: finding a group costs
more than finding the match, so in a longer match the whole match is reported."""
MAX_MEMORY = 8 << 20
"""Memory RE2 may use for one compiled pattern (bytes): a pattern needing more is refused."""


def _options(never_capture: bool = False) -> Any:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.max_mem = MAX_MEMORY
    options.never_capture = never_capture
    return options


@lru_cache(maxsize=4096)
def _bounds(pattern: str) -> Any:
    """``pattern`` with no capturing group: RE2 finds where a match lies with its DFA alone
    (extracting groups runs a slower engine over the match); only the named ``hit`` needs
    them, and only inside a match already found. ``never_capture`` leaves named groups
    capturing, so they are written as plain groups first."""
    options = _options(never_capture=True)
    try:
        return re2.compile(fold_signs(_unnamed(pattern)), options)
    except re2.error:  # the rewrite missed a corner: the pattern as written is still right
        return re2.compile(fold_signs(pattern), options)


def _unnamed(pattern: str) -> str:
    """``pattern`` with each named group ``(?P<name>...)`` written ``(?:...)`` (outside
    character classes and escapes; the same matches)."""
    out: list[str] = []
    index, length, in_class = 0, len(pattern), False
    while index < length:
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            out.append(char)
            index += 1
            if pattern[index : index + 1] == "^":
                out.append("^")
                index += 1
            if pattern[index : index + 1] == "]":  # a leading ] is a member, not the end
                out.append("]")
                index += 1
            continue
        elif pattern.startswith("(?P<", index) and ">" in pattern[index:]:
            out.append("(?:")
            index = pattern.index(">", index) + 1
            continue
        out.append(char)
        index += 1
    return "".join(out)


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
        compiled = re2.compile(fold_signs(pattern), _options())
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
    size = _bounds(pattern).programsize
    if size > MAX_PROGRAM:
        raise ValueError(
            _(
                "is too large to run quickly on a long statement (%(n)s steps; at most "
                "%(limit)s): shorten counted repetitions such as {200} or split it",
                n=size,
                limit=MAX_PROGRAM,
            )
        )
    states = dfa_states(fold_signs(pattern))
    if states is not None and states > MAX_STATES:
        raise ValueError(
            _(
                "can need more than %(n)s automaton states on some text (a long counted "
                "repetition after a part that can match anywhere): shorten a repetition such "
                "as {20} or anchor the pattern",
                n=formats.number(MAX_STATES, digits=0),
            )
        )
    return compiled


def why_refused(pattern: str) -> str | None:
    """Why ``pattern`` cannot be used (one line), or None when it can."""
    try:
        compile_pattern(pattern)
    except ValueError as exc:
        return str(exc)
    return None


class Haystack:
    """A text prepared for many searches: RE2 runs on its UTF-8 bytes (searching a ``str``
    converts offsets from the start of the text at every call), offsets mapped back to
    characters only for matches."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.data = text.encode("utf-8", "surrogatepass")
        self._chars: list[int] | None = None
        self._bytes: list[int] | None = None

    def char(self, offset: int) -> int:
        """The character offset of byte ``offset``."""
        if len(self.data) == len(self.text):
            return offset
        if self._chars is None:
            self._chars, self._bytes = [], []
            for index, char in enumerate(self.text):
                self._bytes.append(len(self._chars))
                self._chars.extend([index] * len(char.encode("utf-8", "surrogatepass")))
            self._chars.append(len(self.text))
            self._bytes.append(len(self._chars) - 1)
        return self._chars[offset]

    def byte(self, index: int) -> int:
        """The byte offset of character ``index``."""
        if len(self.data) == len(self.text):
            return index
        self.char(0)
        assert self._bytes is not None
        return self._bytes[index]


def find_all(pattern: str, text: str | Haystack) -> Iterator[tuple[int, int]]:
    """Every non-empty match of ``pattern`` in ``text`` as (start, end) character offsets:
    the group named ``hit`` where the pattern has one (the rest is context), else the whole
    match."""
    hay = text if isinstance(text, Haystack) else Haystack(text)
    compiled = compile_pattern(pattern)
    hit = compiled.groupindex.get("hit", 0)
    for match in _bounds(pattern).finditer(hay.data):
        start, end = match.span()
        if hit and end - start <= MAX_HIT:  # the named part, looked for inside this match
            inner = compiled.fullmatch(hay.data, start, end)
            if inner is None:
                continue
            start, end = inner.span(hit)
        if end > start >= 0:
            yield hay.char(start), hay.char(end)


@lru_cache(maxsize=4096)
def _phrase(phrase: str) -> Any:
    """A literal phrase (already folded) on RE2: its words, any run of spaces between them."""
    return re2.compile(r"\s+".join(re2.escape(word) for word in phrase.split()), _options(True))


def _word(char: str) -> bool:
    return char.isalnum() or char == "_"


def find_phrase(phrase: str, text: str | Haystack) -> Iterator[tuple[int, int]]:
    """Every occurrence of the folded ``phrase`` in ``text`` as whole words (not inside a
    longer word), as (start, end): RE2 finds each candidate in linear time, the word edges
    are checked here, and a candidate inside a longer word lets the search go on from the
    next character."""
    if not phrase.split():
        return
    hay = text if isinstance(text, Haystack) else Haystack(text)
    chars = hay.text
    compiled = _phrase(phrase)
    at = 0
    while at <= len(hay.data):
        match = compiled.search(hay.data, at)
        if match is None:
            return
        start, end = hay.char(match.start()), hay.char(match.end())
        if end > start and not (
            (start > 0 and _word(chars[start - 1])) or (end < len(chars) and _word(chars[end]))
        ):
            yield start, end
            at = match.end()
        else:
            at = hay.byte(start + 1)
