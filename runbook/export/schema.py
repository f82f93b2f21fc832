"""The JSON Schema of the JSON export, generated from the report model.

Written to ``schemas/export.schema.json`` (draft-07 keywords, like the other published schemas)
by ``python -m runbook.export.schema [FOLDER]``; a test fails when the committed file is out of
date (regenerate with ``RUNBOOK_UPDATE_GOLDEN=1``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from runbook.export.files import write_atomic
from runbook.export.model import FORMAT_VERSION
from runbook.export.render_json import adapter

DRAFT_07 = "http://json-schema.org/draft-07/schema#"
SCHEMA_ID = "https://runbook.example/schemas/export.schema.json"


def export_schema() -> dict[str, Any]:
    """The draft-07 schema every JSON export validates against."""
    schema = adapter().json_schema(ref_template="#/definitions/{model}")
    definitions = schema.pop("$defs", {})
    for definition in [schema, *definitions.values()]:
        _close(definition)
    major = FORMAT_VERSION.split(".")[0]
    schema["properties"]["format_version"] = {
        "type": "string",
        "pattern": f"^{major}\\.[0-9]+$",
        "description": f"Version of the export format ({FORMAT_VERSION} when written); "
        "the major number changes when a field changes meaning or is removed.",
    }
    result: dict[str, Any] = {"$schema": DRAFT_07, "$id": SCHEMA_ID}
    result.update(schema)
    result["title"] = "runbook post-incident timeline export"
    result["definitions"] = definitions
    return result


def _close(definition: dict[str, Any]) -> None:
    """Every field is always written: all required, nothing undeclared."""
    properties = definition.get("properties")
    if properties:
        definition["required"] = list(properties)
        definition["additionalProperties"] = False


def schema_text() -> str:
    """The schema as the committed file holds it."""
    return json.dumps(export_schema(), indent=2, sort_keys=True) + "\n"


def write_schema(folder: Path) -> Path:
    """Write ``export.schema.json`` into ``folder``; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "export.schema.json"
    write_atomic(path, schema_text().encode("utf-8"))
    return path


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    print(write_schema(Path(sys.argv[1] if len(sys.argv) > 1 else "schemas")))
