"""Benchmark: how long ``import geozz``, ``geozz --help`` and the first use of each stage take.

Each statement runs in fresh interpreters (median wall time of ``--runs``, default 5),
and once under ``python -X importtime`` for the number of modules, the sum of their own
import times and the largest cumulative ones. ``--before DIR`` times another copy of the
package beside this one (a folder holding ``geozz/``, e.g. made by
``git archive <commit> geozz | tar -x -C DIR``), alternating the two runs.
Run: ``python benchmarks/importtime.py [--before DIR] [--runs 5]``.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

CASES = {
    "import geozz": "import geozz",
    "geozz --help": "from geozz.cli import main; main(['--help'], prog_name='geozz')",
    "geozz rate --help": "from geozz.cli import main; main(['rate', '--help'], prog_name='geozz')",
    "units … rating (core)": "import geozz.units, geozz.problems, geozz.assignment, geozz.rating",
    "gz.maps": "import geozz as gz; gz.maps",
    "gz.raster": "import geozz as gz; gz.raster",
    "gz.read_osm": "import geozz as gz; gz.read_osm",
}


def run(code: str, tree: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(tree))
    with tempfile.TemporaryDirectory() as cwd:  # not this checkout: it would shadow `tree`
        return subprocess.run([sys.executable, *args, "-c", code], env=env, cwd=cwd,
                              capture_output=True, text=True, check=True)


def importtime(code: str, tree: Path) -> tuple[int, float, list[tuple[str, float]]]:
    """Modules imported, sum of their own times (s), the six largest cumulative times."""
    err = run(code, tree, "-X", "importtime").stderr
    rows = [(m[3], int(m[1]) / 1e6, int(m[2]) / 1e6)
            for m in re.finditer(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)", err)]
    top = sorted(rows, key=lambda r: -r[2])[:6]
    return len(rows), sum(r[1] for r in rows), [(name, cum) for name, _, cum in top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="a folder holding another geozz/")
    parser.add_argument("--runs", type=int, default=5)
    opts = parser.parse_args()
    trees = {"this": HERE} | ({"before": opts.before.resolve()} if opts.before else {})
    for label, code in CASES.items():
        times: dict[str, list[float]] = {name: [] for name in trees}
        for _ in range(opts.runs):
            for name, tree in trees.items():
                start = time.perf_counter()
                run(code, tree)
                times[name].append(time.perf_counter() - start)
        for name, tree in trees.items():
            n, own, top = importtime(code, tree)
            print(f"{label:24s} {name:6s} {statistics.median(times[name]):6.2f} s median "
                  f"of {opts.runs}; {n:5d} modules, importtime sum {own:5.2f} s; "
                  + ", ".join(f"{mod} {cum:.2f}" for mod, cum in top[:4]))


if __name__ == "__main__":
    main()
