"""A real headless Chromium (Debian's package) driven over the DevTools protocol, for the tests.

Chromium is started with ``--remote-debugging-pipe``: commands go in on its file descriptor 3
and answers come out on 4, as NUL-terminated JSON, so no WebSocket library is needed. Only
what the tests use is here: open a page, read it, click an element with the mouse, emulate a
phone screen. Without Chromium a test fails with the reason (or is skipped when
``RUNBOOK_ALLOW_NO_BROWSER=1``), never passes silently.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest


def chromium() -> str:
    """Chromium's path (fails the test, or skips with RUNBOOK_ALLOW_NO_BROWSER=1, without)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if found is None:
        reason = "chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("RUNBOOK_ALLOW_NO_BROWSER") == "1":
            pytest.skip(f"{reason}; skipped because RUNBOOK_ALLOW_NO_BROWSER=1")
        pytest.fail(f"{reason}; set RUNBOOK_ALLOW_NO_BROWSER=1 to skip this test instead")
    return found


class Browser:
    """One headless Chromium with one page (see module docstring)."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="runbook-chromium-")
        to_child, self._write = os.pipe()
        self._read, from_child = os.pipe()

        def plumb() -> None:  # in the child: commands on fd 3, answers on fd 4
            high_in = fcntl.fcntl(to_child, fcntl.F_DUPFD, 10)  # out of the way of 3 and 4
            high_out = fcntl.fcntl(from_child, fcntl.F_DUPFD, 10)
            os.dup2(high_in, 3)
            os.dup2(high_out, 4)

        self.process = subprocess.Popen(
            [
                chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-pipe",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            preexec_fn=plumb,
            close_fds=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child)
        os.close(from_child)
        self._buffer = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []
        targets = self.send("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        attached = self.send("Target.attachToTarget", targetId=page["targetId"], flatten=True)
        self.session = attached["sessionId"]
        self.send("Page.enable", session=True)
        self.send("Runtime.enable", session=True)

    # -- the protocol ---------------------------------------------------------------------
    def _message(self) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise AssertionError("Chromium did not answer in time")
            chunk = os.read(self._read, 65536)
            if not chunk:
                raise AssertionError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, *, session: bool = False, **params: Any) -> dict[str, Any]:
        """Run a DevTools command and return its result (events meanwhile are kept)."""
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._write, json.dumps(message).encode("utf-8") + b"\0")
        while True:
            answer = self._message()
            if answer.get("id") == self._next:
                if "error" in answer:
                    raise AssertionError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_for(self, method: str) -> dict[str, Any]:
        """Wait for the next event ``method`` (kept events first)."""
        for index, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(index)
        while True:
            event = self._message()
            if event.get("method") == method:
                return event
            self.events.append(event)

    # -- what the tests do ------------------------------------------------------------------
    def open(self, url: str) -> None:
        """Load ``url`` and wait until it has loaded."""
        self.events.clear()
        self.send("Page.navigate", session=True, url=url)
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        result = self.send(
            "Runtime.evaluate", session=True, expression=expression, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    def text(self) -> str:
        """The page's visible text."""
        return str(self.evaluate("document.body.innerText"))

    def click(self, selector: str) -> None:
        """Press and release the mouse on the element (as a person would), then wait for the
        page it leads to."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " e.scrollIntoView(); const r = e.getBoundingClientRect();"
            " return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        x, y = box
        self.events.clear()
        for kind in ("mousePressed", "mouseReleased"):
            self.send(
                "Input.dispatchMouseEvent",
                session=True,
                type=kind,
                x=x,
                y=y,
                button="left",
                clickCount=1,
            )
        self.wait_for("Page.loadEventFired")

    def phone(self, width: int = 390, height: int = 844) -> None:
        """Show pages as a phone of that size would."""
        self.send(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=width,
            height=height,
            deviceScaleFactor=3,
            mobile=True,
        )

    def close(self) -> None:
        """Stop Chromium and forget its profile."""
        try:
            self.send("Browser.close")
        except (AssertionError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._read, self._write):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)
