"""What a patrol takes along: a GPX track per officer and an offline map page per route.

The GPX files are written by gpxpy (a track along the streets, a waypoint per stop). The
pages carry Leaflet and their script inline (:func:`geozz.maps.page.standalone`) and open
with no network on a phone; the unit names and ids reach them only as JSON data
(:func:`geozz._io.script_json`) put into the document with ``textContent``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd  # noqa: F401 - the docstring examples use it
import shapely

from ..errors import InputError, Issue, OutputError

__all__ = ["stops", "write_gpx", "route_page", "write"]

_COLUMNS = ("officer", "stops", "names", "stop_xy", "start_xy")


def _check(routes) -> None:
    if not isinstance(routes, gpd.GeoDataFrame) or \
            any(c not in routes.columns for c in _COLUMNS):
        raise InputError(Issue(field="routes", expected="the GeoDataFrame gz.patrol.routes "
                               f"returns (columns {list(_COLUMNS)})",
                               got=type(routes).__name__, fix="pass gz.patrol.routes(...)"))


def _row(routes, officer: int):
    match = routes[routes["officer"] == officer]
    if match.empty:
        raise InputError(Issue(field="officer", expected=f"one of {routes['officer'].tolist()}",
                               got=officer, fix="pick an officer of the routes"))
    return match.iloc[0]


def stops(routes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One point per stop: ``officer``, ``order`` (1, 2 …), ``unit_id``, ``name``,
    ``prize`` (what the stop was worth to the plan).

    Examples
    --------
    >>> import geozz as gz
    >>> area = gz.datasets.longgang()
    >>> units = gz.build_units(area, grid_size=200)
    >>> r = gz.patrol.greedy(area, units, pd.Series(1.0, index=units.index), officers=1,
    ...                      budget_m=2_000)
    >>> s = stops(r)
    >>> s["order"].tolist() == list(range(1, r["n_stops"].iloc[0] + 1))
    True
    """
    _check(routes)
    rows = [{"officer": int(r.officer), "order": i + 1, "unit_id": uid, "name": name,
             "prize": float(prize), "geometry": shapely.Point(xy)}
            for r in routes.itertuples()
            for i, (uid, name, prize, xy) in enumerate(zip(r.stops, r.names, r.stop_prizes,
                                                          r.stop_xy))]
    if not rows:
        return gpd.GeoDataFrame({"officer": [], "order": [], "unit_id": [], "name": [],
                                 "prize": []},
                                geometry=gpd.GeoSeries([], crs=routes.crs), crs=routes.crs)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=routes.crs)


def _lonlat(xy, crs) -> np.ndarray:
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    if not len(xy):
        return xy
    from pyproj import Transformer

    tr = Transformer.from_crs(crs, 4326, always_xy=True)
    return np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))


def write_gpx(routes: gpd.GeoDataFrame, path: str | Path, *, officer: int = 1) -> Path:
    """Write one officer's route as GPX 1.1 (gpxpy): a track along the streets, in
    WGS-84, and a waypoint per stop named ``"<order>. <unit name>"``.

    Examples
    --------
    >>> import geozz as gz, gpxpy, tempfile, pathlib
    >>> area = gz.datasets.longgang()
    >>> units = gz.build_units(area, grid_size=200)
    >>> r = gz.patrol.greedy(area, units, pd.Series(1.0, index=units.index), officers=1,
    ...                      budget_m=2_000)
    >>> p = write_gpx(r, pathlib.Path(tempfile.mkdtemp()) / "officer_1.gpx")
    >>> g = gpxpy.parse(p.read_text("utf-8"))
    >>> bool(len(g.waypoints) == r["n_stops"].iloc[0]), len(g.tracks)
    (True, 1)
    """
    import gpxpy.gpx

    _check(routes)
    row = _row(routes, officer)
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "geozz patrol"
    track = gpxpy.gpx.GPXTrack(name=f"巡查路线 officer {officer}")
    gpx.tracks.append(track)
    segment = gpxpy.gpx.GPXTrackSegment()
    track.segments.append(segment)
    geom = row.geometry
    if geom is not None and not geom.is_empty:
        for lon, lat in _lonlat(shapely.get_coordinates(geom), routes.crs):
            segment.points.append(gpxpy.gpx.GPXTrackPoint(latitude=round(float(lat), 7),
                                                          longitude=round(float(lon), 7)))
    for i, ((lon, lat), uid, name) in enumerate(zip(_lonlat(row.stop_xy, routes.crs),
                                                     row.stops, row.names)):
        gpx.waypoints.append(gpxpy.gpx.GPXWaypoint(
            latitude=round(float(lat), 7), longitude=round(float(lon), 7),
            name=f"{i + 1}. {name or uid}", description=str(uid)))
    path = Path(path)
    try:
        path.write_text(gpx.to_xml(version="1.1"), encoding="utf-8")
    except OSError as exc:
        raise OutputError(Issue(file=str(path), expected="a writable file", got=str(exc),
                                fix="choose another folder")) from None
    return path


