"""A district's campaign as a project: ``geozz.toml``, and its month in one call.

:func:`init` writes a project folder: a commented ``geozz.toml`` (where the district's
boundary, roads and rivers come from, the units, the admin areas, the problem sources with
their column, category and time-zone settings, the rubric and period, what to publish),
and for a bundled district its data, the problem records split into one file per month
the way an office receives them. :func:`run` does a month: it reads what changed, keeps
each stage's table in the project's ``.geozz/`` folder (:mod:`geozz.tables`), and writes
the public folder (:func:`geozz.publish`).

What is done again, and what is not
-----------------------------------
Each stage's table is saved with a fingerprint of what it was made from (the settings of
the stage, the contents of its files, the fingerprints of the tables it read). A stage
whose saved table has the fingerprint it would have now is not run again: the next month
re-reads only the new records file, and a run that failed (or was killed) resumes from
the last table saved whole. Problem records are read one file at a time (each file's
problems saved), then merged across files (repeat reports of one problem, 回潮 links) for
every record found up to the end of the period, so records split into monthly files give
the same problems as one file of them all.

Examples
--------
>>> import tempfile
>>> folder = init(tempfile.mkdtemp(), district="sf311")
>>> project = load(folder / "geozz.toml")
>>> project.rating["freq"], project.problems[0]["tz"]
('Y', 'America/Los_Angeles')
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import re
import shutil
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from ._io import atomic_path, write_text
from .errors import InputError, Issue
from .tables.ratings import TARGET

__all__ = ["Project", "init", "load", "run", "units_of", "last_complete", "publication",
           "Run", "FILE", "WORK", "DISTRICTS"]


#: the project file's name
FILE = "geozz.toml"
#: the folder (in the project's) holding each stage's table
WORK = ".geozz"
#: the bundled districts :func:`init` can start from
DISTRICTS = ("longgang", "haidian", "sf311")

_DEFAULTS: dict[str, dict] = {
    "district": {"name": "", "area": "", "osm": "", "bbox": [], "admin": "",
                 "admin_levels": {}},
    "units": {"file": "", "columns": {}, "unit_type": "", "grid_size": 200.0,
              "unit_types": ["grid", "road", "river"]},
    "rating": {"rubric": "default", "freq": "M"},
    "publish": {"out": "public", "title": "", "simulated": False, "credit": "",
                "signboards": False, "base_url": "", "contact": "", "static": True,
                "unit_pages": True, "target": TARGET, "level": "", "rasters": False,
                "extra": [], "labels": {}, "forecast": False},
    "reports": {"out": "reports", "workbook": True, "bulletin": True, "pdf": True,
                "internal": False},
    # a database the month's units, ledger and ratings are written to (docs/db.md)
    "database": {"url": "", "schema": "geozz"},
}
_SOURCE_DEFAULTS = {"path": "", "columns": {}, "categories": {}, "sources": {},
                    "statuses": {}, "coords": "wgs84", "tz": "Asia/Shanghai",
                    "dayfirst": None, "sheet": None, "encoding": None,
                    # a database source instead of files: con = URL, table= or sql=
                    "con": "", "table": "", "sql": ""}


@dataclasses.dataclass(frozen=True)
class Project:
    """A project file read and checked: its sections as dicts, paths made absolute."""

    path: Path
    district: dict
    units: dict
    problems: list
    rating: dict
    publish: dict
    reports: dict
    database: dict = dataclasses.field(default_factory=lambda: dict(_DEFAULTS["database"]))
    #: where the stage tables are kept (default: ``.geozz/`` beside the project file)
    work_dir: Path | None = None

    @property
    def root(self) -> Path:
        """The project's folder."""
        return self.path.parent

    @property
    def work(self) -> Path:
        """The folder of the saved stage tables."""
        return self.work_dir if self.work_dir is not None else self.root / WORK


def _issue(path: Path, field: str, expected: str, got, fix: str) -> Issue:
    return Issue(file=str(path), field=field, expected=expected, got=got, fix=fix)


