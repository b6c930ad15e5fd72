"""Large star maps against ``GeoDataFrame.explore()``: HTML size and time to the first drawn cell.

Run:  pip install -e ".[dev,bench]" && python benchmarks/maps.py [--cells 50176] [--periods 12]
      [--extent-km 45] [--no-explore] [--repeat 3]

A square grid of about ``--cells`` cells (``side = ceil(sqrt(cells))`` cells a side: 224 x
224 = 50,176 cells of 50 m, 11.2 km across, in UTM zone 50 at Longgang; with
``--extent-km E`` cells of ``E km / side`` in whole metres instead: 200 m, 44.8 km across
for 45) is rated for ``--periods`` months from simulated problems. Then, in one run:

- ``gz.star_map`` of the grid (every period in the page, period switcher) is saved;
- ``GeoDataFrame.explore(column="stars")`` of the same cells (one period) is saved, and a
  copy of it with the CDN addresses of Leaflet / jQuery / Bootstrap … replaced by files
  served from a local folder (explore cannot draw offline at all), so that it can be timed;
- each page is opened in headless Chromium (offline for geozz; for explore, only the local
  server reachable) and timed from navigation start to the animation frame in which the
  page's canvas or SVG first holds a drawn cell (a check run every frame from the page's
  first script); the time the driver sees (``goto`` until its own check passes, with its
  round trips) is printed below it.

Printed: sizes (MB), time to write (s), time to first drawn cell (s), and the ratios;
for geozz the median of ``--repeat`` writes and openings (explore() once: it takes
minutes). ``--no-explore`` leaves explore() out. Nothing is asserted; CI never runs it.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

import geozz as gz

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _browser import launch  # noqa: E402

FIRST_DRAW_JS = """() => {
  const c = document.querySelector('.leaflet-gzGrid-pane canvas')
         || document.querySelector('.leaflet-overlay-pane canvas');
  if (c && c.width) { const x = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
           for (let i = 3; i < x.length; i += 4) if (x[i] > 0) return true; }
  return document.querySelectorAll('.leaflet-overlay-pane path').length > 0;
}"""
#: checks every animation frame, from the first script of the page, whether a cell is
#: drawn, and notes the time (ms since navigation start) in ``window.__firstDraw``
WATCH_JS = f"""(() => {{
  const drawn = {FIRST_DRAW_JS};
  function look() {{
    try {{ if (drawn()) {{ window.__firstDraw = performance.now(); return; }} }} catch (e) {{}}
    requestAnimationFrame(look);
  }}
  requestAnimationFrame(look);
}})();"""


def grid_and_ratings(cells: int, periods: int, seed: int = 0, extent_km: float | None = None):
    import geopandas as gpd
    from shapely import box

    side = int(np.ceil(np.sqrt(cells)))  # 224 x 224 = 50,176 cells of 50 m in Longgang
    size = 50.0 if extent_km is None else float(max(1, int(extent_km * 1000 / side)))
    x0, y0 = (np.floor(np.array([205_000.0, 2_505_000.0]) / size) * size).tolist()
    square = box(x0, y0, x0 + side * size, y0 + side * size)
    grid = gz.units.grid(gpd.GeoSeries([square], crs=32650), size=size)
    rng = np.random.default_rng(seed)
    months = pd.period_range("2024-01", periods=periods, freq="M").astype(str)
    rows = []
    for m in months:
        score = np.clip(100 - rng.gamma(0.4, 6.0, len(grid)), 0, 100).round(2)
        rows.append(pd.DataFrame({"unit_id": grid.index, "period": m, "unit_type": "grid",
                                  "score": score, "found": np.rint(100 - score).astype(int),
                                  "ded_exposed_garbage": 100 - score}))
    r = pd.concat(rows, ignore_index=True)
    rb = gz.rubric.load_rubric("default")
    r["stars"] = pd.array(rb.stars_for(r["score"].to_numpy()), dtype="Int64")
    r["grade"] = rb.grade_for(r["score"].to_numpy())
    r["rank"] = r.groupby("period")["score"].rank(method="min", ascending=False).astype("Int64")
    return grid, r


def first_draw(browser, url: str, *, offline: bool) -> tuple[float, float]:
    """Seconds to the first drawn cell: in the page (from navigation start to the frame
    that shows it) and as the driver sees it (from ``goto`` until its check passes)."""
    ctx = browser.new_context(offline=offline, viewport={"width": 1200, "height": 900})
    ctx.add_init_script(WATCH_JS)
    page = ctx.new_page()
    t0 = time.perf_counter()
    page.goto(url, timeout=300_000)
    page.wait_for_function("() => window.__firstDraw !== undefined", timeout=300_000,
                           polling=20)
    wall = time.perf_counter() - t0
    inside = page.evaluate("() => window.__firstDraw") / 1000
    ctx.close()
    return inside, wall


def localise(html: str, assets: Path) -> str:
    """Replace every CDN script and stylesheet of an explore() page by a local copy."""
    import urllib.request  # noqa: F401  (explains the failure when offline)

    names = {"leaflet.js": gz.maps.page.asset("leaflet.js"),
             "leaflet.css": gz.maps.page.asset("leaflet.css")}
    for name, text in names.items():
        (assets / name).write_text(text, encoding="utf-8")

    def swap(m):
        url = m.group(2)
        base = url.rsplit("/", 1)[-1]
        if base in names:
            return f'{m.group(1)}="/assets/{base}"'
        return f'{m.group(1)}="/assets/missing-{base}"'  # 404 at once, never the network

    return re.sub(r'(src|href)="(https?://[^"]+)"', swap, html)


def placed(page: Path) -> str:
    """How the page places the grid: by its projection, by the fitted map, or as polygons."""
    text = page.read_text(encoding="utf-8")
    m = re.search(r'"grids":\[(.)', text)
    if m is None or m.group(1) == "]":
        return "as polygons"
    return "by its transverse Mercator" if '"tm":{' in text else "by the quadratic fit"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=50176)
    ap.add_argument("--periods", type=int, default=12)
    ap.add_argument("--extent-km", type=float, default=None,
                    help="width of the grid (km): cells of width / side (whole metres) "
                         "instead of 50 m")
    ap.add_argument("--no-explore", action="store_true", help="time geozz alone")
    ap.add_argument("--repeat", type=int, default=3, help="geozz runs (median printed)")
    args = ap.parse_args()
    grid, ratings = grid_and_ratings(args.cells, args.periods, extent_km=args.extent_km)
    explore = not args.no_explore
    tmp = Path(tempfile.mkdtemp())
    last = ratings["period"].max()
    writes = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        gz.star_map(grid, ratings).save(str(tmp / "geozz.html"))
        writes.append(time.perf_counter() - t)
    w_gz = float(np.median(writes))
    side = int(np.ceil(np.sqrt(args.cells)))
    cell = float(grid.index[0].split("-")[0][1:])
    print(f"{len(grid)} cells of {cell:g} m, {side * cell / 1000:g} km across; the grid goes "
          f"to the page {placed(tmp / 'geozz.html')}")
    if explore:
        shown = grid.join(ratings[ratings["period"] == last].set_index("unit_id")[["score",
                                                                                   "stars"]])
        shown["stars"] = shown["stars"].astype(float)
        t = time.perf_counter()
        shown.explore(column="stars").save(str(tmp / "explore.html"))
        w_gp = time.perf_counter() - t
        served = tmp / "served"
        (served / "assets").mkdir(parents=True)
        (served / "explore.html").write_text(
            localise((tmp / "explore.html").read_text(encoding="utf-8"), served / "assets"),
            encoding="utf-8")
    else:
        served = tmp

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        opened = [first_draw(browser, (tmp / "geozz.html").as_uri(), offline=True)
                  for _ in range(args.repeat)]
        d_gz, w_gz_open = (float(np.median([o[k] for o in opened])) for k in (0, 1))
        if explore:
            d_gp, w_gp_open = first_draw(browser, f"http://127.0.0.1:{server.server_port}/"
                                         "explore.html", offline=False)
        browser.close()
    server.shutdown()
    s_gz = (tmp / "geozz.html").stat().st_size / 1e6
    if not explore:
        print(f"star_map with {args.periods} periods (median of {args.repeat})")
        print(f"{'HTML size (MB)':<28}{s_gz:>10.2f}")
        print(f"{'write (s)':<28}{w_gz:>10.2f}")
        print(f"{'first drawn cell (s)':<28}{d_gz:>10.2f}")
        print(f"{'  as the driver sees it (s)':<28}{w_gz_open:>10.2f}")
        return
    s_gp = (tmp / "explore.html").stat().st_size / 1e6
    print(f"star_map with {args.periods} periods (median of {args.repeat}), explore() with "
          "one (once)")
    print(f"{'':<28}{'geozz':>10}{'explore':>10}{'explore/geozz':>15}")
    print(f"{'HTML size (MB)':<28}{s_gz:>10.2f}{s_gp:>10.2f}{s_gp / s_gz:>15.1f}")
    print(f"{'write (s)':<28}{w_gz:>10.2f}{w_gp:>10.2f}{w_gp / w_gz:>15.1f}")
    print(f"{'first drawn cell (s)':<28}{d_gz:>10.2f}{d_gp:>10.2f}{d_gp / d_gz:>15.1f}")
    print(f"{'  as the driver sees it (s)':<28}{w_gz_open:>10.2f}{w_gp_open:>10.2f}"
          f"{w_gp_open / w_gz_open:>15.1f}")
    print("(geozz offline; explore with its CDN files served locally: offline it draws nothing)")


if __name__ == "__main__":
    main()
