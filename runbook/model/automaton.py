"""How many automaton states a policy pattern can need: refused before it can slow lint down.

RE2 searches in time linear in the text by running a DFA it builds lazily, one state per set
of pattern positions alive at once. Some small patterns have exponentially many such sets:
``a.{20}c`` searched anywhere in a text (an unanchored search is an implicit ``.*`` before the
pattern) must remember, for each of the last 21 characters, whether it was an ``a``, so it can
need 2^21 states; RE2 then runs out of DFA memory and falls back to its much slower engine
(still linear, but 200 such patterns on a long statement take most of a second).

:func:`dfa_states` estimates that number deterministically: the pattern is parsed (Python's
own parser, after RE2-only syntax such as ``\\pL`` is mapped to placeholders), characters are
grouped into *atoms* that every literal and class of the pattern treats alike, a Thompson NFA
is built over the atoms with the flags lint uses (case-insensitive), and the subset
construction of the unanchored search is explored breadth-first until it ends or exceeds a
budget. Patterns that are useful in a policy (phone numbers, IBANs, e-mail addresses, lists of
words) need from a handful to about as many states as the pattern has characters.
"""

from __future__ import annotations

import re
import re._constants as sre_c  # type: ignore[import-not-found,import-untyped,unused-ignore]
import re._parser as sre_p  # type: ignore[import-not-found,import-untyped,unused-ignore]
import unicodedata
import warnings
from collections.abc import Callable
from functools import lru_cache
from typing import Any

MAX_STATES = 2_000
"""Largest number of automaton states a pattern may need on some text: the shipped policies'
patterns need at most 1,053 (the IBAN pattern), a long alternation of words about as many as it
has characters (at most 1,000), ``a.{10}c`` 2,048 and ``a.{20}c`` two million (RE2 builds
each new state as it meets it: a pattern that visits 2,000 of them on a 20,000-character text
costs about 2 ms instead of 0.1)."""

MAX_POLICY_STATES = 40_000
"""Largest number of automaton states a whole policy's patterns may need together: building a
state costs RE2 about half a microsecond the first time a text leads there, so a policy
within this bound adds at most about 25 ms to the first lint of the most hostile statement
(the shipped policies need about 3,500)."""

_PLACEHOLDER = 0xF0000
"""First private-use code point standing for a Unicode property (``\\pL``) in the parsed
pattern."""
_SAMPLES = "aZzé\u00c9ßñα\u03a9жД中日\u0627\u05d00\u0663 9\t\n\r\f\v-_.,;:!?'\"<>@€$+*#/\\()[]{}"
_SAMPLES += "\x00\x7f\u00a0\u01c5\U0001f600\u2028~^|&%="
"""Characters always in the universe, so each kind of text has a representative."""
_SCRIPTS = {"Han": "CJK", "Hani": "CJK", "Latn": "LATIN", "Grek": "GREEK", "Cyrl": "CYRILLIC"}
_POSIX = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7f",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}
_QUANTIFIERS = r"(?:(?:[*+?]|\{\d+(?:,\d*)?\})\??)"
_RE2_SYNTAX = re.compile(
    r"(?P<assertion>\\[bBAzZ]|(?<!\[)[\^$])" + _QUANTIFIERS + "+"  # a repeated assertion
    r"|\\[pP](?P<prop>\{\^?\w+\}|\w)|\\Q.*?(?:\\E|$)|\\x\{(?P<hex>[0-9a-fA-F]+)\}|\\z|\\C"
    r"|\(\?P?<\w+>|\[:(?P<neg>\^?)(?P<posix>\w+):\]"
    r"|(?P<flags>\(\?(?P<on>[imsU]*)(?:-(?P<off>[imsU]*))?(?P<scoped>:|\)))" + _QUANTIFIERS + "*"
    r"|(?P<quantifier>" + _QUANTIFIERS + ")" + _QUANTIFIERS + "+"
    r"|\\.",
    re.DOTALL,
)


