"""Bundled districts and a seeded simulator of problem records.

Two real districts ship with geozz, each built from a real OpenStreetMap extract by
``data/build_districts.py`` in the repository:

``longgang``
    深圳市龙岗区 around 龙岗河: the 龙岗 polygon of the Shenzhen district file cut to the
    OSM export's ``<bounds>`` box. The default of ``geozz demo``.
``haidian``
    北京市海淀区, the Tsinghua/PKU area around 万泉河: the export's ``<bounds>`` box.

There is no public Chinese complaint data set, so the problem records that come with
each district are simulated by :func:`simulate_problems`, and say so in their file name
(``problems_simulated.csv``).

Real complaints come with the San Francisco 311 sample (``sf311``): 4,984 real SF311
cases and the city's 195 census tracts as an office's own polygon units
(:func:`sf311_tracts`, :func:`sf311_problems`; DataSF, PDDL 1.0), their SF311 categories
mapped to the campaign's by :data:`SF311_CATEGORIES`.

Examples
--------
>>> from geozz import datasets
>>> datasets.available()
['haidian', 'longgang']
>>> datasets.longgang().name
'龙岗区'
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import coords as _coords
from .area import Area, read_area
from .errors import InputError, Issue
from .problems import vocabulary

__all__ = ["available", "path", "load", "longgang", "haidian", "problems_path",
           "simulate_problems", "zones", "sf311_path", "sf311_tracts", "sf311_problems",
           "SF311_CATEGORIES", "SF311_TZ", "project_path"]

_NAMES = {"longgang": "龙岗区", "haidian": "海淀区"}


def _root() -> Path:
    """Where the district folders are: inside the installed package, else the repo's data/."""
    bundled = Path(__file__).parent / "_data"
    if bundled.is_dir():
        return bundled
    return Path(__file__).resolve().parents[1] / "data"


def available() -> list[str]:
    """Names of the bundled districts."""
    return sorted(p.name for p in _root().iterdir() if (p / f"{p.name}.gpkg").exists())


def path(name: str) -> Path:
    """The folder of a bundled district (its GeoPackage, OSM extract and problems).

    Examples
    --------
    >>> (path("longgang") / "longgang.gpkg").exists()
    True
    """
    folder = _root() / name
    if not (folder / f"{name}.gpkg").exists():
        raise InputError(Issue(field="name", expected=f"one of {available()}", got=name,
                               fix="choose a bundled district, or use gz.read_osm(file)"))
    return folder


def load(name: str) -> Area:
    """The :class:`~geozz.area.Area` of a bundled district."""
    folder = path(name)
    return read_area(folder / f"{name}.gpkg", name=_NAMES.get(name, name),
                     source=f"OpenStreetMap ({name})")


def longgang() -> Area:
    """深圳市龙岗区 around 龙岗河 (real OSM roads and rivers, © OpenStreetMap contributors).

    Examples
    --------
    >>> area = longgang()
    >>> len(area.roads) > 100
    True
    """
    return load("longgang")


def haidian() -> Area:
    """北京市海淀区, Tsinghua/PKU area around 万泉河 (real OSM, © OpenStreetMap contributors)."""
    return load("haidian")


def problems_path(name: str) -> Path:
    """The simulated problem records CSV of a bundled district."""
    return path(name) / "problems_simulated.csv"


def zones(name: str) -> gpd.GeoDataFrame | None:
    """The demo zones (片区) of a bundled district as admin areas, or None when it has none.

    No street (街道) boundaries are in the bundled data, so the Longgang demo has five
    invented zones: the Voronoi cells of five real OSM landmarks (龙口水库, 大运山公园,
    龙岗区体育中心, 荷坳服务区, 爱联), clipped to the boundary, each named
    ``"<landmark>片区（模拟）"`` (simulated). They stand at the street level of
    :func:`geozz.units.read_admin`, so units are split at their borders and the area
    tables and maps rank them.

    Examples
    --------
    >>> z = zones("longgang")
    >>> len(z), z["street"].str.endswith("（模拟）").all(), zones("haidian") is None
    (5, np.True_, True)
    """
    from .units import read_admin

    f = path(name) / "zones_simulated.geojson"
    if not f.is_file():
        return None
    return read_admin(f, levels={"county": "区县", "street": "片区"})


# --- San Francisco 311 --------------------------------------------------------------------

def project_path(name: str) -> Path:
    """The project file (``geozz.toml``) of a bundled data set: the one ``geozz demo``
    runs and ``geozz init --district`` copies (:mod:`geozz.project`).

    Examples
    --------
    >>> project_path("sf311").name
    'geozz.toml'
    """
    folder = sf311_path() if name == "sf311" else path(name)
    return folder / "geozz.toml"


