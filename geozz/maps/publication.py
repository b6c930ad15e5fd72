"""``publish``: the public folder of an assessment, written whole and swapped in at once."""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Mapping

import geopandas as gpd
import pandas as pd

from .._io import as_path, atomic_dir, csv_text, write_text
from .._parallel import Background
from ..errors import InputError, Issue, OutputError
from ..tables.ledger import check_ledger
from ..tables.problems import COLUMN_NAMES, INTERNAL_FIELDS, PERSONAL_FIELDS, check_problems
from ..tables.ratings import TARGET, check_ratings
from ..tables.risk import check_risk
from ..tables.unit_types import type_labels
from ..tables.units import admin_column, check_units
from ..units import UNIT_TYPES
from .encode import shift_geometry
from .page import ASSETS, asset
from .pages import (
    areas_layer,
    books,
    index_page,
    neighbours_of,
    page_shapes,
    points_layer,
    problem_points,
    risk_layer,
    risk_of,
    unit_page,
)
from .star import (
    CANVAS_CELLS,
    OSM_CREDIT,
    _categories,
    _periods,
    _to_gcj,
    draw,
    overlay_layers,
    page_name,
    tile_choice,
)

__all__ = ["publish", "PUBLIC_RATING_COLUMNS", "PUBLIC_LEDGER_COLUMNS",
           "PUBLIC_REJECT_COLUMNS"]

#: columns of ratings.csv in a public folder (no personal data can be among them)
PUBLIC_RATING_COLUMNS = ["unit_id", "period", "unit_type", "name", "admin", "score", "grade",
                         "stars", "rank", "found", "closed", "on_time", "overdue",
                         "reopened", "recurrence", "not_rated"]
PUBLIC_LEDGER_COLUMNS = ["problem_id", "unit_id", "unit_type", "reason", "category",
                         "found_at", "source", "status", "deadline", "rectified_at"]
#: columns of rejects.csv in a public folder: where and why only, never the raw record
PUBLIC_REJECT_COLUMNS = ["file", "row", "line", "kind", "reason", "field", "value"]
#: reject reasons whose value may be any text of the record (never published)
_FREE_TEXT_REASONS = ("bad_encoding",)
_TABLE_NAMES = {"index.html", "overview.html", "areas.html", "ratings.csv", "ledger.csv",
                "rejects.csv", "areas.csv", "units", "assets"}


def _output_names() -> set[str]:
    """The file names a publication writes: the tables, and one page per registered type."""
    return _TABLE_NAMES | {f"stars_{t}.html" for t in UNIT_TYPES}


def _public_rejects(rejects: pd.DataFrame) -> pd.DataFrame:
    out = rejects[[c for c in PUBLIC_REJECT_COLUMNS if c in rejects]].copy()
    if "file" in out:  # the file's name, not where it lives on the publisher's machine
        out["file"] = [Path(str(f)).name if pd.notna(f) else f for f in out["file"]]
    if "value" in out:
        # a value from a personal or internal field (photo path, media URL), or free text
        # (damaged bytes can be in any field), is not published: only where and why
        private = (*PERSONAL_FIELDS, *INTERNAL_FIELDS)
        personal = set(private).union(*(COLUMN_NAMES[f] for f in private))
        hide = out["field"].isin(personal) if "field" in out else False
        if "reason" in rejects:
            hide = hide | rejects["reason"].isin(_FREE_TEXT_REASONS)
        out.loc[hide, "value"] = ""
    return out


def _check_extra(extra: Mapping[str, str | Path]) -> dict[str, Path]:
    issues, files = [], {}
    for name, src in extra.items():
        name = str(name)
        if (Path(name).name != name or name.startswith(".") or name in _output_names()
                or not name):
            issues.append(Issue(field="extra", expected="a plain file name that is not one "
                                f"of {sorted(_output_names())} and does not start with '.'",
                                got=name, fix="rename the extra file"))
        elif not Path(src).is_file():
            issues.append(Issue(file=str(src), field="extra", expected="an existing file",
                                got=str(src), fix="write the file before publishing"))
        else:
            files[name] = Path(src)
    if issues:
        raise InputError(issues)
    return files


