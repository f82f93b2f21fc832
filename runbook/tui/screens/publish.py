"""Publish an approved statement: through the configured publisher, or posted by hand at a URL.

The same choice as ``runbook publish [--url URL]``. Through the publisher (the default) the
engine hands each variant to the scheduling tool; posted by hand, the engine only marks the
statement published at the URL given (and never schedules it a second time), so the URL is
asked for. Typing a URL chooses "posted by hand". Returns ``("publisher", "")`` or
``("hand", url)``, None when cancelled; the incident screen calls ``engine.publish``.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from runbook.tui.screens.modal import Modal

Choice = tuple[str, str]


class PublishScreen(Modal[Choice]):
    """How the statement goes out (see module docstring)."""

    BINDINGS = [
        Binding("escape", "cancel", "cancel"),
        Binding("ctrl+s", "publish", "publish"),
    ]

    def __init__(self, title: str, preview: str) -> None:
        super().__init__()
        self.title_text = title
        self.preview = preview

    def compose(self) -> ComposeResult:
        """Preview, the two ways, the URL, buttons."""
        with Vertical(classes="dialog", id="publish"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Static(self.preview, classes="dialog-body", markup=False)
            with RadioSet(id="publish-how"):
                yield RadioButton(
                    "Through the configured publisher (scheduling tool)",
                    value=True,
                    id="how-publisher",
                )
                yield RadioButton("Already posted by hand (mark it published)", id="how-hand")
            yield Static("Where it was posted (posted by hand)", classes="label")
            yield Input(placeholder="https://x.com/brand/status/…", id="url")
            yield Static(
                "enter publishes · a URL means posted by hand · tab: the choice · escape cancels",
                classes="hint",
            )
            with Horizontal(classes="buttons"):
                yield Button("Publish", variant="primary", id="publish-go")
                yield Button("Cancel", id="publish-cancel")

    def on_mount(self) -> None:
        """Start on the URL: enter alone publishes through the publisher."""
        self.query_one("#url", Input).focus()

    def by_hand(self) -> bool:
        """True when "posted by hand" is chosen."""
        return self.query_one("#how-hand", RadioButton).value

    def on_input_changed(self, event: Input.Changed) -> None:
        """A URL typed: it was posted by hand."""
        event.stop()
        if event.value.strip() and not self.by_hand():
            self.query_one("#how-hand", RadioButton).value = True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter publishes."""
        event.stop()
        self.action_publish()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Publish or cancel."""
        event.stop()
        if event.button.id == "publish-go":
            self.action_publish()
        else:
            self.action_cancel()

    def action_publish(self) -> None:
        """Return the choice (posted by hand needs the URL)."""
        url = self.query_one("#url", Input).value.strip()
        if not self.by_hand():
            self.dismiss(("publisher", ""))
        elif not url:
            self.app.tell(
                "Posted by hand: give the URL where it was posted (without it the publisher "
                "would post it again).",
                title="Where was it posted?",
                severity="warning",
            )
            self.query_one("#url", Input).focus()
        else:
            self.dismiss(("hand", url))
