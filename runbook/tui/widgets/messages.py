"""What runbook sent about the incident: every notification, escalation, approval request and
stand-down, to whom, on which channel, delivered or not, and the text itself.

The list (newest last) over the highlighted message's whole text, so a newcomer on the shipped
console channels reads every message the app sent instead of text printed under the screen.
Texts come from the record of each delivery (a personal approval link is never shown: it was
sent only to its owner).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from runbook.i18n import N_, _
from runbook.model.messages import SentMessage
from runbook.model.text import inert, one_line
from runbook.tui.widgets.level_badge import tone_styles
from runbook.tui.wording import moment, word

PURPOSE_WORDS = {
    "notification": N_("notification"),
    "escalation": N_("escalation"),
    "stand-down": N_("stand-down"),
    "approval request": N_("approval request"),
    "stakeholder update": N_("stakeholder update"),
    "update reminder": N_("update reminder"),
}
"""What a message was for (the words :func:`runbook.model.messages.sent_messages` gives) in
the language shown."""


class MessagesPanel(Vertical):
    """Messages sent (see module docstring)."""

    DEFAULT_CSS = """
    MessagesPanel { height: 1fr; }
    MessagesPanel > OptionList { height: 1fr; max-height: 12; border: none; }
    MessagesPanel > VerticalScroll { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.sent: list[SentMessage] = []
        self.names: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        """The list over the text."""
        yield OptionList(id="message-list")
        with VerticalScroll():
            yield Static(
                Text(_("Nothing was sent about this incident yet."), style="dim"),
                id="message-text",
            )

    def append(self, sent: list[SentMessage], names: dict[str, str]) -> None:
        """Add messages recorded since the last call (the newest is highlighted)."""
        self.names = names
        if not sent:
            return
        styles = tone_styles(self.app)
        listing = self.query_one(OptionList)
        follow = listing.highlighted is None or listing.highlighted >= len(self.sent) - 1
        for message in sent:
            self.sent.append(message)
            who = names.get(message.person, message.person)
            line = Text(f"{message.at:%H:%M} ", style=styles["muted"])
            line.append(f"{word(PURPOSE_WORDS, message.purpose):<17} ", style=styles["accent"])
            line.append(f"{who} · {message.channel} ")
            if message.ok:
                line.append("✔ ", style=styles["good"])
            else:
                line.append("✗ " + _("not sent") + " ", style=styles["bad"])
            line.append(one_line(message.subject), style=styles["muted"])
            line.no_wrap = True
            line.overflow = "ellipsis"
            listing.add_option(Option(line))
        if follow:
            listing.highlighted = len(self.sent) - 1

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Show the highlighted message in full."""
        event.stop()
        index = event.option_index
        if not 0 <= index < len(self.sent):
            return
        message = self.sent[index]
        styles = tone_styles(self.app)
        who = self.names.get(message.person, message.person)
        body = Text(
            _(
                "%(purpose)s to %(who)s via %(channel)s, ",
                purpose=word(PURPOSE_WORDS, message.purpose),
                who=who,
                channel=message.channel,
            ),
            style="bold",
        )
        body.append(moment(message.at) + "\n")
        if not message.ok:
            body.append(
                _("NOT SENT: %(error)s", error=one_line(message.error)) + "\n", style=styles["bad"]
            )
        body.append(
            _("Subject: %(subject)s", subject=one_line(message.subject)) + "\n\n", style="bold"
        )
        body.append(inert(message.text) or _("(the text was not recorded)"))
        self.query_one("#message-text", Static).update(body)