_PROPERTIES: list[Callable[[str], bool]] = []
"""What each placeholder stands for (``_PLACEHOLDER + i`` for ``_PROPERTIES[i]``)."""
_PROPERTY_CODES: dict[str, int] = {}
"""The placeholder of each property met so far (``pL``, ``PGreek``, ``posix^alpha``)."""
_ACCEPTED: dict[tuple[str, str], bool] = {}
"""Whether a character test (by its text) accepts a character: the same tests (``\\s``,
``\\d``, ``[^<>]``) recur across a policy's patterns."""


class Unparsed(Exception):
    """The pattern uses syntax this estimate does not model (RE2 has accepted it)."""


def _property(name: str) -> Callable[[str], bool]:
    """Whether a character has the Unicode property ``name`` (a category such as ``L`` or
    ``Nd``, or a script such as ``Greek``; scripts approximated by the character's name)."""
    if name in ("Any",):
        return lambda char: True
    if len(name) <= 2 and name[:1].isupper():
        return lambda char: unicodedata.category(char).startswith(name)
    word = _SCRIPTS.get(name, name.upper())
    return lambda char: word in unicodedata.name(char, "")


def _prepare(pattern: str) -> tuple[str, list[Callable[[str], bool]]]:
    """``pattern`` in Python's syntax, each Unicode property written as one placeholder
    character, and the property each placeholder stands for."""
    props = _PROPERTIES

    def placeholder(name: str, test: Callable[[str], bool]) -> str:
        if name not in _PROPERTY_CODES:
            if len(props) >= 1_000:
                raise Unparsed(name)
            _PROPERTY_CODES[name] = _PLACEHOLDER + len(props)
            props.append(test)
        return f"\\U{_PROPERTY_CODES[name]:08x}"

    found_flags: set[str] = set()

    def rewrite(match: re.Match[str]) -> str:
        text = match.group(0)
        if match.group("flags"):  # RE2's ungreedy U changes no automaton: dropped
            on, off = match.group("on").replace("U", ""), (match.group("off") or "")
            off = off.replace("U", "")
            if match.group("scoped") == ":":
                return f"(?{on}-{off}:" if off else f"(?{on}:"
            found_flags.update(on)  # a flag set midway (Python refuses it): for all of it
            return ""
        if match.group("quantifier"):  # a**: RE2 reads it as (?:a*)*, the same automaton
            return match.group("quantifier")
        if match.group("assertion"):
            return ""  # \b* or ^+ may as well not be there
        if text[:2] in ("\\p", "\\P"):
            name = match.group("prop").strip("{}")
            negated = (text[1] == "P") != name.startswith("^")
            test = _property(name.lstrip("^"))
            key = ("P" if negated else "p") + name.lstrip("^")
            return placeholder(key, (lambda char: not test(char)) if negated else test)
        if text.startswith("\\Q"):
            return re.escape(text[2:].removesuffix("\\E"))
        if match.group("hex"):
            return f"\\U{int(match.group('hex'), 16):08x}"
        if text == "\\z":
            return "\\Z"
        if text == "\\C":
            return "(?s:.)"
        if text.startswith("(?") and text.endswith(">"):
            return "(?:"  # a named group: the name changes nothing (and may repeat in RE2)
        posix = match.group("posix")
        if posix:
            if posix not in _POSIX:
                raise Unparsed(text)
            if match.group("neg"):
                members = re.compile(f"[^{_POSIX[posix]}]")
                return placeholder("posix^" + posix, lambda char: members.match(char) is not None)
            return _POSIX[posix]
        return text

    source = _RE2_SYNTAX.sub(rewrite, pattern)
    return (f"(?{''.join(sorted(found_flags))}){source}" if found_flags else source), props