def _sf311_source() -> dict:
    import tomllib

    with open(project_path("sf311"), "rb") as fh:
        return tomllib.load(fh)["problems"][0]


def sf311_path() -> Path:
    """The folder of the San Francisco 311 sample (``cases_sample.csv.gz``,
    ``tracts.geojson``, ``SOURCE.md``)."""
    return _root() / "sf311"


#: the 整脏治乱 categories the SF311 categories stand for (the rest are rejected as
#: unmapped, counted per value), as the SF 311 project file maps them
SF311_CATEGORIES = dict(_sf311_source()["categories"])
#: the time zone of the SF311 times (the project file's)
SF311_TZ = _sf311_source()["tz"]


def sf311_tracts() -> gpd.GeoDataFrame:
    """San Francisco's 195 census tracts as polygon units (id: the tract's GEOID, admin:
    its analysis neighbourhood), in UTM zone 10N.

    Examples
    --------
    >>> tracts = sf311_tracts()
    >>> len(tracts), tracts.crs.to_epsg(), tracts["admin"].nunique()
    (195, 32610, 41)
    """
    from .units import read_units

    return read_units(sf311_path() / "tracts.geojson",
                      columns={"geoid": "unit_id", "nhood": "admin"}, unit_type="grid")


def sf311_problems():
    """The SF311 sample read as problems (``(problems, rejects)`` of
    :func:`geozz.read_problems`, categories :data:`SF311_CATEGORIES`, times in
    :data:`SF311_TZ`)."""
    from .problems import read_problems

    return read_problems(sf311_path() / "cases_sample.csv.gz", tz=SF311_TZ,
                         categories=SF311_CATEGORIES)


# --- the simulator ----------------------------------------------------------------------

#: (category, relative frequency, where it happens: {unit_type: weight})
_MIX = {
    "exposed_garbage": (0.22, {"grid": 0.6, "road": 0.3, "river": 0.1}),
    "piles": (0.14, {"grid": 0.7, "road": 0.3}),
    "illegal_construction": (0.07, {"grid": 0.8, "road": 0.1, "river": 0.1}),
    "sewage": (0.06, {"grid": 1.0}),
    "street_vending": (0.12, {"grid": 0.4, "road": 0.6}),
    "illegal_ads": (0.12, {"grid": 0.5, "road": 0.5}),
    "damaged_facilities": (0.08, {"grid": 0.4, "road": 0.6}),
    "floating_debris": (0.09, {"river": 1.0}),
    "sewage_outfall": (0.06, {"river": 1.0}),
    "sand_mining": (0.04, {"river": 1.0}),
}
#: how busy a unit of each type is, per sqrt(m²) of its area
_TYPE_WEIGHT = {"grid": 1.0, "road": 1.5, "river": 0.6}
_DEADLINE_DAYS = {"exposed_garbage": 1, "piles": 3, "illegal_construction": 15, "sewage": 3,
                  "street_vending": 1, "illegal_ads": 2, "damaged_facilities": 7,
                  "floating_debris": 1, "sewage_outfall": 7, "sand_mining": 3}
_SOURCES = (["巡查", "投诉", "随手拍", "督查"], [0.45, 0.25, 0.2, 0.1])
_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高")
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂")
_PLACES = ["路边", "小区门口", "绿化带", "人行道", "桥下", "巷口", "空地", "河岸", "市场旁"]


