"""A fake Postiz public API, following docs.postiz.com/public-api (List Posts, Change Post Status).

* ``GET /public/v1/posts?startDate&endDate[&customer]``: both dates required (ISO 8601), else
  400 in NestJS's shape ``{"message": [...], "error": "Bad Request", "statusCode": 400}``;
  answers ``{"posts": [{"id", "group", "publishDate", "state", "content", "integration":
  {"id", "name", "identifier"}}]}``, every post in the window, no pages;
* ``PUT /public/v1/posts/{id}/status`` ``{"status": "draft" | "schedule"}`` -> ``{"id",
  "state": "DRAFT" | "QUEUE"}``; 404 for an unknown post; a published post cannot change;
* ``DELETE /public/v1/posts/{id}`` deletes the post's whole group (every platform), which is
  why runbook must never use it to hold: the fake counts it so tests can prove it unused;
* ``Authorization: <api key>`` (no Bearer), else 401; ``per_hour`` requests an hour, then 429
  with ``Retry-After`` (NestJS throttler).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.fakes.base import Answer, FakeProduct, Seen, iso, parse_time

PREFIX = "/public/v1"


class FakePostiz(FakeProduct):
    """Postiz's public API (see the module docstring)."""

    def __init__(self, key: str, *, per_hour: int | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.key = key
        self.per_hour = per_hour
        self.posts: dict[str, dict[str, Any]] = {}
        self.deleted_groups: list[str] = []

    def add(self, post_id: str, when: datetime, text: str, channel: str = "x") -> None:
        """A scheduled post (state QUEUE) on ``channel``."""
        self.posts[post_id] = {
            "id": post_id,
            "group": f"group-{post_id}",
            "publishDate": iso(when),
            "state": "QUEUE",
            "content": text,
            "integration": {"id": f"int-{channel}", "name": channel, "identifier": channel},
        }

    def error_body(self, status: int, message: str) -> Any:
        return {"message": message, "statusCode": status}

    def route(self, seen: Seen) -> Answer:
        if seen.headers.get("authorization") != self.key:
            return Answer(401, {"message": "Unauthorized", "statusCode": 401})
        if self.per_hour is not None:
            hour_ago = len([s for s in self.seen if s.path.startswith(PREFIX)])
            if hour_ago > self.per_hour:
                body = {"message": "ThrottlerException: Too Many Requests", "statusCode": 429}
                return Answer(429, body, {"Retry-After": "3600"})
        path = seen.path.removeprefix(PREFIX)
        if seen.method == "GET" and path == "/posts":
            return self._list(seen)
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "posts" and parts[2] == "status":
            if seen.method == "PUT":
                return self._status(parts[1], seen.body)
        if len(parts) == 2 and parts[0] == "posts" and seen.method == "DELETE":
            post = self.posts.get(parts[1])
            if post is None:
                return Answer(404, {"message": "Post not found", "statusCode": 404})
            group = post["group"]
            self.deleted_groups.append(group)
            for other in [p for p in self.posts.values() if p["group"] == group]:
                del self.posts[other["id"]]
            return Answer(200, {"id": parts[1]})
        return Answer(404, {"message": f"Cannot {seen.method} {seen.path}", "statusCode": 404})

    def _list(self, seen: Seen) -> Answer:
        start = parse_time((seen.query.get("startDate") or [""])[0])
        end = parse_time((seen.query.get("endDate") or [""])[0])
        if start is None or end is None:
            problems = ["startDate must be a valid ISO 8601 date string"] if start is None else []
            problems += ["endDate must be a valid ISO 8601 date string"] if end is None else []
            return Answer(400, {"message": problems, "error": "Bad Request", "statusCode": 400})
        found = [
            dict(p)
            for p in self.posts.values()
            if start <= (parse_time(p["publishDate"]) or start - timedelta(1)) <= end
        ]
        return Answer(200, {"posts": found})

    def _status(self, post_id: str, body: Any) -> Answer:
        post = self.posts.get(post_id)
        if post is None:
            return Answer(404, {"message": "Post not found", "statusCode": 404})
        status = body.get("status") if isinstance(body, dict) else None
        if status not in ("draft", "schedule"):
            message = ["status must be one of the following values: draft, schedule"]
            return Answer(400, {"message": message, "error": "Bad Request", "statusCode": 400})
        if post["state"] in ("PUBLISHED", "ERROR"):
            return Answer(400, {"message": "Post already published", "statusCode": 400})
        post["state"] = "DRAFT" if status == "draft" else "QUEUE"
        return Answer(200, {"id": post_id, "state": post["state"]})