def _area_column(units, level: str | None) -> str | None:
    if level is not None:
        col = admin_column(level)
        if col not in units:
            raise InputError(Issue(field="level", expected=f"units with a column {col!r}",
                                   got=level, fix="give the units their admin areas "
                                                  "(gz.units.apply_admin) or leave level out"))
        return col
    for col in ("admin_street", "admin_county", "admin"):
        if col in units and units[col].fillna("").astype(str).str.strip().ne("").any():
            return col
    return None


def publish(units: gpd.GeoDataFrame, ratings: pd.DataFrame, ledger: pd.DataFrame,
            out_dir: str | Path, *, period: str | None = None, title: str | None = None,
            simulated: bool = False, tiles: str | None = None,
            credit: str = OSM_CREDIT, rejects: pd.DataFrame | None = None,
            extra: Mapping[str, str | Path] | None = None,
            problems: gpd.GeoDataFrame | None = None, unit_pages: bool = True,
            level: str | None = None, target: float = TARGET, progress=None,
            overlays=(), signboards: bool = False, base_url: str | None = None,
            contact: str | None = None, static: bool = False,
            static_raster=None, canvas_cells: int | None = CANVAS_CELLS,
            labels: Mapping[str, str] | None = None,
            settings: Mapping | None = None,
            risk: pd.DataFrame | None = None) -> dict[str, Path]:
    """Write a public-safe, offline folder of star maps, unit pages and tables, all at once.

    Writes:

    * ``index.html``: every unit of the period in a table sortable and filterable by
      score, stars, type and admin area, each linking to its page; the share at 3★ or
      better against ``target``; the red and black lists;
    * ``overview.html``: one layer per unit type, the admin areas and (with ``problems=``)
      the problem points of the period by state, clustered, with a heat-map view; every
      rated period in one page with a period switcher; a click opens a unit's
      deductions and a link to its page;
    * ``areas.html``: the same map opened on the admin areas coloured by their share of
      units at 3★ or better; ``areas.csv``: the table of :func:`geozz.rating.areas`;
    * ``stars_<type>.html`` for each unit type;
    * ``units/<unit_id>.html`` (with ``unit_pages``): each unit's page — its shape with
      its neighbours greyed, stars, score, deductions, score history, responsible body
      and problems of the period by state (the file name is the id where its characters
      are safe in a file name and a URL, see :func:`geozz.maps.page_name`);
    * ``assets/``: the scripts and styles the index and unit pages load (the map pages
      carry theirs inside);
    * ``ratings.csv`` (all periods, public columns only), ``ledger.csv`` (without personal
      fields or free text) and, when given, ``rejects.csv`` (where and why only) and the
      ``extra`` files. Tables are UTF-8 with BOM and text cells that a spreadsheet would
      run as a formula are prefixed with ``'``.

    No page needs the network unless ``tiles`` asks for a base map. The folder is built
    beside ``out_dir`` and swapped in whole, so readers see either the previous
    publication or the new one, complete, even if the process is killed. A folder is
    only replaced if geozz made it (it holds a ``.geozz-publication`` file) or it is empty.

    Parameters
    ----------
    units, ratings, ledger
        From :func:`geozz.build_units`, :func:`geozz.rate`, :func:`geozz.assign`.
    out_dir : str or Path
        Folder to write (created if needed).
    period : str, optional
        Period shown first; default the latest rated.
    title : str, optional
        Title shown on the pages (as text).
    simulated : bool, default False
        Mark the pages as showing simulated problems.
    tiles : str, optional
        Base tiles (see :func:`geozz.star_map`; default none: no network needed).
    credit : str
        Data credit.
    rejects : DataFrame, optional
        The rejects of :func:`geozz.read_problems`; written as ``rejects.csv`` with the
        columns file (name only), row, line, kind, reason, field, value.
    extra : mapping of str to path, optional
        Further files to copy into the folder, by file name.
    problems : GeoDataFrame, optional
        The problems of :func:`geozz.read_problems`, for the problem points (position,
        period, state and category only).
    unit_pages : bool, default True
        Write ``units/<unit_id>.html``.
    level : str, optional
        Admin level of the areas (``"street"`` …, a units column); default the most
        detailed of ``admin_street``, ``admin_county``, ``admin`` present.
    target : float, default 0.8
        Share of units at 3★ or better an area should reach.
    progress : callable, optional
        Called with ``(done, total)`` while unit pages are made.
    overlays : sequence, optional
        Raster layers of the overview and the area map (density, hot spots), as for
        :func:`geozz.star_map`: surfaces of :mod:`geozz.raster` or their
        :func:`geozz.raster.image_layer`; each with its own legend.
    canvas_cells : int or None, default :data:`geozz.maps.star.CANVAS_CELLS`
        Grids of at least this many cells are drawn as one canvas layer on the map pages
        (see :func:`geozz.star_map`).
    signboards : bool, default False
        Also write ``signboards/<unit>.pdf`` and ``.png``: a printable board per unit at
        3★ or better with a QR code to its page (:func:`geozz.maps.signboards`); needs
        ``base_url``.
    base_url : str, optional
        Where this folder will be served (``https://…/public/``), for the QR codes.
    contact : str, optional
        The office's contact line on the boards (a hotline).
    static : bool, default False
        Also write ``overview.png`` and ``overview.pdf`` for printed bulletins
        (:func:`geozz.maps.static_map`).
    static_raster : Surface or path, optional
        A raster drawn on the static overview (default the first
        :class:`~geozz.raster.Surface` of ``overlays``, if any).
    settings : mapping, optional
        The publication's settings as one object: a project's ``[publish]`` table
        (:mod:`geozz.project`) or any mapping of keywords among :data:`SETTINGS`
        (``title``, ``signboards``, ``base_url``, ``contact``, ``target`` …). A keyword
        given with another value than its default wins over the setting.
    labels : mapping of str to str, optional
        The label of a unit type on the pages, by type name (``{"grid": "普查区 Census
        tract"}``); by default the units' ``type_label`` column, else the registry's
        label (:func:`geozz.tables.unit_types.type_labels`); the printed overview and the
        signboards show the same labels.
    risk : DataFrame, optional
        The forecast of :func:`geozz.forecast.risk` (same units): the overview gets a
        switchable layer of the units in the top 25 % of the forecast (hover: expected
        problems, chance of 回潮, rank and why; click: the unit's page) and each unit
        page two lines, its forecast and why. Default None: the pages are as without.

    Returns
    -------
    dict of str to Path
        ``{"index": …, "overview": …, "areas": …, "grid": …, "road": …, "river": …,
        "units": …, "ratings": …, "ledger": …, "areas_table": …}`` (plus ``"rejects"``
        and each extra file's name when given).

    Raises
    ------
    OutputError
        ``out_dir`` is a file, a non-empty folder geozz did not make, or cannot be
        written; the previous publication is left as it was.

    Examples
    --------
    >>> import geozz as gz, tempfile
    >>> units = gz.build_units(gz.datasets.longgang())
    >>> problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    >>> ledger = gz.assign(problems, units)
    >>> out = gz.publish(units, gz.rate(ledger, units), ledger, tempfile.mkdtemp(),
    ...                  problems=problems)
    >>> sorted(out)  # doctest: +NORMALIZE_WHITESPACE
    ['areas', 'areas_table', 'grid', 'index', 'ledger', 'overview', 'ratings', 'river',
     'road', 'units']
    """
    given = dict(period=period, title=title, simulated=simulated, tiles=tiles,
                 credit=credit, rejects=rejects, extra=extra, problems=problems,
                 unit_pages=unit_pages, level=level, target=target, progress=progress,
                 overlays=overlays, signboards=signboards, base_url=base_url,
                 contact=contact, static=static, static_raster=static_raster,
                 canvas_cells=canvas_cells, labels=labels)
    with contextlib.ExitStack() as stack:
        return _publish(stack, units, ratings, ledger, out_dir,
                        **_with_settings(given, settings), risk=risk)