class _Builder:
    """A Thompson NFA over atoms: ``moves[n]`` is the atom mask node ``n`` consumes and the
    node it then reaches (None for an empty node), ``eps[n]`` its empty moves, ``tests[n]``
    the position test an empty node makes (``^`` only at the start of the text, ``\\b`` and
    ``\\B`` on the characters either side)."""

    def __init__(self, classify: Callable[[Any, int], int]) -> None:
        self.classify = classify
        self.moves: list[tuple[int, int] | None] = []
        self.eps: list[list[int]] = []
        self.tests: dict[int, str] = {}

    def node(self) -> int:
        self.moves.append(None)
        self.eps.append([])
        return len(self.eps) - 1

    def seq(self, items: Any, flags: int) -> tuple[int, int]:
        start = end = self.node()
        for op, arg in items:
            first, last = self.item(op, arg, flags)
            self.eps[end].append(first)
            end = last
        return start, end

    def item(self, op: Any, arg: Any, flags: int) -> tuple[int, int]:
        if op in _CHAR_TESTS:
            start, end = self.node(), self.node()
            self.moves[start] = (self.classify((op, arg), flags), end)
            return start, end
        if op is sre_c.SUBPATTERN:
            _group, add, remove, body = arg
            return self.seq(body, (flags | int(add)) & ~int(remove))
        if op is sre_c.BRANCH:
            start, end = self.node(), self.node()
            for alternative in arg[1]:
                first, last = self.seq(alternative, flags)
                self.eps[start].append(first)
                self.eps[last].append(end)
            return start, end
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            return self.repeat(arg, flags)
        if op is sre_c.AT:
            start, end = self.node(), self.node()
            multiline = flags & _MULTILINE
            if arg in (sre_c.AT_END, sre_c.AT_END_STRING) and not multiline:
                return start, end  # nothing is consumed after the end of the text
            if arg is sre_c.AT_BEGINNING_STRING or (arg is sre_c.AT_BEGINNING and not multiline):
                self.tests[start] = "begin"
            elif arg in (sre_c.AT_BOUNDARY, sre_c.AT_NON_BOUNDARY):
                self.tests[start] = "word" if arg is sre_c.AT_BOUNDARY else "inside"
            self.eps[start].append(end)  # line edges in multiline mode: let every path on
            return start, end
        raise Unparsed(str(op))

    def repeat(self, arg: Any, flags: int) -> tuple[int, int]:
        low, high, body = arg
        start = end = self.node()
        for _ in range(low):
            first, last = self.seq(body, flags)
            self.eps[end].append(first)
            end = last
        if high is sre_c.MAXREPEAT:
            first, last = self.seq(body, flags)
            self.eps[end].append(first)
            self.eps[last].append(end)
            return start, end
        finish = self.node()
        for _ in range(high - low):
            self.eps[end].append(finish)
            first, last = self.seq(body, flags)
            self.eps[end].append(first)
            end = last
        self.eps[end].append(finish)
        return start, finish


_IGNORECASE = int(sre_c.SRE_FLAG_IGNORECASE)
_DOTALL = int(sre_c.SRE_FLAG_DOTALL)
_MULTILINE = int(sre_c.SRE_FLAG_MULTILINE)
_CHAR_TESTS = (sre_c.LITERAL, sre_c.NOT_LITERAL, sre_c.ANY, sre_c.IN)
_WORD_TEST = ((sre_c.IN, [(sre_c.CATEGORY, sre_c.CATEGORY_WORD)]), 0)
"""RE2's word characters (ASCII), for ``\\b``: atoms never mix word and other characters."""


