"""The catalogs: reading the shipped translations of each language (compiled or not).

Strings a person reads are written in English and looked up through :func:`translator`, which
reads the ``.po`` catalog shipped in ``runbook/locale/<lang>/LC_MESSAGES/runbook.po``. The
catalog is parsed once per process (a few milliseconds) into a gettext translations object,
so ``gettext``/``ngettext`` behave as usual, with English as the fallback for anything missing.
:func:`choose` picks the language from an explicit choice, ``RUNBOOK_LANG`` or the request's
``Accept-Language``.
"""

from __future__ import annotations

import ast
import gettext
import os
import re
from functools import cache
from pathlib import Path

LANGUAGES = ("en", "fr")
"""Languages with a complete catalog (English is the source text)."""
DOMAIN = "runbook"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


class CatalogTranslations(gettext.NullTranslations):
    """Translations read from a ``.po`` file (msgid -> msgstr, plural forms included)."""

    def __init__(self, messages: dict[str, str | list[str]], plural: str = "n != 1") -> None:
        super().__init__()
        self._messages = messages
        self._plural = _plural_rule(plural)

    def gettext(self, message: str) -> str:
        found = self._messages.get(message)
        return found if isinstance(found, str) and found else message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        found = self._messages.get(msgid1)
        if isinstance(found, list):
            index = self._plural(n)
            if 0 <= index < len(found) and found[index]:
                return found[index]
        return msgid1 if n == 1 else msgid2


def _plural_rule(expression: str):  # noqa: ANN202 - returns int -> int
    """The plural-form rule of a catalog, limited to the arithmetic and comparisons that
    gettext's own C expressions use (parsed, never ``eval``'d text)."""
    allowed = set("n0123456789 !=<>()%&|?:")
    if not set(expression) <= allowed:
        return lambda n: 0 if n == 1 else 1
    return gettext.c2py(expression)


def parse_po(text: str) -> tuple[dict[str, str | list[str]], str]:
    """Messages and the plural rule of a ``.po`` file's text (fuzzy entries left out)."""
    messages: dict[str, str | list[str]] = {}
    plural = "n != 1"
    entry: dict[str, object] = {}
    fuzzy = False
    current: str | None = None

    def flush() -> None:
        nonlocal entry, fuzzy
        msgid = entry.get("msgid")
        if isinstance(msgid, str) and not fuzzy:
            if "msgstr" in entry:
                messages[msgid] = str(entry["msgstr"])
            forms = [entry[k] for k in sorted(entry) if k.startswith("msgstr[")]
            if forms:
                messages[msgid] = [str(f) for f in forms]
        entry, fuzzy = {}, False

    for line in text.splitlines():
        line = line.strip()
        if not line:
            flush()
            current = None
            continue
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            if current is not None:
                entry[current] = str(entry.get(current, "")) + ast.literal_eval(line)
            continue
        if keyword in ("msgid", "msgid_plural", "msgctxt", "msgstr") or keyword.startswith(
            "msgstr["
        ):
            if keyword == "msgid" and "msgid" in entry:
                flush()
            current = keyword
            entry[keyword] = ast.literal_eval(rest)
    flush()
    header = messages.pop("", "")
    match = re.search(r"plural=([^;\n]+)", header if isinstance(header, str) else "")
    if match:
        plural = match.group(1).strip()
    return messages, plural


@cache
def translator(language: str) -> gettext.NullTranslations:
    """The translations for ``language`` (English: the source text itself).

    A built package carries ``runbook.mo`` (compiled from the ``.po`` at build time) and reads
    that; a source checkout reads the ``.po`` files of the language's directory, merged."""
    if language not in LANGUAGES or language == "en":
        return gettext.NullTranslations()
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    compiled = folder / f"{DOMAIN}.mo"
    sources = sorted(folder.glob("*.po"))
    if compiled.is_file() and all(compiled.stat().st_mtime >= po.stat().st_mtime for po in sources):
        try:
            with compiled.open("rb") as handle:
                return gettext.GNUTranslations(handle)
        except (OSError, ValueError):
            pass
    messages: dict[str, str | list[str]] = {}
    plural = "n != 1"
    for po in sources:
        try:
            found, plural = parse_po(po.read_text(encoding="utf-8"))
        except (OSError, ValueError, SyntaxError):
            continue
        messages.update(found)
    return CatalogTranslations(messages, plural)


def choose(explicit: str | None = None, accept: str = "") -> str:
    """The language to use: ``explicit`` if supported, else ``RUNBOOK_LANG``, else the best
    of an ``Accept-Language`` header, else English."""
    for candidate in (explicit, os.environ.get("RUNBOOK_LANG")):
        if candidate:
            short = candidate.strip().lower()[:2]
            if short in LANGUAGES:
                return short
    ranked: list[tuple[float, str]] = []
    for part in accept.split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        short = tag.strip().lower()[:2]
        if short in LANGUAGES:
            ranked.append((weight, short))
    if ranked:
        return max(ranked, key=lambda item: item[0])[1]
    return "en"
