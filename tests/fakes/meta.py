"""A fake Meta Graph API for one Facebook Page, following the Graph API reference (Page
``scheduled_posts``, Page ``feed`` and ``photos``, Post; errors and rate limiting).

* ``GET /{version}/{page-id}/scheduled_posts?fields&limit[&after]`` -> ``{"data": [{"id",
  "message", "scheduled_publish_time" (Unix seconds), ...}], "paging": {"cursors":
  {"before", "after"}, "next": <url>}}`` (``next`` only when there is more); ``limit`` <= 100;
* ``GET /{version}/{post-id}?fields=is_published``; ``DELETE /{version}/{post-id}`` ->
  ``{"success": true}``; a post that does not exist: 400 with error code 100, subcode 33;
* ``POST /{version}/`` with form ``batch`` (a JSON list of up to 50 ``{"method",
  "relative_url"}``) -> a list of ``{"code", "body"}``, each body the JSON text of that answer;
* ``POST /{version}/{page-id}/feed`` (form ``message``, ``link``, ``published=false``,
  ``scheduled_publish_time``) and ``/photos`` (``url``, ``caption``, ...) -> ``{"id"}``
  (``/photos``: ``{"id", "post_id"}``); the time must be 10 minutes to 30 days ahead, else
  400 code 100 subcode 1501234 ("the specified scheduled publish time is invalid");
* the Page access token in ``Authorization: Bearer`` or ``access_token``, else 400
  ``{"error": {"code": 190, "type": "OAuthException"}}``. Rate limiting is planned by tests
  with ``limit_next(n, regain_minutes)``: 403 with code 32 ("Page request limit reached"), no
  ``Retry-After`` (Graph never sends one) and, with ``regain_minutes``, the Business Use Case
  usage header ``X-Business-Use-Case-Usage: {"<page-id>": [{"type": "pages", "call_count",
  "total_cputime", "total_time", "estimated_time_to_regain_access": <minutes>}]}``.

A link post (``add(..., link=...)``) carries ``link`` and, as Facebook makes it, the link's
preview picture in ``full_picture``; a photo post only ``full_picture``.
"""

from __future__ import annotations

import itertools
import json
import urllib.parse
from datetime import datetime, timedelta
from typing import Any

from tests.fakes.base import Answer, FakeProduct, Seen

EARLIEST = timedelta(minutes=10)
LATEST = timedelta(days=30)


