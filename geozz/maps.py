"""Colour-coded star-rating maps (folium) that open with no network.

Every map geozz makes carries Leaflet's script and stylesheet inline (a copy ships in
``geozz/static``), draws on a canvas, rounds coordinates to the display scale (5 decimals,
about 1 m) and keeps only the properties the tooltip shows. Text that came from input
(unit names, admin names, titles) is HTML-escaped before it reaches the page.

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
import html
import json
from importlib import resources
from pathlib import Path
from typing import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.geometry

from ._io import write_text
from .errors import InputError, Issue
from .problems import PERSONAL_FIELDS

__all__ = ["star_map", "publish", "STAR_COLOURS", "NO_RATING_COLOUR", "UNIT_TYPE_LABELS"]

STAR_COLOURS = {5: "#1a9850", 4: "#91cf60", 3: "#fee08b", 2: "#fc8d59", 1: "#d73027"}
NO_RATING_COLOUR = "#bdbdbd"
STAR_LABELS = {5: "五星 5★", 4: "四星 4★", 3: "三星 3★", 2: "二星 2★", 1: "一星 1★"}
UNIT_TYPE_LABELS = {"grid": "网格 Grid", "road": "路段 Road", "river": "河段 River"}
OSM_CREDIT = "© OpenStreetMap contributors"
#: columns of ratings.csv in a public folder (no personal data can be among them)
PUBLIC_RATING_COLUMNS = ["unit_id", "period", "unit_type", "name", "admin", "score", "grade",
                         "stars", "rank", "found", "closed", "on_time", "overdue",
                         "reopened", "recurrence", "not_rated"]
PUBLIC_LEDGER_COLUMNS = ["problem_id", "unit_id", "unit_type", "reason", "category",
                         "found_at", "source", "status", "deadline", "rectified_at"]


@functools.cache
def _static(name: str) -> str:
    return resources.files("geozz.static").joinpath(name).read_text("utf-8")


def _offline(m) -> None:
    """Replace folium's CDN links with Leaflet inlined in the page header."""
    from branca.element import Element

    m.default_js = []
    m.default_css = []
    js = _static("leaflet.js").replace("</script", "<\\/script")
    m.get_root().header.add_child(
        Element(f"<style>{_static('leaflet.css')}</style>\n<script>{js}</script>"),
        name="geozz_leaflet_inline", index=0)


def _round_geoms(geoms: gpd.GeoSeries, decimals: int) -> np.ndarray:
    return shapely.transform(geoms.to_numpy(), lambda xy: np.round(xy, decimals))


def _legend_html(title: str, note: str, counts: dict[int | None, int]) -> str:
    rows = []
    for n in (5, 4, 3, 2, 1):
        rows.append(f'<div><i style="background:{STAR_COLOURS[n]}"></i>{STAR_LABELS[n]}'
                    f' <span class="gz-n">{counts.get(n, 0)}</span></div>')
    rows.append(f'<div><i style="background:{NO_RATING_COLOUR}"></i>无评分 no rating'
                f' <span class="gz-n">{counts.get(None, 0)}</span></div>')
    return f"""
<div id="gz-legend" class="gz-legend">
  <div class="gz-title">{title}</div>
  {''.join(rows)}
  <div class="gz-note">{note}</div>
</div>
<style>
.gz-legend {{position:fixed; bottom:60px; left:12px; z-index:1000; background:#fff;
  padding:8px 10px; border-radius:4px; box-shadow:0 1px 4px rgba(0,0,0,.4);
  font:12px/1.5 sans-serif; max-width:260px}}
.gz-legend i {{display:inline-block; width:14px; height:12px; margin-right:6px;
  vertical-align:middle; border:1px solid #777}}
.gz-legend .gz-title {{font-weight:bold; margin-bottom:4px}}
.gz-legend .gz-n {{color:#666; float:right; margin-left:8px}}
.gz-legend .gz-note {{margin-top:6px; color:#444; font-size:11px}}
</style>"""


def _period_of(ratings: pd.DataFrame, period: str | None) -> str | None:
    periods = sorted(ratings["period"].astype(str).unique())
    if period is None:
        return periods[-1] if periods else None
    if str(period) not in periods:
        raise InputError(Issue(field="period", expected=f"a rated period ({periods[:3]} … "
                               f"{periods[-1:]})" if periods else "a rated period",
                               got=period, fix="pick a period present in the ratings"))
    return str(period)


