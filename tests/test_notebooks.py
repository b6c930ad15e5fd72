"""The notebooks in notebooks/ run top to bottom in a real Jupyter kernel.

Each notebook is executed by nbclient in the ``python3`` kernel (the interpreter running
the tests, with this checkout's geozz first on its path), in a temporary folder with
``TMPDIR`` pointing there, so whatever a notebook writes lands in the test's ``tmp_path``.
A probe cell appended to the in-memory copy prints, as JSON, what the notebook computed;
the tests assert on it, on the outputs the cells displayed and on the files written.
The committed notebooks carry no outputs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbclient
import nbformat
import pandas as pd
import pytest

ROOT = Path(__file__).parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = ["01_quickstart.ipynb", "02_real_complaints_sf311.ipynb",
            "03_custom_rubric.ipynb"]

#: what the probe cell prints besides the notebook's own names
PROBE = """
import json as _json, sys as _sys, geozz as _gz
print("PROBE " + _json.dumps({"executable": _sys.executable, "geozz": _gz.__file__,
                              **(%s)}, default=str))
"""

PROBES = {
    "01_quickstart.ipynb": """{
        "units": len(units), "ratings": len(ratings),
        "periods": ratings["period"].nunique(), "latest": latest,
        "rows_in_file": rows_in_file, "kept": int(problems["report_count"].sum()),
        "rejected": rejected, "out": str(out), "written": sorted(written),
        "map": f"{type(m).__module__}.{type(m).__name__}",
        "zones": len(zones[zones["period"] == latest]),
        "below": sorted(zones.loc[~zones["meets_target"].astype(bool), "area"].unique())}""",
    "02_real_complaints_sf311.ipynb": """{
        "rows": len(raw), "count": {k: int(v) for k, v in count.items()},
        "tracts": len(tracts), "ratings": len(ratings),
        "years": sorted(ratings["period"].unique()), "year": year,
        "stars_in_year": sorted(int(s) for s in ratings.loc[ratings["period"] == year,
                                                               "stars"].unique()),
        "rejects": len(rejects), "out": str(out), "written": sorted(written),
        "map": f"{type(m).__module__}.{type(m).__name__}"}""",
    "03_custom_rubric.ipynb": """{
        "rubric": strict.name, "path": str(path), "error": type(error).__name__,
        "value_error": isinstance(error, ValueError),
        "fields": [i.field for i in error.issues], "units": len(units),
        "rows": len(both), "default_rows": len(default), "mine_rows": len(mine),
        "changed": int((both["change"] != 0).sum()),
        "fewer": int((both["change"] < 0).sum()),
        "grades": sorted(mine["grade"].unique()),
        "map": f"{type(m).__module__}.{type(m).__name__}"}""",
}


@pytest.fixture(scope="module")
def python3_kernel():
    """The ``python3`` kernelspec, registered in this venv if missing, running this
    interpreter."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:  # pragma: no cover - ipykernel normally installs it
        subprocess.run([sys.executable, "-m", "ipykernel", "install", "--sys-prefix"],
                       check=True, capture_output=True)
        spec = KernelSpecManager().get_kernel_spec("python3")
    # jupyter_client starts "python" as the interpreter that runs the client
    assert spec.argv[0] in ("python", sys.executable), spec.argv
    return spec


def run(path: Path, tmp_path: Path, source: dict[str, str] | None = None):
    """Execute the notebook at ``path`` (cells replaced by ``source``: index → code) plus
    its probe; return (executed notebook, probe values)."""
    nb = nbformat.read(path, as_version=4)
    for index, code in (source or {}).items():
        nb.cells[index].source = code
    nb.cells.append(nbformat.v4.new_code_cell(PROBE % PROBES[path.name]))
    work = tmp_path / "cwd"
    temp = tmp_path / "tmp"
    work.mkdir()
    temp.mkdir()
    env = dict(os.environ, TMPDIR=str(temp),
               PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [
                   os.environ.get("PYTHONPATH")])]))
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=600,
                                     resources={"metadata": {"path": str(work)}})
    client.execute(env=env)
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs
                   if o["output_type"] == "stream")
    line = next(s for s in text.splitlines() if s.startswith("PROBE "))
    return nb, json.loads(line[len("PROBE "):])


def html_outputs(cell) -> str:
    return "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs)


