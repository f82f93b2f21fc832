"""Buffer through its GraphQL API (``POST https://api.buffer.com``): hold = save to draft.

Follows Buffer's API guides and schema reference (Quick Start, Posts & Scheduling, Error
Handling, API Limits; ``posts``, ``editPost``, ``EditPostInput``): one endpoint,
``Authorization: Bearer <API key>``, cursor pagination (``first``/``after``, ``edges { node }``,
``pageInfo { hasNextPage endCursor }``), and errors that come back with HTTP 200, as typed
results (``... on MutationError { message }``) or in a top-level ``errors`` list
(``UNAUTHORIZED``, ``NOT_FOUND``, ``UNEXPECTED``...), so runbook reads every answer's body,
never only its status.

* list: ``posts(input: {organizationId, filter: {status: [scheduled, draft]}}, first, after)``;
* hold: ``editPost(input: {id, saveToDraft: true})``; release: ``editPost(input: {id,
  saveToDraft: false[, mode: customScheduled, dueAt]})``. ``mode`` and ``schedulingType``
  left out change nothing: the post keeps its time (unless a new one is given) and its way of
  publishing (automatic or by notification).

Several posts go in one request as aliased mutations (``p0: editPost(...) p1: ...``, ``batch``
per request, at most 30: Buffer's alias limit), each with its own typed result: one post
refused never hides the others. Limits: 100 requests every 15 minutes per API key (runbook
counts them), a 429 ``RATE_LIMIT_EXCEEDED`` with its wait in ``Retry-After`` (or in the body's
``extensions.retryAfter``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from runbook.effects import Outcome, Post
from runbook.effects.scheduler.api import ApiError
from runbook.effects.scheduler.product import DRAFT, ProductScheduler, excerpt, obj
from runbook.errors import EffectError
from runbook.i18n import _

PAGE = 100
MAX_PAGES = 1000
STATUSES = {"scheduled": "scheduled", "draft": "held"}
"""Buffer post statuses and runbook's words for them (others as Buffer says)."""
TRANSIENT = frozenset(
    {"RATE_LIMIT_EXCEEDED", "UNEXPECTED", "INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"}
)
"""Error codes that may pass: ``runbook retry`` later."""
REFUSED_KEY = frozenset({"UNAUTHENTICATED", "UNAUTHORIZED"})
"""Error codes for a missing or refused API key."""
MAX_BATCH = 30
"""Buffer allows 30 aliases in one GraphQL document."""
LIST = """query Posts($input: PostsInput!, $first: Int, $after: String) {
  posts(input: $input, first: $first, after: $after) {
    edges { node { id text status dueAt channelId channelService } }
    pageInfo { hasNextPage endCursor }
  }
}"""
RESULT = (
    "{ __typename ... on PostActionSuccess { post { id status dueAt } } "
    "... on MutationError { message } }"
)


