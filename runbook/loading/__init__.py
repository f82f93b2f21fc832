"""YAML files -> validated models. The only place runbook reads YAML.

The package: :mod:`.safe_yaml` (the loader), :mod:`.problems` (error locations),
:mod:`.workspace` (loading and cross-checking the whole configuration).

One safe loader is used everywhere. It follows YAML 1.2's core schema where YAML 1.1 surprises
people: ``on``/``off``/``yes``/``no`` stay strings, ``1:30`` is not 90, ``012`` is twelve and
dates stay text until a model asks for a date. Duplicate keys, language tags such as
``!!python/object`` and merge keys are refused; files are size-limited and alias expansion is
bounded, so a hostile or broken file is an error message, never a hang or a crash.

Every problem is reported as ``file:line:col: field.path: message``, and all problems of a file
come out together: pydantic's error locations are mapped back to the YAML nodes they came from.
"""

from runbook.loading.problems import problems_in, validate_model
from runbook.loading.safe_yaml import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, Loc, Parsed, parse_yaml
from runbook.loading.workspace import KINDS, Workspace, kind_of, load_workspace, yaml_files

__all__ = [
    "KINDS",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "Loc",
    "Parsed",
    "Workspace",
    "kind_of",
    "load_workspace",
    "parse_yaml",
    "problems_in",
    "validate_model",
    "yaml_files",
]
