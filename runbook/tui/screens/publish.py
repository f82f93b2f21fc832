"""Publish an approved statement: choose where, and say where it was already posted by hand.

One row per platform not published yet: ticked, it goes out through the scheduling tool; a URL
typed on its row means it was posted by hand there (only recorded, never sent again); unticked
with no URL, it is left out (a compromised account, say) and can be published later. The same
choice as ``runbook publish --on VARIANT --by-hand VARIANT=URL``. Returns ``(on, by_hand)``, or
None when cancelled; the incident screen calls ``engine.publish``.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Static

from runbook.i18n import N_, _
from runbook.tui.screens.modal import Modal

Choice = tuple[list[str], dict[str, str]]


class PublishScreen(Modal[Choice]):
    """Where the statement goes (see module docstring)."""

    BINDINGS = [
        Binding("escape", "cancel", N_("cancel")),
        Binding("ctrl+s", "publish", N_("publish")),
    ]

    def __init__(self, title: str, preview: str, variants: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.preview = preview
        self.variants = variants
        """(variant key, platform name) of every variant not published yet."""

    def compose(self) -> ComposeResult:
        """Preview, one row per platform, buttons."""
        with Vertical(classes="dialog wide", id="publish"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            with VerticalScroll(id="publish-preview"):
                yield Static(self.preview, markup=False)
            with VerticalScroll(id="publish-rows"):
                for index, (key, name) in enumerate(self.variants):
                    with Horizontal(classes="publish-row"):
                        yield Checkbox(f"{name} ({key})", value=True, id=f"on-{index}")
                        yield Input(
                            placeholder=_("posted by hand? its URL"),
                            id=f"url-{index}",
                            compact=True,
                        )
            yield Static(
                _(
                    "ticked: sent through the scheduler · a URL: posted by hand · untick to "
                    "leave out · ctrl+s publishes"
                ),
                classes="hint",
            )
            with Horizontal(classes="buttons"):
                yield Button(_("Publish"), variant="primary", id="publish-go")
                yield Button(_("Cancel"), id="publish-cancel")

    def on_mount(self) -> None:
        """Start on the first platform's box."""
        super().on_mount()
        if self.variants:
            self.query_one("#on-0", Checkbox).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        """A URL typed: that platform was posted by hand, not to be sent again."""
        event.stop()
        index = (event.input.id or "").removeprefix("url-")
        box = self.query_one(f"#on-{index}", Checkbox)
        if event.value.strip() and box.value:
            box.value = False

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in a URL box publishes."""
        event.stop()
        self.action_publish()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Publish or cancel."""
        event.stop()
        if event.button.id == "publish-go":
            self.action_publish()
        else:
            self.action_cancel()

    def choice(self) -> Choice:
        """(variants to send, variant -> URL posted by hand) as the rows stand."""
        on: list[str] = []
        by_hand: dict[str, str] = {}
        for index, (key, _name) in enumerate(self.variants):
            url = self.query_one(f"#url-{index}", Input).value.strip()
            if url:
                by_hand[key] = url
            elif self.query_one(f"#on-{index}", Checkbox).value:
                on.append(key)
        return on, by_hand

    def action_publish(self) -> None:
        """Return the choice (nothing chosen: say so and stay)."""
        on, by_hand = self.choice()
        if not on and not by_hand:
            self.app.tell(
                _("Nothing chosen: tick a platform, or give the URL where you posted it by hand."),
                title=_("Where does it go?"),
                severity="warning",
            )
            return
        self.dismiss((on, by_hand))
