"""What every scheduling product's adapter shares: fanning posts out, one outcome per post.

Each product (:mod:`.postiz`, :mod:`.hootsuite`, :mod:`.buffer`, :mod:`.meta`) says how it
lists posts and how it holds, releases or recreates one; this base runs those on up to
``concurrency`` posts at a time (one post failing never stops the others), reads statuses
back from one listing, refuses ``create`` (runbook publishes statements through its publisher,
not through these tools) and answers ``schedulers check``.

Two ways to hold, declared by each adapter as :attr:`ProductScheduler.hold_method`:

* ``draft``: the product can set a post aside (Postiz, Buffer); release puts it back.
* ``delete-and-recreate``: the product has no way to set a post aside (Hootsuite, a Facebook
  Page), so every listed post carries its complete ``record`` (text, profiles, media
  references, time), which the outbox appends to the event log *before* :meth:`hold` deletes
  it; :meth:`recreate` makes it again from that record, after looking for a copy a previous,
  interrupted recreate already made (so a crash never duplicates a post). A post deleted by
  runbook is gone from the product's list: it reads back as ``held`` (its record holds it).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from runbook.clock import Clock, SystemClock
from runbook.effects import Outcome, Post
from runbook.effects.scheduler.api import ApiClient
from runbook.errors import EffectError
from runbook.i18n import _

DRAFT = "draft"
"""Hold method: set aside as a draft in the product."""
DELETE_AND_RECREATE = "delete-and-recreate"
"""Hold method: recorded whole in the event log, deleted, recreated on release."""
EXCERPT_CHARS = 80


def obj(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (answers are read defensively)."""
    return value if isinstance(value, dict) else {}


def excerpt(text: str) -> str:
    """The first words of a post, on one line."""
    return " ".join(text.split())[:EXCERPT_CHARS]


