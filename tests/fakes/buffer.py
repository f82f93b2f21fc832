"""A fake Buffer GraphQL API, following developers.buffer.com (GraphQL intro, pagination, posts).

One endpoint, ``POST /`` with ``{"query", "variables"}``, ``Authorization: Bearer <key>``
(else HTTP 401 with ``{"errors": [{"extensions": {"code": "UNAUTHENTICATED"}}]}``). It
understands the operations runbook sends, not arbitrary GraphQL:

* ``posts(input: $input, first: $first, after: $after)`` with ``input: {organizationId,
  filter: {status: [...]}}`` -> ``{"data": {"posts": {"edges": [{"node": {"id", "text",
  "status", "dueAt", "channelId", "channelService"}}], "pageInfo": {"hasNextPage",
  "endCursor"}}}}``; ``first`` at most 100; an unknown organization is a top-level error;
* aliased ``editPost(input: $pN)`` mutations, each answered with its own typed result and
  HTTP 200 whatever happens: ``{"__typename": "PostActionSuccess", "post": {...}}`` or a
  ``MutationError`` (``NotFoundError``, ``InvalidInputError``, ``UnexpectedError``) with its
  ``message``. ``saveToDraft: true`` makes a draft; ``false`` schedules it again (at ``dueAt``
  when ``mode: customScheduled``; a time in the past is refused). ``editPost`` itself is an
  assumption: Buffer's public guides document ``createPost`` (with ``saveToDraft``) and
  ``deletePost``; the fake gives ``editPost`` the same input fields.
* anything else: ``{"errors": [{"extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}]}``;
* with ``per_15_minutes`` set, requests past it get HTTP 429 with ``RATE_LIMIT_EXCEEDED`` and
  ``extensions.retryAfter`` (seconds) in the body, no ``Retry-After`` header.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from tests.fakes.base import Answer, FakeProduct, Seen, iso, parse_time

ALIAS = re.compile(r"(\w+)\s*:\s*editPost\(\s*input:\s*\$(\w+)\s*\)")


class FakeBuffer(FakeProduct):
    """Buffer's GraphQL API (see the module docstring)."""

    def __init__(
        self, key: str, organization: str, *, per_15_minutes: int | None = None, **kw: Any
    ) -> None:
        super().__init__(**kw)
        self.per_15_minutes = per_15_minutes
        self.key = key
        self.organization = organization
        self.posts: dict[str, dict[str, Any]] = {}
        self.refuse: dict[str, str] = {}
        """Post id -> message: editPost on it answers an UnexpectedError (HTTP 200)."""

    def add(self, post_id: str, when: datetime, text: str, service: str = "instagram") -> None:
        """A scheduled post on a channel of ``service``."""
        self.posts[post_id] = {
            "id": post_id,
            "text": text,
            "status": "scheduled",
            "dueAt": iso(when),
            "channelId": f"ch-{service}",
            "channelService": service,
        }

    def error_body(self, status: int, message: str) -> Any:
        return {"errors": [{"message": message, "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]}

    @staticmethod
    def _error(code: str, message: str, status: int = 200) -> Answer:
        return Answer(status, {"errors": [{"message": message, "extensions": {"code": code}}]})

    def route(self, seen: Seen) -> Answer:
        if seen.headers.get("authorization") != f"Bearer {self.key}":
            return self._error("UNAUTHENTICATED", "You must be authenticated", 401)
        if self.per_15_minutes is not None and len(self.seen) > self.per_15_minutes:
            error = {
                "message": "Too many requests from this client. Please try again later.",
                "extensions": {
                    "code": "RATE_LIMIT_EXCEEDED",
                    "limitType": "CLIENT_ACCOUNT",
                    "retryAfter": 900,
                },
            }
            return Answer(429, {"errors": [error]})
        if seen.method != "POST" or seen.path not in ("/", "/graphql"):
            return Answer(404, {"errors": [{"message": "Not found"}]})
        body = seen.body if isinstance(seen.body, dict) else {}
        query = str(body.get("query") or "")
        variables = body.get("variables") if isinstance(body.get("variables"), dict) else {}
        if query.lstrip().startswith("mutation"):
            return self._mutate(query, variables)
        if "posts(" in query:
            return self._list(variables)
        return self._error("GRAPHQL_VALIDATION_FAILED", "Cannot query this field")

    def _list(self, variables: dict[str, Any]) -> Answer:
        wanted = variables.get("input") if isinstance(variables.get("input"), dict) else {}
        if wanted.get("organizationId") != self.organization:
            return self._error("NOT_FOUND", "Organization not found")
        first = variables.get("first") or 20
        if not isinstance(first, int) or not 1 <= first <= 100:
            return self._error("BAD_USER_INPUT", "first must be between 1 and 100")
        statuses = set((wanted.get("filter") or {}).get("status") or ["scheduled"])
        found = sorted(
            (p for p in self.posts.values() if p["status"] in statuses),
            key=lambda p: (p["dueAt"], p["id"]),
        )
        after = variables.get("after")
        start = 0
        if after:
            ids = [p["id"] for p in found]
            start = ids.index(after) + 1 if after in ids else len(ids)
        page = found[start : start + first]
        edges = [{"node": dict(p), "cursor": p["id"]} for p in page]
        info = {
            "hasNextPage": start + first < len(found),
            "endCursor": page[-1]["id"] if page else None,
        }
        return Answer(200, {"data": {"posts": {"edges": edges, "pageInfo": info}}})

    def _mutate(self, query: str, variables: dict[str, Any]) -> Answer:
        pairs = ALIAS.findall(query)
        if not pairs:
            return self._error("GRAPHQL_VALIDATION_FAILED", "Unknown mutation")
        data = {}
        for alias, name in pairs:
            if f"${name}: EditPostInput!" not in query or name not in variables:
                return self._error("GRAPHQL_VALIDATION_FAILED", f"Variable ${name} is not defined")
            data[alias] = self._edit(variables[name])
        return Answer(200, {"data": data})

    def _edit(self, given: Any) -> dict[str, Any]:
        if not isinstance(given, dict):
            return {"__typename": "InvalidInputError", "message": "input is required"}
        post = self.posts.get(str(given.get("id")))
        if post is None:
            return {"__typename": "NotFoundError", "message": "Post not found"}
        if post["id"] in self.refuse:
            return {"__typename": "UnexpectedError", "message": self.refuse[post["id"]]}
        if post["status"] in ("sent", "sending"):
            return {"__typename": "InvalidInputError", "message": "Post has already been sent"}
        if given.get("saveToDraft") is True:
            post["status"] = "draft"
        elif given.get("saveToDraft") is False:
            if given.get("mode") == "customScheduled":
                when = parse_time(str(given.get("dueAt") or ""))
                if when is None or when <= self.now():
                    return {"__typename": "InvalidInputError", "message": "dueAt must be ahead"}
                post["dueAt"] = iso(when)
            post["status"] = "scheduled"
        post_view = {k: post[k] for k in ("id", "status", "dueAt")}
        return {"__typename": "PostActionSuccess", "post": post_view}
