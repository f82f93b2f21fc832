"""Command palette providers: app-wide commands and the actions of the screen in front.

A screen lists its commands with ``palette_commands()`` -> ``[(name, help, callback)]``; the
incident screen lists every incident action, those allowed now first, the others with the
lifecycle's reason (choosing one explains the refusal, as its key does).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import AsyncGenerator, Callable
from typing import Any

from textual.command import DiscoveryHit, Hit, Provider

Command = tuple[str, str, Callable[[], Any]]


class _Commands(Provider):
    @abstractmethod
    def commands(self) -> list[Command]:
        """(name, help, callback) of every command this provider offers."""

    async def discover(self) -> AsyncGenerator[DiscoveryHit, None]:
        """Every command, for an empty query."""
        for name, help_text, callback in self.commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> AsyncGenerator[Hit, None]:
        """Commands matching ``query`` (fuzzy)."""
        matcher = self.matcher(query)
        for name, help_text, callback in self.commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)


class AppCommands(_Commands):
    """Commands available everywhere: switch person, list the keys (the facilitator in drills)."""

    def commands(self) -> list[Command]:
        """The app's commands."""
        app: Any = self.app
        drill = (
            [("drill facilitator", "back to the facilitator's view (f)", app.action_facilitator)]
            if getattr(app, "drill", None) is not None
            else []
        )
        return [
            *drill,
            (
                "switch person (who am I)",
                "act as someone else: approvals need people other than the author",
                app.action_switch_person,
            ),
            ("list the keys", "every key of this screen and what it does", app.action_help),
            (
                "read the printed messages",
                "what the console channel printed (notifications when no mail or chat is set up)",
                app.action_printed,
            ),
        ]


class ScreenCommands(_Commands):
    """The actions of the screen the palette was opened on."""

    def commands(self) -> list[Command]:
        """What the screen offers (``palette_commands``), if anything."""
        listing = getattr(self.screen, "palette_commands", None)
        return list(listing()) if listing else []
