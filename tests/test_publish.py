"""Publishing a statement through a scheduler: real calendar files on disk, a real HTTP server
on 127.0.0.1, and the engine end to end."""

from __future__ import annotations

import csv
import dataclasses
import io
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from runbook.clock import SimulatedClock
from runbook.effects import Effects
from runbook.effects.publisher import INTERNAL_NOTE, SchedulerPublisher
from runbook.effects.scheduler import Schedulers
from runbook.effects.scheduler import file_calendar as file_calendar_module
from runbook.effects.scheduler.calendar_create import post_id
from runbook.effects.scheduler.file_calendar import FileCalendar
from runbook.effects.scheduler.http import HttpScheduler
from runbook.effects.sinks import ConsoleSink, DrillSink
from runbook.effects.ssh import Signer
from runbook.effects.wiring import build_effects
from runbook.engine import Engine
from runbook.errors import EffectError
from runbook.model import events as ev
from runbook.model.schedulers import FileCalendarConfig
from runbook.store.sqlite import SqliteStore
from tests.conftest import approvers_for
from tests.test_drafts import _ready_to_submit
from tests.test_scheduler_http import (
    ENV,
    TOKEN,
    FakeScheduler,
    Handler,
    make_posts,
    send,
    serving,
)

NOW = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
NOW_TEXT = "2026-11-21T14:00:00Z"
KEY = "INC-7KQ4PX-publish-0123456789"

STATEMENT = {
    "draft_id": "D1",
    "version": 2,
    "content_hash": "abc",
    "audience": "public",
    "variants": {
        "x": 'We know our account was accessed. Do not click links, "giveaways" included.',
        "linkedin:en": "Our account was accessed.\nWe are restoring it; updates follow here.",
        "linkedin:fr": "Notre compte a été piraté ; nous le rétablissons. 🙏",
    },
    "url": "",
}

CSV_CALENDAR = (
    "id;channel;scheduled_at;text;status;owner\r\n"
    "p1;x;2026-11-21T15:00:00Z;Black Friday teaser;scheduled;amara\r\n"
    'p2;linkedin;2026-11-22T09:00:00Z;"Hiring; apply now";draft;tom\r\n'
)


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(NOW)


