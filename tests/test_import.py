"""``import geozz`` and ``geozz --help`` are light; every public name still resolves.

The heavy libraries (maps, rasters, OSM, printing) load when a function that needs them is
first used: ``geozz/__init__.py`` imports its names on first access (PEP 562, the table
``_LAZY``), and the CLI imports the stages inside its commands. The checks run in fresh
interpreters, since this process has long imported everything. Nothing here is timed.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import geozz as gz

PACKAGE = Path(gz.__file__).parent

#: libraries that must not load with ``import geozz``, ``geozz --help`` or a core stage
HEAVY = ("folium", "branca", "jinja2", "rasterio", "scipy", "esda", "libpysal", "osmnx",
         "networkx", "sklearn", "matplotlib", "mapclassify", "h3", "osmium", "openpyxl",
         "segno", "zxingcpp", "tqdm", "PIL", "sqlalchemy", "psycopg", "geoalchemy2", "pyvrp",
         "gpxpy", "dask", "distributed", "dask_geopandas")

#: the stages every pipeline uses, which must not load HEAVY either: the maps, rasters and
#: OSM reading (``maps``, ``raster``, ``osm``) load their libraries when asked for
CORE = ("geozz.errors", "geozz.area", "geozz.coords", "geozz.tables", "geozz.units",
        "geozz.problems", "geozz.assignment", "geozz.rubric", "geozz.rating",
        "geozz.adjustments", "geozz.datasets", "geozz._io", "geozz._parallel")


def _run(code: str) -> dict:
    """Run ``code`` in a fresh interpreter importing this geozz; it prints one JSON line."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PACKAGE.parent),
                                                     env.get("PYTHONPATH")) if p)
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


LOADED = f"""
import json, sys
HEAVY = {HEAVY!r}
def heavy():
    return sorted({{m.split(".")[0] for m in sys.modules}} & set(HEAVY))
"""


def test_import_geozz_loads_no_heavy_library():
    got = _run(LOADED + """
import geozz
print(json.dumps({"heavy": heavy(), "file": geozz.__file__}))
""")
    assert got["file"] == gz.__file__
    assert got["heavy"] == []


def test_core_stages_load_no_heavy_library():
    got = _run(LOADED + f"""
import importlib
for name in {CORE!r}:
    importlib.import_module(name)
print(json.dumps({{"heavy": heavy()}}))
""")
    assert got["heavy"] == []


def test_cli_help_loads_no_heavy_library():
    """``geozz --help`` and ``geozz <command> --help`` for every command of the group."""
    got = _run(LOADED + """
from geozz.cli import main
helped = []
for args in [["--help"]] + [[name, "--help"] for name in sorted(main.commands)]:
    try:
        main(args, prog_name="geozz")
    except SystemExit as exc:
        assert not exc.code, (args, exc.code)
    helped.append(args[0])
print(json.dumps({"heavy": heavy(), "helped": helped}))
""")
    assert len(got["helped"]) > 5, got["helped"]
    assert got["heavy"] == []


def test_names_load_on_first_use():
    """A name imports its module when asked for, not before, and only what it needs."""
    got = _run(LOADED + """
import geozz as gz
steps = {"import": sorted(m for m in sys.modules if m.startswith("geozz"))}
gz.rate
steps["rate"] = ["geozz.rating" in sys.modules, heavy()]
gz.star_map
steps["star_map"] = ["geozz.maps" in sys.modules, "folium" in heavy()]
print(json.dumps(steps))
""")
    assert got["import"] == ["geozz"]
    assert got["rate"] == [True, []]
    assert got["star_map"] == [True, True]


