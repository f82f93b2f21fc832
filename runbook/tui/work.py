"""Running engine calls off the UI thread: the live-screen base and the command runner.

Every engine call writes or reads SQLite and may reach a scheduler, a mail server or a webhook,
so it runs in a thread worker and reports back with a message; the UI never waits for it.
:class:`LiveScreen` reloads its data when the store changes (one load at a time; a change
during a load triggers one more), and :meth:`LiveScreen.run_command` runs a command, shows it
as work under way, and turns a refusal or a failure into a notification.
"""

from __future__ import annotations

import time
from abc import abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from textual.screen import Screen

from runbook.errors import ActionRefused, RunbookError
from runbook.i18n import _, current_language, using
from runbook.tui.messages import CommandDone, Loaded, OperatorChanged, StoreChanged
from runbook.tui.wording import refusal_words

if TYPE_CHECKING:
    from runbook.tui.app import RunbookApp


def perform(call: Callable[[], Any]) -> tuple[Any, str | None, bool]:
    """Run ``call``; return (result, error message, refused?) without raising."""
    try:
        return call(), None, False
    except ActionRefused as refusal:
        return None, refusal_words(refusal), True
    except RunbookError as exc:
        return None, str(exc), False
    except Exception as exc:  # a bug must show as a message, never kill the UI
        return None, f"{type(exc).__name__}: {exc}", False


def speaking(work: Callable[..., Any]) -> Callable[..., Any]:
    """``work`` wrapped to run in the language in force now (the app's, on the UI thread):
    thread workers do not inherit the app's context, so what they put in words (refusals,
    errors, descriptions) would otherwise be in the thread's default language."""
    language = current_language()

    def run(*args: Any, **kwargs: Any) -> Any:
        with using(language):
            return work(*args, **kwargs)

    return run


class CommandRunner:
    """Mixin for screens and modals that run engine commands."""

    app: Any

    def run_command(
        self,
        label: str,
        call: Callable[[], Any],
        then: Callable[[Any], object] | None = None,
    ) -> None:
        """Run the engine command ``call`` in a worker; ``then(result)`` on success. ``label``
        says what it does in the language shown (``_("approve the draft")``)."""
        app = self.app
        ticket = app.work_started(label)

        def work() -> None:
            with app.command_lock:
                result, error, refused = perform(call)
                app.own_write(self)
            app.work_finished(ticket)
            self.post_message(CommandDone(label, result, error, refused, then))  # type: ignore[attr-defined]

        self.run_worker(  # type: ignore[attr-defined]
            speaking(work), thread=True, group="command", exit_on_error=False, name=label
        )

    def on_command_done(self, message: CommandDone) -> None:
        """Tell the operator about a refusal or failure; otherwise continue with ``then``."""
        message.stop()
        if message.error is not None:
            if message.refused:
                self.app.tell(message.error, title=_("Not now"), severity="warning")
            else:
                self.app.tell(
                    message.error,
                    title=_("Could not %(action)s", action=message.label),
                    severity="error",
                )
        elif message.then is not None:
            message.then(message.result)
        self.after_command()

    def after_command(self) -> None:
        """Called once a command finished, whatever the outcome."""


class LiveScreen(CommandRunner, Screen[None]):
    """A screen showing data read from the engine, reloaded when anything changes."""

    def __init__(self) -> None:
        super().__init__()
        self._loading = False
        self._dirty = False
        self.stale = True
        """True until loaded, and when this app changed the store while another screen was
        in front (the poll does not report the app's own writes)."""
        self._marks = 0

    @property
    def runbook(self) -> RunbookApp:
        """The app, typed."""
        return cast("RunbookApp", self.app)

    # -- loading ------------------------------------------------------------------------
    @abstractmethod
    def load(self, publish: Callable[[Any], None]) -> Any:
        """Read the data (runs in a worker thread); ``publish`` sends an early partial result.
        Every live screen says what it reads."""

    @abstractmethod
    def show(self, data: Any, final: bool) -> None:
        """Hand the data down to the widgets (UI thread). Every live screen says how."""

    def reload(self) -> None:
        """Read fresh data in a worker (coalesced: at most one load runs at a time)."""
        if self._loading:
            self._dirty = True
            return
        self._loading = True
        self._dirty = False
        self.run_worker(speaking(self._load_thread), thread=True, group="load", exit_on_error=False)

    def mark_stale(self) -> None:
        """Read afresh when shown again (thread-safe enough: a counter and a flag)."""
        self._marks += 1
        self.stale = True

    def _load_thread(self) -> None:
        mark = self._marks

        def publish(data: Any) -> None:
            self.post_message(Loaded(data, final=False))

        data, error, _refused = perform(lambda: self.load(publish))
        self.post_message(Loaded(data, final=True, error=error, mark=mark))

    def on_loaded(self, message: Loaded) -> None:
        """Show what a load read; start another if the store changed meanwhile."""
        message.stop()
        if message.final:
            self._loading = False
        if message.error:
            self.runbook.tell(
                message.error, title=_("Could not read the incidents"), severity="error"
            )
        elif message.data is not None:
            if message.final and message.mark == self._marks:
                self.stale = False
            self.show(message.data, message.final)
        if message.final and self._dirty:
            self.reload()

    def on_mount(self) -> None:
        """Redraw in the new colours when the theme changes (dark, light...)."""
        self.watch(self.app, "theme", self._theme_changed, init=False)

    def _theme_changed(self, theme: str) -> None:
        self.restyle()

    def restyle(self) -> None:
        """The theme changed: draw everything again."""
        self.reload()

    def on_store_changed(self, message: StoreChanged) -> None:
        """Another writer (or this app) changed the store."""
        self.reload()

    def on_operator_changed(self, message: OperatorChanged) -> None:
        """What the operator may do changed."""
        self.reload()

    def on_screen_resume(self) -> None:
        """Shown the first time, or back after this app changed something elsewhere."""
        if self.stale:
            self.reload()

    def after_command(self) -> None:
        """A command finished: show its effect at once."""
        self.reload()


def stopwatch() -> Callable[[], float]:
    """A function returning the seconds since this was called."""
    started = time.perf_counter()
    return lambda: time.perf_counter() - started


def fetch(node: Any, call: Callable[[], Any], done: Callable[[Any, str | None], None]) -> None:
    """Run the read-only ``call`` in a worker; ``done(result, error)`` on the UI thread."""

    def work() -> None:
        result, error, _refused = perform(call)
        node.app.call_from_thread(done, result, error)

    node.run_worker(speaking(work), thread=True, group="fetch", exit_on_error=False)