def calendar_file(tmp_path: Path, text: str = CSV_CALENDAR, name: str = "calendar.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def csv_rows(path: Path) -> list[dict[str, str]]:
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


# -- a CSV or YAML calendar -----------------------------------------------------------------


def test_each_variant_becomes_a_scheduled_row_with_its_exact_text(tmp_path, clock):
    path = calendar_file(tmp_path)
    publisher = SchedulerPublisher(Schedulers([FileCalendar("calendar", path, clock=clock)]))
    outcome = publisher.publish(STATEMENT, KEY)

    assert outcome.failures == []
    assert [d["platform"] for d in outcome.done] == ["x", "linkedin:en", "linkedin:fr"]
    assert [d["channel"] for d in outcome.done] == ["x", "linkedin", "linkedin"]
    assert [d["id"] for d in outcome.done] == [post_id(KEY, i) for i in range(3)]
    assert {d["status"] for d in outcome.done} == {"scheduled"}
    rows = csv_rows(path)
    assert [r["id"] for r in rows[:2]] == ["p1", "p2"]
    added = {r["id"]: r for r in rows[2:]}
    for done in outcome.done:
        row = added[done["id"]]
        assert row["text"] == STATEMENT["variants"][done["platform"]]
        assert (row["channel"], row["status"], row["scheduled_at"]) == (
            done["channel"],
            "scheduled",
            NOW_TEXT,
        )
        assert row["owner"] == ""
    raw = path.read_bytes()
    assert raw.startswith(CSV_CALENDAR.encode()), "existing rows are kept byte for byte"
    assert raw.count(b"\r\n") == 3 + 3, "new rows end in the file's CRLF"
    assert raw.count(b"\n") == 3 + 3 + 1, "the statement's own line break is kept as written"
    listed = {p.id: p for p in FileCalendar("calendar", path, clock=clock).list_posts()}
    text = STATEMENT["variants"]["linkedin:en"]
    assert listed[post_id(KEY, 1)].excerpt == " ".join(text.split())[:80]


def test_creating_again_with_the_same_key_adds_nothing_and_reports_the_same_posts(tmp_path, clock):
    path = calendar_file(tmp_path)
    publisher = SchedulerPublisher(FileCalendar("calendar", path, clock=clock))
    first = publisher.publish(STATEMENT, KEY)
    after_first = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    later = SchedulerPublisher(FileCalendar("calendar", path, clock=SimulatedClock(NOW)))
    again = later.publish(STATEMENT, KEY)

    assert [d["id"] for d in again.done] == [d["id"] for d in first.done]
    assert again.failures == []
    assert path.read_bytes() == after_first
    assert path.stat().st_mtime_ns == mtime, "nothing to add: the file is not rewritten"
    assert len(csv_rows(path)) == 2 + 3
    other = later.publish(STATEMENT, "another-publish")
    assert len(other.done) == 3
    assert len(csv_rows(path)) == 2 + 6


def test_a_partly_created_statement_is_completed_by_a_retry(tmp_path, clock):
    path = calendar_file(tmp_path)
    calendar = FileCalendar("calendar", path, clock=clock)
    calendar.create(
        [{"channel": "x", "text": STATEMENT["variants"]["x"], "scheduled_at": "now"}], KEY
    )
    outcome = SchedulerPublisher(calendar).publish(STATEMENT, KEY)
    assert [d["platform"] for d in outcome.done] == ["x", "linkedin:en", "linkedin:fr"]
    assert [r["id"] for r in csv_rows(path)].count(post_id(KEY, 0)) == 1
    assert len(csv_rows(path)) == 5


def test_a_calendar_without_a_final_newline_gets_none_after_its_new_rows(tmp_path, clock):
    text = "id,channel,scheduled_at,text,status\np1,x,2026-11-21T15:00:00Z,Teaser,scheduled"
    path = calendar_file(tmp_path, "\ufeff" + text)
    FileCalendar("calendar", path, clock=clock).create(
        [{"channel": "x", "text": "a, b", "scheduled_at": "2026-11-21T16:00:00Z"}], KEY
    )
    written = path.read_bytes().decode("utf-8")
    assert written == (f'\ufeff{text}\n{post_id(KEY, 0)},x,2026-11-21T16:00:00Z,"a, b",scheduled')


def test_a_quote_all_calendar_gets_quoted_rows(tmp_path, clock):
    text = (
        '"id","channel","scheduled_at","text","status"\n'
        '"p1","x","2026-11-21T15:00:00Z","T","held"\n'
    )
    path = calendar_file(tmp_path, text)
    FileCalendar("calendar", path, clock=clock).create(
        [{"channel": "x", "text": "Hello", "scheduled_at": "now"}], KEY
    )
    assert path.read_text().endswith(f'"{post_id(KEY, 0)}","x","{NOW_TEXT}","Hello","scheduled"\n')


def test_a_yaml_calendar_gets_new_items_and_keeps_its_comments(tmp_path, clock):
    text = (
        "# Northwind calendar\n"
        "  - id: p1   # launch\n"
        "    channel: x\n"
        '    scheduled_at: "2026-11-21T15:00:00Z"\n'
        "    text: Teaser\n"
        "    status: scheduled\n"
    )
    path = calendar_file(tmp_path, text, "calendar.yaml")
    calendar = FileCalendar("calendar", path, clock=clock)
    outcome = SchedulerPublisher(calendar).publish(STATEMENT, KEY)
    assert outcome.failures == []
    written = path.read_text()
    assert written.startswith(text)
    assert written.count("\n  - id: ") == 1 + 3, "indented like the first item"
    texts = {p.id: p for p in calendar.list_posts()}
    assert set(texts) == {"p1", *(post_id(KEY, i) for i in range(3))}
    assert calendar.status([post_id(KEY, 2)]) == {post_id(KEY, 2): "scheduled"}
    again = calendar.create([{"channel": "x", "text": "other", "scheduled_at": "now"}], KEY)
    assert again.done[0]["excerpt"] == STATEMENT["variants"]["x"][:80]
    assert path.read_text() == written


def test_an_empty_yaml_calendar_gets_its_first_posts(tmp_path, clock):
    path = calendar_file(tmp_path, "# nothing planned yet\n", "calendar.yaml")
    calendar = FileCalendar("calendar", path, clock=clock)
    calendar.create([{"channel": "x", "text": "Line 1\nLine 2", "scheduled_at": "now"}], KEY)
    assert path.read_text().startswith("# nothing planned yet\n- id: ")
    from runbook import loading

    [item] = loading.parse_yaml(path).data
    assert item == {
        "id": post_id(KEY, 0),
        "channel": "x",
        "scheduled_at": NOW_TEXT,
        "text": "Line 1\nLine 2",
        "status": "scheduled",
    }


def test_a_calendar_without_a_text_column_refuses_clearly_and_stays_unchanged(tmp_path, clock):
    text = "id,channel,scheduled_at,status\np1,x,2026-11-21T15:00:00Z,scheduled\n"
    path = calendar_file(tmp_path, text)
    with pytest.raises(EffectError, match="no text column; add it to the header") as info:
        FileCalendar("calendar", path, clock=clock).create(
            [{"channel": "x", "text": "Hi", "scheduled_at": "now"}], KEY
        )
    assert not info.value.transient
    assert path.read_text() == text


def test_a_bad_time_or_missing_text_fails_that_post_only(tmp_path, clock):
    path = calendar_file(tmp_path)
    outcome = FileCalendar("calendar", path, clock=clock).create(
        [
            {"channel": "x", "text": "Fine", "scheduled_at": "now"},
            {"channel": "x", "text": "Later", "scheduled_at": "tomorrow-ish"},
            {"channel": "linkedin", "text": " ", "scheduled_at": "now"},
        ],
        KEY,
    )
    assert [d["index"] for d in outcome.done] == [0]
    assert [(f["index"], f["transient"]) for f in outcome.failures] == [(1, False), (2, False)]
    assert "'tomorrow-ish', which is not a date and time" in outcome.failures[0]["error"]
    assert "has no text" in outcome.failures[1]["error"]
    assert len(csv_rows(path)) == 3


def test_a_calendar_edited_by_someone_else_meanwhile_is_not_overwritten(
    tmp_path, clock, monkeypatch
):
    path = calendar_file(tmp_path)
    theirs = CSV_CALENDAR.replace("Black Friday teaser", "Black Friday teaser (Tom)")
    real_fsync = os.fsync
    edited: list[bool] = []

    def someone_saves_meanwhile(fd: int) -> None:
        if not edited:
            path.write_bytes(theirs.encode())
            edited.append(True)
        real_fsync(fd)

    monkeypatch.setattr(file_calendar_module.os, "fsync", someone_saves_meanwhile)
    publisher = SchedulerPublisher(Schedulers([FileCalendar("calendar", path, clock=clock)]))
    outcome = publisher.publish(STATEMENT, KEY)
    monkeypatch.setattr(file_calendar_module.os, "fsync", real_fsync)

    assert outcome.done == []
    assert {f["platform"] for f in outcome.failures} == set(STATEMENT["variants"])
    assert all(f["transient"] for f in outcome.failures)
    assert "changed by someone else" in outcome.failures[0]["error"]
    assert path.read_bytes() == theirs.encode()
    assert not [p for p in tmp_path.iterdir() if "runbook-tmp" in p.name]
    assert len(publisher.publish(STATEMENT, KEY).done) == 3, "trying again works"


def test_internal_statements_are_not_scheduled(tmp_path, clock):
    path = calendar_file(tmp_path)
    publisher = SchedulerPublisher(FileCalendar("calendar", path, clock=clock))
    advisory = {**STATEMENT, "audience": "internal", "variants": {"email": "Do not comment."}}
    outcome = publisher.publish(advisory, KEY)
    assert outcome.done == [{"platform": "email", "note": INTERNAL_NOTE}]
    assert path.read_bytes() == CSV_CALENDAR.encode()


def test_posts_go_to_the_first_scheduler_or_the_one_they_name(tmp_path, clock):
    first = FileCalendar("calendar", calendar_file(tmp_path), clock=clock)
    second = FileCalendar("social", calendar_file(tmp_path, name="social.csv"), clock=clock)
    schedulers = Schedulers([first, second])
    outcome = schedulers.create(
        [
            {"channel": "x", "text": "A", "scheduled_at": "now"},
            {"channel": "x", "text": "B", "scheduled_at": "now", "scheduler": "social"},
            {"channel": "x", "text": "C", "scheduled_at": "now", "scheduler": "nowhere"},
        ],
        KEY,
    )
    assert [(d["index"], d["id"]) for d in outcome.done] == [
        (0, f"calendar:{post_id(KEY, 0)}"),
        (1, f"social:{post_id(KEY, 0)}"),
    ]
    assert outcome.failures == [
        {
            "index": 2,
            "channel": "x",
            "error": "no scheduler 'nowhere' is configured",
            "transient": False,
        }
    ]
    assert [r["text"] for r in csv_rows(first.path)][-1] == "A"
    assert [r["text"] for r in csv_rows(second.path)][-1] == "B"


def test_with_a_scheduler_configured_the_publisher_schedules_else_the_console_prints(
    workspace, tmp_path
):
    path = calendar_file(tmp_path)
    contacts = workspace.contacts.model_copy(
        update={"schedulers": {"calendar": FileCalendarConfig(kind="file", path=str(path))}}
    )
    configured = build_effects(dataclasses.replace(workspace, contacts=contacts), tmp_path)
    assert isinstance(configured.publisher, SchedulerPublisher)
    assert configured.publisher.scheduler is configured.scheduler
    plain = build_effects(
        dataclasses.replace(
            workspace, contacts=workspace.contacts.model_copy(update={"schedulers": {}})
        ),
        tmp_path,
    )
    assert isinstance(plain.publisher, ConsoleSink)


# -- a scheduler's REST API -------------------------------------------------------------------


class CreatingScheduler(FakeScheduler):
    """The fake scheduler of the adapter tests, also creating posts (``POST /posts``) and
    finding them by ``external_id``. ``apply+500`` on POST creates the post, then loses the
    answer; ``refuse[("POST", "list")]`` refuses every create with that status."""

    def _answer(self, request: Any, target: str, body: Any, action: str) -> None:
        creating = request.command == "POST" and target == "list"
        allowed = request.headers.get("Authorization") == f"Bearer {TOKEN}"
        if not creating or not allowed or action not in ("", "apply+500"):
            return super()._answer(request, target, body, action)
        if ("POST", "list") in self.refuse:
            code = self.refuse[("POST", "list")]
            return send(request, code, {"message": "channel not connected"})
        with self.lock:
            post = {**body, "id": f"n{len(self.posts) + 1}"}
            self.posts[post["id"]] = post
        if action == "apply+500":
            return send(request, 500, {"error": "gateway lost the answer"})
        return send(request, 201, post)

    def _list(self, request: Any) -> None:
        query = parse_qs(urlsplit(request.path).query)
        if "external_id" not in query:
            return super()._list(request)
        with self.lock:
            found = [
                p for p in self.posts.values() if p.get("external_id") == query["external_id"][0]
            ]
        return send(request, 200, {"posts": found, "next_page": None})

    def created(self) -> list[dict[str, Any]]:
        return [p for p in self.posts.values() if "external_id" in p]


class CreatingHandler(Handler):
    def do_POST(self) -> None:
        self.server.fake.handle(self)


@pytest.fixture
def api():
    with serving(CreatingScheduler(make_posts(3)), CreatingHandler) as fake:
        yield fake


def http_client(api: CreatingScheduler, clock: SimulatedClock, **options: Any) -> HttpScheduler:
    settings = {"timeout": 1.0, "backoff": 0.01, "max_retries": 3, "environ": {ENV: TOKEN}}
    return HttpScheduler("postiz", api.base_url, token_env=ENV, clock=clock, **(settings | options))


def test_each_variant_is_posted_scheduled_now_with_its_exact_text_and_key(api, clock):
    publisher = SchedulerPublisher(Schedulers([http_client(api, clock)]))
    outcome = publisher.publish(STATEMENT, KEY)

    assert outcome.failures == []
    created = {p["external_id"]: p for p in api.created()}
    assert set(created) == {f"{KEY}:{i}" for i in range(3)}
    for index, (platform, text) in enumerate(STATEMENT["variants"].items()):
        post = created[f"{KEY}:{index}"]
        assert post["text"] == text
        assert post["channel"] == platform.partition(":")[0]
        assert (post["status"], post["scheduled_at"]) == ("scheduled", NOW_TEXT)
        done = outcome.done[index]
        assert (done["platform"], done["id"], done["channel"]) == (
            platform,
            post["id"],
            post["channel"],
        )
    posts = api.seen("POST", "list")
    assert len(posts) == 3
    assert {r.headers["Idempotency-Key"] for r in posts} == {f"{KEY}:{i}" for i in range(3)}
    assert {r.headers["Authorization"] for r in posts} == {f"Bearer {TOKEN}"}


def test_creating_again_with_the_same_key_finds_the_posts_and_sends_no_post(api, clock):
    publisher = SchedulerPublisher(http_client(api, clock))
    first = publisher.publish(STATEMENT, KEY)
    again = publisher.publish(STATEMENT, KEY)
    assert [d["id"] for d in again.done] == [d["id"] for d in first.done]
    assert len(api.created()) == 3
    assert len(api.seen("POST", "list")) == 3
    lookups = [r for r in api.seen("GET", "list") if "external_id" in r.query]
    assert len(lookups) == 6, "each create looks its post up first"


def test_a_post_applied_whose_answer_was_lost_is_found_not_sent_again(api, clock):
    api.plan("POST", "list", "apply+500")
    scheduler = http_client(api, clock, concurrency=1)
    outcome = scheduler.create([{"channel": "x", "text": "Statement", "scheduled_at": "now"}], KEY)
    assert outcome.failures == []
    assert len(api.created()) == 1
    assert len(api.seen("POST", "list")) == 1
    assert outcome.done[0]["id"] == api.created()[0]["id"]
    assert outcome.done[0]["index"] == 0


def test_a_server_error_or_rate_limit_is_retried_until_the_post_is_created(api, clock):
    api.plan("POST", "list", "500", "429:0")
    outcome = http_client(api, clock).create(
        [{"channel": "x", "text": "Statement", "scheduled_at": "2026-11-21T15:00:00Z"}], KEY
    )
    assert outcome.failures == []
    assert len(api.seen("POST", "list")) == 3
    assert [p["scheduled_at"] for p in api.created()] == ["2026-11-21T15:00:00Z"]


def test_a_refused_create_is_not_retried_and_reads_like_a_sentence(api, clock):
    api.refuse[("POST", "list")] = 422
    outcome = SchedulerPublisher(http_client(api, clock)).publish(STATEMENT, KEY)
    assert outcome.done == []
    assert len(api.seen("POST", "list")) == 3, "one try per variant, no retry"
    failure = outcome.failures[0]
    assert failure["platform"] == "x"
    assert not failure["transient"]
    assert failure["error"].startswith("could not schedule the x post: POST ")
    assert "HTTP 422" in failure["error"]
    assert "channel not connected" in failure["error"]
    assert TOKEN not in repr(outcome)


def test_a_server_failing_every_time_gives_up_with_a_transient_failure(api, clock):
    api.plan("POST", "list", *["500"] * 10)
    outcome = http_client(api, clock, max_retries=2).create(
        [{"channel": "x", "text": "Statement", "scheduled_at": "now"}], KEY
    )
    [failure] = outcome.failures
    assert failure["transient"]
    assert failure["index"] == 0
    assert "after 3 tries" in failure["error"]
    assert api.created() == []


def test_a_post_with_an_unreadable_time_is_not_sent(api, clock):
    outcome = http_client(api, clock).create(
        [
            {"channel": "x", "text": "Soon", "scheduled_at": "in a bit"},
            {"channel": "x", "text": "Now", "scheduled_at": "now"},
        ],
        KEY,
    )
    assert [d["index"] for d in outcome.done] == [1]
    [failure] = outcome.failures
    assert failure["index"] == 0
    assert "time 'in a bit' is not a date and time" in failure["error"]
    assert [p["text"] for p in api.created()] == ["Now"]


def test_the_token_never_appears_in_a_create_failure(api, clock):
    api.plan("POST", "list", "echo:400")
    outcome = http_client(api, clock).create(
        [{"channel": "x", "text": "Statement", "scheduled_at": "now"}], KEY
    )
    assert TOKEN not in repr(outcome)
    assert "[token]" in outcome.failures[0]["error"]


# -- through the engine ------------------------------------------------------------------------


@pytest.fixture
def calendar_engine_as(workspace, db_path, clock, tmp_path, keyring):
    path = calendar_file(
        tmp_path,
        "id,channel,scheduled_at,text,status\n"
        "p1,x,2026-11-21T15:00:00Z,Black Friday teaser,scheduled\n",
    )
    scheduler = Schedulers([FileCalendar("calendar", path, clock=clock)])
    effects = Effects(
        scheduler=scheduler,
        channels={},
        publisher=SchedulerPublisher(scheduler),
        fallback=DrillSink(),
    )
    made: list[Engine] = []

    def make(person: str) -> Engine:
        engine = Engine(
            SqliteStore(db_path), workspace, operator=person, clock=clock, effects=effects
        )
        engine.signer = Signer(keyring[person], interactive=False)
        made.append(engine)
        return engine

    make.path = path
    yield make
    for engine in made:
        engine.store.close()


def _approved(engine_as, workspace) -> tuple[Engine, str]:
    engine, incident_id = _ready_to_submit(engine_as)
    engine.submit(incident_id)
    rule = workspace.playbook("account-compromised").approval["SEV1"]
    for person in approvers_for(workspace, rule.roles, exclude={"tom"}):
        engine_as(person).approve(incident_id)
    return engine, incident_id


def test_an_approved_statement_published_by_the_engine_lands_in_the_calendar(
    calendar_engine_as, workspace
):
    engine, incident_id = _approved(calendar_engine_as, workspace)
    incident = engine.publish(
        incident_id, on=list(engine.incident(incident_id).drafts["D1"].variants)
    )

    variants = incident.drafts["D1"].variants
    published = [e for e in engine.timeline(incident_id) if isinstance(e, ev.StatementPublished)]
    assert [e.platforms for e in published] == [list(variants)]
    assert published[0].failures == []
    rows = list(csv.DictReader(io.StringIO(calendar_engine_as.path.read_text(), newline="")))
    assert rows[0]["status"] == "held", "the incident's pause held the brand's post"
    added = rows[1:]
    assert [(r["channel"], r["text"], r["status"]) for r in added] == [
        (platform.partition(":")[0], text, "scheduled") for platform, text in variants.items()
    ]
    assert {r["scheduled_at"] for r in added} == {NOW_TEXT}
    assert [r["id"] for r in added] == [
        post_id(published[0].effect_id, i) for i in range(len(added))
    ]
    assert incident.drafts["D1"].published_hash == incident.drafts["D1"].content_hash
    assert "publish" in incident.stage_reached


def test_a_failed_publish_is_retried_with_the_same_key_and_creates_each_post_once(
    calendar_engine_as, workspace
):
    engine, incident_id = _approved(calendar_engine_as, workspace)
    path = calendar_engine_as.path
    away = path.with_name("moved.csv")
    path.rename(away)  # someone moved the calendar
    incident = engine.publish(
        incident_id, on=list(engine.incident(incident_id).drafts["D1"].variants)
    )
    [failed] = [e for e in engine.timeline(incident_id) if isinstance(e, ev.StatementPublished)]
    assert failed.platforms == []
    assert "does not exist" in failed.failures[0]["error"]
    assert incident.drafts["D1"].published_hash != incident.drafts["D1"].content_hash

    away.rename(path)
    incident = engine.retry(incident_id)
    retried = [e for e in engine.timeline(incident_id) if isinstance(e, ev.StatementPublished)]
    assert retried[-1].platforms == list(incident.drafts["D1"].variants)
    assert incident.drafts["D1"].published_hash == incident.drafts["D1"].content_hash
    before = path.read_bytes()
    # performed once more with the same key (a crash before the result was recorded)
    effect = incident.effects[failed.effect_id]
    again = engine.effects.publisher.publish(effect.payload, effect.effect_id)
    count = len(effect.payload["variants"])
    assert [d["id"] for d in again.done] == [post_id(effect.effect_id, i) for i in range(count)]
    assert path.read_bytes() == before
    rows = list(csv.DictReader(io.StringIO(before.decode(), newline="")))
    assert len(rows) == 1 + len(incident.drafts["D1"].variants)
