"""The notebooks in notebooks/ run top to bottom against the current API."""

import json
from pathlib import Path

import folium
import pytest

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert code
    scope: dict = {}
    for cell in code:
        exec(compile("".join(cell["source"]), f"{path.name}", "exec"), scope)
    assert isinstance(scope["m"], folium.Map)
    assert len(scope["ratings"]) == len(scope["units"]) * scope["ratings"]["period"].nunique()


def test_there_is_a_notebook():
    assert NOTEBOOKS