def star_map(units: gpd.GeoDataFrame, ratings: pd.DataFrame, *, period: str | None = None,
             unit_types: Iterable[str] | None = None, tiles: str | None = None,
             title: str | None = None, simulated: bool = False,
             credit: str = OSM_CREDIT, decimals: int = 5, m=None):
    """A folium map of units coloured by their star rating in one period.

    One layer per unit type (with a layer control), a legend in Chinese with English
    (五星 5★ … 一星 1★, 无评分 no rating, with counts), tooltips with name, type, score,
    stars as ★★★☆☆ and the number of problems, and a data credit.

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
        A folium tile name (e.g. ``"OpenStreetMap"``) for a base map. Default none, so
        that the map needs no network at all.
    title : str, optional
        Legend title; escaped.
    simulated : bool, default False
        Say on the map that the problem records are simulated.
    credit : str
        Data credit shown in the attribution corner.
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
    try:
        import folium
        from branca.element import Element, MacroElement
        from jinja2 import Template
    except ImportError as exc:  # pragma: no cover - folium is a dependency
        raise ImportError("star_map needs folium: pip install folium") from exc

    period = _period_of(ratings, period)
    sel = ratings[ratings["period"].astype(str) == period].set_index("unit_id") \
        if period else pd.DataFrame(columns=["score", "stars", "found", "grade"])
    types = list(unit_types) if unit_types is not None else \
        [t for t in ("grid", "road", "river") if t in set(units["unit_type"])]
    shown = units[units["unit_type"].isin(types)]
    wgs = shown.geometry.to_crs(4326)
    if m is None:
        minx, miny, maxx, maxy = wgs.total_bounds
        m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=tiles,
                       prefer_canvas=True, control_scale=True,
                       attr=credit if tiles and tiles.startswith("http") else None)
        m.fit_bounds([[miny, minx], [maxy, maxx]])
    _offline(m)
    r = sel.reindex(shown.index)
    stars = r["stars"]
    counts: dict[int | None, int] = {int(k): int(v) for k, v in
                                     stars.dropna().astype(int).value_counts().items()}
    counts[None] = int(stars.isna().sum())
    def text(values) -> list[str]:
        return [str(v) if pd.notna(v) and str(v) != "" else "—" for v in values]

    # raw text: the page puts it in with textContent, so nothing in it can become markup
    props = pd.DataFrame({
        "n": text(shown["name"]) if "name" in shown else text(shown.index),
        "a": text(shown["admin"]) if "admin" in shown else "—",
        "c": [f"{v:.1f}" if pd.notna(v) else "—" for v in r["score"]],
        "f": [int(v) if pd.notna(v) else 0 for v in r["found"]],
        "s": [int(v) if pd.notna(v) else 0 for v in stars],
    }, index=shown.index)
    geoms = _round_geoms(wgs, decimals)
    for utype in types:
        mask = (shown["unit_type"] == utype).to_numpy()
        if not mask.any():
            continue
        features = [{"type": "Feature", "properties": rec,
                     "geometry": shapely.geometry.mapping(g)}
                    for rec, g in zip(props[mask].to_dict("records"), geoms[mask])]
        group = folium.FeatureGroup(name=UNIT_TYPE_LABELS.get(utype, html.escape(utype)),
                                    show=True)
        _StarLayer(features, UNIT_TYPE_LABELS.get(utype, utype),
                   weight=0.5 if utype == "grid" else 1).add_to(group)
        group.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    note = f"评价期 Period: {html.escape(str(period))}" if period else "无评分 no ratings"
    if simulated:
        note += ("<br><b>问题点为模拟数据</b> The problem records on this map are "
                 "simulated.")
    note += f"<br>{html.escape(credit)}"
    heading = html.escape(title) if title else "星级评价 Star rating"
    m.get_root().html.add_child(Element(_legend_html(heading, note, counts)),
                                name="geozz_legend")
    attribution = MacroElement()
    attribution._template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this._parent.get_name() }}.attributionControl.addAttribution("
        + json.dumps(html.escape(credit)) + ");{% endmacro %}")
    m.add_child(attribution, name="geozz_credit")
    return m


_LAYER_JS = """
{% macro script(this, kwargs) %}
(function () {
  var colours = COLOURS, labels = ["—", "★☆☆☆☆", "★★☆☆☆", "★★★☆☆", "★★★★☆", "★★★★★"];
  var fields = [["名称 Name", "n"], ["类型 Type", null], ["辖区 Admin", "a"],
                ["得分 Score", "c"], ["星级 Stars", "s"], ["问题数 Problems", "f"]];
  var type = TYPE;
  function tip(layer) {
    var p = layer.feature.properties, table = document.createElement("table");
    fields.forEach(function (f) {
      var tr = table.insertRow(), th = document.createElement("th"), td = tr.insertCell();
      th.textContent = f[0]; tr.insertBefore(th, td); th.style.textAlign = "left";
      th.style.paddingRight = "8px";
      td.textContent = f[1] === null ? type : f[1] === "s" ? labels[p.s] : String(p[f[1]]);
    });
    return table;
  }
  var layer = L.geoJSON(DATA, {
    style: function (f) { return {fillColor: colours[f.properties.s], color: "#555",
                                  weight: WEIGHT, fillOpacity: 0.7}; }
  });
  layer.bindTooltip(tip, {sticky: true});
  layer.on("mouseover", function (e) { e.layer.setStyle({weight: 3, color: "#000"}); });
  layer.on("mouseout", function (e) { layer.resetStyle(e.layer); });
  layer.addTo({{ this._parent.get_name() }});
})();
{% endmacro %}
"""


class _StarLayer:
    """One unit layer as compact GeoJSON with a single style function (not per feature)."""

    def __init__(self, features: list[dict], type_label: str, *, weight: float):
        from branca.element import MacroElement
        from jinja2 import Template

        colours = [NO_RATING_COLOUR] + [STAR_COLOURS[n] for n in (1, 2, 3, 4, 5)]
        data = json.dumps({"type": "FeatureCollection", "features": features},
                          ensure_ascii=False, separators=(",", ":"))
        data = data.replace("</", "<\\/")  # never close the page's <script> early
        script = (_LAYER_JS.replace("COLOURS", json.dumps(colours))
                  .replace("TYPE", json.dumps(type_label, ensure_ascii=False))
                  .replace("WEIGHT", json.dumps(weight)))
        self.element = MacroElement()
        self.element._name = "StarLayer"
        # DATA goes in last, as a plain string, so no template syntax in the data matters
        self.element._template = Template(script.replace("DATA", "{{ this.geozz_data }}"))
        self.element.geozz_data = data

    def add_to(self, parent):
        parent.add_child(self.element)
        return self.element


def _save(m, path: Path) -> Path:
    return write_text(path, m.get_root().render())


def publish(units: gpd.GeoDataFrame, ratings: pd.DataFrame, ledger: pd.DataFrame,
            out_dir: str | Path, *, period: str | None = None, title: str | None = None,
            simulated: bool = False, tiles: str | None = None,
            credit: str = OSM_CREDIT) -> dict[str, Path]:
    """Write a public-safe, offline folder of star maps and tables.

    Writes, each atomically: ``overview.html`` (every unit type, one layer each),
    ``stars_<type>.html`` for each unit type, ``ratings.csv`` (all periods, public
    columns only) and ``ledger.csv`` (which problem went to which unit, without personal
    fields or free-text descriptions).

    Parameters
    ----------
    units, ratings, ledger
        From :func:`geozz.build_units`, :func:`geozz.rate`, :func:`geozz.assign`.
    out_dir : str or Path
        Folder to write (created if needed).
    period : str, optional
        Period of the maps; default the latest rated.
    title : str, optional
        Title shown on the maps (escaped).
    simulated : bool, default False
        Mark the maps as showing simulated problems.
    tiles : str, optional
        Base tiles (default none: the pages need no network).
    credit : str
        Data credit.

    Returns
    -------
    dict of str to Path
        ``{"overview": …, "grid": …, "road": …, "river": …, "ratings": …, "ledger": …}``.

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
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    name = title or (str(units["admin"].iloc[0]) if "admin" in units and len(units) else "")
    common = dict(period=period, simulated=simulated, tiles=tiles, credit=credit)
    written["overview"] = _save(star_map(units, ratings, title=f"{name} 星级评价 overview",
                                         **common), out / "overview.html")
    for utype in [t for t in ("grid", "road", "river") if t in set(units["unit_type"])]:
        label = UNIT_TYPE_LABELS.get(utype, utype)
        written[utype] = _save(star_map(units, ratings, unit_types=[utype],
                                        title=f"{name} {label}", **common),
                               out / f"stars_{utype}.html")
    cols = [c for c in PUBLIC_RATING_COLUMNS if c in ratings]
    written["ratings"] = write_text(out / "ratings.csv",
                                    ratings[cols].to_csv(index=False))
    lcols = [c for c in PUBLIC_LEDGER_COLUMNS if c in ledger and c not in PERSONAL_FIELDS]
    written["ledger"] = write_text(out / "ledger.csv", ledger[lcols].to_csv(index=False))
    return written
