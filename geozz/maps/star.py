"""The star map: units coloured by their stars, every rated period in one page.

Geometry is written once (:mod:`geozz.maps.encode`: regular grid cells as column and
row, other shapes quantised and delta-encoded) and the ratings of every period as sparse
data; a period switcher in the legend recolours the map. One layer per unit type, drawn
on a canvas; the tooltip gives name, id, type, admin area, responsible body, score,
stars as ★★★☆☆, rank within the type and the trend against the previous period; a click
opens a popup with the unit's deductions (and, in a published folder, a link to its page).
"""

from __future__ import annotations

import unicodedata
from typing import Iterable

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import InputError, Issue
from ..tables.problems import category_label
from ..tables.ratings import check_ratings, deduction_categories
from ..tables.unit_types import type_labels
from ..tables.units import check_units
from ..units import REGISTRY, UNIT_TYPES
from .encode import Packer, encode_geometry, encode_ratings, encode_text
from .page import StarMapElement

__all__ = ["CANVAS_CELLS", "STAR_COLOURS", "NO_RATING_COLOUR", "STAR_LABELS", "OSM_CREDIT", "star_map",
           "page_name", "page_href", "tile_choice"]

STAR_COLOURS = {5: "#1a9850", 4: "#91cf60", 3: "#fee08b", 2: "#fc8d59", 1: "#d73027"}
NO_RATING_COLOUR = "#bdbdbd"
STAR_LABELS = {5: "五星 5★", 4: "四星 4★", 3: "三星 3★", 2: "二星 2★", 1: "一星 1★"}
OSM_CREDIT = "© OpenStreetMap contributors"
#: base maps by name: (tile URL, attribution, coordinate system of the tiles)
TILES = {
    "openstreetmap": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                      "© OpenStreetMap contributors", "wgs84"),
    "gaode": ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&"
              "style=8&x={x}&y={y}&z={z}", "© 高德地图 AutoNavi", "gcj02"),
}
#: grids of at least this many cells are drawn as one canvas layer (see :func:`star_map`)
CANVAS_CELLS = 5000
_SAFE_ASCII = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+")
_HEX = frozenset("0123456789abcdefABCDEF")
#: names Windows reserves whatever their extension ("con.html" cannot be a file there)
_RESERVED = frozenset({"con", "prn", "aux", "nul"} | {f"{p}{d}" for p in ("com", "lpt")
                                                      for d in "0123456789¹²³"})
#: conjoining Hangul jamo: a normalising file system (macOS) composes them into syllables
_JAMO = ((0x1100, 0x11FF), (0xA960, 0xA97F), (0xD7B0, 0xD7FF))


def _kept(ch: str) -> bool:
    """A non-ASCII character a page name keeps: a letter or decimal digit that no file
    system changes (NFC-stable, not a conjoining jamo) and, if it has a case, one simple
    case pair (so that a case-insensitive file system sees only that pair)."""
    cat = unicodedata.category(ch)
    if not (cat[0] == "L" or cat == "Nd") or unicodedata.normalize("NFC", ch) != ch:
        return False
    if any(a <= ord(ch) <= b for a, b in _JAMO):
        return False
    lo, up = ch.lower(), ch.upper()
    if lo == up == ch:
        return True
    return (len(lo) == 1 and len(up) == 1 and lo != up and ch in (lo, up)
            and up.lower() == lo and lo.upper() == up)


