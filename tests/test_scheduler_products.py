"""Each scheduling product's adapter against a faithful fake of its API on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from runbook.effects.scheduler.factory import build_scheduler
from runbook.effects.scheduler.product import ProductScheduler
from runbook.model.schedulers import BufferConfig, HootsuiteConfig, MetaConfig, PostizConfig
from tests.fakes.base import parse_time
from tests.fakes.buffer import FakeBuffer
from tests.fakes.hootsuite import FakeHootsuite
from tests.fakes.meta import FakeMeta
from tests.fakes.postiz import FakePostiz

NOW = datetime.now(UTC).replace(microsecond=0)
SECRETS = {"PZ_KEY": "pz-secret-1", "HS_TOKEN": "hs-secret-2", "BF_KEY": "bf-secret-3"}
SECRETS["MT_TOKEN"] = "mt-secret-4"


@pytest.fixture(autouse=True)
def tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)


def quick(adapter: Any) -> ProductScheduler:
    assert isinstance(adapter, ProductScheduler)
    adapter.client.backoff = 0.01
    return adapter


@pytest.fixture
def postiz() -> Iterator[FakePostiz]:
    with FakePostiz(SECRETS["PZ_KEY"]) as fake:
        for i in range(4):
            fake.add(
                f"pz{i}", NOW + timedelta(days=i + 1), f"Postiz post {i}", ("x", "linkedin")[i % 2]
            )
        yield fake


@pytest.fixture
def hootsuite() -> Iterator[FakeHootsuite]:
    with FakeHootsuite(SECRETS["HS_TOKEN"]) as fake:
        yield fake


@pytest.fixture
def buffer() -> Iterator[FakeBuffer]:
    with FakeBuffer(SECRETS["BF_KEY"], "org-1") as fake:
        yield fake


@pytest.fixture
def meta() -> Iterator[FakeMeta]:
    with FakeMeta(SECRETS["MT_TOKEN"]) as fake:
        yield fake


def postiz_adapter(fake: FakePostiz, **options: Any) -> ProductScheduler:
    config = PostizConfig(
        kind="postiz", base_url=f"{fake.url}/public/v1", token_env="PZ_KEY", **options
    )
    return quick(build_scheduler("postiz", config, "."))


def hootsuite_adapter(fake: FakeHootsuite, **options: Any) -> ProductScheduler:
    config = HootsuiteConfig(kind="hootsuite", base_url=fake.url, token_env="HS_TOKEN", **options)
    return quick(build_scheduler("hootsuite", config, "."))


def buffer_adapter(fake: FakeBuffer, **options: Any) -> ProductScheduler:
    config = BufferConfig(
        kind="buffer", base_url=fake.url, token_env="BF_KEY", organization_id="org-1", **options
    )
    return quick(build_scheduler("buffer", config, "."))


def meta_adapter(fake: FakeMeta) -> ProductScheduler:
    config = MetaConfig(kind="meta", base_url=fake.url, token_env="MT_TOKEN", page_id=fake.page_id)
    return quick(build_scheduler("meta", config, "."))


# -- Postiz ------------------------------------------------------------------------------------
def test_postiz_holds_as_draft_and_releases_with_its_raw_api_key_never_deleting(postiz):
    adapter = postiz_adapter(postiz)
    posts = adapter.list_posts()
    assert [(p.id, p.channel, p.status, p.hold) for p in posts][:2] == [
        ("pz0", "x", "scheduled", "draft"),
        ("pz1", "linkedin", "scheduled", "draft"),
    ]
    listing = postiz.requests("GET", "/posts")[0]
    assert listing.headers["authorization"] == SECRETS["PZ_KEY"]  # no "Bearer"
    assert parse_time(listing.query["startDate"][0])
    assert parse_time(listing.query["endDate"][0])

    held = adapter.hold([p.id for p in posts], "k1")
    assert len(held.done) == 4
    assert held.failures == []
    assert {p["state"] for p in postiz.posts.values()} == {"DRAFT"}
    assert [s.body for s in postiz.requests("PUT")][0] == {"status": "draft"}
    assert adapter.status(["pz0", "pz3"]) == {"pz0": "held", "pz3": "held"}

    released = adapter.release(["pz0", "pz1"], "k2", {})
    assert len(released.done) == 2
    assert postiz.posts["pz0"]["state"] == "QUEUE"
    assert postiz.posts["pz2"]["state"] == "DRAFT"
    assert postiz.requests("DELETE") == []
    assert postiz.deleted_groups == []


def test_postiz_past_its_hourly_budget_holds_what_it_can_and_says_when_to_retry(postiz):
    adapter = postiz_adapter(postiz, requests_per_hour=3, concurrency=1)
    held = adapter.hold(["pz0", "pz1", "pz2", "pz3"], "k1")
    assert [d["id"] for d in held.done] == ["pz0", "pz1", "pz2"]
    [failure] = held.failures
    assert failure["id"] == "pz3"
    assert failure["transient"] is True
    assert "3 requests an hour" in failure["error"], "the budget configured, not the default 30"
    assert "30 requests" not in failure["error"]
    assert "runbook retry after" in failure["error"]
    assert len(postiz.requests("PUT")) == 3, "nothing is sent past the budget"
    assert postiz.posts["pz3"]["state"] == "QUEUE", "not recorded as held: it is not"


def test_postiz_refusing_the_key_is_one_line_naming_the_variable_not_the_key(postiz, monkeypatch):
    monkeypatch.setenv("PZ_KEY", "wrong-key")
    result = postiz_adapter(postiz).check()
    assert result["ok"] is False
    assert "PZ_KEY" in result["error"]
    assert "\n" not in result["error"]
    assert "wrong-key" not in result["error"]


# -- Hootsuite ---------------------------------------------------------------------------------
def test_hootsuite_listing_walks_four_week_windows_and_every_cursor(hootsuite):
    for i in range(230):
        hootsuite.add(f"m{i}", NOW + timedelta(hours=1 + 5 * i), f"Message {i}")
    posts = hootsuite_adapter(hootsuite).list_posts()
    assert sorted(p.id for p in posts) == sorted(f"m{i}" for i in range(230))
    windows = hootsuite.requests("GET", "/v1/messages")
    for seen in windows:
        start, end = (parse_time(seen.query[k][0]) for k in ("startTime", "endTime"))
        assert start
        assert end
        assert timedelta(0) < end - start <= timedelta(days=28)
        assert seen.headers["authorization"] == f"Bearer {SECRETS['HS_TOKEN']}"
    assert any("cursor" in seen.query for seen in windows), "a full window is paged"
    assert {p.channel for p in posts} == {"x"}


def test_hootsuite_hold_deletes_and_recreate_brings_back_the_same_message_once(hootsuite):
    hootsuite.media.add("launch.png")
    media = f"{hootsuite.url}/media/launch.png"
    hootsuite.add("m1", NOW + timedelta(days=2), "Our launch!", "115185511", (media,))
    adapter = hootsuite_adapter(hootsuite)
    [post] = adapter.list_posts()
    assert post.hold == "delete-and-recreate"
    assert post.channel == "instagram"
    assert post.record == {
        "text": "Our launch!",
        "socialProfileIds": ["115185511"],
        "scheduledSendTime": post.scheduled_at,
        "mediaUrls": [{"url": media}],
        "media": [],
        "tags": ["campaign"],
    }
    assert adapter.hold(["m1"], "k1").done == [{"id": "m1", "status": "held", "hold": post.hold}]
    assert hootsuite.scheduled() == []
    assert adapter.status(["m1"]) == {"m1": "held"}

    first = adapter.recreate([post.as_dict()], "k2", {})
    again = adapter.recreate([post.as_dict()], "k2", {})  # a retry after a lost answer
    [made] = hootsuite.scheduled()
    assert first.done[0]["recreated_as"] == again.done[0]["recreated_as"] == made["id"]
    assert (made["text"], made["socialProfile"], made["scheduledSendTime"]) == (
        "Our launch!",
        {"id": "115185511"},
        post.scheduled_at,
    )
    assert made["mediaUrls"] == [{"url": media}]
    assert len(hootsuite.requests("POST", "/v1/messages")) == 1


def test_a_hootsuite_message_comes_back_whole_with_its_board_targeting_and_webhooks(hootsuite):
    pin = {
        "socialProfileType": "PINTEREST",
        "socialProfileId": "115185513",
        "data": {"boardId": "123456789012345678", "destinationUrl": "https://example.org"},
    }
    whole = {
        "extendedInfo": [pin],
        "targeting": {"linkedInCompany": {"geos": [{"countries": ["fr"]}]}},
        "privacy": {"linkedIn": {"visibility": ["connectionsOnly"]}},
        "location": {"latitude": 48.85, "longitude": 2.35},
        "emailNotification": True,
        "webhookUrls": ["https://hooks.example.org/hs"],
    }
    hootsuite.add("m1", NOW + timedelta(days=2), "Pin it", "115185513", **whole)
    adapter = hootsuite_adapter(hootsuite)
    [post] = adapter.list_posts()
    assert post.record is not None
    assert {k: post.record[k] for k in whole} == whole
    adapter.hold(["m1"], "k1")
    [done] = adapter.recreate([post.as_dict()], "k2", {}).done
    made = hootsuite.messages[done["recreated_as"]]
    assert {k: made[k] for k in whole} == whole
    assert made["text"] == "Pin it"


def test_a_hootsuite_post_whose_media_is_gone_is_reported_not_recreated_without_it(hootsuite):
    hootsuite.add(
        "m1",
        NOW + timedelta(days=2),
        "With a picture",
        media_urls=(f"{hootsuite.url}/media/gone.png",),
    )
    adapter = hootsuite_adapter(hootsuite)
    [post] = adapter.list_posts()
    adapter.hold(["m1"], "k1")
    outcome = adapter.recreate([post.as_dict()], "k2", {})
    [failure] = outcome.failures
    assert "gone.png can no longer be fetched (HTTP 404)" in failure["error"]
    assert failure["transient"] is False
    assert hootsuite.scheduled() == []


def test_a_hootsuite_post_whose_uploaded_media_was_removed_is_reported_not_recreated(hootsuite):
    hootsuite.uploads["aGVsbG8="] = "READY"
    hootsuite.add("m1", NOW + timedelta(days=2), "Kept video", media_ids=("aGVsbG8=",))
    hootsuite.add("m2", NOW + timedelta(days=2), "Removed video", media_ids=("Z29uZQ==",))
    adapter = hootsuite_adapter(hootsuite)
    posts = adapter.list_posts()
    adapter.hold(["m1", "m2"], "k1")
    outcome = adapter.recreate([p.as_dict() for p in posts], "k2", {})
    assert [d["id"] for d in outcome.done] == ["m1"]
    [failure] = outcome.failures
    assert "its media Z29uZQ== is no longer in Hootsuite" in failure["error"]
    assert [m["text"] for m in hootsuite.scheduled()] == ["Kept video"]
    assert hootsuite.scheduled()[0]["media"] == [{"id": "aGVsbG8="}]


def test_a_hootsuite_message_sent_meanwhile_is_neither_deleted_nor_called_held(hootsuite):
    hootsuite.add("m1", NOW + timedelta(days=2), "Going out")
    hootsuite.messages["m1"]["state"] = "SENT"
    outcome = hootsuite_adapter(hootsuite).hold(["m1"], "k1")
    assert outcome.done == []
    assert "SENT" in outcome.failures[0]["error"]
    assert hootsuite.requests("DELETE") == []


def test_hootsuite_rate_limiting_is_waited_out_and_a_long_wait_is_reported(hootsuite):
    hootsuite.add("m1", NOW + timedelta(days=2), "One")
    hootsuite.add("m2", NOW + timedelta(days=3), "Two")
    adapter = hootsuite_adapter(hootsuite)
    hootsuite.plan("DELETE", "/m1", "429", "429")
    hootsuite.plan("DELETE", "/m2", "429:600")
    outcome = adapter.hold(["m1", "m2"], "k1")
    assert [d["id"] for d in outcome.done] == ["m1"]
    [failure] = outcome.failures
    assert "asks to wait 600 s" in failure["error"]
    assert failure["transient"] is False
    assert len(hootsuite.requests("DELETE", "/m1")) == 3


def test_hootsuites_own_429_without_retry_after_is_backed_off_and_every_message_held():
    with FakeHootsuite(SECRETS["HS_TOKEN"], per_second=4) as fake:
        for i in range(6):
            fake.add(f"m{i}", NOW + timedelta(days=1, hours=i), f"Message {i}")
        adapter = hootsuite_adapter(fake, requests_per_second=1000, concurrency=6)
        adapter.client.backoff = 0.3
        outcome = adapter.hold([f"m{i}" for i in range(6)], "k1")
        assert outcome.failures == []
        assert fake.scheduled() == []
        assert len(fake.requests("DELETE")) > 6, "some deletes were refused with 429 and retried"


# -- Buffer ------------------------------------------------------------------------------------
def test_buffer_reads_errors_from_a_200_answer_and_holds_the_other_posts(buffer):
    for i in range(60):
        buffer.add(f"b{i}", NOW + timedelta(hours=i + 1), f"Buffer {i}")
    buffer.refuse["b7"] = "Channel is disconnected"
    adapter = buffer_adapter(buffer)
    posts = adapter.list_posts()
    assert len(posts) == 60
    assert posts[0].hold == "draft"
    assert posts[0].channel == "instagram"
    outcome = adapter.hold([p.id for p in posts] + ["nope"], "k1")
    assert len(outcome.done) == 59
    failures = {f["id"]: f["error"] for f in outcome.failures}
    assert "Channel is disconnected" in failures["b7"]
    assert "Post not found" in failures["nope"]
    assert len(buffer.requests("POST")) == 1 + 3, "one listing, 61 posts in batches of 25"
    assert buffer.posts["b7"]["status"] == "scheduled"
    assert buffer.posts["b8"]["status"] == "draft"

    moved = (NOW + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    released = adapter.release(["b8", "b9"], "k2", {"b9": moved})
    assert len(released.done) == 2
    assert buffer.posts["b9"] == {**buffer.posts["b9"], "status": "scheduled", "dueAt": moved}


def test_buffer_past_its_fifteen_minute_limit_holds_what_it_can_and_says_when_to_retry(buffer):
    for i in range(8):
        buffer.add(f"b{i}", NOW + timedelta(hours=i + 1), f"Buffer {i}")
    adapter = buffer_adapter(buffer, batch=2, requests_per_15_minutes=3, concurrency=1)
    outcome = adapter.hold([f"b{i}" for i in range(8)], "k1")
    assert [d["id"] for d in outcome.done] == ["b0", "b1", "b2", "b3", "b4", "b5"]
    assert "100 requests" not in outcome.failures[0]["error"]
    assert "3 requests every 15 minutes" in outcome.failures[0]["error"]
    assert len(buffer.requests("POST")) == 3


@pytest.mark.parametrize("in_body", [False, True], ids=["retry-after-header", "in-the-body"])
def test_buffer_rate_limiting_reads_the_wait_from_its_header_or_the_answer_body(buffer, in_body):
    buffer.add("b1", NOW + timedelta(hours=1), "Buffer 1")
    buffer.per_15_minutes = 0
    buffer.wait_in_body = in_body
    [failure] = buffer_adapter(buffer).hold(["b1"], "k1").failures
    assert "Too many requests" in failure["error"]
    assert "asks to wait 900 s" in failure["error"]
    assert len(buffer.requests("POST")) == 1, "a wait of 15 minutes is not waited out"


def test_buffer_release_keeps_each_posts_time_and_way_of_publishing(buffer):
    buffer.add("b1", NOW + timedelta(hours=5), "By notification", scheduling="notification")
    buffer.add("b2", NOW + timedelta(hours=6), "Automatic")
    adapter = buffer_adapter(buffer)
    assert len(adapter.hold(["b1", "b2"], "k1").done) == 2
    moved = (NOW + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len(adapter.release(["b1", "b2"], "k2", {"b1": moved}).done) == 2
    assert (buffer.posts["b1"]["dueAt"], buffer.posts["b1"]["schedulingType"]) == (
        moved,
        "notification",
    )
    assert buffer.posts["b2"]["dueAt"] == (NOW + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
    sent = [seen.body["variables"] for seen in buffer.requests("POST")[-1:]]
    assert all("schedulingType" not in item for item in sent[0].values())


def test_buffer_sends_at_most_thirty_posts_a_request_its_alias_limit(buffer):
    for i in range(61):
        buffer.add(f"b{i}", NOW + timedelta(hours=i + 1), f"Buffer {i}")
    with pytest.raises(ValidationError, match="less than or equal to 30"):
        BufferConfig(kind="buffer", token_env="BF_KEY", organization_id="o", batch=31)
    adapter = buffer_adapter(buffer, batch=30)
    assert len(adapter.hold([f"b{i}" for i in range(61)], "k1").done) == 61
    assert len(buffer.requests("POST")) == 3


def test_buffer_refusing_the_key_in_a_200_answer_is_one_readable_line(buffer, monkeypatch):
    monkeypatch.setenv("BF_KEY", "nope")
    result = buffer_adapter(buffer).check()
    assert result["ok"] is False
    assert "did not accept the API key; check BF_KEY" in result["error"]
    assert "nope" not in result["error"]
    assert result["requests"] == 1, "a refused key is not tried again"


# -- Meta --------------------------------------------------------------------------------------
def test_meta_holds_by_deleting_and_recreates_within_the_ten_minute_to_thirty_day_rule(meta):
    meta.add("p1", NOW + timedelta(days=2), "Two days out")
    meta.add("p2", NOW + timedelta(days=3), "Three days out")
    adapter = meta_adapter(meta)
    posts = {p.id: p for p in adapter.list_posts()}
    assert adapter.hold(list(posts), "k1").failures == []
    assert meta.scheduled() == []
    too_near = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    outcome = adapter.recreate([p.as_dict() for p in posts.values()], "k2", {"p2": too_near})
    assert [d["id"] for d in outcome.done] == ["p1"]
    [failure] = outcome.failures
    assert failure["id"] == "p2"
    assert "less than 10 minutes away" in failure["error"]
    [made] = meta.scheduled()
    assert made["message"] == "Two days out"
    assert made["scheduled_publish_time"] == posts["p1"].record["scheduled_publish_time"]


def test_meta_rate_limit_errors_are_tried_again_and_a_published_post_is_never_deleted(meta):
    meta.add("p1", NOW + timedelta(days=2), "Scheduled")
    meta.add("p2", NOW + timedelta(days=2), "Published meanwhile")
    meta.posts["p2"]["is_published"] = True
    adapter = meta_adapter(meta)
    meta.limit_next(2)
    outcome = adapter.hold(["p1", "p2"], "k1")
    assert [d["id"] for d in outcome.done] == ["p1"]
    assert "already published" in outcome.failures[0]["error"]
    assert "p2" in meta.posts
    assert "p1" not in meta.posts


def test_meta_waits_out_a_short_page_limit_and_reports_a_long_one_from_its_usage_header(meta):
    meta.add("p1", NOW + timedelta(days=2), "Scheduled")
    adapter = meta_adapter(meta)
    meta.limit_next(1, regain_minutes=0)
    assert [p.id for p in adapter.list_posts()] == ["p1"]
    meta.limit_next(5, regain_minutes=15)
    result = adapter.check()
    assert result["ok"] is False
    assert "Page request limit reached" in result["error"]
    assert "asks to wait 900 s, so runbook retry later" in result["error"]
    assert result["requests"] == 1, "a 15-minute wait is not spent retrying"


def test_a_meta_link_post_comes_back_as_a_link_post_not_as_its_preview_picture(meta):
    meta.add("p1", NOW + timedelta(days=2), "Read our statement", link="https://example.org/s")
    adapter = meta_adapter(meta)
    [post] = adapter.list_posts()
    assert post.record is not None
    assert post.record["link"] == "https://example.org/s"
    adapter.hold(["p1"], "k1")
    [done] = adapter.recreate([post.as_dict()], "k2", {}).done
    made = meta.posts[done["recreated_as"]]
    assert (made["message"], made["link"]) == ("Read our statement", "https://example.org/s")
    assert meta.requests("POST", "/photos") == []


def test_a_meta_video_or_several_photo_post_is_not_deleted_but_left_to_hold_by_hand(meta):
    meta.add("p1", NOW + timedelta(days=2), "A video", media_type="video")
    meta.add("p2", NOW + timedelta(days=2), "Four photos", media_type="album", parts=4)
    meta.add(
        "p3", NOW + timedelta(days=2), "One photo", "https://x.example/a.jpg", media_type="photo"
    )
    meta.add("p4", NOW + timedelta(days=2), "Text only")
    outcome = meta_adapter(meta).hold(["p1", "p2", "p3", "p4"], "k1")
    assert sorted(d["id"] for d in outcome.done) == ["p3", "p4"]
    reasons = {f["id"]: f for f in outcome.failures}
    assert "it is a video post" in reasons["p1"]["error"]
    assert "it is a post with several photos" in reasons["p2"]["error"]
    assert "hold it by hand in Meta Business Suite" in reasons["p2"]["error"]
    assert reasons["p1"]["transient"] is False
    assert {"p1", "p2"} <= set(meta.posts), "never deleted"


# -- configuration -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"kind": "postiz", "token_env": "K", "api_key": "x"}, "Extra inputs"),
        ({"kind": "buffer", "token_env": "K"}, "organization_id"),
        (
            {"kind": "meta", "token_env": "K", "page_id": "1", "base_url": "https://u:p@h"},
            "password",
        ),
        ({"kind": "hootsuite", "token_env": "lower"}, "token_env"),
    ],
)
def test_a_product_config_refuses_unknown_or_unsafe_settings(config, message):
    from pydantic import TypeAdapter

    from runbook.model.schedulers import SchedulerConfig

    with pytest.raises(ValidationError, match=message):
        TypeAdapter(SchedulerConfig).validate_python(config)


def test_no_answer_request_or_error_ever_carries_a_token_in_its_address(postiz, hootsuite):
    hootsuite.add("m1", NOW + timedelta(days=2), "One")
    postiz_adapter(postiz).hold(["pz0"], "k")
    hootsuite_adapter(hootsuite).hold(["m1"], "k")
    for seen in [*postiz.seen, *hootsuite.seen]:
        assert not any(v in seen.path or v in str(seen.query) for v in SECRETS.values())


def test_a_hootsuite_server_that_keeps_sending_the_same_page_is_an_error_not_a_loop(hootsuite):
    hootsuite.add("m1", NOW + timedelta(days=2), "One")
    original = hootsuite._list

    def stuck(query):
        answer = original(query)
        answer.body["metadata"] = {"cursor": {"next": "MA=="}}  # offset 0, again and again
        return answer

    hootsuite._list = stuck
    result = hootsuite_adapter(hootsuite).check()
    assert result["ok"] is False
    assert "keeps sending the same page" in result["error"]
    assert result["requests"] < 10
