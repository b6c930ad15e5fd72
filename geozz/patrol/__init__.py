"""Daily patrol routes (日巡查) that go where problems are likely.

* :func:`routes` — one closed route per officer along real streets, within a distance
  budget, collecting the largest prize (expected problems from ``gz.forecast.risk``, or
  open problems from :func:`open_problems`); PyVRP's prize-collecting solver;
* :func:`greedy` — the baseline: the nearest hot unit next;
* :func:`street_network` — the street segments as a sparse matrix (one-way streets for
  vehicles), shortest paths with :func:`scipy.sparse.csgraph.dijkstra`;
* :func:`write_gpx`, :func:`route_page`, :func:`write` — a GPX track per officer, an
  offline map page per route for a phone, and the whole folder.

Examples
--------
>>> import geozz as gz
>>> area = gz.datasets.longgang()
>>> units = gz.build_units(area, grid_size=200)
>>> risk = gz.patrol.open_problems(gz.assign(gz.read_problems(
...     gz.datasets.problems_path("longgang"))[0], units))
>>> r = gz.patrol.routes(area, units, risk, officers=1, budget_m=4_000, time_limit=0.5)
>>> list(r.columns[:6])
['officer', 'stops', 'names', 'n_stops', 'prize', 'distance_m']
"""

from __future__ import annotations

from .network import StreetNetwork, street_network
from .output import route_page, stops, write, write_gpx
from .solve import greedy, open_problems, routes

__all__ = ["routes", "greedy", "open_problems", "street_network", "StreetNetwork", "stops",
           "write_gpx", "route_page", "write"]
