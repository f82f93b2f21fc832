"""JSON Schema for the files people edit, so editors (VS Code's YAML extension, PyCharm)
complete and check them as they type.

Schemas are generated from the pydantic models and rewritten to draft-07 keywords
(``definitions`` instead of ``$defs``), which both editors understand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from runbook.model.contacts import Contacts
from runbook.model.playbook import Playbook
from runbook.model.policy import Policy

DRAFT_07 = "http://json-schema.org/draft-07/schema#"


def schema_models() -> dict[str, type[BaseModel]]:
    """File kind -> model whose schema is published."""
    models: dict[str, type[BaseModel]] = {
        "playbook": Playbook,
        "policy": Policy,
        "contacts": Contacts,
    }
    try:
        from runbook.drill.scenario import Scenario
    except ImportError:
        return models
    models["scenario"] = Scenario
    return models


def json_schema(model: type[BaseModel], kind: str) -> dict[str, Any]:
    """The draft-07 JSON Schema of ``model``."""
    schema = model.model_json_schema(ref_template="#/definitions/{model}")
    definitions = schema.pop("$defs", None)
    result: dict[str, Any] = {
        "$schema": DRAFT_07,
        "$id": f"https://runbook.example/schemas/{kind}.schema.json",
    }
    result.update(schema)
    if definitions:
        result["definitions"] = definitions
    return result


def write_schemas(folder: Path) -> list[Path]:
    """Write ``<kind>.schema.json`` for every kind into ``folder``; return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, model in schema_models().items():
        path = folder / f"{kind}.schema.json"
        text = json.dumps(json_schema(model, kind), indent=2, sort_keys=True) + "\n"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        written.append(path)
    from runbook.export.schema import write_schema as write_export_schema

    written.append(write_export_schema(folder))  # the JSON export's schema, for its readers
    return written


if __name__ == "__main__":  # runbook schema runs this with RUNBOOK_FIELD_DOCS=1
    import sys

    for written in write_schemas(Path(sys.argv[1])):
        print(written)
