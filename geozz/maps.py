"""Colour-coded star-rating maps (folium) that open with no network.

Every map geozz makes carries Leaflet's script and stylesheet inline (a copy ships in
``geozz/static``), draws on a canvas, rounds coordinates to the display scale (5 decimals,
about 1 m) and keeps only the properties the tooltip shows.

Text that came from input (unit names, admin names, unit types, titles, credits,
periods) never reaches a template engine or an HTML parser: it goes into the page only as
data written by :func:`geozz._io.script_json`, and the page's own script puts it into the
document with ``textContent``. So a name such as ``{{ 7*7 }}`` or ``<!--<script>`` shows as
exactly that text, in a saved page and inline in Jupyter alike.

Examples
--------
>>> import geozz as gz
>>> units = gz.build_units(gz.datasets.longgang())
>>> problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
>>> ratings = gz.rate(gz.assign(problems, units), units)
>>> m = gz.star_map(units, ratings, period="2024-05")
>>> "cdn.jsdelivr" in m.get_root().render()
False
"""

from __future__ import annotations

import functools
import json
import shutil
from importlib import resources
from pathlib import Path
from typing import Iterable, Mapping

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.geometry
from branca.element import Element, MacroElement

from ._io import as_path, atomic_dir, script_json, write_csv, write_text
from .errors import InputError, Issue, OutputError
from .problems import COLUMN_NAMES, INTERNAL_FIELDS, PERSONAL_FIELDS
from .schema import check_ledger, check_ratings, check_units
from .units import REGISTRY, UNIT_TYPES
from .units.registry import LABELS

__all__ = ["star_map", "publish", "STAR_COLOURS", "NO_RATING_COLOUR", "UNIT_TYPE_LABELS"]

STAR_COLOURS = {5: "#1a9850", 4: "#91cf60", 3: "#fee08b", 2: "#fc8d59", 1: "#d73027"}
NO_RATING_COLOUR = "#bdbdbd"
STAR_LABELS = {5: "五星 5★", 4: "四星 4★", 3: "三星 3★", 2: "二星 2★", 1: "一星 1★"}
#: map label of each unit type ("网格 Grid" …): the unit-type registry's live view, so a
#: type registered later has its label too
UNIT_TYPE_LABELS = LABELS
OSM_CREDIT = "© OpenStreetMap contributors"
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
_TABLE_NAMES = {"overview.html", "ratings.csv", "ledger.csv", "rejects.csv"}


def _output_names() -> set[str]:
    """The file names a publication writes: the tables, and one page per registered type."""
    return _TABLE_NAMES | {f"stars_{t}.html" for t in UNIT_TYPES}


@functools.cache
def _static(name: str) -> str:
    return resources.files("geozz.static").joinpath(name).read_text("utf-8")


def _leaflet_inline() -> str:
    js = _static("leaflet.js").replace("</script", "<\\/script")
    return f"<style>{_static('leaflet.css')}</style>\n<script>{js}</script>"


_LEGEND_CSS = """<style>
.gz-legend {position:fixed; bottom:60px; left:12px; z-index:1000; background:#fff;
  padding:8px 10px; border-radius:4px; box-shadow:0 1px 4px rgba(0,0,0,.4);
  font:12px/1.5 sans-serif; max-width:260px}
.gz-legend i {display:inline-block; width:14px; height:12px; margin-right:6px;
  vertical-align:middle; border:1px solid #777}
.gz-legend .gz-title {font-weight:bold; margin-bottom:4px}
.gz-legend .gz-n {color:#666; float:right; margin-left:8px}
.gz-legend .gz-note {margin-top:6px; color:#444; font-size:11px}
</style>"""

