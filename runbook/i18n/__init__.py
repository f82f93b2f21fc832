"""The language runbook speaks to a person: which one, and the words in it.

Every string a person reads is written in English in the code and passed through :func:`_`
(or :func:`ngettext`); the French words come from the gettext catalog shipped in
``runbook/locale/fr/LC_MESSAGES/`` (compiled to ``.mo`` when the package is built; a source
checkout reads the ``.po`` itself). Placeholders are named, ``%(name)s``, and filled after
translation, so a translator may move them and a hostile value is never read as a format.

The language in force is a context variable: the CLI and the app set it once from ``--lang``,
``RUNBOOK_LANG`` or the system locale (:func:`choose_language`); code that writes for someone
else (a notification to a person whose contacts entry says ``language: fr``, the export of a
French playbook's incident) wraps that part in :func:`using`. Strings defined at import time
(bindings, column titles, constants) are marked with :func:`N_` and translated where shown.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from runbook.i18n.catalog import DOMAIN, LANGUAGES, LOCALE_DIR, choose, parse_po, translator

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "_",
    "choose",
    "choose_language",
    "current_language",
    "in_context",
    "ngettext",
    "normalise",
    "parse_po",
    "set_language",
    "translator",
    "using",
]

_language: ContextVar[str] = ContextVar("runbook_language")
_process_language = ["en"]
"""The language :func:`set_language` chose for the process: what a context that never set one
sees (a worker thread starts with an empty context, e.g. the app's thread workers)."""


def normalise(language: str | None) -> str | None:
    """``fr``, ``fr_FR.UTF-8``, ``FR-ca`` -> ``fr``; anything unsupported -> None."""
    if not language:
        return None
    short = language.strip().lower().replace("-", "_").split("_")[0].split(".")[0][:8]
    return short if short in LANGUAGES else None


def choose_language(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The language for this process: ``explicit`` (``--lang``), else ``RUNBOOK_LANG``, else
    the system locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``, in POSIX order), else English.
    An unsupported explicit choice falls through to the next source."""
    env = os.environ if environ is None else environ
    for candidate in (explicit, env.get("RUNBOOK_LANG")):
        chosen = normalise(candidate)
        if chosen:
            return chosen
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            # POSIX: the first of these that is set decides, even when it is "C".
            return normalise(value) or "en"
    return "en"


def current_language() -> str:
    """The language in force in this context (``en`` unless set)."""
    return _language.get(_process_language[0])


def set_language(language: str | None) -> str:
    """Make ``language`` (normalised; English if unsupported) the language of this context
    and of the process (a worker thread, which starts with an empty context, speaks it too),
    and return it. The CLI and the app call this once at start; code speaking for one
    recipient or one request uses :func:`using` instead."""
    chosen = normalise(language) or "en"
    _language.set(chosen)
    _process_language[0] = chosen
    return chosen


@contextmanager
def using(language: str | None) -> Iterator[str]:
    """Speak ``language`` inside the block (for one recipient, one export); ``None`` keeps
    the language in force."""
    chosen = normalise(language) or current_language()
    token = _language.set(chosen)
    try:
        yield chosen
    finally:
        _language.reset(token)


def _fill(text: str, values: Mapping[str, Any]) -> str:
    if not values:
        return text
    try:
        return text % dict(values)
    except (KeyError, ValueError, TypeError):
        # A catalog entry with a broken placeholder must not take the message down: the
        # catalogs test catches it; here the English text is the fallback.
        return text


def _(message: str, /, **values: Any) -> str:
    """``message`` in the language in force, its ``%(name)s`` placeholders filled."""
    translated = translator(current_language()).gettext(message)
    if values:
        try:
            return translated % dict(values)
        except (KeyError, ValueError, TypeError):
            return _fill(message, values)
    return translated


def ngettext(singular: str, plural: str, n: int, /, **values: Any) -> str:
    """The singular or plural form for ``n`` in the language in force; ``%(n)s`` is ``n``
    unless given."""
    translated = translator(current_language()).ngettext(singular, plural, n)
    filled = {"n": n, **values}
    try:
        return translated % filled
    except (KeyError, ValueError, TypeError):
        return _fill(singular if n == 1 else plural, filled)


def in_context(message: str, /) -> str:
    """``message``, written ``context|words`` (``stage|pause``), in the language in force
    with the context left out (GLib's ``Q_`` convention). A short word gets one catalog entry
    per sense it is used in, so the app's "pause" button never changes a report's stage name,
    nor its "Timeline" tab the report's heading."""
    return _(message).rpartition("|")[2]


def N_(message: str, /) -> str:
    """Mark ``message`` for the catalog without translating it now (for text defined at import
    time); pass it through :func:`_` where it is shown."""
    return message