def page_name(unit_id) -> str:
    """File name of a unit's page: the id as it reads where that is safe, ``.html``.

    Kept: ASCII letters and digits, ``-``, ``_``, ``+``, ``.`` (not first) and other
    letters and digits (CJK, accented, …) that file systems store as they are. Every
    other character (``/ \\ : ? # % ~``, spaces, control characters, combining marks) is
    written as its UTF-8 bytes ``~hh``, and so is the first character of a name Windows
    reserves (``con``, ``nul``, ``com1`` …). Names never collide, on case-insensitive
    file systems too: letters are expected in upper case, but in lower case within a
    run of at least eight hex digits (the hashes of road and river ids, H3 indexes);
    other letters in a case not expected are marked by ``~x`` and a hex bit mask, one bit
    per cased letter, at the end (``~x0`` for the empty id). The page script computes the
    same name from the id.

    Examples
    --------
    >>> page_name("G200-E1076-N12549"), page_name("R-4806e014-K0+000-K1+110")
    ('G200-E1076-N12549.html', 'R-4806e014-K0+000-K1+110.html')
    >>> page_name("龙岗河/01"), page_name("R-1/2 龙.x"), page_name("con"), page_name("Con")
    ('龙岗河~2f01.html', 'R-1~2f2~20龙.x~x2.html', '~63on~x3.html', '~43on~x3.html')
    """
    uid = str(unit_id)
    out, cased = [], []
    chars = list(uid)
    # runs of ASCII letters and digits, and whether each is a hex run (lower case expected)
    hexrun = [False] * len(chars)
    k = 0
    while k < len(chars):
        if chars[k].isascii() and chars[k].isalnum():
            j = k
            while j < len(chars) and chars[j].isascii() and chars[j].isalnum():
                j += 1
            run = chars[k:j]
            if j - k >= 8 and all(c in _HEX for c in run) and any(c.isalpha() for c in run):
                hexrun[k:j] = [True] * (j - k)
            k = j
        else:
            k += 1
    for k, ch in enumerate(chars):
        if ch.isascii():
            keep = ch in _SAFE_ASCII or (ch == "." and k > 0)
        else:
            keep = _kept(ch)
        if keep and k == 0:
            stem = uid.split(".")[0].casefold()
            keep = stem not in _RESERVED
        if not keep:
            out.extend(f"~{b:02x}" for b in ch.encode("utf-8"))
            continue
        out.append(ch)
        if ch.lower() != ch.upper():
            expected = ch.lower() if (hexrun[k] or not ch.isascii()) else ch.upper()
            cased.append(ch != expected)
    mask = sum(1 << q for q, flip in enumerate(cased) if flip)
    if not uid:  # never ".html", a hidden file
        return "~x0.html"
    return "".join(out) + (f"~x{mask:x}" if mask else "") + ".html"


def page_href(unit_id) -> str:
    """A unit page's address relative to the folder of pages: :func:`page_name`
    URL-encoded (``%E9%BE%99`` for 龙), as links and QR codes carry it.

    >>> page_href("龙岗河/01")
    '%E9%BE%99%E5%B2%97%E6%B2%B3~2f01.html'
    """
    from urllib.parse import quote

    return quote(page_name(unit_id), safe="~+-._")


def tile_choice(tiles) -> tuple[str | None, str, str]:
    """``(url, attribution, crs)`` of a base map option: None, a name of :data:`TILES`
    or a URL template with ``{z}/{x}/{y}``."""
    if tiles is None:
        return None, "", "wgs84"
    key = str(tiles).lower()
    if key in TILES:
        return TILES[key]
    if "{z}" in str(tiles) and "{x}" in str(tiles):
        return str(tiles), "", "wgs84"
    raise InputError(Issue(field="tiles", expected=f"None, one of {sorted(TILES)} or a URL "
                           "with {z}/{x}/{y}", got=tiles,
                           fix="use tiles=None (no network needed) or 'openstreetmap'"))


def _periods(ratings: pd.DataFrame, period: str | None) -> tuple[list[str], int]:
    periods = sorted(ratings["period"].astype(str).unique())
    if period is None:
        return periods, len(periods) - 1
    if str(period) not in periods:
        raise InputError(Issue(field="period", expected=f"a rated period ({periods[:3]} … "
                               f"{periods[-1:]})" if periods else "a rated period",
                               got=period, fix="pick a period present in the ratings"))
    return periods, periods.index(str(period))


def _categories(ratings: pd.DataFrame) -> list[str]:
    return deduction_categories(ratings.columns)