#: the keywords of :func:`publish` a ``settings=`` mapping may hold
SETTINGS = ("period", "title", "simulated", "tiles", "credit", "unit_pages", "level",
            "target", "signboards", "base_url", "contact", "static", "canvas_cells",
            "labels")


def _with_settings(given: dict, settings: Mapping | None) -> dict:
    """``publish``'s keywords with ``settings`` filled in where a keyword was left at its
    default (a keyword given another value wins)."""
    if settings is None:
        return given
    import inspect

    if not isinstance(settings, Mapping):
        raise InputError(Issue(field="settings", expected="a mapping of publish keywords "
                               "(a project's [publish] table)", got=type(settings).__name__,
                               fix="settings={'title': '龙岗区', 'signboards': True, …}"))
    unknown = sorted(set(settings) - set(SETTINGS))
    if unknown:
        raise InputError(Issue(field="settings", expected=f"keys among {SETTINGS}",
                               got=unknown, fix="remove or rename them (the data and "
                               "out_dir are passed as arguments)"))
    defaults = inspect.signature(publish).parameters
    out = dict(given)
    for key, value in settings.items():
        default = defaults[key].default
        if given[key] is default or (isinstance(default, (str, int, float, bool))
                                     and type(given[key]) is type(default)
                                     and given[key] == default):
            out[key] = value
    return out