def _sample_in(geoms: np.ndarray, counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``counts[i]`` uniform random points in ``geoms[i]`` (rejection sampling)."""
    out = []
    for geom, k in zip(geoms, counts):
        if k == 0:
            continue
        minx, miny, maxx, maxy = geom.bounds
        got: list = []
        shapely.prepare(geom)
        while len(got) < k:
            m = max(16, 4 * (k - len(got)))
            pts = shapely.points(rng.uniform(minx, maxx, m), rng.uniform(miny, maxy, m))
            got.extend(pts[shapely.contains(geom, pts)][: k - len(got)])
        out.extend(got)
    return np.array(out, dtype=object)


def simulate_problems(units: gpd.GeoDataFrame, *, n: int = 3000, seed: int = 0,
                      start: str = "2024-01-01", months: int = 12,
                      gcj02_share: float = 0.05, outside_share: float = 0.01,
                      malformed_share: float = 0.005, hotspots: float = 10,
                      hotspot_radius: float = 300.0,
                      hotspot_weight: float = 10.0) -> pd.DataFrame:
    """Simulate problem records over units, as an office's export would hold them.

    The records look like a Chinese office's ledger export (columns 编号, 问题类型,
    发现时间, 来源, 状态, 整改期限, 整改完成时间, 经度, 纬度, 坐标系, 问题描述, 上报人,
    联系电话) and are meant to be written to CSV and read back with
    :func:`geozz.read_problems`. Everything in them is invented:

    - categories in their Chinese names, weighted toward the unit types they belong to
      (floating debris in river reaches, street vending along roads, …); places weighted
      toward busy units (a gamma-distributed intensity per unit) and ``hotspots`` hot
      spots whose neighbourhoods (a Gaussian of ``hotspot_radius`` metres, weight
      ``hotspot_weight``) collect most problems, so that a month spans clean 5★ units
      and failing 1★ ones;
    - found times over ``months`` months from ``start``, daytime, local time (naive);
    - sources 巡查/投诉/随手拍/督查 (patrol, complaint, photo, inspection);
    - statuses with deadlines by category: most rectified (some late), some verified,
      some still open or in progress, a few reopened;
    - ``gcj02_share`` of coordinates in GCJ-02, as Chinese mobile apps deliver them,
      flagged in 坐标系; ``outside_share`` of points just outside every unit; and
      ``malformed_share`` of rows broken as real exports are (a missing coordinate, an
      impossible date, a category nobody mapped), so the rejects path is exercised;
    - invented reporter names and phone numbers, which must never reach a public output.

    Parameters
    ----------
    units : GeoDataFrame
        Units as built by :func:`geozz.build_units`.
    n : int, default 3000
        Number of records.
    seed : int, default 0
        Seed: the same seed and units give the same records.
    start : str, default "2024-01-01"
        First day of the first month.
    months : int, default 12
        Number of months covered.
    gcj02_share, outside_share, malformed_share : float
        Shares of the records as described above.
    hotspots : float, default 10
        Number of hot spots (0: none).
    hotspot_radius : float, default 300
        Their radius (standard deviation, metres of the units' CRS).
    hotspot_weight : float, default 10
        Their weight against the busy-unit intensity.

    Returns
    -------
    DataFrame
        One row per record, all text as it would be in a CSV.

    Examples
    --------
    >>> import geozz as gz
    >>> units = gz.build_units(gz.datasets.longgang(), grid_size=500)
    >>> raw = simulate_problems(units, n=200, seed=1)
    >>> len(raw), raw["坐标系"].isin(["wgs84", "gcj02"]).all()
    (200, np.True_)
    """
    if n < 0 or months < 1:
        raise InputError(Issue(field="n/months", expected="n >= 0 and months >= 1",
                               got=(n, months), fix="pass positive numbers"))
    rng = np.random.default_rng(seed)
    units = units[~units.geometry.is_empty]
    types = set(units["unit_type"])
    utypes = units["unit_type"].to_numpy()
    # many clean units, some busy ones (a gamma-distributed intensity per unit) and a few
    # hot spots (markets, villages in the city, construction sites) whose neighbourhoods
    # collect problems: a Gaussian bump of radius ``hotspot_radius`` around each
    weight = np.array([_TYPE_WEIGHT.get(t, 1.0) for t in utypes])
    size = np.sqrt(units.geometry.area.to_numpy())
    base = rng.gamma(0.2, 1.0, size=len(units))
    centre = units.geometry.centroid
    cx, cy = centre.x.to_numpy(), centre.y.to_numpy()
    k = min(len(units), max(1, int(round(hotspots)))) if hotspots and len(units) else 0
    hot = np.zeros(len(units))
    if k:
        at = rng.choice(len(units), size=k, replace=False)
        strength = rng.lognormal(0.0, 0.6, size=k)
        d2 = (cx[:, None] - cx[at]) ** 2 + (cy[:, None] - cy[at]) ** 2
        hot = (strength * np.exp(-d2 / (2 * hotspot_radius ** 2))).sum(axis=1)
    intensity = (base + hotspot_weight * hot) * weight * size
    pick = rng.choice(len(units), size=n, p=intensity / intensity.sum())
    # the category, given the unit type it happens in
    cat = np.empty(n, dtype=object)
    for t in types:
        idx = np.flatnonzero(utypes[pick] == t)
        cs = [c for c, (_, where) in _MIX.items() if t in where]
        w = np.array([_MIX[c][0] * _MIX[c][1][t] for c in cs])
        cat[idx] = rng.choice(cs, size=len(idx), p=w / w.sum())
    geoms = units.geometry.to_numpy()
    counts = np.bincount(pick, minlength=len(units))
    pts = _sample_in(geoms, counts, rng)
    # _sample_in returns points grouped by unit, in unit order: match them to records
    points = np.empty(n, dtype=object)
    points[np.argsort(pick, kind="stable")] = pts
    # a few records just outside the district (mis-located, or across the border)
    outside = rng.random(n) < outside_share
    hull = shapely.union_all(geoms).buffer(0)
    minx, miny, maxx, maxy = hull.bounds
    for i in np.flatnonzero(outside):
        while True:
            pt = shapely.Point(rng.uniform(minx - 1500, maxx + 1500),
                               rng.uniform(miny - 1500, maxy + 1500))
            if not hull.intersects(pt):
                points[i] = pt
                break
    wgs = gpd.GeoSeries(points, crs=units.crs).to_crs(4326)
    lon, lat = wgs.x.to_numpy(), wgs.y.to_numpy()
    gcj = rng.random(n) < gcj02_share
    lon_g, lat_g = _coords.convert(lon[gcj], lat[gcj], src="wgs84", dst="gcj02")
    lon, lat = lon.copy(), lat.copy()
    lon[gcj], lat[gcj] = lon_g, lat_g
    # times: seasonal weight per month (more in the rainy summer), daytime hours
    t0 = pd.Timestamp(start).to_period("M").to_timestamp()
    month_w = 1 + 0.3 * np.sin(np.arange(months) / 12 * 2 * np.pi - np.pi / 2 + np.pi / 3)
    month = rng.choice(months, size=n, p=month_w / month_w.sum())
    month_start = np.array([t0 + pd.DateOffset(months=int(m)) for m in range(months)])
    days_in = np.array([(s + pd.DateOffset(months=1) - s).days for s in month_start])
    found = [month_start[m] + pd.Timedelta(days=int(rng.integers(0, days_in[m])),
                                           hours=int(rng.integers(7, 20)),
                                           minutes=int(rng.integers(0, 60)))
             for m in month]
    found = pd.DatetimeIndex(found)
    deadline = found + pd.to_timedelta([_DEADLINE_DAYS[c] for c in cat], unit="D")
    # outcome: rectified (on time or late), verified, still open / in progress, reopened
    u = rng.random(n)
    late = rng.random(n) < 0.2
    took = np.where(late, rng.uniform(1.1, 3.0, n), rng.uniform(0.1, 0.95, n))
    rect_at = found + pd.to_timedelta(took * np.array([_DEADLINE_DAYS[c] for c in cat]),
                                      unit="D")
    status = np.where(u < 0.45, "已整改", np.where(u < 0.85, "已核查",
                      np.where(u < 0.91, "整改中", np.where(u < 0.97, "待整改", "重新交办"))))
    never = np.isin(status, ["整改中", "待整改"])
    zh = {c: v["zh"] for c, v in vocabulary()["categories"].items()}
    raw_cat = np.array([zh[c] for c in cat], dtype=object)
    desc = [f"{_PLACES[rng.integers(len(_PLACES))]}发现{zh[c]}（模拟数据）" for c in cat]
    reporter = [_SURNAMES[rng.integers(len(_SURNAMES))] + _GIVEN[rng.integers(len(_GIVEN))]
                for _ in range(n)]
    phone = [f"1{rng.integers(3, 10)}{rng.integers(0, 10**9):09d}" for _ in range(n)]
    fmt = "%Y-%m-%d %H:%M"
    frame = pd.DataFrame({
        "编号": [f"SIM-{seed}-{i + 1:06d}" for i in range(n)],
        "问题类型": raw_cat,
        "发现时间": found.strftime(fmt),
        "来源": rng.choice(_SOURCES[0], size=n, p=_SOURCES[1]),
        "状态": status,
        "整改期限": deadline.strftime(fmt),
        "整改完成时间": np.where(never, "", rect_at.strftime(fmt)),
        "经度": np.round(lon, 6).astype(str),
        "纬度": np.round(lat, 6).astype(str),
        "坐标系": np.where(gcj, "gcj02", "wgs84"),
        "问题描述": desc,
        "上报人": reporter,
        "联系电话": phone,
    })
    # break a few rows the way real exports are broken
    broken = np.flatnonzero(rng.random(n) < malformed_share)
    for k, i in enumerate(broken):
        kind = k % 3
        if kind == 0:
            frame.loc[i, "经度"] = ""
        elif kind == 1:
            frame.loc[i, "发现时间"] = "2024-13-45 25:00"
        else:
            frame.loc[i, "问题类型"] = "其他"
    return frame