def test_public_names_resolve_to_their_modules_objects():
    for name, module in gz._LAZY.items():
        assert getattr(gz, name) is getattr(importlib.import_module(module), name), name
    for name in gz.__all__:
        getattr(gz, name)
    for name in ("maps", "raster", "osm", "datasets", "errors", "units", "problems",
                 "rating", "assignment", "rubric", "adjustments", "area", "coords", "tables"):
        assert getattr(gz, name) is importlib.import_module(f"geozz.{name}"), name
    assert set(gz.__all__) <= set(dir(gz))
    from geozz import datasets, publish, read_osm  # noqa: F401
    from geozz.maps import signboards, static_map  # noqa: F401

    assert gz.maps.signboards is signboards and gz.publish is publish
    assert gz.read_osm is read_osm is gz.osm.read_osm
    assert gz.datasets is datasets and callable(gz.datasets.longgang)
    assert issubclass(gz.errors.InputError, gz.GeozzError)


def test_subpackage_names_resolve():
    for sub in ("maps", "raster", "osm", "units", "problems", "rating", "assignment",
                "datasets", "errors", "rubric", "adjustments", "area"):
        module = getattr(gz, sub)
        for name in getattr(module, "__all__", ()):
            assert getattr(module, name) is not None, f"geozz.{sub}.{name}"
    # geozz.raster.density is both a module and the function the package exports
    import geozz.raster.density  # noqa: F401

    assert callable(gz.raster.density) and callable(gz.raster.zonal)


def test_unknown_names_raise_attribute_error():
    assert not hasattr(gz, "no_such_name")
    assert not hasattr(gz, "__wrapped__")
    with pytest.raises(AttributeError, match="no_such_name"):
        gz.no_such_name  # noqa: B018


def test_type_checking_imports_match_the_table():
    """The ``if TYPE_CHECKING:`` block (for type checkers) names what ``_LAZY`` gives."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If)
                 and getattr(node.test, "id", None) == "TYPE_CHECKING")
    names = {}
    for node in block.body:
        for alias in node.names:
            names[alias.asname or alias.name] = (
                f"geozz.{node.module}" if node.module else f"geozz.{alias.name}")
    assert {n: m for n, m in names.items() if n in gz._LAZY} == gz._LAZY
    assert set(gz.__all__) - {"__version__"} <= set(names)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forks a fresh import per module")
def test_every_module_imports_first():
    """Each module imports in an interpreter where no geozz module is loaded yet.

    ``import geozz`` no longer imports the stages in a fixed order, so any module may be
    the first one imported: a circular import between stages would fail here. The
    third-party libraries are imported once, then a child is forked per module; a module
    its package's ``__init__`` imports is covered by the package's child.
    """
    modules = sorted(".".join(p.with_suffix("").relative_to(PACKAGE.parent).parts)
                     .removesuffix(".__init__") for p in PACKAGE.rglob("*.py"))
    got = _run(f"""
import importlib, json, os, sys, traceback
for lib in ("numpy", "pandas", "geopandas", "shapely", "pyproj", "pyarrow", "click",
            "folium", "branca", "rasterio", "scipy.signal", "scipy.stats", "PIL.Image",
            "osmnx", "networkx", "osmium", "h3"):
    try:
        importlib.import_module(lib)
    except ImportError:
        pass
assert not any(m == "geozz" or m.startswith("geozz.") for m in sys.modules)
loaded, failed, checked = {{}}, {{}}, []
for name in {modules!r}:  # a package before its modules
    if name in loaded.get(name.rpartition(".")[0], ()):
        continue
    checked.append(name)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            importlib.import_module(name)
            out = {{"loaded": [m for m in sys.modules if m.startswith("geozz.")]}}
        except BaseException:
            out = {{"error": traceback.format_exc()[-2000:]}}
        os.write(w, json.dumps(out).encode())
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        out = json.loads(f.read().decode() or '{{"error": "no answer"}}')
    os.waitpid(pid, 0)
    if "error" in out:
        failed[name] = out["error"]
    loaded[name] = set(out.get("loaded", ()))
print(json.dumps({{"checked": checked, "failed": failed}}))
""")
    assert len(got["checked"]) > 20, got["checked"]
    assert got["failed"] == {}, "\n".join(f"{k}:\n{v}" for k, v in got["failed"].items())