def load(path: str | Path, *, overrides: dict[str, Any] | None = None,
         work: str | Path | None = None) -> Project:
    """Read and check a project file.

    Parameters
    ----------
    path : str or Path
        ``geozz.toml``, or the folder holding it.
    overrides : dict, optional
        ``{"section.key": value}`` set over the file's values (the command line's
        ``--set units.grid_size=100``).
    work : str or Path, optional
        Keep the stage tables there instead of in ``.geozz/`` beside the project file (a
        project whose folder is read-only: ``geozz demo`` runs the bundled ones so).

    Raises
    ------
    InputError
        Every problem found, each naming the file, the field and the fix.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        path = path / FILE
    if not path.is_file():
        raise InputError(_issue(path, "project", "a geozz.toml project file", None,
                                "write one with `geozz init DIR` (or gz.project.init)"))
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(_issue(path, "project", "a TOML file", str(exc),
                                "correct the line named (TOML syntax)")) from None
    issues: list[Issue] = []
    data = {k: copy.deepcopy(v) for k, v in _DEFAULTS.items()}
    for section, values in raw.items():
        if section == "problems":
            continue
        if section not in data or not isinstance(values, dict):
            issues.append(_issue(path, section, f"one of the sections {sorted(_DEFAULTS)} "
                                 "or [[problems]]", section, "remove or rename it"))
            continue
        for key, value in values.items():
            if key not in data[section]:
                issues.append(_issue(path, f"{section}.{key}",
                                     f"one of {sorted(data[section])}", key,
                                     "remove or rename it"))
            else:
                data[section][key] = value
    sources = raw.get("problems", [])
    if not isinstance(sources, list) or not sources:
        issues.append(_issue(path, "problems", "one or more [[problems]] sources", sources,
                             "add [[problems]] with path = \"problems/*.csv\""))
        sources = []
    problems = []
    for n, source in enumerate(sources):
        entry = dict(_SOURCE_DEFAULTS)
        for key, value in (source.items() if isinstance(source, dict) else []):
            if key not in entry:
                issues.append(_issue(path, f"problems[{n}].{key}",
                                     f"one of {sorted(entry)}", key, "remove or rename it"))
            else:
                entry[key] = value
        if entry["con"]:
            if entry["path"] or bool(entry["table"]) == bool(entry["sql"]):
                issues.append(_issue(path, f"problems[{n}]", "con with table= or sql= "
                                     "(and no path)", {k: entry[k] for k in
                                                       ("path", "table", "sql")},
                                     'e.g. con = "postgresql://office@db/city" and '
                                     'table = "cases"'))
            if _has_password(entry["con"]):
                issues.append(_issue(path, f"problems[{n}].con", "no password in the "
                                     "project file", _mask(entry["con"]),
                                     "leave the password out: PGPASSWORD or ~/.pgpass"))
        elif not entry["path"]:
            issues.append(_issue(path, f"problems[{n}].path", "a file or a glob pattern",
                                 entry["path"], 'e.g. path = "problems/*.csv"'))
        problems.append(entry)
    for key, value in (overrides or {}).items():
        section, _, name = key.partition(".")
        if section not in data or name not in data[section]:
            issues.append(Issue(field=key, expected="section.key of the project file, e.g. "
                                "units.grid_size", got=key, fix="check the name in "
                                f"{path.name}"))
        else:
            data[section][name] = _typed(value, data[section][name])
    d, u = data["district"], data["units"]
    if not (d["area"] or d["osm"] or u["file"]):
        issues.append(_issue(path, "district", "district.area, district.osm or units.file",
                             None, 'say where the units come from, e.g. osm = "city.osm.pbf"'))
    for section, key in (("district", "area"), ("district", "osm"), ("district", "admin"),
                         ("units", "file")):
        if data[section][key] and not (path.parent / data[section][key]).is_file():
            issues.append(_issue(path, f"{section}.{key}", "an existing file (relative to "
                                 "the project file)", data[section][key],
                                 "correct the path or copy the file there"))
    if data["rating"]["freq"] not in ("M", "Q", "Y"):
        issues.append(_issue(path, "rating.freq", "M, Q or Y", data["rating"]["freq"],
                             'freq = "M" (monthly)'))
    if issues:
        raise InputError(issues)
    db = data["database"]
    if _has_password(db["url"]):
        issues.append(_issue(path, "database.url", "no password in the project file",
                             _mask(db["url"]), "leave the password out: PGPASSWORD or "
                             "~/.pgpass"))
    if issues:
        raise InputError(issues)
    return Project(path=path.resolve(), district=d, units=u, problems=problems,
                   rating=data["rating"], publish=data["publish"], reports=data["reports"],
                   database=db,
                   work_dir=Path(work).expanduser().absolute() if work is not None else None)


def _has_password(url: object) -> bool:
    """Whether a URL carries a password (``scheme://user:password@…``).

    >>> _has_password("postgresql://u:pw@db/city"), _has_password("postgresql://u@db/city")
    (True, False)
    """
    return isinstance(url, str) and bool(re.match(r"^[\w+.-]+://[^/@:]*:[^@/]*@", url))


def _mask(url: str) -> str:
    return re.sub(r"(//[^/@:]*:)[^@/]*@", r"\1***@", url)


def _typed(text, like):
    """A ``--set`` value in the type of the default it replaces."""
    if not isinstance(text, str):
        return text
    if isinstance(like, bool):
        return text.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(like, float):
        return float(text)
    if isinstance(like, int):
        return int(text)
    if isinstance(like, (list, dict)):
        return json.loads(text)
    return text


# ---- init --------------------------------------------------------------------------------

_HEAD = """\
# geozz project: {title}
# `geozz run --period 2024-05` in this folder does the month: units, problems, assignment,
# rating, the public folder. Paths are relative to this file. Every value can also be given
# on the command line: geozz run --set units.grid_size=100 --set publish.out=site

[district]
name = "{name}"
{where}
# admin = "zones.geojson"       # admin areas (county/street/community) units are split by
{admin}
[units]
{units}
[rating]
rubric = "{rubric}"             # "default", "annual", or a rubric TOML file (docs/rubrics.md)
freq = "{freq}"                      # M (monthly), Q (quarterly) or Y (yearly)

# One [[problems]] per source: a file or a glob (each file read once, then kept).
[[problems]]
{source}
[publish]
out = "public"                  # the public folder, replaced whole on each run
title = "{name}"
simulated = {simulated}              # say on every page that the records are simulated
credit = "{credit}"
static = true                   # overview.png / overview.pdf for printed bulletins
signboards = false              # a board per unit at 3★+, with a QR code to its page
base_url = ""                   # where `out` is served (needed by signboards)
contact = "{contact}"                 # the office's hotline, printed on boards
unit_pages = true
target = 0.8                    # share of units at 3★ or better an area should reach
rasters = {rasters}                # density.tif, hotspots.tif/.csv, and their map layers
extra = []                      # more files to publish, e.g. ["problems/*.csv"]
labels = {labels}                     # unit types' labels, e.g. {{ grid = "普查区 Census tract" }}
forecast = false                # a layer of next period's risk (gz.forecast), on unit pages too

[reports]
out = "reports"                 # reports/<period>/: the workbook and the bulletin
workbook = true                 # 台账: workbook-<period>.xlsx
bulletin = true                 # 通报: bulletin-<period>.docx (and .pdf, by LibreOffice)
pdf = true
internal = false                # true: the workbook keeps reporters and phone numbers
"""


def init(folder: str | Path, *, district: str | None = None, osm: str | Path | None = None,
         force: bool = False) -> Path:
    """Write a project folder: ``geozz.toml`` and, for a bundled district, its data.

    Parameters
    ----------
    folder : str or Path
        Created if missing.
    district : {"longgang", "haidian", "sf311"}, optional
        Start from a bundled district: its area (or tracts), zones, and its problem records
        split into one file per month (per year for SF 311) under ``problems/``.
    osm : str or Path, optional
        Start from an OSM extract (copied into the folder); no records (add them under
        ``problems/``).
    force : bool, default False
        Replace an existing ``geozz.toml``.

    Returns
    -------
    Path
        The folder.
    """
    root = Path(folder).expanduser()
    if (district is None) == (osm is None):
        raise InputError(Issue(field="district", expected="a bundled district or an OSM "
                               "file (one of them)", got=[district, osm],
                               fix="geozz init --district longgang DIR, or --osm city.pbf"))
    if district is not None and district not in DISTRICTS:
        raise InputError(Issue(field="district", expected=f"one of {DISTRICTS}",
                               got=district, fix="--district longgang"))
    if (root / FILE).exists() and not force:
        raise InputError(Issue(file=str(root / FILE), field="folder",
                               expected="a folder without a project", got="geozz.toml",
                               fix="choose another folder, or --force to replace it"))
    root.mkdir(parents=True, exist_ok=True)
    (root / "problems").mkdir(exist_ok=True)
    fill = {"admin": "", "rubric": "default", "freq": "M", "simulated": "true",
            "rasters": "true", "labels": "{}",
            "credit": "© OpenStreetMap contributors", "contact": "12345",
            "units": "grid_size = 200.0                # grid cell side, metres\n"
                     'unit_types = ["grid", "road", "river"]\n'}
    if osm is not None:
        src = Path(osm).expanduser()
        if not src.is_file():
            raise InputError(Issue(file=str(src), field="osm", expected="an OSM file",
                                   got=None, fix="give the path of a .osm.pbf / .osm file"))
        (root / "data").mkdir(exist_ok=True)
        shutil.copyfile(src, root / "data" / src.name)
        name = src.name.split(".")[0]
        fill.update(name=name, title=name, simulated="false",
                    where=f'osm = "data/{src.name}"    # roads, rivers, boundary from OSM\n'
                          "# bbox = [114.1, 22.6, 114.3, 22.8]  # cut the extract to a box",
                    source='path = "problems/*.csv"\ntz = "Asia/Shanghai"\n')
    else:
        _copy_district(district, root)
        return root
    write_text(root / FILE, _HEAD.format(**fill))
    return root


#: the time column of each bundled district's records, and the files they are split into
_SPLIT = {"longgang": ("发现时间", "M"), "haidian": ("发现时间", "M"), "sf311": ("Opened", "Y")}


def _copy_district(district: str, root: Path) -> None:
    """The bundled district's own project file (the one ``geozz demo`` runs) and the files
    it names, copied into ``root``; its records split into ``problems/`` by month (year)."""
    from . import datasets

    src = datasets.project_path(district)
    text = src.read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    for section, key in (("district", "area"), ("district", "admin"), ("units", "file")):
        name = raw.get(section, {}).get(key)
        if name:
            shutil.copyfile(src.parent / name, root / name)
    if (src.parent / "SOURCE.md").is_file():
        shutil.copyfile(src.parent / "SOURCE.md", root / "SOURCE.md")
    records = raw["problems"][0]["path"]
    column, freq = _SPLIT[district]
    _split(pd.read_csv(src.parent / records, dtype=str, keep_default_na=False), column, freq,
           root / "problems", district)
    line = f'path = "{records}"'
    if line not in text:  # the bundled file is ours: this is a bug, not bad input
        raise AssertionError(f"{src}: no line {line!r} to point at problems/")
    write_text(root / FILE, text.replace(
        line, 'path = "problems/*.csv"       # one file per ' +
        ("month" if freq == "M" else "year") + ", as they come", 1))


def _split(records: pd.DataFrame, column: str, freq: str, folder: Path, stem: str) -> None:
    """Write ``records`` as one CSV per month (or year) of ``column`` (ISO times), as an
    office receives them; records without a readable time go to ``<stem>-undated.csv``
    (and are rejected, counted, when read)."""
    when = pd.to_datetime(records[column], format="ISO8601", errors="coerce")
    key = when.dt.strftime("%Y-%m" if freq == "M" else "%Y").fillna("undated")
    for value, part in records.groupby(key, sort=True):
        part.to_csv(folder / f"{stem}-{value}.csv", index=False, encoding="utf-8")


# ---- run ---------------------------------------------------------------------------------

@dataclasses.dataclass
class Run:
    """What :func:`run` did: the period, the files written, and per stage whether it ran
    (or its saved table was taken) and how long it took."""

    period: str
    outputs: dict[str, Path]
    stages: dict[str, dict] = dataclasses.field(default_factory=dict)
    read: list[Path] = dataclasses.field(default_factory=list)
    counts: dict[str, int] = dataclasses.field(default_factory=dict)
    #: units, problems, rejects, ledger, ratings as the run used them
    tables: dict[str, pd.DataFrame] = dataclasses.field(default_factory=dict)
    #: the density and hot spots made for the public folder (``[publish] rasters``)
    rasters: Any = None
    #: the period the public folder and the reports show
    shown: str = ""


def _digest(*parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, Path):
            with open(part, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
        else:
            h.update(json.dumps(part, sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]


class _State:
    """The fingerprints of the saved tables (``.geozz/state.json``), saved after each."""

    def __init__(self, work: Path):
        self.path = work / "state.json"
        try:
            self.data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.data = {}

    def fresh(self, key: str, print_: str, *files: Path) -> bool:
        return self.data.get(key) == print_ and all(f.exists() for f in files)

    def record(self, key: str, print_: str) -> None:
        self.data[key] = print_
        with atomic_path(self.path) as tmp:
            tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True), encoding="utf-8")


def _sources(project: Project) -> list[tuple[dict, Path]]:
    files = []
    for source in project.problems:
        if source["con"]:
            continue  # a database: read by run() every time
        found = sorted(project.root.glob(source["path"]))
        files += [(source, f) for f in found if f.is_file()]
    return files


def _units(project: Project):
    from .area import read_area
    from .units import build_units, read_admin, read_units

    d, u = project.district, project.units
    root = project.root
    if u["file"]:
        units = read_units(root / u["file"], columns=u["columns"] or None,
                           unit_type=u["unit_type"] or None)
        if "name" not in units or units["name"].isna().all():
            units["name"] = units.index
        return units
    if d["area"]:
        area = read_area(root / d["area"], name=d["name"] or None)
    else:  # osmnx (and what it loads) only for an OSM file
        from .osm import read_osm

        area = read_osm(root / d["osm"], boundary=tuple(d["bbox"]) if d["bbox"] else None,
                        name=d["name"] or None)
    admin = read_admin(root / d["admin"], levels=d["admin_levels"] or None) \
        if d["admin"] else None
    return build_units(area, grid_size=float(u["grid_size"]), unit_types=u["unit_types"],
                       admin=admin)


def _read_source(source: dict, path: Path, taken: set[str]):
    from .problems import read_problems

    options = {k: v for k, v in source.items()
               if k not in ("path", "con", "table", "sql") and v not in (None, {}, "")}
    if source["con"]:
        return read_problems(source["table"] or None, con=source["con"],
                             sql=source["sql"] or None, merge=False, recurrence=False,
                             taken_ids=frozenset(taken), **options)
    return read_problems(path, merge=False, recurrence=False, taken_ids=frozenset(taken),
                         **options)


def _period_end(period: str, freq: str) -> pd.Timestamp:
    return pd.Period(period, freq=freq).end_time


def last_complete(found: pd.Series, freq: str, *, today: pd.Timestamp | None = None) -> str:
    """The last complete period of the records: the latest period with records that has
    ended (before today's period), else the latest period with records.

    Examples
    --------
    >>> t = pd.Series(pd.to_datetime(["2024-04-03", "2024-05-30"]))
    >>> last_complete(t, "M", today=pd.Timestamp("2024-05-31"))
    '2024-04'
    >>> last_complete(t, "M", today=pd.Timestamp("2026-12-06"))
    '2024-05'
    """
    today = pd.Timestamp.now() if today is None else today
    periods = sorted(set(found.dropna().dt.tz_localize(None).dt.to_period(freq).astype(str))
                     if found.dt.tz is not None else
                     set(found.dropna().dt.to_period(freq).astype(str)))
    if not periods:
        raise InputError(Issue(field="period", expected="records with dates", got=0,
                               fix="add problem records, or give --period"))
    now = str(today.to_period(freq))
    done = [p for p in periods if p < now]
    return done[-1] if done else periods[-1]


def _stage(state: _State, done: Run | None, report, name: str, key: str, print_: str,
           out: Path, make, kind: str):
    """A stage's table: read back when saved with this fingerprint, else made and saved."""
    from . import tables

    t = time.perf_counter()
    if state.fresh(key, print_, out):
        report(name, "kept")
        table, ran = tables.read(kind, out), False
    else:
        report(name, "start")
        table = make()
        tables.write(kind, table, out)
        state.record(key, print_)
        ran = True
        report(name, "done")
    if done is not None:
        done.stages[name] = {"ran": ran, "seconds": round(time.perf_counter() - t, 2)}
    return table


def _units_print(project: Project) -> str:
    d, u = project.district, project.units
    inputs = [project.root / p for p in (d["area"], d["osm"], d["admin"], u["file"]) if p]
    return _digest(d, u, *inputs)


def units_of(project: Project | str | Path, *, progress=None, _done: Run | None = None,
             _state: _State | None = None):
    """The project's units: built (or read) once, then read back from ``.geozz/`` while
    the district's files and settings stay the same.

    Examples
    --------
    >>> import tempfile
    >>> units = units_of(init(tempfile.mkdtemp(), district="sf311"))
    >>> len(units), units.index.name
    (195, 'unit_id')
    """
    if not isinstance(project, Project):
        project = load(project)
    project.work.mkdir(parents=True, exist_ok=True)
    return _stage(_state or _State(project.work), _done, progress or (lambda *a: None), "units",
                  "units", _units_print(project), project.work / "units.parquet",
                  lambda: _units(project), "units")


def run(project: Project | str | Path, *, period: str | None = None,
        show: str | None = None,
        progress: Callable[[str, str], None] | None = None,
        engine: str | None = None, scheduler=None) -> Run:
    """Do the month (the period) of a project and write its public folder.

    Parameters
    ----------
    project : Project, or the path of ``geozz.toml`` (or its folder)
    period : str, optional
        ``"2024-05"`` (``"2024"`` for yearly rating). Default: the last complete period of
        the records (:func:`last_complete`). Records found after its end are left out.
    show : str, optional
        The period the public folder and the reports show, among those rated (default
        ``period``): ``geozz demo`` rates the whole San Francisco sample (to January 2016)
        and shows 2015, its last whole year.
    progress : callable, optional
        Called with ``(stage, "start" | "done" | "kept")``.
    engine, scheduler : optional
        ``engine="dask"`` assigns and rates on dask (``scheduler``: a scheduler's address
        or a client; default a LocalCluster): the same ledger and ratings
        (docs/scale.md).

    Returns
    -------
    Run
        The outputs (``public`` and the files of :func:`geozz.publish`, the saved
        tables), what each stage did, and the tables themselves (``run.tables``).

    Examples
    --------
    >>> import tempfile
    >>> folder = init(tempfile.mkdtemp(), district="sf311")
    >>> done = run(folder, period="2015")
    >>> done.period, done.counts["units"], sorted(done.stages)[:3]
    ('2015', 195, ['assign', 'problems', 'publish'])
    """
    from . import raster, tables
    from .assignment import assign
    from .maps import publish
    from .problems import link_recurrence, merge_duplicates
    from .rating import rate

    if not isinstance(project, Project):
        project = load(project)
    report = progress or (lambda stage, what: None)
    work = project.work
    work.mkdir(parents=True, exist_ok=True)
    state = _State(work)
    done = Run(period="", outputs={})
    units = units_of(project, progress=report, _done=done, _state=state)
    units_print = _units_print(project)
    done.counts["units"] = len(units)

    # problems: each file read once (its own table), then merged up to the period
    t = time.perf_counter()
    parts, rejected, taken, prints = [], [], set(), []
    for source, path in _sources(project):
        file_print = _digest(source, path)
        prints.append(file_print)
        key = f"problems:{path.relative_to(project.root)}"
        saved = work / "problems" / f"{file_print}.parquet"
        saved_rejects = work / "problems" / f"{file_print}.rejects.parquet"
        if state.fresh(key, file_print, saved, saved_rejects):
            part, rej = tables.read("problems", saved), tables.read("rejects", saved_rejects)
        else:
            report(f"problems {path.name}", "start")
            part, rej = _read_source(source, path, taken)
            tables.write("problems", part, saved)
            tables.write("rejects", rej, saved_rejects)
            state.record(key, file_print)
            done.read.append(path)
        taken |= set(part.index.astype(str))
        parts.append(part)
        rejected.append(rej)
    for source in project.problems:  # a database is read every run: no file to fingerprint
        if not source["con"]:
            continue
        report("problems database", "start")
        part, rej = _read_source(source, Path(), taken)
        prints.append(_digest({k: v for k, v in source.items() if k != "con"},
                              part.index.tolist(), part["found_at"].astype(str).tolist(),
                              part["category"].astype(str).tolist()))
        taken |= set(part.index.astype(str))
        parts.append(part)
        rejected.append(rej)
        report("problems database", "done")
    if not parts:
        raise InputError(Issue(file=str(project.path), field="problems",
                               expected="problem record files", got=0,
                               fix="put the records where [[problems]] path points"))
    everything = pd.concat(parts)
    freq = project.rating["freq"]
    if period is None:
        period = last_complete(everything["found_at"], freq)
    done.period = period
    end = _period_end(period, freq)
    found = everything["found_at"]
    cut = found.dt.tz_localize(None) if found.dt.tz is not None else found
    problems = link_recurrence(merge_duplicates(everything[(cut <= end).to_numpy()]))
    rejects = pd.concat(rejected, ignore_index=True)
    done.stages["problems"] = {"ran": bool(done.read),
                               "seconds": round(time.perf_counter() - t, 2)}
    done.counts.update(problems=len(problems), rejects=len(rejects))
    folder = work / period
    problems_print = _digest(units_print, sorted(prints), period)  # the files read now

    ledger = _stage(state, done, report, "assign", f"ledger:{period}", problems_print,
                    folder / "ledger.parquet", lambda: assign(problems, units, engine=engine,
                                                  scheduler=scheduler), "ledger")
    ratings_print = _digest(problems_print, project.rating)
    ratings = _stage(state, done, report, "rate", f"ratings:{period}", ratings_print,
                     folder / "ratings.parquet",
                     lambda: rate(ledger, units, freq=freq, rubric=_rubric(project),
                                  engine=engine, scheduler=scheduler),
                     "ratings")
    done.counts["ratings"] = len(ratings)
    if project.database["url"]:  # the month's tables to the office's database
        t = time.perf_counter()
        report("database", "start")
        from . import db

        done.counts.update({f"database {k}": v for k, v in db.write(
            project.database["url"], units=units, ledger=ledger, ratings=ratings,
            schema=project.database["schema"], period=period, freq=freq).items()})
        report("database", "done")
        done.stages["database"] = {"ran": True, "seconds": round(time.perf_counter() - t, 2)}
    done.tables = {"units": units, "problems": problems, "rejects": rejects,
                   "ledger": ledger, "ratings": ratings}
    shown = show or period
    if shown not in set(ratings["period"].astype(str)):
        raise InputError(Issue(field="show", expected=f"a period rated up to {period}",
                               got=shown, fix=f"show one of {period} and the periods "
                                              "before it"))
    done.shown = shown

    # the public folder: replaced whole (publish is atomic), only when something changed
    p = project.publish
    out = project.root / p["out"]
    publish_print = _digest(ratings_print, p, shown,
                            [_digest(f) for f in _extra(project).values()])
    t = time.perf_counter()
    marker = out / ".geozz-publication"
    if state.fresh(f"publish:{period}", publish_print, marker) and \
            json.loads(marker.read_text(encoding="utf-8")).get("period") == shown:
        report("publish", "kept")
        written, ran = {"public": out}, False
    else:
        report("publish", "start")
        with tempfile.TemporaryDirectory() as scratch:
            extra, overlays, printed = dict(_extra(project)), (), None
            if p["rasters"]:
                made = raster.publication_rasters(problems, units, ratings, Path(scratch),
                                                     shown=shown, freq=freq)
                extra.update(made.files)
                overlays, printed, done.rasters = made.overlays, made.printed, made
            risk = None
            if p["forecast"]:  # where problems will come back next period (gz.forecast)
                from .forecast import risk as forecast_risk

                risk = forecast_risk(ledger, units, freq=freq, origin=shown)
            written = publish(units, ratings, ledger, out, period=shown, rejects=rejects,
                              risk=risk, problems=problems, extra=extra, overlays=overlays,
                              static_raster=printed, progress=_pages(report),
                              settings=publication(project))
        written = {"public": out, **written}
        state.record(f"publish:{period}", publish_print)
        ran = True
        report("publish", "done")
    done.stages["publish"] = {"ran": ran, "seconds": round(time.perf_counter() - t, 2)}
    done.outputs.update(written)
    done.outputs.update(_reports(project, state, done, report, ratings_print))
    done.outputs.update(units=work / "units.parquet", ledger=folder / "ledger.parquet",
                        ratings=folder / "ratings.parquet")
    return done


def _reports(project: Project, state: _State, done: Run, report, ratings_print: str
             ) -> dict[str, Path]:
    """The workbook and the bulletin of the period (``[reports]``), in
    ``reports/<period>/``; kept when made from the same ratings and settings."""
    from .reports import bulletin, workbook

    r, period, t = project.reports, done.shown, time.perf_counter()
    folder = project.root / r["out"] / period
    want = {}
    if r["workbook"]:
        want["workbook"] = folder / f"workbook-{period}.xlsx"
    if r["bulletin"]:
        want["bulletin_docx"] = folder / f"bulletin-{period}.docx"
        if r["pdf"]:
            want["bulletin_pdf"] = folder / f"bulletin-{period}.pdf"
    if not want:
        return {}
    print_ = _digest(ratings_print, r, project.publish["title"], project.publish["target"],
                     project.publish["simulated"])
    if state.fresh(f"reports:{period}", print_, *want.values()):
        report("reports", "kept")
        done.stages["reports"] = {"ran": False,
                                  "seconds": round(time.perf_counter() - t, 2)}
        return want
    report("reports", "start")
    tables = done.tables
    p = project.publish
    common = dict(period=period, problems=tables["problems"],
                  title=p["title"] or project.district["name"] or None,
                  target=float(p["target"]), simulated=p["simulated"])
    folder.mkdir(parents=True, exist_ok=True)
    if r["workbook"]:
        workbook(tables["units"], tables["ratings"], tables["ledger"],
                    want["workbook"], rejects=tables["rejects"],
                    internal=bool(r["internal"]), **common)
    if r["bulletin"]:
        bulletin(tables["units"], tables["ratings"], tables["ledger"],
                    want["bulletin_docx"], pdf=bool(r["pdf"]), **common)
    state.record(f"reports:{period}", print_)
    report("reports", "done")
    done.stages["reports"] = {"ran": True, "seconds": round(time.perf_counter() - t, 2)}
    return want


def publication(project: Project) -> dict:
    """The project's ``[publish]`` table as :func:`geozz.publish`'s ``settings=`` (what is
    left empty left out; the title by default the district's name).

    Examples
    --------
    >>> import tempfile
    >>> settings = publication(load(init(tempfile.mkdtemp(), district="sf311")))
    >>> settings["title"], settings["contact"], "base_url" in settings
    ('San Francisco 311', '311', False)
    """
    from .maps.publication import SETTINGS

    p = project.publish
    out = {k: p[k] for k in SETTINGS if k in p and p[k] not in ("", {}, None)}
    out.setdefault("title", project.district["name"] or None)
    if "target" in out:
        out["target"] = float(out["target"])
    return out


def _pages(report):
    """publish's page progress passed on as ``("publish pages", "k/n")``."""
    return lambda k, n: report("publish pages", f"{k}/{n}")


def _extra(project: Project) -> dict[str, Path]:
    """The files of ``[publish] extra`` (project-relative paths or globs) by name."""
    out: dict[str, Path] = {}
    for pattern in project.publish["extra"]:
        for f in sorted(project.root.glob(pattern)):
            if f.is_file():
                out[f.name] = f
    return out


def _rubric(project: Project):
    name = project.rating["rubric"]
    candidate = project.root / name
    return str(candidate) if name.endswith(".toml") and candidate.is_file() else name