def _atoms(parsed: Any, props: list[Callable[[str], bool]]) -> tuple[Any, list[bool]]:
    """A classifier giving, for each character test of the pattern, the mask of atoms it
    accepts, and for each atom whether its characters are word characters (for ``\\b``)."""
    tests: dict[str, tuple[Any, int]] = {repr(_WORD_TEST): _WORD_TEST}
    universe = set(_SAMPLES)

    def walk(items: Any, flags: int) -> None:
        for op, arg in items:
            if op in _CHAR_TESTS:
                tests.setdefault(repr(((op, arg), flags)), ((op, arg), flags))
                codes = [arg] if op in (sre_c.LITERAL, sre_c.NOT_LITERAL) else []
                if op is sre_c.IN:
                    for kind, value in arg:
                        if kind is sre_c.LITERAL:
                            codes.append(value)
                        elif kind is sre_c.RANGE:
                            codes.extend((value[0] - 1, value[0], value[1], value[1] + 1))
                for code in codes:
                    if 0 <= code < _PLACEHOLDER:
                        char = chr(code)
                        universe.update((char, char.lower()[:1], char.upper()[:1]))
            elif op is sre_c.SUBPATTERN:
                walk(arg[3], (flags | int(arg[1])) & ~int(arg[2]))
            elif op is sre_c.BRANCH:
                for alternative in arg[1]:
                    walk(alternative, flags)
            elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
                walk(arg[2], flags)

    walk(parsed.data, int(parsed.state.flags))
    forms = {char: _forms(char) for char in universe}

    def raw(test: Any, char: str) -> bool:
        op, arg = test
        if op is sre_c.ANY:
            return True
        if op in (sre_c.LITERAL, sre_c.NOT_LITERAL):
            same = _member(sre_c.LITERAL, arg, char, props)
            return same if op is sre_c.LITERAL else not same
        negate = bool(arg) and arg[0][0] is sre_c.NEGATE
        found = any(_member(kind, value, char, props) for kind, value in arg)
        return found != negate

    def accepts(test: Any, flags: int, char: str) -> bool:
        op, arg = test
        if op is sre_c.ANY and char == "\n" and not flags & _DOTALL:
            return False
        if not flags & _IGNORECASE:
            return raw(test, char)
        if op is sre_c.NOT_LITERAL or (op is sre_c.IN and arg[:1] == [(sre_c.NEGATE, None)]):
            return all(raw(test, form) for form in forms[char])
        return any(raw(test, form) for form in forms[char])

    chars = sorted(universe, key=lambda char: (not _is_word(char), char))
    by_form: dict[str, list[str]] = {}
    for char in chars:
        for form in forms[char]:
            by_form.setdefault(form, []).append(char)
    passing: dict[str, list[int]] = {char: [] for char in chars}
    for index, (test, flags) in enumerate(tests.values()):
        op, arg = test
        if op is sre_c.LITERAL and arg < _PLACEHOLDER:  # the common case, without a scan
            literal = chr(arg)
            found = by_form.get(literal, []) if flags & _IGNORECASE else [literal]
            for char in found:
                if char in passing:
                    passing[char].append(index)
            continue
        key = repr((test, flags))
        for char in chars:
            known = _ACCEPTED.get((key, char))
            if known is None:
                if len(_ACCEPTED) > 200_000:
                    _ACCEPTED.clear()
                known = _ACCEPTED[key, char] = accepts(test, flags, char)
            if known:
                passing[char].append(index)
    vectors: dict[tuple[int, ...], int] = {}
    accepted: list[set[int]] = []
    for char in chars:
        vector = tuple(passing[char])
        if vector not in vectors:
            vectors[vector] = len(vectors)
            accepted.append(set(vector))
    masks = {
        key: sum(1 << atom for atom, vector in enumerate(accepted) if index in vector)
        for index, key in enumerate(tests)
    }

    def classify(test: Any, flags: int) -> int:
        return masks[repr((test, flags))]

    return classify, [0 in vector for vector in accepted]


@lru_cache(maxsize=8192)
def _forms(char: str) -> list[str]:
    """``char`` in each case (one character each), as a case-insensitive match sees it."""
    return sorted(
        form for form in {char, char.lower(), char.upper(), char.swapcase()} if len(form) == 1
    )


def _is_word(char: str) -> bool:
    """An RE2 word character (ASCII letters, digits and ``_``)."""
    return char.isascii() and (char.isalnum() or char == "_")


def _member(kind: Any, value: Any, char: str, props: list[Callable[[str], bool]]) -> bool:
    code = ord(char)
    if kind is sre_c.LITERAL:
        if value >= _PLACEHOLDER and value - _PLACEHOLDER < len(props):
            return bool(props[value - _PLACEHOLDER](char))
        return bool(code == value)
    if kind is sre_c.RANGE:
        return bool(value[0] <= code <= value[1])
    if kind is sre_c.CATEGORY:
        name = str(value).removeprefix("CATEGORY_")
        positive = name.removeprefix("NOT_")
        if positive == "DIGIT":
            found = "0" <= char <= "9"
        elif positive == "WORD":
            found = _is_word(char)
        elif positive == "SPACE":
            found = char in "\t\n\f\r "
        else:
            raise Unparsed(name)
        return found != name.startswith("NOT_")
    return False