def _lines_latlon(lines, crs, decimals: int = 6) -> list:
    out = []
    for g in lines:
        if g is None or g.is_empty:
            continue
        for part in shapely.get_parts(g):
            ll = _lonlat(shapely.get_coordinates(part), crs)
            out.append(np.round(ll[:, ::-1], decimals).tolist())
    return out


def route_page(routes: gpd.GeoDataFrame, *, officer: int = 1, streets=None,
               title: str | None = None, credit: str = "© OpenStreetMap contributors") -> str:
    """One officer's route as a standalone HTML page that opens offline on a phone.

    Parameters
    ----------
    routes : GeoDataFrame
        From :func:`geozz.patrol.routes`.
    officer : int, keyword-only
    streets : GeoDataFrame of lines, keyword-only
        Streets drawn in grey under the route (those within 300 m of it), for orientation
        (the page has no tiles: it needs no network).
    title : str, keyword-only
        Default ``"巡查路线 Patrol route <officer>"``.

    Returns
    -------
    str
        The page: Leaflet, ``pages.css`` and ``patrol.js`` inline; the route line, a
        numbered marker per stop, the start, and the stops listed in order.

    Examples
    --------
    >>> import geozz as gz
    >>> area = gz.datasets.longgang()
    >>> units = gz.build_units(area, grid_size=200)
    >>> units.loc[units.index[0], "name"] = "</script><b>{{ 7*7 }}"
    >>> r = gz.patrol.greedy(area, units, pd.Series(1.0, index=units.index[:1]),
    ...                      officers=1, budget_m=20_000)
    >>> html = route_page(r)
    >>> "</script><b>" in html, "https://" in html.split("<script>")[-1]
    (False, False)
    """
    from ..maps.page import standalone

    _check(routes)
    row = _row(routes, officer)
    geom = row.geometry
    line = _lines_latlon([geom], routes.crs)[0] if geom is not None and not geom.is_empty \
        else []
    pts = _lonlat(row.stop_xy, routes.crs)
    values = row.get("stop_prizes", None)
    values = list(values) if values is not None else [None] * len(row.stops)
    stop_rows = [{"n": i + 1, "id": str(uid), "name": str(name or uid),
                  "lat": round(float(lat), 6), "lon": round(float(lon), 6),
                  "prize_label": "" if v is None else f"({v:.2f})"}
                 for i, ((lon, lat), uid, name, v) in enumerate(zip(pts, row.stops, row.names,
                                                                    values))]
    start = _lonlat([row.start_xy], routes.crs)[0]
    street_lines = []
    if streets is not None and geom is not None and not geom.is_empty:
        s = streets.to_crs(routes.crs) if streets.crs is not None else streets
        near = s[shapely.dwithin(s.geometry.values, geom, 300.0)]
        street_lines = _lines_latlon(near.geometry.values, routes.crs, 5)
    km = float(row.get("distance_m", 0.0)) / 1000
    summary = (f"{len(row.stops)} 站 stops · {km:.2f} km · "
               f"prize {float(row.get('prize', 0.0)):.2f}")
    data = {"summary": summary, "line": line, "stops": stop_rows,
            "start": [round(float(start[1]), 6), round(float(start[0]), 6)],
            "start_label": "起点 start", "streets": street_lines, "credit": credit,
            "notes": [f"officer {officer}", credit]}
    return standalone(title or f"巡查路线 Patrol route {officer}", "geozzPatrolPage", data,
                      scripts=["patrol.js"])


def write(routes: gpd.GeoDataFrame, out_dir: str | Path, *, streets=None) -> dict[str, list[Path]]:
    """Write ``routes.geojson``, ``stops.geojson`` and per officer ``officer_<n>.gpx`` and
    ``officer_<n>.html`` into ``out_dir`` (made if missing); returns the paths by kind.

    The GeoJSON files are in WGS-84; the routes' ``stops`` and ``names`` lists are joined
    by ``";"``.
    """
    _check(routes)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(Issue(file=str(out), expected="a folder that can be made",
                                got=str(exc), fix="choose another -o folder")) from None
    flat = routes.drop(columns=["stop_xy", "start_xy", "stop_prizes"], errors="ignore").copy()
    flat["stops"] = [";".join(map(str, v)) for v in flat["stops"]]
    flat["names"] = [";".join(map(str, v)) for v in flat["names"]]
    paths: dict[str, list[Path]] = {"geojson": [], "gpx": [], "html": []}
    p = out / "routes.geojson"
    flat.to_crs(4326).to_file(p, driver="GeoJSON")
    paths["geojson"].append(p)
    st = stops(routes)
    p = out / "stops.geojson"
    st.to_crs(4326).to_file(p, driver="GeoJSON")
    paths["geojson"].append(p)
    for officer in routes["officer"].tolist():
        paths["gpx"].append(write_gpx(routes, out / f"officer_{officer}.gpx", officer=officer))
        p = out / f"officer_{officer}.html"
        p.write_text(route_page(routes, officer=officer, streets=streets), encoding="utf-8")
        paths["html"].append(p)
    return paths