def _printed(units, ratings, scratch: Path, *, period, title, credit, simulated, overlays,
             signboards, base_url, contact, static, static_raster, progress=None,
             labels=None) -> dict[str, Path]:
    """The signboards and static overview of a publication, made in ``scratch``: their
    names in the folder and where they are now."""
    from ..raster import Surface
    from .printed import signboards as boards
    from .printed import static_maps

    out: dict[str, Path] = {}
    if signboards:
        made = boards(units, ratings, scratch / "signboards", base_url=base_url,
                      period=period, title=None, contact=contact, progress=progress,
                      labels=labels)
        for paths in made.values():
            for p in paths:
                out[f"signboards/{p.name}"] = p
    if static:
        surfaces = [x for x in ([overlays] if isinstance(overlays, Surface)
                                else list(overlays or ())) if isinstance(x, Surface)]
        names = ("overview.png", "overview.pdf")
        made = static_maps(units, ratings, [scratch / n for n in names], period=period,
                           title=f"{title} 星级评价" if title else None, credit=credit,
                           simulated=simulated, labels=labels,
                           raster=static_raster if static_raster is not None
                           else surfaces[0] if surfaces else None)
        out.update(zip(names, made))
    return out


def _publish(stack, units, ratings, ledger, out_dir, *, period, title, simulated, tiles,
             credit, rejects, extra, problems, unit_pages, level, target, progress,
             overlays, signboards, base_url, contact, static, static_raster, canvas_cells,
             labels, risk=None) -> dict[str, Path]:
    from ..rating import areas as area_table

    as_path(out_dir, field="out_dir", what="folder")
    check_units(units, stage="publish")
    check_ratings(ratings, stage="publish")
    check_ledger(ledger, stage="publish")
    if problems is not None:
        check_problems(problems, stage="publish", located=True)
    if risk is not None:
        check_risk(risk, stage="publish", units=units)
        risk = risk.set_axis(risk.index.astype(str))
    type_label = type_labels(units, labels)
    tile_url, _, tile_crs = tile_choice(tiles)
    # over a GCJ-02 base map every position is shifted to GCJ-02 so that it lines up
    shift = _to_gcj if tile_crs == "gcj02" else None
    extras = _check_extra(extra or {})
    name = title or (str(units["admin"].iloc[0]) if "admin" in units and len(units) else "")
    periods, shown_at = _periods(ratings, period)
    shown = periods[shown_at] if periods else None
    cats = _categories(ratings)
    notes = [["问题点为模拟数据 The problem records are simulated.", True]] if simulated else []
    notes.append([str(credit), False])
    if signboards and not base_url:
        raise InputError(Issue(field="base_url", expected="the address the folder will "
                               "be served at, for the boards' QR codes", got=base_url,
                               fix="pass base_url='https://…/public/' or leave "
                                   "signboards out"))
    # printed outputs (matplotlib, the longest part) are drawn in a second process while
    # this one makes the pages, and the overview figure here once the pages are made when
    # there are boards to draw too; made before the folder is touched, then moved in
    printing, static_here = None, False
    if shown is not None and (signboards or static):
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        static_here = bool(signboards and static)
        printing = Background(_printed, units, ratings, scratch, period=shown, title=name,
                              credit=credit, simulated=simulated, overlays=overlays,
                              signboards=signboards, base_url=base_url, contact=contact,
                              static=static and not static_here,
                              static_raster=static_raster, progress=progress,
                              labels=type_label)
        stack.callback(printing.cancel)  # when this process fails before it is done
    # ---- layers shared by the map pages
    layers = []
    points = pd.DataFrame({"lon": [], "lat": [], "period": [], "state": [], "category": [],
                           "unit_id": []})
    if problems is not None and periods:
        points = problem_points(problems, ledger, periods)
        if shift is not None and len(points):
            points["lon"], points["lat"] = shift(points["lon"].to_numpy(),
                                                 points["lat"].to_numpy())
        layers.append(points_layer(points, sorted(set(points["category"]) | set(cats))))
    col = _area_column(units, level)
    table = None
    if col is not None and periods:
        table = area_table(ratings, units, level=col.removeprefix("admin_")
                           if col in ("admin_county", "admin_street") else col,
                           target=target)
        layers.append(areas_layer(units, table, periods, column=col, target=target,
                                  shift=shift))
    layers.extend(overlay_layers(overlays, tiles))
    overview_layers = list(layers)
    if risk is not None:
        overview_layers.append(risk_layer(risk, units, shift=shift))
    common = dict(period=shown, simulated=simulated, tiles=tiles, credit=credit,
                  decimals=5, m=None, canvas_cells=canvas_cells, labels=type_label)

    def page(types, heading, **kw):
        return draw(units, ratings, unit_types=types, title=heading, heading=heading,
                    pages="units/" if unit_pages else None, **common, **kw).get_root().render()

    # everything is rendered before the folder is touched: bad input changes nothing
    pages = {"overview": ("overview.html",
                          page(None, f"{name} 星级评价 overview",
                                               extra_layers=overview_layers))}
    if table is not None:
        shown_areas = [dict(x, show=True) if x["kind"] == "areas" else x for x in layers]
        pages["areas"] = ("areas.html", page(None, f"{name} 辖区达标 areas",
                                             extra_layers=shown_areas, show_units=False))
    for utype in [t for t in UNIT_TYPES if t in set(units["unit_type"])]:
        label = type_label.get(utype, utype)
        pages[utype] = (f"stars_{utype}.html", page([utype], f"{name} {label}"))
    if shown is not None:
        pages["index"] = ("index.html", index_page(units, ratings, shown, title=name,
                                                   target=target, notes=notes,
                                                   labels=type_label))
    unit_files: dict[str, str] = {}
    if unit_pages and shown is not None:
        metric = units if units.crs is not None and units.crs.is_projected \
            else units.to_crs(units.estimate_utm_crs())
        near = neighbours_of(metric)
        wgs = units.to_crs(4326)
        if shift is not None:
            wgs = wgs.set_geometry(shift_geometry(wgs.geometry.to_numpy(), shift), crs=4326)
        wgs.index = wgs.index.astype(str)
        by_unit = {k: g for k, g in ratings.assign(unit_id=ratings["unit_id"].astype(str))
                   .groupby("unit_id", sort=False)}
        # the problems the shown period's ratings count: found in it or carried over
        now = books(problems, ledger, shown) if problems is not None else \
            points.assign(found="", carried=False, closed_here=False, late=False)
        if shift is not None and len(now):
            now["lon"], now["lat"] = shift(now["lon"].to_numpy(), now["lat"].to_numpy())
        now_by_unit = {k: g for k, g in now.groupby("unit_id", sort=False)} if len(now) else {}
        shapes = page_shapes(wgs)
        empty, no_points = ratings.iloc[:0], now.iloc[:0]
        for k, uid in enumerate(wgs.index):
            unit_files[uid] = unit_page(uid, wgs, near[k], by_unit.get(uid, empty), shown,
                                        now_by_unit.get(uid, no_points), categories=cats,
                                        title=name, notes=notes, credit=credit,
                                        tiles=tile_url, shapes=shapes, labels=type_label,
                                        forecast=risk_of(risk, uid))
            if progress is not None and (k % 200 == 0 or k == len(wgs) - 1):
                progress(k + 1, len(wgs))
    tables = {"ratings": ("ratings.csv",
                          ratings[[c for c in PUBLIC_RATING_COLUMNS if c in ratings]]),
              "ledger": ("ledger.csv", ledger[[c for c in PUBLIC_LEDGER_COLUMNS
                                               if c in ledger and c not in PERSONAL_FIELDS]])}
    if table is not None:
        tables["areas_table"] = ("areas.csv", table)
    if rejects is not None:
        tables["rejects"] = ("rejects.csv", _public_rejects(rejects))
    files = sorted([f for f, _ in pages.values()] + [f for f, _ in tables.values()]
                   + list(extras) + ([f"units/{page_name(u)}" for u in unit_files])
                   + ([f"assets/{a}" for a in ASSETS] if shown is not None else []))
    texts = {key: (fname, csv_text(frame)) for key, (fname, frame) in tables.items()}
    printed = {}
    if static_here:
        printed = _printed(units, ratings, scratch, period=shown, title=name, credit=credit,
                           simulated=simulated, overlays=overlays, signboards=False,
                           base_url=base_url, contact=contact, static=True,
                           static_raster=static_raster, labels=type_label)
    if printing is not None:
        printed = {**printing.result(), **printed}
    files = sorted(files + list(printed))
    marker = json.dumps({"geozz": "publication", "period": shown, "files": files},
                        ensure_ascii=False)
    out = as_path(out_dir, field="out_dir", what="folder")
    written: dict[str, Path] = {}
    with atomic_dir(out, marker_text=marker + "\n") as tmp:
        for key, (fname, text) in pages.items():
            write_text(tmp / fname, text)
            written[key] = fname
        if shown is not None:
            (tmp / "assets").mkdir()
            for a in ASSETS:
                (tmp / "assets" / a).write_text(asset(a), encoding="utf-8")
        if unit_files:
            (tmp / "units").mkdir()
            for uid, text in unit_files.items():
                (tmp / "units" / page_name(uid)).write_text(text, encoding="utf-8")
            written["units"] = "units"
        for key, (fname, text) in texts.items():
            write_text(tmp / fname, text, encoding="utf-8-sig")
            written[key] = fname
        for fname, src in printed.items():
            (tmp / fname).parent.mkdir(parents=True, exist_ok=True)
            shutil.move(src, tmp / fname)
        if any(f.startswith("signboards/") for f in printed):
            written["signboards"] = "signboards"
        for fname in ("overview.png", "overview.pdf"):
            if fname in printed:
                written[fname.replace(".", "_")] = fname
        for fname, src in extras.items():
            try:
                shutil.copyfile(src, tmp / fname)
            except OSError as exc:
                raise OutputError(f"cannot copy {src} into the publication {out}: "
                                  f"{exc.strerror}. Fix: check the file and publish "
                                  "again. Nothing in that folder was changed.") from None
            written[fname] = fname
    final = Path(out).expanduser()
    return {k: final / v for k, v in written.items()}