# The page script: constant code; every input-derived value is in CONFIG (script_json)
# and reaches the document through textContent (or esc(), which is textContent read back
# as HTML, for the two Leaflet calls that take HTML: layer names and attribution).
_PAGE_JS = """
(function () {
  var map = MAP, cfg = CONFIG;
  var stars = ["\\u2014", "★☆☆☆☆", "★★☆☆☆", "★★★☆☆", "★★★★☆", "★★★★★"];
  var fields = [["名称 Name", "n"], ["类型 Type", null], ["辖区 Admin", "a"],
                ["得分 Score", "c"], ["星级 Stars", "s"], ["问题数 Problems", "f"]];
  function esc(s) { var d = document.createElement("span"); d.textContent = s;
                    return d.innerHTML; }
  function el(tag, cls, text) { var e = document.createElement(tag);
    if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }
  function tipper(type) {
    return function (layer) {
      var p = layer.feature.properties, table = document.createElement("table");
      fields.forEach(function (f) {
        var tr = table.insertRow(), th = el("th", null, f[0]), td = tr.insertCell();
        tr.insertBefore(th, td); th.style.textAlign = "left"; th.style.paddingRight = "8px";
        td.textContent = f[1] === null ? type : f[1] === "s" ? stars[p.s] : String(p[f[1]]);
      });
      return table;
    };
  }
  var control = L.control.layers(null, null, {collapsed: false});
  cfg.layers.forEach(function (spec) {
    var layer = L.geoJSON(spec.data, {
      style: function (f) { return {fillColor: cfg.colours[f.properties.s], color: "#555",
                                    weight: spec.weight, fillOpacity: 0.7}; }
    });
    layer.bindTooltip(tipper(spec.label), {sticky: true});
    layer.on("mouseover", function (e) { e.layer.setStyle({weight: 3, color: "#000"}); });
    layer.on("mouseout", function (e) { layer.resetStyle(e.layer); });
    layer.addTo(map);
    control.addOverlay(layer, esc(spec.label));
  });
  control.addTo(map);
  if (cfg.tiles) L.tileLayer(cfg.tiles, {attribution: ""}).addTo(map);
  map.attributionControl.addAttribution(esc(cfg.credit));
  var box = el("div", "gz-legend"); box.id = "gz-legend";
  box.appendChild(el("div", "gz-title", cfg.legend.title));
  cfg.legend.rows.forEach(function (r) {
    var row = el("div"), swatch = el("i");
    swatch.style.background = r[0];
    row.appendChild(swatch); row.appendChild(document.createTextNode(r[1] + " "));
    row.appendChild(el("span", "gz-n", String(r[2]))); box.appendChild(row);
  });
  var note = el("div", "gz-note");
  cfg.legend.notes.forEach(function (n, i) {
    if (i) note.appendChild(document.createElement("br"));
    note.appendChild(n[1] ? el("b", null, n[0]) : document.createTextNode(n[0]));
  });
  box.appendChild(note);
  document.body.appendChild(box);
})();
"""


class _Raw(Element):
    """A branca element that renders its text as it is: never compiled as a template."""

    def __init__(self, text: str):
        super().__init__()
        self._name = "GeozzRaw"
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


class _StarMap(MacroElement):
    """The star map's one child of the folium map: at render time it puts Leaflet and
    the legend style in the page header and the page script (with ``config`` as data)
    in the page script, all as raw text that no template engine sees."""

    def __init__(self, config: dict):
        super().__init__()
        self._name = "GeozzStarMap"
        self.config = config

    def render(self, **kwargs) -> None:
        figure = self.get_root()
        figure.header.add_child(_Raw(_leaflet_inline()), name="geozz_leaflet_inline",
                                index=0)
        figure.header.add_child(_Raw(_LEGEND_CSS), name="geozz_legend_css")
        # the map's variable name is folium's own identifier (map_ + hex digits)
        js = (_PAGE_JS.replace("MAP", self._parent.get_name(), 1)
              .replace("CONFIG", script_json(self.config), 1))
        figure.script.add_child(_Raw(js), name=self.get_name())


def _round_geoms(geoms: gpd.GeoSeries, decimals: int) -> np.ndarray:
    return shapely.transform(geoms.to_numpy(), lambda xy: np.round(xy, decimals))


