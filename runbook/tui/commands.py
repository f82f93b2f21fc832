"""Command palette providers: app-wide commands and the actions of the screen in front.

A screen lists its commands with ``palette_commands()`` -> ``[(name, help, callback)]``; the
incident screen lists every incident action, those allowed now first, the others with the
lifecycle's reason (choosing one explains the refusal, as its key does).

A command's name is its English id (marked with ``N_``); the palette shows it in the language
in force and finds it by either: typing ``nouvel incident`` or ``new incident`` in a French
app finds the same command (accents optional). The help line is already in the language shown.
"""

from __future__ import annotations

import unicodedata
from abc import abstractmethod
from collections.abc import AsyncGenerator, Callable
from typing import Any

from textual.command import DiscoveryHit, Hit, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from runbook.i18n import N_, _

Command = tuple[str, str, Callable[[], Any]]


def folded(text: str) -> str:
    """Accents and case folded (``Déclarer`` -> ``declarer``), typographic apostrophes plain;
    the same length as ``text`` for French letters, so highlights still line up."""
    out = []
    for char in text.replace("\u2019", "'"):
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        out.append(base[:1] if base else char)
    return "".join(out).casefold()


def accented(matcher: Matcher, shown: str) -> Content:
    """``shown`` with the letters the (folded) ``matcher`` found highlighted."""
    content = Content(shown)
    plain = folded(shown)
    if len(plain) != len(shown):
        return content
    score, offsets = matcher.fuzzy_search.match(matcher.query, plain)
    for offset in offsets if score else ():
        if not shown[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class _Commands(Provider):
    @abstractmethod
    def commands(self) -> list[Command]:
        """(English name, help in the language shown, callback) of every command offered."""

    async def discover(self) -> AsyncGenerator[DiscoveryHit, None]:
        """Every command, for an empty query (named in the language shown)."""
        for name, help_text, callback in self.commands():
            yield DiscoveryHit(_(name), callback, help=help_text)

    async def search(self, query: str) -> AsyncGenerator[Hit, None]:
        """Commands whose name in the language shown, or in English, matches ``query``
        (fuzzy, accents optional); shown in the language shown."""
        matcher = self.matcher(query)
        plain = self.matcher(folded(query))
        for name, help_text, callback in self.commands():
            shown = _(name)
            scores = [
                (matcher.match(shown), "shown"),
                (plain.match(folded(shown)), "folded"),
                (matcher.match(name), "english"),
            ]
            score, how = max(scores, key=lambda item: item[0])
            if score <= 0:
                continue
            if how == "shown":
                label = matcher.highlight(shown)
            elif how == "folded":
                label = accented(plain, shown)
            else:
                label = Content(shown)  # found by its English name: shown as it reads here
            yield Hit(score, label, callback, help=help_text, text=shown)


class AppCommands(_Commands):
    """Commands available everywhere: switch person, list the keys (the facilitator in drills)."""

    def commands(self) -> list[Command]:
        """The app's commands."""
        app: Any = self.app
        drill = (
            [
                (
                    N_("drill facilitator"),
                    _("back to the facilitator's view (f)"),
                    app.action_facilitator,
                )
            ]
            if getattr(app, "drill", None) is not None
            else []
        )
        return [
            *drill,
            (
                N_("switch person (who am I)"),
                _("act as someone else: approvals need people other than the author"),
                app.action_switch_person,
            ),
            (N_("list the keys"), _("every key of this screen and what it does"), app.action_help),
            (
                N_("read the printed messages"),
                _(
                    "what the console channel printed (notifications when no mail or chat is "
                    "set up)"
                ),
                app.action_printed,
            ),
        ]


SYSTEM_WORDS = (
    N_("Theme"),
    N_("Change the current theme"),
    N_("Quit"),
    N_("Quit the application as soon as possible"),
    N_("Keys"),
    N_("Hide the keys and widget help panel"),
    N_("Show help for the focused widget and a summary of available keys"),
    N_("Minimize"),
    N_("Minimize the widget and restore to normal size"),
    N_("Maximize"),
    N_("Maximize the focused widget"),
    N_("Screenshot"),
    N_("Save an SVG 'screenshot' of the current screen"),
)
"""Textual's own commands (theme, quit, keys...), named in the language shown like ours."""


class SystemCommands(_Commands):
    """Textual's system commands (``App.get_system_commands``), found by their English or
    translated name like every other command."""

    def commands(self) -> list[Command]:
        """Textual's commands for the screen the palette was opened on."""
        return [
            (command.title, _(command.help) if command.help else "", command.callback)
            for command in self.app.get_system_commands(self.screen)
        ]


class ScreenCommands(_Commands):
    """The actions of the screen the palette was opened on."""

    def commands(self) -> list[Command]:
        """What the screen offers (``palette_commands``), if anything."""
        listing = getattr(self.screen, "palette_commands", None)
        return list(listing()) if listing else []
