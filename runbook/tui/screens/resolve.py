"""Resolve: the stand-down summary and the review of the posts this incident holds.

Every held post is listed (``Engine.posts``) with what happens to it: released (the default),
kept held (space toggles), published now (``n``) or released at a new time (``t``). Posts whose
slot passed while held are flagged MISSED SLOT: the engine refuses to release them without a
new time or publish-now, and says so. ``a`` releases all, ``x`` keeps all. Enter in the summary
(or ctrl+s) resolves; the engine call runs here so a refusal keeps the choices made.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Static

from runbook.i18n import N_, _, ngettext
from runbook.tui.screens.modal import Modal
from runbook.tui.screens.note import TextEntry
from runbook.tui.widgets.level_badge import tone_styles
from runbook.tui.wording import slot
from runbook.tui.work import fetch


class ResolveScreen(Modal[bool]):
    """Returns True once resolved (None when cancelled)."""

    BINDINGS = [
        Binding("escape", "cancel", N_("cancel")),
        Binding("ctrl+s", "resolve", N_("resolve")),
        Binding("space", "keep_or_release", N_("release/keep")),
        Binding("n", "now", N_("publish now")),
        Binding("t", "new_time", N_("new time")),
        Binding("a", "all(True)", N_("release all")),
        Binding("x", "all(False)", N_("keep all")),
    ]

    def __init__(self, incident_id: str) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.posts: list[dict[str, Any]] = []
        self.choice: dict[str, str] = {}
        """Post id -> ``release``, ``keep``, ``now`` or an ISO time."""

    def compose(self) -> ComposeResult:
        """Summary, held posts, hints."""
        with Vertical(classes="dialog wide", id="resolve"):
            yield Static(
                _("Resolve %(incident)s: stand down", incident=self.incident_id),
                classes="dialog-title",
            )
            yield Static(
                _("What happened and how it ended (sent to everyone notified):"), classes="label"
            )
            yield Input(
                placeholder=_("e.g. Account recovered; statement published."),
                id="resolve-summary",
            )
            yield Static(
                _("Reading the posts this incident holds…"), id="posts-head", classes="label"
            )
            yield DataTable(id="held", cursor_type="row")
            yield Static(
                _(
                    "enter resolves · tab to the posts: space release/keep · n publish now · "
                    "t new time · a release all · x keep all · esc cancels"
                ),
                classes="hint",
            )

    def on_mount(self) -> None:
        """Read the held posts in a worker."""
        table = self.query_one("#held", DataTable)
        table.add_columns(_("what happens"), _("post"), _("on"), _("scheduled") + " (UTC)", "")
        table.display = False
        self.query_one("#resolve-summary", Input).focus()
        engine = self.engine
        fetch(self, lambda: engine.posts(self.incident_id), self.show_posts)

    def show_posts(self, rows: list[dict[str, Any]] | None, error: str | None) -> None:
        """List the held posts."""
        head = self.query_one("#posts-head", Static)
        if error is not None or rows is None:
            head.update(_("Could not read the posts: %(error)s", error=error))
            return
        self.posts = [r for r in rows if r["ledger"] == "held"]
        if not self.posts:
            head.update(_("This incident holds no posts."))
            return
        missed = sum(1 for p in self.posts if p["missed_slot"])
        words = ngettext("%(n)s held post(s)", "%(n)s held post(s)", len(self.posts))
        if missed:
            words += ngettext(
                ", %(n)s MISSED SLOT(S): choose n publish now, t new time or keep",
                ", %(n)s MISSED SLOT(S): choose n publish now, t new time or keep",
                missed,
            )
        head.update(words)
        self.choice = {p["id"]: "release" for p in self.posts}
        table = self.query_one("#held", DataTable)
        table.display = True
        self.render_rows()

    def render_rows(self) -> None:
        """Show each post with its choice."""
        styles = tone_styles(self.app)
        table = self.query_one("#held", DataTable)
        row = table.cursor_row
        table.clear()
        for post in self.posts:
            choice = self.choice[post["id"]]
            if choice == "release":
                what = Text(_("release"), style=styles["good"])
            elif choice == "keep":
                what = Text(_("keep held"), style=styles["warn"])
            elif choice == "now":
                what = Text(_("publish now"), style=styles["accent"])
            else:
                what = Text(_("at %(time)s", time=choice), style=styles["accent"])
            note = Text(post.get("excerpt", ""), style="dim")
            if post["missed_slot"]:
                note = Text(_("MISSED SLOT") + " ", style=styles["bad"]) + note
            table.add_row(
                what,
                post["id"],
                post["channel"],
                slot(post.get("scheduled_at", "")),
                note,
                key=post["id"],
            )
        if self.posts:
            table.move_cursor(row=min(row, len(self.posts) - 1))

    def _current(self) -> str | None:
        table = self.query_one("#held", DataTable)
        if not self.posts or table.cursor_row is None:
            return None
        return self.posts[table.cursor_row]["id"]

    def _focused_on_posts(self) -> bool:
        return isinstance(self.focused, DataTable)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Post keys only act while the posts list has focus (letters type in the summary)."""
        if action in ("keep_or_release", "now", "new_time", "all"):
            return self._focused_on_posts()
        return True

    def action_keep_or_release(self) -> None:
        """Release <-> keep held."""
        post = self._current()
        if post:
            self.choice[post] = "keep" if self.choice[post] == "release" else "release"
            self.render_rows()

    def action_now(self) -> None:
        """Release to go out now."""
        post = self._current()
        if post:
            self.choice[post] = "now"
            self.render_rows()

    def action_new_time(self) -> None:
        """Release at a new time (asked)."""
        post = self._current()
        if not post:
            return
        suggestion = (self.engine.clock.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%MZ")

        def chosen(value: str | None) -> None:
            if value and value.strip():
                self.choice[post] = value.strip()
                self.render_rows()

        self.app.push_screen(
            TextEntry(
                _("New time for %(post)s", post=post),
                _("When should it go out? (ISO 8601, UTC, e.g. 2026-11-22T09:00Z)"),
                value=suggestion,
            ),
            chosen,
        )

    def action_all(self, release: bool) -> None:
        """Release every post (or keep every post held)."""
        for post in self.choice:
            self.choice[post] = "release" if release else "keep"
        self.render_rows()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the summary resolves."""
        event.stop()
        self.action_resolve()

    def plan(self) -> dict[str, Any]:
        """The engine's resolve arguments for the choices made."""
        now = self.engine.clock.now().isoformat()
        keep = [p for p, c in self.choice.items() if c == "keep"]
        new_times = {
            p: (now if c == "now" else c)
            for p, c in self.choice.items()
            if c not in ("release", "keep")
        }
        if not self.choice:
            return {"resume": None, "keep": [], "new_times": {}}
        if len(keep) == len(self.choice):
            return {"resume": "none", "keep": [], "new_times": {}}
        if not keep:
            return {"resume": "all", "keep": [], "new_times": new_times}
        return {"resume": None, "keep": keep, "new_times": new_times}

    def action_resolve(self) -> None:
        """Resolve through the engine; a refusal leaves the dialog open."""
        summary = self.query_one("#resolve-summary", Input).value
        plan = self.plan()
        engine = self.engine
        self.run_command(
            _("resolve"),
            lambda: engine.resolve(self.incident_id, summary, **plan),
            then=lambda incident: self.dismiss(True),
        )