def _period_of(ratings: pd.DataFrame, period: str | None) -> str | None:
    periods = sorted(ratings["period"].astype(str).unique())
    if period is None:
        return periods[-1] if periods else None
    if str(period) not in periods:
        raise InputError(Issue(field="period", expected=f"a rated period ({periods[:3]} … "
                               f"{periods[-1:]})" if periods else "a rated period",
                               got=period, fix="pick a period present in the ratings"))
    return str(period)


def _is_url(tiles: str) -> bool:
    return "://" in tiles or "{z}" in tiles


def _text(values) -> list[str]:
    return [str(v) if pd.notna(v) and str(v) != "" else "—" for v in values]


def star_map(units: gpd.GeoDataFrame, ratings: pd.DataFrame, *, period: str | None = None,
             unit_types: Iterable[str] | None = None, tiles: str | None = None,
             title: str | None = None, simulated: bool = False,
             credit: str = OSM_CREDIT, decimals: int = 5, m=None):
    """A folium map of units coloured by their star rating in one period.

    One layer per unit type (with a layer control), a legend in Chinese with English
    (五星 5★ … 一星 1★, 无评分 no rating, with counts), tooltips with name, type, score,
    stars as ★★★☆☆ and the number of problems, and a data credit. All text from the
    input is shown literally (it is page data, never markup or template).

    Parameters
    ----------
    units : GeoDataFrame
        Units (any CRS; drawn in WGS-84).
    ratings : DataFrame
        From :func:`geozz.rate`.
    period : str, optional
        The period to show (``"2024-05"``, ``"2024Q2"``); default the latest rated.
    unit_types : iterable of str, optional
        Which unit types to draw; default all present.
    tiles : str, optional
        A folium tile name (e.g. ``"OpenStreetMap"``) or a tile URL template
        (``https://…/{z}/{x}/{y}.png``) for a base map. Default none, so that the map
        needs no network at all.
    title : str, optional
        Legend title, shown as text.
    simulated : bool, default False
        Say on the map that the problem records are simulated.
    credit : str
        Data credit shown in the attribution corner and the legend.
    decimals : int, default 5
        Coordinate rounding (5 decimals ≈ 1 m).
    m : folium.Map, optional
        An existing map to draw on.

    Returns
    -------
    folium.Map
        Shows inline in Jupyter; ``m.save("map.html")`` writes a self-contained page.

    Examples
    --------
    >>> import geozz as gz
    >>> units = gz.build_units(gz.datasets.longgang())
    >>> problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    >>> ratings = gz.rate(gz.assign(problems, units), units)
    >>> m = star_map(units, ratings, unit_types=["road"], simulated=True)
    >>> "模拟" in m.get_root().render()
    True
    """
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 15:
        raise InputError(Issue(field="decimals", expected="a whole number from 0 to 15",
                               got=decimals, fix="use decimals=5 (about 1 m)"))
    check_units(units, stage="star_map")
    check_ratings(ratings, stage="star_map")
    return _draw(units, ratings, period=period, unit_types=unit_types, tiles=tiles,
                 title=title, simulated=simulated, credit=credit, decimals=decimals, m=m)


