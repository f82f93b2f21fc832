"""The app tells the operator, per post, that a Hootsuite post is deleted and will be recreated."""

from __future__ import annotations

import re
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from runbook.clock import SimulatedClock
from runbook.engine import Engine
from runbook.store.sqlite import SqliteStore
from tests.products import TOKENS, start_products
from tests.test_engine import SEV1_ACCOUNT
from tests.test_tui import make_app, run, settle


def screen_text(app: object) -> str:
    svg = app.export_screenshot()  # type: ignore[attr-defined]
    return str(svg).replace("&#160;", " ")


def sized_sev1(
    stack: ExitStack, tmp_path: Path, workspace: Any, clock: SimulatedClock, effects: Any
) -> tuple[Engine, Any]:
    """An engine on a fresh SQLite file with the products' effects and a SEV1 account
    compromise declared and sized by amara."""
    engine = Engine(
        SqliteStore(tmp_path / "tui.db"), workspace, operator="amara", clock=clock, effects=effects
    )
    stack.callback(engine.store.close)
    incident = engine.declare("account-compromised", "Hacked")
    engine.assess(incident.id, SEV1_ACCOUNT)
    return engine, incident


def test_the_pause_preview_and_the_ledger_say_a_hootsuite_post_is_deleted_and_recreated(
    workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    clock = SimulatedClock(datetime.now(UTC).replace(microsecond=0))
    with ExitStack() as stack:
        products = start_products(stack, tmp_path, clock.now)
        products.fill(clock.now(), 2)
        effects = products.effects(clock, only=("hootsuite", "postiz"))
        engine, incident = sized_sev1(stack, tmp_path, workspace, clock, effects)

        async def body() -> None:
            app = make_app(engine, open_incident=incident.id)
            async with app.run_test(size=(120, 40)) as pilot:
                await settle(pilot)
                await pilot.press("p")
                await settle(pilot)
                preview = screen_text(app)
                assert "Hootsuite post 0  [deleted, will be recreated]" in preview
                assert "Postiz post 0  [held as a draft]" in preview
                await pilot.press("enter")
                await settle(pilot)
                await pilot.press("escape", "3")  # not notifying now; the post ledger
                await settle(pilot)
                ledger = screen_text(app)
                first_column = re.findall(r">(?=[a-z ]{9}<)(draft|deleted|held) +<", ledger)
                assert sorted(first_column) == ["deleted", "deleted", "draft", "draft"]

        run(body)
        assert products.hootsuite.scheduled() == []


def test_the_ledger_in_the_app_says_why_a_deleted_post_was_not_recreated(
    workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    clock = SimulatedClock(datetime.now(UTC).replace(microsecond=0))
    with ExitStack() as stack:
        products = start_products(stack, tmp_path, clock.now)
        gone = f"{products.hootsuite.url}/media/gone.png"
        products.hootsuite.add("hsm", clock.now() + timedelta(days=1), "Pic", "115185509", (gone,))
        effects = products.effects(clock, only=("hootsuite",))
        engine, incident = sized_sev1(stack, tmp_path, workspace, clock, effects)
        engine.pause(incident.id)
        engine.resolve(incident.id, "Recovered.", resume="all")

        async def body() -> None:
            app = make_app(engine, open_incident=incident.id)
            async with app.run_test(size=(160, 40)) as pilot:
                await settle(pilot)
                await pilot.press("3")
                await settle(pilot)
                ledger = screen_text(app)
                assert "not released: could not recreate post" in ledger

        run(body)
