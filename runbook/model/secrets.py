"""Secrets in every form they can take, and text scrubbed of all of them.

A password, token or webhook URL can come back to runbook from outside in another encoding: a
mail server quoting the AUTH line (base64), a receiver echoing a URL (percent-encoded), a JSON
error body (escaped), a debug page (hex). Everything runbook stores, prints, exports or logs
goes through :func:`scrub` with the forms of the configured secrets (:func:`forms`): raw,
base64 (standard and URL-safe, padded or not, and the core of the secret at each of the three
alignments it can take inside a longer base64 text), URL-encoded, JSON-escaped and hex.
"""

from __future__ import annotations

import base64
import binascii
import json
import urllib.parse
from collections.abc import Iterable

MIN_FORM = 6
"""Shorter forms are left alone: they would match ordinary text."""


def _base64_cores(raw: bytes) -> set[str]:
    """The base64 characters every encoding of a text holding ``raw`` contains, at each of the
    three alignments ``raw`` can start at (the edges depend on the bytes around it)."""
    found = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw + b"\0\0").decode("ascii")
        start = -(-4 * offset // 3) + (1 if offset else 0)
        end = (4 * (offset + len(raw))) // 3
        core = encoded[start:end]
        found |= {core, core.replace("+", "-").replace("/", "_")}
    return found


def forms(secret: str, *, thorough: bool = True) -> list[str]:
    """``secret`` and every encoding of it runbook scrubs, longest first. ``thorough`` (where
    text from outside enters: a receiver's answer) adds the secret inside a longer base64 text
    and in upper or lower case; the export's second look, over text runbook already scrubbed,
    leaves those out to stay fast."""
    secret = secret.strip()
    if len(secret) < MIN_FORM:
        return []
    raw = secret.encode("utf-8")
    found = {secret}
    if thorough and secret.isascii():
        found |= {secret.lower(), secret.upper()}
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        text = encoded.decode("ascii")
        found |= {text, text.rstrip("=")}
    if thorough:
        found |= _base64_cores(raw)
    found |= {
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote(secret),
        urllib.parse.quote_plus(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        binascii.hexlify(raw).decode("ascii"),
        binascii.hexlify(raw).decode("ascii").upper(),
    }
    return sorted((f for f in found if len(f) >= MIN_FORM), key=len, reverse=True)


def all_forms(secrets: Iterable[str], *, thorough: bool = True) -> list[str]:
    """The forms of every secret in ``secrets``, longest first (no duplicates)."""
    found = {form for secret in secrets for form in forms(secret, thorough=thorough)}
    return sorted(found, key=len, reverse=True)


def scrub(text: str, secret_forms: Iterable[str], mark: str = "[redacted]") -> str:
    """``text`` with every form in ``secret_forms`` (longest first) replaced by ``mark``."""
    for form in secret_forms:
        if form in text:
            text = text.replace(form, mark)
    return text
