"""The loader never crashes, whatever the bytes: random YAML-ish text and random bytes, read as
a playbook, a policy or contacts, are either valid or refused with problems that each name the
file (and, where there is one, the line), never another exception."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runbook.errors import ConfigError
from runbook.loading import parse_yaml, validate_model
from runbook.model.contacts import Contacts
from runbook.model.playbook import Playbook
from runbook.model.policy import Policy

PIECES = st.sampled_from(
    [
        "id: x\n",
        "title: T\n",
        "version: 1\n",
        "severity:\n",
        "  questions:\n",
        "    - id: q\n",
        "      options: []\n",
        "a: &a [1, 2]\n",
        "b: *a\n",
        "c: *nope\n",
        "<<: *a\n",
        "!!python/x\n",
        "- item\n",
        "key: 'unclosed\n",
        '"\\x1b]0;t\\x07"\n',
        "\t- tab\n",
        "[" * 70,
        "{a: 1\n",
        "people:\n  - id: p\n    name: P\n",
        "ack_within: 99999999999999999999999d\n",
        "platforms: {x: {name: X, limit: -1}}\n",
        "\ufeff",
        "\u2019",
        "\x00",
        "\x85",
        "---\n",
        "...\n",
        "%YAML 1.1\n",
        "? complex\n: key\n",
        "&anchor\n",
        "|\n  text\n",
        ">-\n",
    ]
)


def check(raw: bytes, model: type) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.yaml"
        path.write_bytes(raw)
        found: list[str] = []
        try:
            validate_model(parse_yaml(path), model)
        except ConfigError as exc:
            found = exc.problems or ["(no problem listed)"]
        assert all(problem.startswith(str(path)) for problem in found), found


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES, max_size=25).map("".join), st.sampled_from([Playbook, Policy, Contacts]))
def test_yaml_pieces_in_any_order_are_loaded_or_refused_with_located_problems(
    text: str, model: type
) -> None:
    check(text.encode("utf-8", "surrogatepass"), model)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([Playbook, Policy, Contacts]))
def test_random_bytes_are_refused_with_located_problems(raw: bytes, model: type) -> None:
    check(raw, model)
