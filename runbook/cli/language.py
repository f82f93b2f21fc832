"""The command line's language: ``--lang`` read before anything is printed, help shown in the
language in force, and click's own words (Usage, Options, Missing argument...) translated.

Click evaluates ``help=`` when the commands are defined (at import), in English: the help
texts are marked with :func:`~runbook.i18n.N_` and :class:`TranslatedCommand` /
:class:`TranslatedGroup` pass them through :func:`~runbook.i18n._` when they are shown. Click
writes its own messages through the standard ``gettext`` functions it imported; :func:`speak`
points those names at runbook's catalog (the ids are listed in :data:`CLICK_WORDS` so the
catalog check knows them). Command names, option names and metavars never change.
"""

from __future__ import annotations

import gettext
import importlib
import inspect
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

from runbook.i18n import N_, _, choose_language, ngettext, normalise, set_language

CLICK_MODULES = (
    "click.core",
    "click.decorators",
    "click.exceptions",
    "click.formatting",
    "click.parser",
    "click._parser",
    "click.termui",
    "click.types",
    "click.utils",
)
"""Click's modules that import ``gettext``/``ngettext`` from the standard library."""

CLICK_WORDS = (
    N_("Usage:"),
    N_("Options"),
    N_("Commands"),
    N_("Show this message and exit."),
    N_("Show the version and exit."),
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Missing parameter"),
    N_("Missing {param_type}"),
    N_("Missing parameter: {param_name}"),
    N_("Missing command."),
    N_("No such option {name!r}."),
    N_("No such command {name!r}."),
    N_("Option {name!r} requires an argument."),
    N_("Option {name!r} does not take a value."),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Invalid value: {message}"),
    N_("{value!r} is not one of {choices}."),
    N_("{value!r} is not {choice}."),
    N_("{value!r} is not a valid {number_type}."),
    N_("{value} is not in the range {range}."),
    N_("{name} {filename!r} does not exist."),
    N_("{name} {filename!r} is a directory."),
    N_("{name} {filename!r} is a file."),
    N_("{name} {filename!r} is not readable."),
    N_("{name} {filename!r} is not writable."),
    N_("file"),
    N_("directory"),
    N_("path"),
    N_("Could not open file {filename!r}: {message}"),
    N_("default: {default}"),
    N_("env var: {var}"),
    N_("required"),
    N_("Aborted!"),
    N_("Do you want to continue?"),
    N_("%(prog)s, version %(version)s"),
)
"""Click's own messages that runbook translates (the ids exactly as click writes them)."""


def _click_plural_words() -> tuple[str, ...]:
    """Click's plural messages, for the catalog (never called for its value)."""
    return (
        ngettext(
            "Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})", 1
        ),
        ngettext("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)", 1),
    )


def _click_gettext(message: str) -> str:
    return _(message)


def _click_ngettext(singular: str, plural: str, n: int) -> str:
    return ngettext(singular, plural, n)


def speak() -> None:
    """Make click write its own messages in the language in force (once per process)."""
    for name in CLICK_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if getattr(module, "_", None) is gettext.gettext:
            module._ = _click_gettext  # type: ignore[attr-defined]
        if getattr(module, "ngettext", None) is gettext.ngettext:
            module.ngettext = _click_ngettext  # type: ignore[attr-defined]


def language_in(args: Sequence[str], environ: Any = None) -> str:
    """The language a command line asks for: ``--lang X`` (or ``--lang=X``, the last one
    before ``--``), else ``RUNBOOK_LANG``, else the system locale. Read before click parses
    anything, so ``runbook --help --lang fr`` and click's own errors are in that language."""
    explicit = None
    items = list(args)
    for index, item in enumerate(items):
        if item == "--":
            break
        if item == "--lang" and index + 1 < len(items):
            explicit = items[index + 1]
        elif item.startswith("--lang="):
            explicit = item.partition("=")[2]
    return choose_language(explicit, environ)


def lang_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--lang``: refuse a language runbook does not speak; set the one chosen (without it,
    the language :meth:`RunbookGroup.main` chose from the environment stays)."""
    if value is None:
        return value
    if normalise(value) is None:
        raise click.BadParameter(
            _("%(value)s is not a language runbook speaks (en, fr)", value=value)
        )
    set_language(value)
    return value


HELP_OPTION_HELP = "Show this message and exit."
"""Click's help for ``--help`` (its id in the catalog)."""


@contextmanager
def _translated(command: click.Command, ctx: click.Context | None = None) -> Iterator[None]:
    """The command's help texts (its own, its options') in the language in force for the
    ``with`` block; the English texts are put back after."""
    saved: list[tuple[Any, str, Any]] = []

    def swap(owner: Any, attribute: str) -> None:
        text = getattr(owner, attribute, None)
        if isinstance(text, str) and text:
            saved.append((owner, attribute, text))
            setattr(owner, attribute, _(inspect.cleandoc(text)))

    for attribute in ("help", "short_help", "epilog"):
        swap(command, attribute)
    help_option = command.get_help_option(ctx) if ctx is not None else None
    if help_option is not None:  # cached by click in the language of its first use
        saved.append((help_option, "help", HELP_OPTION_HELP))
        help_option.help = _(HELP_OPTION_HELP)
    for param in command.params:
        swap(param, "help")
    try:
        yield
    finally:
        for owner, attribute, text in reversed(saved):
            setattr(owner, attribute, text)


class _InLanguage(click.Command):
    """Help shown in the language in force (the English texts stay the source)."""

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated(self, ctx):
            super().format_help(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        with _translated(self):
            return super().get_short_help_str(limit)


class TranslatedCommand(_InLanguage, click.Command):
    """A command whose help is shown in the language in force."""


class TranslatedGroup(_InLanguage, click.Group):
    """A group whose help, and its commands' and subgroups', is shown in the language in
    force."""

    command_class = TranslatedCommand
    group_class: type[click.Group] | type[type] | None = type  # subgroups: the same class