def _draw(units: gpd.GeoDataFrame, ratings: pd.DataFrame, *, period: str | None,
          unit_types: Iterable[str] | None, tiles: str | None, title: str | None,
          simulated: bool, credit: str, decimals: int, m):
    """The star map of units and ratings already checked (see :func:`star_map`)."""
    if unit_types is not None:
        unit_types = [unit_types] if isinstance(unit_types, str) else list(unit_types)
        unknown = [t for t in unit_types if t not in REGISTRY]
        if unknown:
            raise InputError(Issue(field="unit_types", expected=f"unit types from "
                                   f"{UNIT_TYPES}", got=unknown,
                                   fix="pass only known unit types"))
    period = _period_of(ratings, period)
    sel = ratings[ratings["period"].astype(str) == period].set_index("unit_id") \
        if period else pd.DataFrame(columns=["score", "stars", "found", "grade"])
    types = list(unit_types) if unit_types is not None else \
        [t for t in UNIT_TYPES if t in set(units["unit_type"])]
    shown = units[units["unit_type"].isin(types)]
    wgs = shown.geometry.to_crs(4326)
    tile_url = tiles if tiles is not None and _is_url(str(tiles)) else None
    if m is None:
        minx, miny, maxx, maxy = wgs.total_bounds
        try:
            m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2],
                           tiles=None if tile_url else tiles, prefer_canvas=True,
                           control_scale=True)
        except ValueError:  # an unknown tile name (xyzservices)
            raise InputError(Issue(field="tiles", expected="a folium tile name such as "
                                   "'OpenStreetMap' or a URL with {z}/{x}/{y}", got=tiles,
                                   fix="pass a known tile name or a tile URL")) from None
        m.fit_bounds([[miny, minx], [maxy, maxx]])
    m.default_js = []  # Leaflet goes inline instead (see _StarMap)
    m.default_css = []
    r = sel.reindex(shown.index)
    stars = r["stars"]
    counts: dict[int | None, int] = {int(k): int(v) for k, v in
                                     stars.dropna().astype(int).value_counts().items()}
    counts[None] = int(stars.isna().sum())

    props = pd.DataFrame({
        "n": _text(shown["name"]) if "name" in shown else _text(shown.index),
        "a": _text(shown["admin"]) if "admin" in shown else "—",
        "c": [f"{v:.1f}" if pd.notna(v) else "—" for v in r["score"]],
        "f": [int(v) if pd.notna(v) else 0 for v in
              (r["found"] if "found" in r else [None] * len(r))],
        "s": [int(v) if pd.notna(v) else 0 for v in stars],
    }, index=shown.index)
    geoms = _round_geoms(wgs, decimals)
    layers = []
    for utype in types:
        mask = (shown["unit_type"] == utype).to_numpy()
        if not mask.any():
            continue
        features = [{"type": "Feature", "properties": rec,
                     "geometry": shapely.geometry.mapping(g)}
                    for rec, g in zip(props[mask].to_dict("records"), geoms[mask])]
        layers.append({"label": UNIT_TYPE_LABELS.get(utype, str(utype)),
                       "weight": REGISTRY[utype].style.get("weight", 1),
                       "data": {"type": "FeatureCollection", "features": features}})
    notes = [[f"评价期 Period: {period}" if period else "无评分 no ratings", False]]
    if simulated:
        notes += [["问题点为模拟数据", True],
                  [" The problem records on this map are simulated.", False]]
    notes.append([str(credit), False])
    rows = [[STAR_COLOURS[n], STAR_LABELS[n], counts.get(n, 0)] for n in (5, 4, 3, 2, 1)]
    rows.append([NO_RATING_COLOUR, "无评分 no rating", counts.get(None, 0)])
    config = {
        "layers": layers,
        "colours": [NO_RATING_COLOUR] + [STAR_COLOURS[n] for n in (1, 2, 3, 4, 5)],
        "credit": str(credit),
        "tiles": tile_url,
        "legend": {"title": str(title) if title else "星级评价 Star rating",
                   "rows": rows, "notes": notes},
    }
    m.add_child(_StarMap(config))
    return m


def _page(m) -> str:
    return m.get_root().render()


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


