"""Counting a post's length the way each platform counts it.

* ``characters``: Unicode code points after NFC normalisation (LinkedIn, Facebook, Instagram).
* ``graphemes``: what a reader sees as one character (Bluesky): a base character with its
  combining marks, an emoji with its skin-tone modifier, variation selector, ZWJ sequence or
  flag pair counts once.
* ``weighted`` (X, after twitter-text v3): code points in Latin and common punctuation ranges
  count 1, everything else (CJK, ...) 2, every emoji sequence 2, every URL ``url_length``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

URL = re.compile(
    r"(?i)\bhttps?://[^\s<>\"']+|\b(?:[a-z0-9-]+\.)+(?:com|org|net|io|co|uk|fr|de|eu|info|gov|"
    r"edu|app|dev|ly|me|tv)(?:/[^\s<>\"']*)?"
)
_LIGHT = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
_ZWJ = "\u200d"


def _is_extender(char: str) -> bool:
    code = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Me", "Mc")
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0x1F3FB <= code <= 0x1F3FF  # skin tones
        or 0xE0020 <= code <= 0xE007F  # tag sequences
        or char == _ZWJ
    )


def _is_regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def _is_emoji(cluster: str) -> bool:
    first = ord(cluster[0])
    return (
        first >= 0x1F000
        or 0x2600 <= first <= 0x27BF
        or 0x2B00 <= first <= 0x2BFF
        or "\ufe0f" in cluster
    )


def graphemes(text: str) -> list[str]:
    """Split ``text`` into user-perceived characters (extended grapheme clusters, simplified)."""
    clusters: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if clusters:
            last = clusters[-1]
            joins = last.endswith(_ZWJ)
            flag_pair = _is_regional(char) and len(last) == 1 and _is_regional(last)
            if _is_extender(char) or joins or flag_pair or (char == "\n" and last == "\r"):
                clusters[-1] = last + char
                continue
        clusters.append(char)
    return clusters


def _weight(cluster: str) -> int:
    if _is_emoji(cluster):
        return 2
    total = 0
    for char in cluster:
        code = ord(char)
        total += 1 if any(low <= code <= high for low, high in _LIGHT) else 2
    return total


@dataclass(frozen=True)
class Count:
    """A length as the platform counts it, and where the limit is first exceeded."""

    length: int
    limit: int
    over_at: int | None
    """Index into the text where it goes over the limit (None when it fits)."""

    @property
    def fits(self) -> bool:
        """True when the text fits the platform's limit."""
        return self.length <= self.limit


def count(text: str, counting: str, limit: int, url_length: int | None = None) -> Count:
    """Count ``text`` by the platform's rule (see module docstring)."""
    text = unicodedata.normalize("NFC", text)
    urls = list(URL.finditer(text)) if url_length else []
    total = 0
    over_at = None
    position = 0
    pieces: list[tuple[int, str, int]] = []  # (start index, piece, weight)
    cursor = 0
    for match in urls:
        pieces.extend(_split(text[cursor : match.start()], cursor, counting))
        pieces.append((match.start(), match.group(0), url_length or len(match.group(0))))
        cursor = match.end()
    pieces.extend(_split(text[cursor:], cursor, counting))
    for position, _, weight in pieces:
        total += weight
        if over_at is None and total > limit:
            over_at = position
    return Count(length=total, limit=limit, over_at=over_at)


def _split(text: str, offset: int, counting: str) -> list[tuple[int, str, int]]:
    if counting == "characters":
        return [(offset + i, ch, 1) for i, ch in enumerate(text)]
    result = []
    index = offset
    for cluster in graphemes(text):
        weight = _weight(cluster) if counting == "weighted" else 1
        result.append((index, cluster, weight))
        index += len(cluster)
    return result


@dataclass(frozen=True)
class VariantCount:
    """A variant's length as its platform counts it."""

    variant: str
    platform: str
    """The platform's name (``X``)."""
    length: int
    limit: int | None
    counting: str

    @property
    def fits(self) -> bool:
        """True when within the platform's limit (or the platform has none)."""
        return self.limit is None or self.length <= self.limit


def variant_count(policy: Any, variant: str, text: str) -> VariantCount:
    """Count ``text`` the way the variant's platform counts (policy ``platforms``)."""
    from runbook.model.lint import platform_of

    platform, _ = platform_of(variant)
    spec = policy.platforms.get(platform) if policy is not None else None
    if spec is None:
        return VariantCount(variant, platform, len(text), None, "characters")
    measured = count(text, spec.counting, spec.limit, spec.url_length)
    return VariantCount(variant, spec.name, measured.length, spec.limit, spec.counting)
