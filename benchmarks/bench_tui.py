"""Terminal UI figures: start to first frame, keypress to update, keystrokes to "posts paused".

Run from the repository root: ``.venv/bin/python benchmarks/bench_tui.py``. It prints figures
and the goals they are measured against; it asserts nothing. The store holds 50 open
incidents, one of them with 10,000 timeline events; the app runs headless (Textual's
``run_test``) at 120x40.

* start to first frame: a fresh interpreter imports runbook and Textual, opens the store,
  builds the app and draws the board with its rows (goal < 1 s); also in-process (imports
  done), and opening the 10,000-event incident from the board (enter -> newest event shown).
* keypress to update on that incident's screen (goal < 100 ms): a key handled in the UI
  (``]``, the next stage's checklist), a command through the engine (enter ticks a checklist
  item) and one through a form (enter in the note form), each from the key event to the
  frame that shows the change.
* another operator's change on screen (goal < 1 s): a note written through another connection
  to the same store, until it is drawn on the open incident's timeline (the app polls the
  store's change token every 0.5 s).
* keystrokes from launch to "all scheduled posts paused" for a SEV1 (goal <= 6 plus typing).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

STARTED = time.perf_counter()
REPO = Path(__file__).resolve().parent.parent
START = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
PLAYBOOKS = [
    "account-compromised",
    "offensive-post",
    "data-leak-employee-post",
    "product-recall",
    "conduct-viral",
]


def workspace() -> Any:
    from runbook.loading import load_workspace

    return load_workspace([REPO / "playbooks", REPO / "contacts"])


def engine_on(db: Path, clock: Any = None) -> Any:
    from runbook.clock import SimulatedClock
    from runbook.effects import Effects, Post
    from runbook.effects.sinks import DrillSink
    from runbook.engine import Engine
    from runbook.store.sqlite import SqliteStore

    sink = DrillSink()
    for index in range(6):
        when = (START + timedelta(hours=index + 1)).isoformat()
        sink.posts[f"POST-{index}"] = Post(f"POST-{index}", "x", when, "teaser", "scheduled")
    effects = Effects(scheduler=sink, channels={}, publisher=sink, fallback=sink)
    return Engine(
        SqliteStore(db),
        workspace(),
        operator="amara",
        clock=clock or SimulatedClock(START),
        effects=effects,
    )


def populate(db: Path, incidents: int, events: int) -> str:
    """``incidents`` open incidents; the first gets ``events`` timeline events. Its id."""
    from runbook.model import events as ev

    engine = engine_on(db)
    big = ""
    for index in range(incidents):
        playbook = PLAYBOOKS[index % len(PLAYBOOKS)]
        incident = engine.declare(playbook, f"Benchmark incident {index + 1}")
        if index % 2 == 0:
            questions = engine.workspace.playbook(playbook).severity.questions
            engine.assess(incident.id, {q.id: q.options[-1].id for q in questions})
        if not big:
            big = incident.id
    current = engine.incident(big)
    seq = current.seq
    written = seq
    while written < events:
        chunk = min(1000, events - written)
        notes = [
            ev.NoteAdded(
                incident_id=big,
                at=START + timedelta(seconds=written + i),
                actor="amara",
                state=current.state,
                text=f"note {written + i}: the post has been shared {(written + i) * 7} times",
            )
            for i in range(chunk)
        ]
        engine.store.append(big, seq, notes)
        seq += chunk
        written += chunk
    engine.store.close()
    return big


async def painted(app: Any) -> None:
    """Wait for the next frame of the screen in front to be drawn."""
    drawn = asyncio.Event()
    app.screen.call_after_refresh(drawn.set)
    await drawn.wait()


async def until(check: Callable[[], bool], app: Any, limit: float = 30.0) -> None:
    """Wait until ``check()`` holds, then for the frame that shows it."""
    deadline = time.perf_counter() + limit
    while not check():
        if time.perf_counter() > deadline:
            raise TimeoutError("the app did not get there")
        await asyncio.sleep(0.001)
    await painted(app)


def post_key(app: Any, key: str, char: str | None) -> None:
    """Send a key as the terminal would (no waiting, unlike Pilot.press)."""
    from textual import events

    event = events.Key(key, char)
    event.set_sender(app)
    app._driver.send_message(event)


def first_frame_child(db: Path) -> None:
    """In a fresh interpreter: seconds from start to the board drawn with its rows."""
    from runbook.tui.app import RunbookApp

    async def run() -> float:
        app = RunbookApp(engine_on(db), cursor_blink=False, tick_every=None)
        async with app.run_test(size=(120, 40)):
            await until(lambda: bool(getattr(app.screen, "rows", None)), app)
            return time.perf_counter() - STARTED

    print(json.dumps({"first_frame": asyncio.run(run())}))


async def in_process(db: Path, big: str, rounds: int) -> dict[str, Any]:
    from runbook.tui.app import RunbookApp
    from runbook.tui.screens.incident import IncidentScreen
    from runbook.tui.widgets.timeline import Timeline

    figures: dict[str, Any] = {}
    started = time.perf_counter()
    app = RunbookApp(engine_on(db), cursor_blink=False, tick_every=None)
    async with app.run_test(size=(120, 40)) as pilot:
        board: Any = app.screen
        await until(lambda: bool(board.rows), app)
        figures["first_frame_warm"] = time.perf_counter() - started
        await until(lambda: all(row.detailed for row in board.rows), app)
        figures["board_details"] = time.perf_counter() - started
        ids = [row.id for row in board.rows]
        board.query_one("DataTable").move_cursor(row=ids.index(big))
        await pilot.pause()
        started = time.perf_counter()
        post_key(app, "enter", "\r")

        def opened() -> bool:
            screen = app.screen
            if not isinstance(screen, IncidentScreen):
                return False
            found = screen.query(Timeline)
            return bool(found) and len(found.first().lines) > 0

        await until(opened, app)
        screen: Any = app.screen
        timeline = screen.query_one(Timeline)
        figures["open_10k"] = time.perf_counter() - started
        figures["timeline_lines"] = len(timeline.lines)

        async def measure(action: Callable[[], Awaitable[Callable[[], bool]]]) -> list[float]:
            times = []
            for _ in range(rounds):
                done = await action()
                times.append(done())
            return times

        async def browse() -> Callable[[], bool]:
            before = screen.browsing
            await pilot.pause()
            t0 = time.perf_counter()
            post_key(app, "right_square_bracket", "]")
            await until(lambda: screen.browsing != before, app)
            elapsed = time.perf_counter() - t0
            return lambda: elapsed  # type: ignore[return-value]

        async def note() -> Callable[[], bool]:
            await pilot.press("m", "x")
            await pilot.pause()
            count = len(timeline.lines)
            t0 = time.perf_counter()
            post_key(app, "enter", "\r")
            await until(lambda: len(timeline.lines) > count, app)
            elapsed = time.perf_counter() - t0
            return lambda: elapsed  # type: ignore[return-value]

        async def tick() -> Callable[[], bool]:
            from textual.widgets import OptionList

            listing = screen.query_one("#checklist-items", OptionList)
            for _ in range(8):  # highlight an item nobody ticked yet (another stage if needed)
                checked = screen.view.incident.checked
                fresh = [
                    i
                    for i in range(listing.option_count)
                    if listing.get_option_at_index(i).id
                    and listing.get_option_at_index(i).id not in checked
                ]
                if fresh:
                    listing.highlighted = fresh[0]
                    break
                screen.action_browse(1)
                await pilot.pause()
            listing.focus()
            await pilot.pause()
            count = len(screen.view.incident.checked)
            t0 = time.perf_counter()
            post_key(app, "enter", "\r")
            await until(lambda: len(screen.view.incident.checked) > count, app)
            elapsed = time.perf_counter() - t0
            return lambda: elapsed  # type: ignore[return-value]

        other = engine_on(db)  # another operator: its own connection to the same store

        async def elsewhere() -> Callable[[], bool]:
            await pilot.pause()
            count = len(timeline.lines)
            t0 = time.perf_counter()
            await asyncio.to_thread(other.note, big, "written in another terminal")
            await until(lambda: len(timeline.lines) > count, app)
            elapsed = time.perf_counter() - t0
            return lambda: elapsed  # type: ignore[return-value]

        figures["key_ui"] = await measure(browse)
        figures["key_tick"] = await measure(tick)
        figures["key_command"] = await measure(note)
        figures["elsewhere"] = await measure(elsewhere)
        other.store.close()
    return figures


async def keystrokes(db: Path) -> dict[str, Any]:
    """Launch -> SEV1 declared, sized, posts paused: count the keys (typing apart)."""
    from runbook.tui.app import RunbookApp

    engine = engine_on(db)
    app = RunbookApp(engine, cursor_blink=False, tick_every=None)
    keys: list[str] = []
    typed: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:

        async def key(*names: str) -> None:
            keys.extend(names)
            await pilot.press(*names)
            await pilot.pause(0.2)

        async def type_text(text: str) -> None:
            typed.append(text)
            await pilot.press(*[("space" if c == " " else c) for c in text])

        await pilot.pause(0.3)
        await key("n")
        await type_text("acc")
        await key("enter")
        await type_text("X account posting scams")
        await key("enter")
        await pilot.pause(0.5)
        await key("3", "s")  # the attacker is in control -> SEV1; set the level
        await pilot.pause(0.5)
        await key("enter")  # the questions left unanswered: recorded as not known yet
        await pilot.pause(0.5)
        await key("enter")  # the pause preview is offered: confirm

        def paused() -> bool:
            rows = engine.incidents()
            return bool(rows) and engine.incident(rows[0]["id"]).pause_satisfied()

        await until(paused, app)
        incident = engine.incident(engine.incidents()[0]["id"])
    return {
        "keys": keys,
        "typed": typed,
        "level": incident.level,
        "held": len(incident.paused_posts),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=50)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=10, help="keypresses measured per kind")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        first_frame_child(Path(args.child))
        return
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"
        started = time.perf_counter()
        big = populate(db, args.incidents, args.events)
        print(
            f"store: {args.incidents} open incidents, {big} with {args.events:,} events "
            f"(built in {time.perf_counter() - started:.1f} s)"
        )
        cold = []
        for _ in range(3):
            result = subprocess.run(
                [sys.executable, __file__, "--child", str(db)],
                capture_output=True,
                text=True,
                cwd=REPO,
                timeout=120,
            )
            if result.returncode != 0:
                print(result.stderr, file=sys.stderr)
                raise SystemExit(1)
            cold.append(json.loads(result.stdout.strip().splitlines()[-1])["first_frame"])
        figures = asyncio.run(in_process(db, big, args.rounds))
        print(
            f"start to first frame, fresh interpreter (imports, store, board rows): "
            f"best {min(cold) * 1000:.0f} ms, median {statistics.median(cold) * 1000:.0f} ms "
            "(goal < 1 s)"
        )
        print(
            "  same, in-process (imports done; playbooks and contacts loaded in it): "
            f"{figures['first_frame_warm'] * 1000:.0f} ms; every row's colour and target: "
            f"{figures['board_details'] * 1000:.0f} ms"
        )
        print(
            f"open the 10,000-event incident (enter on the board -> timeline drawn): "
            f"{figures['open_10k'] * 1000:.0f} ms ({figures['timeline_lines']:,} lines)"
        )
        for name, words in (
            ("key_ui", "keypress to update, UI only (']' next stage's checklist)"),
            (
                "key_tick",
                "keypress to update, engine command (enter ticks a checklist item -> "
                "ticked, on the timeline)",
            ),
            (
                "key_command",
                "keypress to update through a form (enter in the note form -> form closed, "
                "note on the timeline)",
            ),
        ):
            times = figures[name]
            print(
                f"{words}: median {statistics.median(times) * 1000:.0f} ms, "
                f"max {max(times) * 1000:.0f} ms over {len(times)} (goal < 100 ms)"
            )
        times = figures["elsewhere"]
        print(
            "another operator's note (written by another connection) -> on this screen's "
            f"timeline: median {statistics.median(times) * 1000:.0f} ms, "
            f"max {max(times) * 1000:.0f} ms over {len(times)} (goal < 1 s)"
        )
        count = asyncio.run(keystrokes(Path(folder) / "keys.db"))
        typed = " + ".join(repr(t) for t in count["typed"])
        print(
            f"keystrokes from launch to all scheduled posts paused (SEV1): {len(count['keys'])} "
            f"({' '.join(count['keys'])}) plus typing {typed}; level {count['level']}, "
            f"{count['held']} posts held (goal <= 6 plus typing)"
        )


if __name__ == "__main__":
    main()