def _explore(builder: _Builder, root: int, words: list[bool], budget: int) -> int:
    """The number of states the unanchored search's DFA reaches (at most ``budget + 1``): a
    state is the set of NFA nodes alive (consuming nodes, and position tests still waiting for
    the next character) and whether the last character was a word character."""
    closures: dict[tuple[int, bool], int] = {}
    moves, eps, tests = builder.moves, builder.eps, builder.tests

    def closure(node: int, at_begin: bool) -> int:
        """Nodes reached from ``node`` by empty moves, stopping at word tests."""
        key = (node, at_begin)
        if key not in closures:
            seen, stack, bits = {node}, [node], 0
            while stack:
                current = stack.pop()
                test = tests.get(current)
                if moves[current] is not None or test in ("word", "inside"):
                    bits |= 1 << current
                    if test is None:
                        continue
                if test in ("word", "inside") or (test == "begin" and not at_begin):
                    continue
                for target in eps[current]:
                    if target not in seen:
                        seen.add(target)
                        stack.append(target)
            closures[key] = bits
        return closures[key]

    def settle(bits: int, before: bool, after: bool) -> int:
        """``bits`` with each word test that holds between ``before`` and ``after`` passed."""
        done, pending = 0, bits
        while pending:
            low = pending & -pending
            pending ^= low
            node = low.bit_length() - 1
            done |= low
            test = tests.get(node)
            if test is not None and (test == "word") == (before != after):
                for target in eps[node]:
                    pending |= closure(target, False) & ~done
        return done

    tracked = any(test in ("word", "inside") for test in tests.values())
    if not tracked:
        words = [False] * len(words)  # no word test: one state per set of nodes
    sides = (False, True) if tracked else (False,)
    steps: list[tuple[int, tuple[list[int], ...]] | None] = []
    for move in moves:  # per node: what it reaches, and the atoms it consumes on each side
        if move is None:
            steps.append(None)
            continue
        mask, target = move
        atoms = [atom for atom in range(len(words)) if mask >> atom & 1]
        lists = tuple([atom for atom in atoms if words[atom] == after] for after in sides)
        steps.append((closure(target, False), lists))
    waiting = sum(1 << node for node, test in tests.items() if test in ("word", "inside"))
    restart = closure(root, False)
    first = (closure(root, True), False)
    seen = {first}
    queue = [first]
    while queue:
        bits, before = queue.pop()
        following = [restart] * len(words)
        for after in sides:
            alive = settle(bits, before, after) if bits & waiting else bits
            while alive:
                low = alive & -alive
                alive ^= low
                step = steps[low.bit_length() - 1]
                if step is not None:
                    reached = step[0]
                    for atom in step[1][after]:
                        following[atom] |= reached
        for atom, nxt in enumerate(following):
            state = (nxt, words[atom])
            if state not in seen:
                seen.add(state)
                if len(seen) > budget:
                    return len(seen)
                queue.append(state)
    return len(seen)


@lru_cache(maxsize=4096)
def dfa_states(pattern: str, budget: int = MAX_STATES) -> int | None:
    """How many DFA states an unanchored, case-insensitive search for ``pattern`` can need
    (``budget + 1`` meaning "more than the budget"), or None when the pattern uses syntax
    this estimate does not model (then only RE2's own bounds apply)."""
    try:
        source, props = _prepare(pattern)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = sre_p.parse(source, re.IGNORECASE)
        classify, words = _atoms(parsed, props)
        builder = _Builder(classify)
        root, _end = builder.seq(parsed.data, int(parsed.state.flags))
        return _explore(builder, root, words, budget)
    except (Unparsed, re.error, ValueError, OverflowError, RecursionError, LookupError, TypeError):
        return None  # syntax this estimate does not model: RE2's own bounds still apply
