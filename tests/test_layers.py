"""The import graph of geozz: every module imports only from its own layer or below, and
no module imports itself back through others (no cycle).

The layers, lowest first, are :data:`LAYERS`. The tables' home (``tables/``) sits just
above errors and the small helpers, so every stage takes a table's columns and check from
there; the command line and the lazy ``geozz`` namespace sit on top. Imports inside
functions count too: a lazy import from a higher layer is still a dependency upwards.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import geozz

PACKAGE = Path(geozz.__file__).parent

#: the layers, lowest first; a top-level module or subpackage of geozz per name
LAYERS = (
    ("errors", "resources", "static"),
    ("_io", "_times", "_parallel", "_osmfile", "_db", "_memory", "_dask", "coords"),
    ("tables",),
    ("rubric",),
    ("area",),
    ("osm",),
    ("problems",),
    ("adjustments",),
    ("units",),
    ("datasets",),
    ("assignment",),
    ("rating",),
    ("forecast",),
    ("raster",),
    ("maps",),
    ("reports", "db", "patrol"),
    ("project",),
    ("__init__",),
    ("cli",),
)
RANK = {name: k for k, names in enumerate(LAYERS) for name in names}


def _module_name(path: Path) -> tuple[str, str]:
    """``(module, package)`` of a file of geozz."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        name = ".".join(parts[:-1])
        return name, name
    name = ".".join(parts)
    return name, name.rsplit(".", 1)[0]


def _imports(path: Path, *, top_only: bool) -> set[str]:
    """The geozz modules ``path`` imports (``top_only``: at module level only)."""
    module, package = _module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_only else list(ast.walk(tree))
    found = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "geozz" or target.startswith("geozz."):
                if target != "geozz":  # `from . import coords` imports geozz.coords
                    found.add(target)
                found |= {f"{target}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("geozz")}
    return found


def _component(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _files():
    return sorted(PACKAGE.rglob("*.py"))


def test_every_module_is_in_a_layer():
    names = {_component(_module_name(f)[0]) for f in _files()}
    assert names <= set(RANK), sorted(names - set(RANK))


def test_no_module_imports_from_a_layer_above_it():
    upward = []
    for f in _files():
        module, _ = _module_name(f)
        here = _component(module)
        for target in _imports(f, top_only=False):
            there = _component(target)
            if there in RANK and RANK[there] > RANK[here]:
                upward.append(f"{module} imports {target}")
    assert upward == []


def test_no_import_cycle_between_modules():
    modules = {_module_name(f)[0]: f for f in _files()}
    graph = defaultdict(set)
    for name, f in modules.items():
        for target in _imports(f, top_only=True):
            # `from .x import y` names the module x.y or the name y of x: keep modules only
            if target in modules and target != name:
                graph[name].add(target)
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(trail[trail.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for name in sorted(modules):
        if name not in state:
            visit(name, [name])
    # a package importing its own submodules at its top is how packages are made; a
    # submodule importing its package back (for a name it re-exports) is the cycle
    real = [c for c in cycles if not all(m.startswith(c.split(" -> ")[0]) or
                                         c.split(" -> ")[0].startswith(m)
                                         for m in c.split(" -> "))]
    assert real == []
