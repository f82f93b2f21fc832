"""Print runbook's import graph: modules per layer, imports that go up a layer, import circles.

Usage: .venv/bin/python scripts/import_graph.py [ROOT]   (ROOT defaults to this checkout)

Reads every ``runbook/**/*.py`` with ``ast`` (nothing is imported), resolves each
``import``/``from ... import`` to a runbook module, including imports inside functions, and
reports: how many modules each layer has, every import from a lower layer to a higher one, and
every import circle (strongly connected component of more than one module), with the layers it
spans. The layers are those of the import contracts in ``pyproject.toml`` (read from the
checkout measured; an older tree's top-level engine modules count as the engine). Circles are
counted twice: with every import, and at run time (leaving out imports made only for the type
checker, under ``if TYPE_CHECKING:``).
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

NAMES = {"runbook.model": "model", "runbook.loading": "loading", "runbook.store": "store",
         "runbook.effects": "effects", "runbook.engine": "engine"}  # fmt: skip
"""Short names of the layers (the top one is "surfaces")."""
OLD_ENGINE = (
    "runbook.engine_drafts",
    "runbook.engine_posts",
    "runbook.engine_links",
    "runbook.outbox",
    "runbook.identity",
    "runbook.links",
    "runbook.proofcheck",
)
"""Engine modules of older trees, before the engine was one package."""
LAYERS: list[tuple[str, tuple[str, ...]]] = []


def read_layers(root: Path) -> list[tuple[str, tuple[str, ...]]]:
    """The layers of the ``layers`` import contract in ``root``'s pyproject.toml, lowest first
    (the checkout's own when ``root`` has none)."""
    import tomllib

    here = Path(__file__).resolve().parent.parent / "pyproject.toml"
    config = root / "pyproject.toml"
    text = (config if config.exists() else here).read_text(encoding="utf-8")
    contracts = tomllib.loads(text).get("tool", {}).get("importlinter", {}).get("contracts", [])
    layered = next((c for c in contracts if c.get("type") == "layers"), None)
    if layered is None:  # a tree from before the contracts: the checkout's own layers
        return read_layers(here.parent) if root != here.parent else []
    found = []
    for entry in reversed(layered["layers"]):
        modules = tuple(m.strip() for m in entry.replace("|", ":").split(":"))
        name = NAMES.get(modules[0], "surfaces")
        found.append((name, modules + (OLD_ENGINE if name == "engine" else ())))
    return found


RANK: dict[str, int] = {}


def layer(module: str) -> str:
    for name, prefixes in LAYERS:
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                return name
    return "shared"


def modules(root: Path) -> dict[str, Path]:
    found = {}
    for path in sorted((root / "runbook").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: set[str], run_time: bool = False) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()

    def add(target: str) -> None:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            out.add(target)

    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for block in node.body
        for inner in ast.walk(block)
    }
    for node in ast.walk(tree):
        if run_time and id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                add(full if full in known else base)
    return {target for target in out if target.startswith("runbook")}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively; only those of two or more."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent)
    LAYERS[:] = read_layers(root)
    RANK.update({name: i for i, (name, _) in enumerate(LAYERS)})
    found = modules(root)
    known = set(found)
    graph = {name: imports(name, path, known) for name, path in found.items()}
    per_layer: dict[str, int] = defaultdict(int)
    for name in found:
        per_layer[layer(name)] += 1
    print(f"{len(found)} modules, {sum(map(len, graph.values()))} imports between them")
    for name in [*RANK, "shared"]:
        print(f"  {name:<9} {per_layer[name]:>3} modules")
    upward = sorted(
        (source, target)
        for source, targets in graph.items()
        for target in targets
        if layer(source) in RANK
        and layer(target) in RANK
        and RANK[layer(target)] > RANK[layer(source)]
    )
    print(f"{len(upward)} imports from a lower layer to a higher one")
    for source, target in upward:
        print(f"  {source} ({layer(source)}) -> {target} ({layer(target)})")
    components = circles(graph)
    crossing = [c for c in components if len({layer(m) for m in c}) > 1]
    print(f"{len(components)} import circles, {len(crossing)} spanning more than one layer")
    for component in components:
        spans = sorted({layer(m) for m in component}, key=lambda n: RANK.get(n, 99))
        print(f"  {len(component)} modules over {', '.join(spans)}: {', '.join(component)}")
    running = {name: imports(name, path, known, run_time=True) for name, path in found.items()}
    at_run_time = circles(running)
    crossing = [c for c in at_run_time if len({layer(m) for m in c}) > 1]
    print(
        f"{len(at_run_time)} import circles at run time (imports for the type checker left "
        f"out), {len(crossing)} spanning more than one layer"
    )
    for component in at_run_time:
        spans = sorted({layer(m) for m in component}, key=lambda n: RANK.get(n, 99))
        print(f"  {len(component)} modules over {', '.join(spans)}: {', '.join(component)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