class ProductScheduler(ABC):
    """Base of the product adapters (see the module docstring)."""

    product = ""
    """The product's name as people know it (``Hootsuite``)."""
    hold_method = DRAFT
    """``draft`` or ``delete-and-recreate``."""
    creates = False
    """Statements are not published through these products (see :meth:`create`)."""

    def __init__(
        self, name: str, client: ApiClient, *, concurrency: int = 8, clock: Clock | None = None
    ) -> None:
        self.name = name
        self.client = client
        self.concurrency = max(1, concurrency)
        self.clock: Clock = clock or SystemClock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self.client.base_url!r})"

    @property
    def on_wait(self) -> Any:
        """Told about long waits before a retry (see Effects.report_waits)."""
        return self.client.on_wait

    @on_wait.setter
    def on_wait(self, value: Any) -> None:
        self.client.on_wait = value

    # -- what each product supplies -------------------------------------------------------
    @abstractmethod
    def list_posts(self) -> list[Post]:
        """Every upcoming post (scheduled or held)."""

    def _hold_one(self, post_id: str, key: str) -> dict[str, Any]:
        """Hold one post (products that hold in batches override :meth:`hold` instead)."""
        raise EffectError(
            _("%(product)s holds posts in batches, not one by one", product=self.product)
        )

    def _release_one(self, post_id: str, key: str, new_time: str | None) -> dict[str, Any]:
        """Release one post held as a draft (deleted posts are recreated instead)."""
        raise EffectError(_("%(product)s posts are not released one by one", product=self.product))

    def _recreate_all(
        self, posts: list[dict[str, Any]], key: str, new_times: dict[str, str]
    ) -> Outcome:
        raise EffectError(
            _("%(product)s posts are not recreated: they are held as drafts", product=self.product)
        )

    # -- the protocol ---------------------------------------------------------------------
    def hold(self, post_ids: list[str], key: str) -> Outcome:
        """Hold each post; ``done``: ``{"id", "status": "held", "hold"}``. A product that
        deletes to hold lists first: a listed scheduled post is deleted, one no longer listed
        is looked at alone (gone: already held; published: not held, never recreated)."""
        if self.hold_method != DELETE_AND_RECREATE or not post_ids:
            return self.fan_out(post_ids, lambda pid: self._hold_one(pid, key), "hold")
        try:
            scheduled = {p.id for p in self.list_posts() if p.status == "scheduled"}
        except EffectError as exc:
            return Outcome(
                failures=[{"id": pid, **self.failure(exc, "hold", pid)} for pid in post_ids]
            )
        return self.fan_out(
            post_ids,
            lambda pid: self._hold_one(pid, key) if pid in scheduled else self._gone(pid),
            "hold",
        )

    def _gone(self, post_id: str) -> dict[str, Any]:
        """A post to hold that is no longer listed as scheduled: held if it is gone (deleted by
        an earlier, interrupted hold, or by another incident), refused if it was published.
        Only products that delete to hold look; the others never get here."""
        raise EffectError(
            _(
                "%(post_id)s is no longer scheduled in %(product)s",
                post_id=post_id,
                product=self.product,
            )
        )

    def release(self, post_ids: list[str], key: str, new_times: dict[str, str]) -> Outcome:
        """Put each held post back on the schedule (at ``new_times[id]`` where given)."""
        return self.fan_out(
            post_ids, lambda pid: self._release_one(pid, key, new_times.get(pid)), "release"
        )

    def recreate(self, posts: list[dict[str, Any]], key: str, new_times: dict[str, str]) -> Outcome:
        """Make deleted posts again from their records (``post["record"]``); ``done``:
        ``{"id", "recreated_as", ...}``, ``failures``: ``{"id", "error", "transient"}``."""
        if not posts:
            return Outcome()
        return self._recreate_all(posts, key, new_times)

    def status(self, post_ids: list[str]) -> dict[str, str]:
        """Statuses read back from one listing; a post runbook deleted to hold it reads
        ``held`` (its record holds it), any other absent post ``missing``."""
        listed = {post.id: post.status for post in self.list_posts()}
        gone = "held" if self.hold_method == DELETE_AND_RECREATE else "missing"
        return {pid: listed.get(pid, gone) for pid in post_ids}

    def create(self, posts: list[dict[str, Any]], key: str) -> Outcome:
        """Not offered: runbook publishes statements through its publisher."""
        return Outcome(
            failures=[
                {
                    "index": index,
                    "channel": str(post.get("channel") or ""),
                    "error": (
                        f"runbook does not publish statements through {self.product}: post it "
                        "there by hand, then record it (runbook publish ID --by-hand PLATFORM)"
                    ),
                    "transient": False,
                }
                for index, post in enumerate(posts)
            ]
        )

    def check(self) -> dict[str, Any]:
        """Credentials and reachability, and the posts runbook would see; changes nothing."""
        before = self.client.requests
        result: dict[str, Any] = {
            "scheduler": self.name,
            "product": self.product,
            "hold": self.hold_method,
            "address": self.client.base_url,
        }
        try:
            posts = self.list_posts()
        except EffectError as exc:
            result |= {"ok": False, "error": self.client.scrub(str(exc))}
        else:
            scheduled = sum(1 for p in posts if p.status == "scheduled")
            result |= {"ok": True, "posts": len(posts), "scheduled": scheduled}
        return {**result, "requests": self.client.requests - before}

    # -- helpers --------------------------------------------------------------------------
    def fan_out(
        self, post_ids: list[str], one: Callable[[str], dict[str, Any]], action: str
    ) -> Outcome:
        """Run ``one`` on each post, ``concurrency`` at a time; an error is that post's
        failure (with its reason and whether ``retry`` may fix it)."""
        ids = list(dict.fromkeys(post_ids))
        outcome = Outcome()
        if not ids:
            return outcome
        self.client.token()  # a missing credential fails the whole call, before any request
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(ids))) as pool:
            futures = [(pid, pool.submit(one, pid)) for pid in ids]
        for pid, future in futures:
            error = future.exception()
            if error is None:
                outcome.done.append(future.result())
            else:
                outcome.failures.append({"id": pid, **self.failure(error, action, pid)})
        return outcome

    def failure(self, error: BaseException, action: str, pid: str) -> dict[str, Any]:
        """A failure entry: one readable line, never the credential."""
        if isinstance(error, EffectError):
            message, transient = str(error), error.transient
        else:  # an adapter bug: say what, not a traceback
            message, transient = f"{type(error).__name__}: {error}", False
        return {
            "error": self.client.scrub(f"could not {action} post {pid}: {message}"),
            "transient": transient,
            "scheduler": self.name,
        }

    def held(self, pid: str, **extra: Any) -> dict[str, Any]:
        """A ``done`` entry for a held post."""
        return {"id": pid, "status": "held", "hold": self.hold_method, **extra}

    def released(self, pid: str, when: str = "", **extra: Any) -> dict[str, Any]:
        """A ``done`` entry for a released post."""
        return {"id": pid, "status": "scheduled", "scheduled_at": when, **extra}