def _to_gcj(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 positions shifted to GCJ-02 (for base maps drawn in GCJ-02)."""
    from ..coords import convert

    return convert(lon, lat, src="wgs84", dst="gcj02")


def star_map(units: gpd.GeoDataFrame, ratings: pd.DataFrame, *, period: str | None = None,
             unit_types: Iterable[str] | None = None, tiles: str | None = None,
             title: str | None = None, simulated: bool = False,
             credit: str = OSM_CREDIT, decimals: int = 5, m=None,
             all_periods: bool = True, problems: gpd.GeoDataFrame | None = None,
             ledger: pd.DataFrame | None = None, overlays=(),
             canvas_cells: int | None = CANVAS_CELLS, labels=None,
             risk: pd.DataFrame | None = None):
    """A folium map of units coloured by their star rating, with a period switcher.

    One layer per unit type (with a layer control), a legend in Chinese with English
    (五星 5★ … 一星 1★, 无评分 no rating, with counts), tooltips with name, id, type,
    admin area, responsible body, score, stars as ★★★☆☆, rank and trend, a popup with
    the deductions, and a data credit. All text from the input is shown literally (it is
    page data, never markup or template). The page needs no network unless ``tiles``
    asks for a base map.

    Parameters
    ----------
    units : GeoDataFrame
        Units (any CRS; drawn in WGS-84, or GCJ-02 over a GCJ-02 base map).
    ratings : DataFrame
        From :func:`geozz.rate`.
    period : str, optional
        The period shown first (``"2024-05"``, ``"2024Q2"``); default the latest rated.
    unit_types : iterable of str, optional
        Which unit types to draw; default all present.
    tiles : str, optional
        Base map: ``None`` (default: no network needed), ``"openstreetmap"``, ``"gaode"``
        (GCJ-02: the units are shifted to GCJ-02 so that they line up with its streets),
        or a tile URL template (``https://…/{z}/{x}/{y}.png``).
    title : str, optional
        Legend title, shown as text.
    simulated : bool, default False
        Say on the map that the problem records are simulated.
    credit : str
        Data credit shown in the attribution corner and the legend.
    decimals : int, default 5
        Coordinate rounding of shapes other than regular grid cells (5 decimals ≈ 1 m).
    m : folium.Map, optional
        An existing map to draw on.
    all_periods : bool, default True
        Carry every rated period (switcher in the legend); False: only ``period``.
    problems, ledger : GeoDataFrame and DataFrame, optional
        Both given: a layer of the problem points of the period shown, by state (open,
        overdue, rectified), clustered at low zoom, and a heat-map view
        (:func:`geozz.maps.pages.problem_points`: position, state and category only).
    overlays : sequence, optional
        Raster layers drawn under the units, each with its own legend: a
        :class:`geozz.raster.Surface` (its first band, as a density ramp), or the layer
        of :func:`geozz.raster.image_layer` (a chosen band, classes or hot spots). Over
        a GCJ-02 base map, surfaces are placed in GCJ-02 too.
    canvas_cells : int or None, default :data:`CANVAS_CELLS`
        A regular grid (a geozz grid's whole cells) of at least this many cells is drawn
        as one canvas layer: each cell made from its column and row, the cell under the
        mouse found by arithmetic (tooltip, outline and popup as for other units), so
        that 50,000 cells draw in well under a second. Smaller grids, and every other
        shape, are Leaflet polygons. ``None``: always polygons.
    labels : mapping of str to str, optional
        The label of a unit type on this map, by type name (``{"grid": "普查区 Census
        tract"}`` for census tracts held as grid units); by default the units'
        ``type_label`` column, else the registry's label
        (:func:`geozz.tables.unit_types.type_labels`).
    risk : DataFrame, optional
        The forecast of :func:`geozz.forecast.risk` for these units: a switchable layer
        (shown) of the units in the top 25 % of their layer's area by forecast density,
        in four classes (top 1, 5, 10, 25 %) with a legend; hover shows the expected
        problems, the chance of 回潮, the rank and why. Default None: no such layer.

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
    layers = []
    if (problems is None) != (ledger is None):
        raise InputError(Issue(field="problems", expected="problems and ledger together",
                               got="only one of them", fix="pass both (or neither)"))
    if problems is not None:
        from ..tables.ledger import check_ledger
        from .pages import points_layer, problem_points

        check_ledger(ledger, stage="star_map")
        periods, at = _periods(ratings, period)
        if not all_periods and periods:
            periods = [periods[at]]
        points = problem_points(problems, ledger, periods)
        layers.append(dict(points_layer(points, sorted(set(points["category"]))), show=True))
    layers.extend(overlay_layers(overlays, tiles))
    if risk is not None:
        from ..tables.risk import check_risk
        from .pages import risk_layer

        check_risk(risk, stage="star_map", units=units)
        layers.append(risk_layer(risk, units, show=True,
                                 shift=_to_gcj if tile_choice(tiles)[2] == "gcj02" else None))
    return draw(units, ratings, period=period, unit_types=unit_types, tiles=tiles,
                title=title, simulated=simulated, credit=credit, decimals=decimals, m=m,
                all_periods=all_periods, extra_layers=layers, canvas_cells=canvas_cells,
                labels=labels)


def overlay_layers(overlays, tiles) -> list[dict]:
    """The image layers of ``overlays`` (surfaces or :func:`geozz.raster.image_layer`
    results), surfaces shifted to GCJ-02 when the base map is."""
    from ..raster import Surface, image_layer

    shift = _to_gcj if tile_choice(tiles)[2] == "gcj02" else None
    out = []
    for k, x in enumerate([overlays] if isinstance(overlays, (Surface, dict)) else
                          list(overlays or ())):
        if isinstance(x, Surface):
            out.append(image_layer(x, shift=shift, show=k == 0))
        elif isinstance(x, dict) and x.get("kind") == "image":
            out.append(x)
        else:
            raise InputError(Issue(field="overlays", expected="Surfaces or layers of "
                                   "gz.raster.image_layer", got=type(x).__name__,
                                   fix="pass gz.raster.density(...) results"))
    return out


def map_config(units: gpd.GeoDataFrame, ratings: pd.DataFrame, *, period: str | None,
               unit_types: Iterable[str] | None, tiles: str | None, title: str | None,
               simulated: bool, credit: str, decimals: int, all_periods: bool = True,
               heading: str | None = None, pages: str | None = None,
               canvas_cells: int | None = None, labels=None
               ) -> tuple[dict, gpd.GeoDataFrame, tuple[float, float, float, float]]:
    """The page data of a star map (see :func:`star_map`), the units drawn and their
    WGS-84 (or GCJ-02) bounds."""
    if unit_types is not None:
        unit_types = [unit_types] if isinstance(unit_types, str) else list(unit_types)
        unknown = [t for t in unit_types if t not in REGISTRY]
        if unknown:
            raise InputError(Issue(field="unit_types", expected=f"unit types from "
                                   f"{UNIT_TYPES}", got=unknown,
                                   fix="pass only known unit types"))
    periods, shown_at = _periods(ratings, period)
    if not all_periods and periods:
        periods, shown_at = [periods[shown_at]], 0
    type_label = type_labels(units, labels)
    tile_url, tile_credit, tile_crs = tile_choice(tiles)
    types = list(unit_types) if unit_types is not None else \
        [t for t in UNIT_TYPES if t in set(units["unit_type"])]
    shown = units[units["unit_type"].isin(types)]
    geoms = shown.geometry
    shift = _to_gcj if tile_crs == "gcj02" else None
    enc = encode_geometry(geoms, shown.index, decimals=decimals,
                          shift="gcj02" if shift is not None else None,
                          names=shown["name"].to_numpy() if "name" in shown else None)
    ordered = shown.iloc[enc["order"]]
    ids = ordered.index.astype(str).tolist()
    at = 0
    for g in enc["grids"]:  # the id prefix as written ("G200"), from the grid's first cell
        g["prefix"] = ids[at].split("-E")[0]
        at += g["n"]
    utypes = ordered["unit_type"].to_numpy()
    tindex = {t: k for k, t in enumerate(types)}
    tcodes = [tindex[t] for t in utypes]
    cats = _categories(ratings)
    lines = [1 if g is not None and g.geom_type in ("LineString", "MultiLineString") else 0
             for g in ordered.geometry.to_numpy()[enc["n_grid"]:]]
    enc["lines"] = lines
    shown_period = periods[shown_at] if periods else None
    sel = ratings[ratings["period"].astype(str) == shown_period] if shown_period else ratings[:0]
    stars = pd.to_numeric(sel.set_index(sel["unit_id"].astype(str))["stars"]
                          .reindex(ids), errors="coerce")
    counts = {int(k): int(v) for k, v in stars.dropna().astype(int).value_counts().items()}
    counts[None] = int(stars.isna().sum())
    notes = [[f"评价期 Period: {shown_period}" if shown_period else "无评分 no ratings", False]]
    if simulated:
        notes += [["问题点为模拟数据", True],
                  [" The problem records on this map are simulated.", False]]
    notes.append([str(credit), False])
    rows = [[STAR_COLOURS[n], STAR_LABELS[n], counts.get(n, 0)] for n in (5, 4, 3, 2, 1)]
    rows.append([NO_RATING_COLOUR, "无评分 no rating", counts.get(None, 0)])
    text_col = lambda c: ordered[c].tolist() if c in ordered else [""] * len(ordered)  # noqa: E731
    names = text_col("name")
    at = 0
    for g in enc["grids"]:  # names the page writes itself (column-row) are not carried
        if g["names"] is not None:
            names[at:at + g["n"]] = [""] * g["n"]
        at += g["n"]
    packer = Packer()
    config = {
        "units": {"n": len(ids),
                  "types": "".join(map(str, tcodes)) if len(types) <= 10 else tcodes,
                  "ids": ids[enc["n_grid"]:],
                  "names": encode_text(names, groups=utypes),
                  "admin": encode_text(text_col("admin")),
                  "responsible": encode_text(text_col("responsible"))},
        "types": [{"key": str(t), "label": type_label.get(t, str(t)),
                   "weight": REGISTRY[t].style.get("weight", 1)} for t in types],
        "type_counts": [int((utypes == t).sum()) for t in types],
        "geometry": {k: enc[k] for k in ("grids", "shapes", "lines", "scale", "n_grid")},
        "periods": periods, "shown": shown_at,
        "ratings": encode_ratings(ratings, ids, periods, cats, packer=packer),
        "categories": [category_label(c) for c in cats],
        "colours": [NO_RATING_COLOUR] + [STAR_COLOURS[n] for n in (1, 2, 3, 4, 5)],
        "credit": str(credit) + (f" · {tile_credit}" if tile_credit else ""),
        "tiles": tile_url,
        "heading": heading,
        "pages": pages,
        "legend": {"title": str(title) if title else "星级评价 Star rating",
                   "rows": rows, "notes": notes},
        "extra_layers": [],
        "canvas_cells": canvas_cells,
    }
    config["packed"] = packer.text()
    bounds = tuple(geoms.to_crs(4326).total_bounds) if len(geoms) else (0, 0, 0, 0)
    if shift is not None and len(geoms):
        (x0, x1), (y0, y1) = shift(np.array(bounds[0::2]), np.array(bounds[1::2]))
        bounds = (x0, y0, x1, y1)
    return config, ordered, bounds


def new_map(bounds, tile_url):
    minx, miny, maxx, maxy = bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None,
                   prefer_canvas=True, control_scale=True)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    m.default_js = []  # Leaflet goes in by StarMapElement instead
    m.default_css = []
    return m


def draw(units: gpd.GeoDataFrame, ratings: pd.DataFrame, *, period: str | None,
         unit_types: Iterable[str] | None, tiles: str | None, title: str | None,
         simulated: bool, credit: str, decimals: int, m, all_periods: bool = True,
         heading: str | None = None, pages: str | None = None, extra_layers=(),
         assets_prefix: str | None = None, canvas_cells: int | None = None,
         show_units: bool = True, labels=None):
    """The star map of units and ratings already checked (see :func:`star_map`).

    ``show_units=False`` leaves the unit layers switched off (in the layer control): the
    admin-area page opens on its areas alone.
    """
    config, _, bounds = map_config(units, ratings, period=period, unit_types=unit_types,
                                   tiles=tiles, title=title, simulated=simulated,
                                   credit=credit, decimals=decimals, all_periods=all_periods,
                                   heading=heading, pages=pages, canvas_cells=canvas_cells,
                                   labels=labels)
    config["extra_layers"] = list(extra_layers)
    config["show_units"] = bool(show_units)
    # the page fits the units into what its controls and legend leave free (its own map)
    config["bounds"] = [[bounds[1], bounds[0]], [bounds[3], bounds[2]]]
    config["fit"] = m is None
    if m is None:
        m = new_map(bounds, config["tiles"])
    else:
        m.default_js = []
        m.default_css = []
    clusters = any(x.get("kind") == "problems" for x in config["extra_layers"])
    m.add_child(StarMapElement(config, clusters=clusters, assets_prefix=assets_prefix))
    return m
