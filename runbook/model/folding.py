"""Text folded for matching: typographic punctuation, spaces and Unicode forms made equal.

French and English statements typed on phones use ’ ‘ “ ” « » and non-breaking spaces, and the
same letter can arrive composed (é) or decomposed (e + ◌́). Policy rules are written with plain
ASCII quotes and spaces, so lint matches against a folded copy of the text: NFKC normalisation
(per character cluster), every apostrophe-like sign as ``'``, every double quote or guillemet
as ``"``, every kind of space as a plain space, dashes as ``-``. :class:`Folded` keeps, for each
folded character, the span of original characters it came from, so a finding still points at
what the person typed. Pure and bounded: one pass over the text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_SIGNS = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc\u02bb\u00b4\u0060\uff07", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\u2039\u203a\uff02", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d", "-"),
    **dict.fromkeys("\u00a0\u2007\u202f\u2000\u2001\u2002\u2003\u2004\u2005\u2006", " "),
    **dict.fromkeys("\u2008\u2009\u200a\u205f\u3000\u1680", " "),
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad", ""),
}
"""Signs folded to their plain form ('' drops a zero-width sign or soft hyphen)."""
_TABLE = str.maketrans(_SIGNS)


def fold_signs(text: str) -> str:
    """Only the punctuation and spaces of :data:`_SIGNS` folded (safe on a regular expression:
    no character becomes a pattern operator)."""
    return text.translate(_TABLE)


@dataclass(frozen=True)
class Folded:
    """A folded text and where each of its characters came from."""

    text: str
    starts: tuple[int, ...]
    """``starts[i]``: index in the original text of the cluster folded character ``i`` came
    from (one entry past the end for the end of the text)."""
    ends: tuple[int, ...]
    """``ends[i]``: end (exclusive) in the original text of that cluster."""

    def original(self, start: int, end: int) -> tuple[int, int]:
        """The span of original characters behind the folded span ``start:end``."""
        if end <= start:
            at = self.starts[start] if start < len(self.starts) else self.ends[-1]
            return at, at
        return self.starts[start], self.ends[end - 1]


_PLAIN = re.compile(r"[\x00-\x7f]+(?![^\x00-\x7f])")
"""A run of ASCII characters none of which a following combining mark attaches to: folded
one for one by :data:`_TABLE` (no NFKC needed), so most of a text is mapped in bulk."""


@lru_cache(maxsize=1)
def _marks() -> re.Pattern[str]:
    """Any combining mark (a character that joins the one before it: a cluster)."""
    marks = "".join(chr(code) for code in range(0x300, 0x20000) if unicodedata.combining(chr(code)))
    return re.compile("[" + re.escape(marks) + "]")


def fold(text: str) -> Folded:
    """``text`` folded for matching (see the module docstring), with its span map."""
    signs = fold_signs(text)
    if (
        len(signs) == len(text)
        and unicodedata.is_normalized("NFKC", signs)
        and not _marks().search(signs)
    ):
        # The common case (typed text, in either language): one for one, mapped in bulk.
        return Folded(signs, (*range(len(text)), len(text)), (*range(1, len(text) + 1), len(text)))
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    index, length = 0, len(text)
    while index < length:
        plain = _PLAIN.match(text, index)
        if plain is not None:  # ASCII: one character each, mapped in bulk
            end = plain.end()
            out.append(fold_signs(plain.group(0)))
            starts.extend(range(index, end))
            ends.extend(range(index + 1, end + 1))
            index = end
            continue
        end = index + 1
        while end < length and unicodedata.combining(text[end]):
            end += 1
        cluster = text[index:end]
        folded = fold_signs(unicodedata.normalize("NFKC", fold_signs(cluster)))
        out.append(folded)
        starts.extend([index] * len(folded))
        ends.extend([end] * len(folded))
        index = end
    starts.append(length)
    ends.append(length)
    return Folded("".join(out), tuple(starts), tuple(ends))


def folded_words(text: str) -> str:
    """``text`` folded, its runs of spaces made one, case folded: for "does it contain"."""
    return " ".join(fold(text).text.split()).casefold()