def publish(units: gpd.GeoDataFrame, ratings: pd.DataFrame, ledger: pd.DataFrame,
            out_dir: str | Path, *, period: str | None = None, title: str | None = None,
            simulated: bool = False, tiles: str | None = None,
            credit: str = OSM_CREDIT, rejects: pd.DataFrame | None = None,
            extra: Mapping[str, str | Path] | None = None) -> dict[str, Path]:
    """Write a public-safe, offline folder of star maps and tables, all at once.

    Writes ``overview.html`` (every unit type, one layer each), ``stars_<type>.html`` for
    each unit type, ``ratings.csv`` (all periods, public columns only), ``ledger.csv``
    (which problem went to which unit, without personal fields or free-text
    descriptions) and, when given, ``rejects.csv`` (where and why only) and ``extra``
    files. Tables are UTF-8 with BOM and text cells that a spreadsheet would run as a
    formula are prefixed with ``'``.

    The folder is built beside ``out_dir`` and swapped in whole, so readers see either
    the previous publication or the new one, complete, even if the process is killed.
    A folder is only replaced if geozz made it (it holds a ``.geozz-publication`` file)
    or it is empty.

    Parameters
    ----------
    units, ratings, ledger
        From :func:`geozz.build_units`, :func:`geozz.rate`, :func:`geozz.assign`.
    out_dir : str or Path
        Folder to write (created if needed).
    period : str, optional
        Period of the maps; default the latest rated.
    title : str, optional
        Title shown on the maps (as text).
    simulated : bool, default False
        Mark the maps as showing simulated problems.
    tiles : str, optional
        Base tiles (default none: the pages need no network).
    credit : str
        Data credit.
    rejects : DataFrame, optional
        The rejects of :func:`geozz.read_problems`; written as ``rejects.csv`` with the
        columns file (name only), row, line, kind, reason, field, value.
    extra : mapping of str to path, optional
        Further files to copy into the folder, by file name.

    Returns
    -------
    dict of str to Path
        ``{"overview": …, "grid": …, "road": …, "river": …, "ratings": …, "ledger": …}``
        (plus ``"rejects"`` and each extra file's name when given).

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
    >>> out = gz.publish(units, gz.rate(ledger, units), ledger, tempfile.mkdtemp())
    >>> sorted(out)
    ['grid', 'ledger', 'overview', 'ratings', 'river', 'road']
    """
    as_path(out_dir, field="out_dir", what="folder")
    check_units(units, stage="publish")
    check_ratings(ratings, stage="publish")
    check_ledger(ledger, stage="publish")
    extras = _check_extra(extra or {})
    name = title or (str(units["admin"].iloc[0]) if "admin" in units and len(units) else "")
    common = dict(period=period, simulated=simulated, tiles=tiles, credit=credit,
                  decimals=5, m=None)
    # everything is rendered before the folder is touched: bad input changes nothing
    pages = {"overview": ("overview.html", _page(_draw(
        units, ratings, unit_types=None, title=f"{name} 星级评价 overview", **common)))}
    for utype in [t for t in UNIT_TYPES if t in set(units["unit_type"])]:
        label = UNIT_TYPE_LABELS.get(utype, utype)
        pages[utype] = (f"stars_{utype}.html", _page(_draw(
            units, ratings, unit_types=[utype], title=f"{name} {label}", **common)))
    tables = {"ratings": ("ratings.csv",
                          ratings[[c for c in PUBLIC_RATING_COLUMNS if c in ratings]]),
              "ledger": ("ledger.csv", ledger[[c for c in PUBLIC_LEDGER_COLUMNS
                                               if c in ledger and c not in PERSONAL_FIELDS]])}
    if rejects is not None:
        tables["rejects"] = ("rejects.csv", _public_rejects(rejects))
    shown = _period_of(ratings, period)
    marker = json.dumps({"geozz": "publication", "period": shown,
                         "files": sorted([f for f, _ in pages.values()]
                                         + [f for f, _ in tables.values()] + list(extras))},
                        ensure_ascii=False)
    out = as_path(out_dir, field="out_dir", what="folder")
    written: dict[str, Path] = {}
    with atomic_dir(out, marker_text=marker + "\n") as tmp:
        for key, (fname, text) in pages.items():
            write_text(tmp / fname, text)
            written[key] = fname
        for key, (fname, table) in tables.items():
            write_csv(tmp / fname, table)
            written[key] = fname
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
