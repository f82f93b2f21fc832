"""Everything the command line prints is inert: one filter on standard out and standard error.

Titles, notes, statements, names, file contents and what receivers answer can all carry
terminal control sequences (clear the screen, set the window title, write the clipboard with
OSC 52) or direction overrides. Rather than trusting every ``click.echo`` to remember, the
command line wraps its two text streams for the duration of a command: every control character
but new line and tab is written as a visible escape (:func:`runbook.model.text.inert`). The
terminal UI writes to the original streams and has its own filter; binary writes (an export
sent to standard out) go to ``buffer`` and are made inert by their renderers. The event log
keeps the exact text.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from runbook.model.text import inert


class InertStream(io.TextIOBase):
    """A text stream writing to ``inner`` with control characters escaped."""

    def __init__(self, inner: TextIO) -> None:
        super().__init__()
        self.inner = inner

    def write(self, text: str) -> int:
        self.inner.write(inert(text))
        return len(text)

    def flush(self) -> None:
        self.inner.flush()

    def isatty(self) -> bool:
        return self.inner.isatty()

    def fileno(self) -> int:
        return self.inner.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.inner, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.inner, "errors", None)

    @property
    def buffer(self) -> Any:
        return self.inner.buffer


@contextmanager
def inert_output() -> Iterator[None]:
    """Standard out and standard error made inert for the ``with`` block."""
    saved = sys.stdout, sys.stderr
    if not isinstance(sys.stdout, InertStream):
        sys.stdout = InertStream(sys.stdout)
    if not isinstance(sys.stderr, InertStream):
        sys.stderr = InertStream(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
