"""``runbook serve``: the one web process, for people away from a terminal.

It serves the personal approval links sent when a draft is submitted: opening one (GET) only
shows the statement as it will go out, the policy findings, who else approved and what
approving means; approving or rejecting is a POST from that page, protected against cross-site
request forgery and rate-limited. Every rule lives in the engine
(:mod:`runbook.engine.approval_links`): this package only turns HTTP into engine calls and
engine answers into pages. It listens on
127.0.0.1 by default; behind an HTTPS reverse proxy it serves phones.

Built on Starlette (a small, well-kept ASGI toolkit: routing, requests, responses, nothing
more) run by uvicorn (its reference server); both are imported only by ``runbook serve``.
"""
