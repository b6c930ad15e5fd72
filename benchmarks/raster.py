"""geozz.raster against the geopandas way, on synthetic data, in one run.

Run:  python benchmarks/raster.py [--points 1M] [--pixels 2000] [--cells 10k]
          [--zonal-pixels 500] [--repeat 3]

Prints one row per case: geozz's time, the baseline's time and their ratio (above 1:
geozz is faster). Nothing is asserted; CI never runs it.

- density: ``gz.raster.density`` of N points (Gaussian clusters over 40 km) onto a
  P × P frame (quartic kernel, 300 m) vs the same counts made the geopandas way — the
  frame's pixels as a GeoDataFrame of boxes, ``gpd.sjoin`` of the points to them and a
  ``groupby`` count (the kernel step is left out of the baseline, so the ratio is a
  floor) — written as a tiled, compressed GeoTIFF, timed apart;
- zonal: ``gz.raster.zonal`` (coverage weighted mean, sum, max, count) of a surface of
  Z × Z pixels (the overlay baseline cannot take millions of boxes) over a regular grid
  of C cells vs ``gpd.overlay(cells, pixel boxes)`` with
  area weights and a ``groupby``;
- gistar: ``gz.raster.gistar`` of the problems per cell over the C cells (queen
  weights and esda's Gi*), no baseline.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import geozz as gz
from geozz.units import grid

from assign import count, timed  # the benchmarks' shared helpers (run from this folder)

CRS = "EPSG:32650"
X0, Y0 = 800_000.0, 2_500_000.0


def pixel_boxes(surface) -> gpd.GeoDataFrame:
    t = surface.transform
    h, w = surface.shape
    rows, cols = np.divmod(np.arange(h * w), w)
    x0 = t.c + cols * t.a
    y1 = t.f + rows * t.e
    return gpd.GeoDataFrame({"value": surface.values[0].ravel()},
                            geometry=shapely.box(x0, y1 + t.e, x0 + t.a, y1), crs=CRS)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", default="1M")
    ap.add_argument("--pixels", type=int, default=2000)
    ap.add_argument("--cells", default="10k")
    ap.add_argument("--zonal-pixels", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    n, px, nc = count(args.points), args.pixels, count(args.cells)
    rng = np.random.default_rng(0)
    side = 40_000.0
    centres = rng.uniform(0, side, size=(20, 2))
    xy = centres[rng.integers(0, 20, n)] + rng.normal(0, 1500, size=(n, 2))
    xy = np.clip(xy, 0, side - 1e-6) + [X0, Y0]
    pts = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=CRS)
    cell = side / px
    bounds = (X0, Y0, X0 + side, Y0 + side)
    rows = []

    t_geozz, surface = timed(lambda: gz.raster.density(pts, cell_size=cell, bandwidth=300,
                                                       bounds=bounds), args.repeat)
    boxes = pixel_boxes(surface)

    def baseline_counts():
        j = gpd.sjoin(pts, boxes, predicate="intersects", how="inner")
        return j.groupby("index_right").size()

    t_base, _ = timed(baseline_counts, 1)
    rows.append(("density", f"{n:,} points → {px}×{px}", t_geozz, t_base))
    with tempfile.TemporaryDirectory() as d:
        t_write, _ = timed(lambda: gz.raster.write(surface, Path(d) / "d.tif"), args.repeat)
        size = (Path(d) / "d.tif").stat().st_size
    rows.append(("write GeoTIFF", f"{px}×{px} float32, {size / 1e6:.1f} MB", t_write, None))

    k = int(round(np.sqrt(nc)))
    cells = grid(gpd.GeoSeries([shapely.box(*bounds)], crs=CRS), size=side / k)
    # the overlay baseline cannot take millions of pixel boxes: zonal runs on a coarser
    # surface of --zonal-pixels a side, the same for both
    coarse = gz.raster.density(pts, cell_size=side / args.zonal_pixels, bandwidth=300,
                               bounds=bounds)
    coarse_boxes = pixel_boxes(coarse)
    t_zonal, _ = timed(lambda: gz.raster.zonal(coarse, cells,
                                               stats=["mean", "sum", "max", "count"]),
                       args.repeat)

    def baseline_zonal():
        c = gpd.GeoDataFrame({"unit_id": cells.index}, geometry=cells.geometry.values,
                             crs=CRS)
        ov = gpd.overlay(c, coarse_boxes, how="intersection", keep_geom_type=True)
        ov["w"] = ov.geometry.area / (side / args.zonal_pixels) ** 2
        ov["wv"] = ov["w"] * ov["value"]
        g = ov.groupby("unit_id")
        return pd.DataFrame({"sum": g["wv"].sum(), "mean": g["wv"].sum() / g["w"].sum(),
                             "max": g["value"].max(), "count": g.size()})

    t_zbase, _ = timed(baseline_zonal, 1)
    zp = args.zonal_pixels
    rows.append(("zonal", f"{len(cells):,} cells over {zp}×{zp}", t_zonal, t_zbase))

    counts = gpd.sjoin(pts, cells[["geometry"]].reset_index(drop=True),
                       predicate="within").groupby(
        "index_right").size()
    ratings = pd.DataFrame({"unit_id": cells.index, "period": "2024-05",
                            "found": counts.reindex(range(len(cells)), fill_value=0).to_numpy()})
    t_gi, _ = timed(lambda: gz.raster.gistar(ratings, cells), args.repeat)
    rows.append(("gistar", f"{len(cells):,} cells, queen", t_gi, None))

    print(f"{'case':<14} {'size':<34} {'geozz s':>9} {'baseline s':>11} {'ratio':>7}")
    for case, what, a, b in rows:
        ratio = f"{b / a:7.1f}" if b else "      —"
        base = f"{b:11.2f}" if b else "          —"
        print(f"{case:<14} {what:<34} {a:9.2f} {base} {ratio}")


if __name__ == "__main__":
    main()