class FakeMeta(FakeProduct):
    """A Facebook Page on the Graph API (see the module docstring)."""

    def __init__(self, token: str, page_id: str = "1029384756", **kw: Any) -> None:
        super().__init__(**kw)
        self.token = token
        self.page_id = page_id
        self.posts: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(5_550_000)
        self._limited = 0
        self._regain: int | None = None
        self.attachments: dict[str, dict[str, Any]] = {}
        self.failing: set[str] = set()
        """Post ids whose DELETE fails with Graph's "temporarily unavailable" (500, code 2)."""

    def add(
        self,
        post_id: str,
        when: datetime,
        text: str,
        picture: str = "",
        link: str = "",
        media_type: str = "",
        parts: int = 0,
    ) -> None:
        """A scheduled (unpublished) Page post: a photo post (``picture``), a link post
        (``link``, with its preview in ``full_picture``) or text; ``media_type`` (``video``,
        ``album``) and ``parts`` (photos in it) give it Graph's ``attachments``."""
        if link:
            picture = picture or "https://external.fbcdn.example/safe_image.php?d=preview"
        if media_type:
            attachment: dict[str, Any] = {"media_type": media_type}
            if parts:
                sub = [{"media_type": "photo"} for _ in range(parts)]
                attachment["subattachments"] = {"data": sub}
            self.attachments[post_id] = {"data": [attachment]}
        self.posts[post_id] = {
            "id": post_id,
            "message": text,
            "scheduled_publish_time": int(when.timestamp()),
            "is_published": False,
            **({"full_picture": picture} if picture else {}),
            **({"link": link} if link else {}),
        }

    def scheduled(self) -> list[dict[str, Any]]:
        """The Page's scheduled posts."""
        return [p for p in self.posts.values() if not p["is_published"]]

    def limit_next(self, count: int, regain_minutes: int | None = None) -> None:
        """The next ``count`` requests get Graph's rate-limit error (code 32), saying in the
        usage header when calls go through again if ``regain_minutes`` is given."""
        self._limited = count
        self._regain = regain_minutes

    @staticmethod
    def _error(code: int, message: str, subcode: int | None = None, kind: str = "") -> Answer:
        error: dict[str, Any] = {
            "message": message,
            "type": kind or "OAuthException",
            "code": code,
            "fbtrace_id": "AbCdEf123",
        }
        if subcode is not None:
            error["error_subcode"] = subcode
        return Answer(400, {"error": error})

    def error_body(self, status: int, message: str) -> Any:
        return {"error": {"message": message, "type": "OAuthException", "code": 2}}

    def route(self, seen: Seen) -> Answer:
        token = seen.headers.get("authorization", "").removeprefix("Bearer ")
        token = token or (seen.query.get("access_token") or [""])[0]
        if token != self.token:
            return self._error(190, "Invalid OAuth access token - Cannot parse access token")
        if self._limited:
            self._limited -= 1
            headers = {}
            if self._regain is not None:
                usage = {
                    "type": "pages",
                    "call_count": 100,
                    "total_cputime": 12,
                    "total_time": 20,
                    "estimated_time_to_regain_access": self._regain,
                }
                headers["X-Business-Use-Case-Usage"] = json.dumps({self.page_id: [usage]})
            error = {
                "message": "(#32) Page request limit reached",
                "type": "OAuthException",
                "code": 32,
                "fbtrace_id": "AbCdEf123",
            }
            return Answer(403, {"error": error}, headers)
        parts = seen.path.strip("/").split("/")
        if len(parts) == 1 and seen.method == "POST" and isinstance(seen.body, dict):
            return self._batch(seen)
        if len(parts) < 2 or not parts[0].startswith("v"):
            return self._error(2500, "Unknown path components")
        target, edge = parts[1], parts[2] if len(parts) > 2 else ""
        if target == self.page_id and edge == "scheduled_posts" and seen.method == "GET":
            return self._list(seen)
        if target == self.page_id and edge in ("feed", "photos") and seen.method == "POST":
            return self._create(edge, seen.body if isinstance(seen.body, dict) else {})
        if not edge:
            post = self.posts.get(target)
            if post is None:
                return self._error(
                    100,
                    f"Unsupported {seen.method.lower()} request. Object with ID '{target}' does "
                    "not exist, cannot be loaded due to missing permissions, or does not support "
                    "this operation",
                    33,
                    "GraphMethodException",
                )
            if seen.method == "GET":
                return Answer(200, {"id": target, "is_published": post["is_published"]})
            if seen.method == "DELETE":
                if target in self.failing:
                    body = {"message": "Service temporarily unavailable", "code": 2}
                    return Answer(500, {"error": {**body, "type": "OAuthException"}})
                del self.posts[target]
                return Answer(200, {"success": True})
        return self._error(2500, f"Unknown path components: /{edge}")

    def _batch(self, seen: Seen) -> Answer:
        """The batch endpoint: up to 50 requests, each answered ``{"code", "body"}``."""
        try:
            requests = json.loads(str(seen.body.get("batch") or ""))
        except ValueError:
            requests = None
        if not isinstance(requests, list) or not 1 <= len(requests) <= 50:
            return self._error(100, "(#100) batch must be a list of 1 to 50 requests")
        answers = []
        for request in requests:
            url = urllib.parse.urlsplit("/" + str(request.get("relative_url", "")).lstrip("/"))
            inner = Seen(
                str(request.get("method", "GET")),
                url.path,
                urllib.parse.parse_qs(url.query),
                seen.headers,
                None,
            )
            answer = self.route(inner)
            answers.append({"code": answer.status, "body": json.dumps(answer.body)})
        return Answer(200, answers)

    def _list(self, seen: Seen) -> Answer:
        try:
            limit = int((seen.query.get("limit") or ["25"])[0])
        except ValueError:
            limit = 0
        if not 1 <= limit <= 100:
            return self._error(100, "(#100) The limit parameter must be between 1 and 100")
        found = sorted(self.scheduled(), key=lambda p: (p["scheduled_publish_time"], p["id"]))
        after = (seen.query.get("after") or [""])[0]
        ids = [p["id"] for p in found]
        start = ids.index(after) + 1 if after in ids else 0
        page = found[start : start + limit]
        paging: dict[str, Any] = {}
        if page:
            paging["cursors"] = {"before": page[0]["id"], "after": page[-1]["id"]}
            if start + limit < len(found):
                paging["next"] = f"{self.url}{seen.path}?limit={limit}&after={page[-1]['id']}"
        data = [
            {
                **p,
                **(
                    {"attachments": self.attachments[p["id"]]}
                    if p["id"] in self.attachments
                    else {}
                ),
            }
            for p in page
        ]
        return Answer(200, {"data": data, "paging": paging})

    def _create(self, edge: str, form: dict[str, Any]) -> Answer:
        if form.get("published") != "false":
            return self._error(100, "(#100) runbook's test Page only takes scheduled posts")
        try:
            when = int(form.get("scheduled_publish_time") or "")
        except ValueError:
            return self._error(100, "(#100) scheduled_publish_time is required")
        now = self.now().timestamp()
        if not now + EARLIEST.total_seconds() <= when <= now + LATEST.total_seconds():
            return self._error(100, "The specified scheduled publish time is invalid.", 1501234)
        post_id = f"{self.page_id}_{next(self._ids)}"
        post = {
            "id": post_id,
            "message": form.get("caption" if edge == "photos" else "message", ""),
            "scheduled_publish_time": when,
            "is_published": False,
        }
        if edge == "photos":
            post["full_picture"] = form.get("url", "")
        elif form.get("link"):
            post["link"] = form["link"]
            post["full_picture"] = "https://external.fbcdn.example/safe_image.php?d=preview"
        self.posts[post_id] = post
        if edge == "photos":
            return Answer(200, {"id": str(next(self._ids)), "post_id": post_id})
        return Answer(200, {"id": post_id})
