"""The Jinja2 environment of the HTML reports runbook writes (timeline exports and drill
reports): autoescape on, undefined names an error, and ``_`` / ``ngettext`` saying a string in
the language in force (``jinja2.ext.i18n``, new style: placeholders are named and their values
escaped), so Babel extracts ``{{ _("...") }}`` from the templates. One place, so the two reports
cannot drift apart in how they escape or translate.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

from runbook.i18n import current_language, translator


def in_context_of(said: str) -> str:
    """A template's string with its ``context|`` left out (see :func:`runbook.i18n.in_context`)."""
    return said.rpartition("|")[2]


@cache
def html_environment(folder: Path) -> jinja2.Environment:
    """The environment reading the templates in ``folder``."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda message: in_context_of(translator(current_language()).gettext(message)),
        ngettext=lambda one, many, n: translator(current_language()).ngettext(one, many, n),
        newstyle=True,
    )
    return environment
