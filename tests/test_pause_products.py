"""Pausing and resuming across a file calendar and Postiz, Hootsuite, Buffer and Meta at once."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from runbook.clock import SimulatedClock
from runbook.engine import Engine
from runbook.export import export_incident
from runbook.model import events as ev
from runbook.store.sqlite import SqliteStore
from tests.fakes.base import Seen
from tests.products import TOKENS, Products, start_products
from tests.test_engine import SEV1_ACCOUNT, answers_for_level


@pytest.fixture(autouse=True)
def tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def products(tmp_path: Path, clock: SimulatedClock) -> Iterator[Products]:
    with ExitStack() as stack:
        found = start_products(stack, tmp_path, clock.now)
        found.fill(clock.now(), 3)
        yield found


@pytest.fixture
def engine(workspace, tmp_path: Path, clock, products) -> Iterator[Engine]:
    engine = Engine(
        SqliteStore(tmp_path / "db.sqlite"),
        workspace,
        operator="amara",
        clock=clock,
        effects=products.effects(clock),
    )
    yield engine
    engine.store.close()


def calendar_statuses(path: Path) -> set[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["status"] for row in csv.DictReader(handle)}


def everything_scheduled(products: Products, two: bool = False) -> list[str]:
    """The texts every product (``two``: Postiz and Hootsuite) will publish, sorted."""
    texts = [p["content"] for p in products.postiz.posts.values() if p["state"] == "QUEUE"]
    texts += [m["text"] for m in products.hootsuite.scheduled()]
    if not two:
        texts += [p["text"] for p in products.buffer.posts.values() if p["status"] == "scheduled"]
        texts += [p["message"] for p in products.meta.scheduled()]
    return sorted(texts)


def test_one_pause_holds_every_scheduler_and_resolve_brings_every_post_back(engine, products):
    before = everything_scheduled(products)
    incident = engine.declare("account-compromised", "Hacked")
    engine.assess(incident.id, SEV1_ACCOUNT)
    preview = engine.pause_preview(incident.id)
    assert preview["total"] == 15
    assert {p["scheduler"]: p.get("hold", "") for p in preview["next"]}["hootsuite"] == (
        "delete-and-recreate"
    )

    paused = engine.pause(incident.id)
    assert len(paused.paused_posts) == 15
    assert everything_scheduled(products) == []
    assert calendar_statuses(products.calendar) == {"held"}
    ledger = {row["id"]: row for row in engine.posts(incident.id)}
    assert ledger["postiz:pz0"]["hold"] == "draft"
    assert ledger["buffer:bf0"]["hold"] == "draft"
    assert ledger["hootsuite:hs0"]["hold"] == "delete-and-recreate"
    assert ledger["meta:fb0"]["hold"] == "delete-and-recreate"
    assert ledger["meta:fb0"]["record"]["message"] == "Page post 0"
    assert "hold" not in ledger["calendar:cal0"]

    engine.resolve(incident.id, "Account recovered.", resume="all")
    assert everything_scheduled(products) == before
    assert calendar_statuses(products.calendar) == {"scheduled"}
    resumed = {row["id"]: row for row in engine.posts(incident.id)}
    made = {m["text"]: m["id"] for m in products.hootsuite.scheduled()}
    assert resumed["hootsuite:hs1"]["recreated_as"] == made["Hootsuite post 1"]
    assert resumed["meta:fb2"]["recreated_as"].startswith(products.meta.page_id)
    assert products.postiz.requests("DELETE") == []
    assert engine.verify(incident.id).ok

    report = json.loads(export_incident(engine, incident.id, "json", environ=os.environ))
    exported = {p["post_id"]: p for p in report["posts"]}
    assert exported["hootsuite:hs1"]["hold"] == "delete-and-recreate"
    assert exported["hootsuite:hs1"]["recreated_as"] == made["Hootsuite post 1"]
    assert exported["postiz:pz1"]["hold"] == "draft"
    markdown = export_incident(engine, incident.id, "md", environ=os.environ)
    assert f"deleted and recreated as {made['Hootsuite post 1']}" in markdown
    assert not any(token in markdown for token in TOKENS.values())


def test_a_hootsuite_post_is_recorded_before_it_is_deleted(engine, products, tmp_path):
    witnessed: list[bool] = []

    def recorded_already(seen: Seen) -> None:
        if seen.method != "DELETE":
            return
        message = products.hootsuite.messages[seen.path.rsplit("/", 1)[1]]
        with sqlite3.connect(tmp_path / "db.sqlite") as db:
            rows = db.execute("SELECT data FROM events WHERE type = 'PauseTargeted'").fetchall()
        records = [p.get("record") or {} for row in rows for p in json.loads(row[0])["posts"]]
        witnessed.append(any(r.get("text") == message["text"] for r in records))

    products.hootsuite.before = recorded_already
    incident = engine.declare("account-compromised", "Hacked")
    engine.assess(incident.id, SEV1_ACCOUNT)
    engine.pause(incident.id)
    assert witnessed == [True, True, True]


def test_a_post_held_by_two_incidents_across_two_products_goes_out_once_both_release_it(
    workspace, tmp_path, clock, products
):
    effects = products.effects(clock, only=("postiz", "hootsuite"))
    engine = Engine(
        SqliteStore(tmp_path / "two.sqlite"),
        workspace,
        operator="amara",
        clock=clock,
        effects=effects,
    )
    first = engine.declare("account-compromised", "Hacked")
    engine.assess(first.id, SEV1_ACCOUNT)
    engine.pause(first.id)
    second = engine.declare("offensive-post", "Old post resurfaced")
    engine.assess(second.id, answers_for_level(engine, "offensive-post", "SEV1"))
    both = engine.pause(second.id)
    assert sorted(both.paused_posts) == sorted(engine.incident(first.id).paused_posts)

    engine.resolve(first.id, "Account recovered.", resume="all")
    assert everything_scheduled(products, two=True) == [], "the second incident holds them all"
    still = engine.incident(first.id).resumed_posts["hootsuite:hs0"]["still_held_by"]
    assert still == [second.id]

    engine.resolve(second.id, "Story died down.", resume="all")
    texts = everything_scheduled(products, two=True)
    assert texts == sorted({*texts}), "no post recreated twice"
    assert len(texts) == 6
    assert len(products.hootsuite.requests("POST", "/v1/messages")) == 3
    engine.store.close()


def test_a_refused_post_is_recorded_as_not_held_and_retry_finishes_the_pause(engine, products):
    products.buffer.refuse["bf1"] = "Channel is disconnected"
    products.meta.failing.add("fb2")
    incident = engine.declare("account-compromised", "Hacked")
    engine.assess(incident.id, SEV1_ACCOUNT)
    partial = engine.pause(incident.id)
    assert len(partial.paused_posts) == 13
    result = next(e for e in engine.timeline(incident.id) if isinstance(e, ev.PostsPaused))
    reasons = {f["id"]: f["error"] for f in result.failures}
    assert "Channel is disconnected" in reasons["buffer:bf1"]
    assert "HTTP 500" in reasons["meta:fb2"]
    assert "fb2" in products.meta.posts, "not held, and not called held"

    products.buffer.refuse.clear()
    products.meta.failing.clear()
    _, after = engine.retry_all(incident.id)
    assert len(after.paused_posts) == 15
    assert after.pause_unconfirmed() is None
    assert everything_scheduled(products) == []


def test_the_ledger_says_why_a_deleted_post_was_not_recreated_and_nothing_goes_out_silently(
    engine, products, clock
):
    gone = f"{products.hootsuite.url}/media/gone.png"
    products.hootsuite.add(
        "hsm", clock.now() + timedelta(hours=30), "With a picture", "115185509", (gone,)
    )
    incident = engine.declare("account-compromised", "Hacked")
    engine.assess(incident.id, SEV1_ACCOUNT)
    engine.pause(incident.id)
    clock.advance(timedelta(hours=1, minutes=55))  # fb0's slot is now five minutes away
    engine.resolve(incident.id, "Account recovered.", resume="all")
    ledger = {row["id"]: row for row in engine.posts(incident.id)}
    media = ledger["hootsuite:hsm"]
    assert media["ledger"] == "held"
    assert "gone.png can no longer be fetched (HTTP 404)" in media["not_released"]
    near = ledger["meta:fb0"]
    assert near["ledger"] == "held"
    assert "less than 10 minutes away" in near["not_released"]
    assert "not_released" not in ledger["meta:fb1"]
    assert ledger["meta:fb1"]["ledger"] == "resumed"
    assert "With a picture" not in [m["text"] for m in products.hootsuite.scheduled()]
    assert "Page post 0" not in [p["message"] for p in products.meta.scheduled()]


def test_a_statement_goes_to_the_calendar_even_when_a_product_is_configured_first(products, clock):
    from runbook.effects.scheduler import Schedulers

    joined = products.effects(clock).scheduler
    reordered = Schedulers([joined.adapters["hootsuite"], joined.adapters["calendar"]])
    post = {"channel": "x", "text": "We are aware.", "scheduled_at": "now"}
    outcome = reordered.create([post], "publish-1")
    assert outcome.failures == []
    assert outcome.done[0]["id"].startswith("calendar:")
    assert products.hootsuite.requests("POST") == []