def check_common(nb, probe, tmp_path: Path) -> None:
    """Every notebook: ran in this interpreter with this checkout's geozz, wrote only
    below tmp_path, showed tables as HTML and the map inline, printed no warnings."""
    assert Path(probe["executable"]).resolve() == Path(sys.executable).resolve()
    assert Path(probe["geozz"]).resolve().is_relative_to(ROOT / "geozz")
    code = [c for c in nb.cells[:-1] if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    assert not [o for c in code for o in c.outputs
                if o["output_type"] == "stream" and o["name"] == "stderr"]
    assert sum("<table" in html_outputs(c) for c in code) >= 3
    assert probe["map"] == "folium.folium.Map"
    star_map = next(c for c in code if "gz.star_map(" in c.source)
    assert "<iframe" in html_outputs(star_map)  # the folium map, shown inline
    assert not any((tmp_path / "cwd").iterdir())  # nothing written where it ran


def published(probe, tmp_path: Path, name: str) -> Path:
    out = Path(probe["out"])
    assert out.is_relative_to(tmp_path / "tmp") and out.name == name
    assert (out / ".geozz-publication").exists() and (out / "index.html").exists()
    return out


def test_the_three_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and len(nb.cells) <= 20
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, cell.id
        assert "execution" not in cell.metadata, cell.id
    assert len({c.id for c in nb.cells}) == len(nb.cells)


def test_quickstart(python3_kernel, tmp_path):
    nb, probe = run(ROOT / "notebooks" / EXPECTED[0], tmp_path)
    check_common(nb, probe, tmp_path)
    assert probe["periods"] == 12 and probe["latest"] == "2024-12"
    assert probe["ratings"] == probe["units"] * 12
    # count in = count out, on the bundled records
    assert probe["rows_in_file"] == 30_000 == probe["kept"] + probe["rejected"]
    assert probe["rejected"] > 0 and probe["zones"] == 5
    assert probe["below"] == ["爱联片区（模拟）"]  # the calibrated miss (April to June)
    area = html_outputs(nb.cells[1])
    assert "<b>Area</b> 龙岗区" in area and "roads" in area
    out = published(probe, tmp_path, "longgang")
    ratings = pd.read_csv(out / "ratings.csv", encoding="utf-8-sig")
    assert len(ratings) == probe["ratings"]
    assert len(list((out / "units").glob("*.html"))) == probe["units"]
    assert {"index", "overview", "ratings", "ledger", "rejects", "units"} <= set(
        probe["written"])
    # the last cell printed what it published
    printed = "".join(o.get("text", "") for o in nb.cells[-2].outputs)
    assert f"{probe['units']} unit pages, {probe['ratings']} ratings" in printed


def test_sf311(python3_kernel, tmp_path):
    nb, probe = run(ROOT / "notebooks" / EXPECTED[1], tmp_path)
    check_common(nb, probe, tmp_path)
    count = probe["count"]
    assert probe["rows"] == count["rows in the file"] == 4984
    assert count["kept + rejected"] == count["reports kept"] + count["records rejected"] \
        == 4984
    assert count["records rejected"] > 0 and count["problems (repeats merged)"] > 0
    assert probe["tracts"] == 195 and probe["ratings"] == 195 * len(probe["years"])
    assert probe["year"] == "2015" and probe["stars_in_year"] == [1, 2, 3, 4, 5]
    # the rejects were looked at: counts by kind and reason, by raw value, a few rows
    tables = [html_outputs(c) for c in nb.cells if c.cell_type == "code"]
    records, fields = count["records rejected"], probe["rejects"] - count["records rejected"]
    assert fields > 0
    assert any(f"unmapped_category</th>\n      <td>{records}</td>" in t
               and f"unmapped_source</th>\n      <td>{fields}</td>" in t for t in tables)
    assert any("<td>Abandoned Vehicle</td>" in t and "<th>count</th>" in t for t in tables)
    assert any("<th>line</th>" in t and "<th>reason</th>" in t and "<th>value</th>" in t
               for t in tables)
    out = published(probe, tmp_path, "sf311")
    rejects = pd.read_csv(out / "rejects.csv", encoding="utf-8-sig")
    assert len(rejects) == probe["rejects"]
    assert "Address" not in rejects and "Lat" not in rejects  # where and why only
    assert len(pd.read_csv(out / "ratings.csv", encoding="utf-8-sig")) == probe["ratings"]


def test_custom_rubric(python3_kernel, tmp_path):
    nb, probe = run(ROOT / "notebooks" / EXPECTED[2], tmp_path)
    check_common(nb, probe, tmp_path)
    assert probe["rubric"] == "strict"
    assert Path(probe["path"]).is_relative_to(tmp_path / "tmp")
    # the broken rubric: one RubricError (an InputError, a ValueError) naming every slip
    assert probe["error"] == "RubricError" and probe["value_error"]
    assert {"points_per_problem", "caps", "shares.grid", "shares.river.banks"} <= set(
        probe["fields"])
    shown = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                    for o in c.outputs)
    assert "RubricError" in shown and "remove it or correct its spelling" in shown
    # the comparison covers every unit-month of both ratings
    assert probe["rows"] == probe["default_rows"] == probe["mine_rows"] == probe["units"] * 12
    assert probe["grades"] and set(probe["grades"]) <= {"好", "较好", "一般", "差"}
    assert probe["fewer"] > 0 and probe["changed"] >= probe["fewer"]


def test_a_broken_cell_fails_the_run(python3_kernel, tmp_path):
    """The runner bites: a cell that raises stops the notebook with its error."""
    path = ROOT / "notebooks" / EXPECTED[2]
    with pytest.raises(nbclient.exceptions.CellExecutionError, match="NameError"):
        run(path, tmp_path, {1: "units = build_units(aera)"})