class BufferScheduler(ProductScheduler):
    """Buffer's GraphQL API as a scheduler (see the module docstring)."""

    product = "Buffer"
    hold_method = DRAFT

    def __init__(self, *args: Any, organization_id: str, batch: int = 25, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.organization_id = organization_id
        self.batch = min(MAX_BATCH, max(1, batch))

    def graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """``data`` of one GraphQL request; a top-level error with no data is an ApiError."""
        answer = self.client.call("POST", "", body={"query": query, "variables": variables})
        if not isinstance(answer, dict):
            raise EffectError(_("Buffer: the answer is not a GraphQL result"))
        data = answer.get("data")
        errors = answer.get("errors")
        if isinstance(errors, list) and errors and not data:
            first = obj(errors[0])
            extensions = obj(first.get("extensions"))
            code = str(extensions.get("code") or "")
            message = str(first.get("message") or "an error")[:200]
            if code in REFUSED_KEY:
                message = (
                    f"Buffer did not accept the API key; check {self.client.token_env} ({message})"
                )
            raise ApiError(f"Buffer: {message}", transient=code in TRANSIENT, code=code)
        if not isinstance(data, dict):
            raise EffectError(_("Buffer: the answer has no data"))
        return data

    def list_posts(self) -> list[Post]:
        """Every scheduled or draft post of the organization, page by page."""
        posts: list[Post] = []
        after: str | None = None
        seen: set[str] = set()
        for _page in range(MAX_PAGES):
            variables = {
                "input": {
                    "organizationId": self.organization_id,
                    "filter": {"status": ["scheduled", "draft"]},
                },
                "first": PAGE,
                "after": after,
            }
            data = self.graphql(LIST, variables)
            connection = obj(data.get("posts"))
            edges = connection.get("edges")
            if not isinstance(edges, list):
                raise EffectError(_("Buffer: posts did not answer with edges"))
            for edge in edges:
                node = edge.get("node") if isinstance(edge, dict) else None
                if isinstance(node, dict) and node.get("id") is not None:
                    posts.append(self._post(node))
            info = obj(connection.get("pageInfo"))
            after = str(info.get("endCursor") or "") or None
            if not info.get("hasNextPage") or after is None:
                return posts
            if after in seen:
                raise EffectError(_("Buffer: posts keeps sending the same page"))
            seen.add(after)
        raise EffectError(_("Buffer: more than %(max_pages)s pages of posts", max_pages=MAX_PAGES))

    def _post(self, node: dict[str, Any]) -> Post:
        status = str(node.get("status") or "").lower()
        return Post(
            id=str(node["id"]),
            channel=str(node.get("channelService") or "").lower(),
            scheduled_at=str(node.get("dueAt") or ""),
            excerpt=excerpt(str(node.get("text") or "")),
            status=STATUSES.get(status, status),
            scheduler=self.name,
            hold=self.hold_method,
        )

    # -- holding and releasing, in batches ------------------------------------------------
    def hold(self, post_ids: list[str], key: str) -> Outcome:
        """Save each post to draft, ``batch`` posts per request."""
        inputs = {pid: {"id": pid, "saveToDraft": True} for pid in dict.fromkeys(post_ids)}
        return self._edit(inputs, "held", "hold")

    def release(self, post_ids: list[str], key: str, new_times: dict[str, str]) -> Outcome:
        """Schedule each draft again (at ``new_times[id]`` where given)."""
        inputs: dict[str, dict[str, Any]] = {}
        for pid in dict.fromkeys(post_ids):
            item: dict[str, Any] = {"id": pid, "saveToDraft": False}
            if pid in new_times:
                item |= {"mode": "customScheduled", "dueAt": new_times[pid]}
            inputs[pid] = item
        return self._edit(inputs, "scheduled", "release")

    def _edit(self, inputs: dict[str, dict[str, Any]], want: str, action: str) -> Outcome:
        outcome = Outcome()
        if not inputs:
            return outcome
        self.client.token()
        ids = list(inputs)
        batches = [ids[i : i + self.batch] for i in range(0, len(ids), self.batch)]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(batches))) as pool:
            futures = [pool.submit(self._one_batch, b, inputs, want, action) for b in batches]
        for batch, future in zip(batches, futures, strict=True):
            error = future.exception()
            if error is not None:
                outcome.failures += [
                    {"id": pid, **self.failure(error, action, pid)} for pid in batch
                ]
                continue
            part = future.result()
            outcome.done += part.done
            outcome.failures += part.failures
        return outcome

    def _one_batch(
        self, batch: list[str], inputs: dict[str, dict[str, Any]], want: str, action: str
    ) -> Outcome:
        declared = ", ".join(f"$p{i}: EditPostInput!" for i in range(len(batch)))
        fields = " ".join(f"p{i}: editPost(input: $p{i}) {RESULT}" for i in range(len(batch)))
        query = f"mutation Edit({declared}) {{ {fields} }}"
        data = self.graphql(query, {f"p{i}": inputs[pid] for i, pid in enumerate(batch)})
        outcome = Outcome()
        for i, pid in enumerate(batch):
            result = data.get(f"p{i}")
            post = result.get("post") if isinstance(result, dict) else None
            status = str(post.get("status") or "").lower() if isinstance(post, dict) else ""
            if isinstance(post, dict) and STATUSES.get(status, status) == want:
                when = str(post.get("dueAt") or "")
                done = self.held(pid) if want == "held" else self.released(pid, when)
                outcome.done.append(done)
                continue
            if isinstance(result, dict) and result.get("message"):
                reason = f"Buffer refused it: {result['message']}"[:240]
            elif isinstance(post, dict):
                reason = f"Buffer answered that it is now {status!r}"
            else:
                reason = "Buffer gave no result for it"
            error = EffectError(reason, transient=False)
            outcome.failures.append({"id": pid, **self.failure(error, action, pid)})
        return outcome
