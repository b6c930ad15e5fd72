"""The README's Python blocks run as written on the bundled data (a doctest of the README).

Each ```python block is executed, in order, in one namespace, in a temporary folder: what
the README promises to write (the public folder, the GeoTIFF, the printed map) must be
there afterwards.
"""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.S | re.M)


def test_the_readme_has_its_python_api_block():
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    assert blocks and "gz.read_problems(" in blocks[0] and "gz.publish(" in blocks[0]


def test_the_readme_python_runs_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__readme__"}
    for k, block in enumerate(python_blocks(README.read_text(encoding="utf-8"))):
        exec(compile(block, f"README.md python block {k + 1}", "exec"), namespace)
    assert (tmp_path / "public" / "index.html").is_file()
    assert (tmp_path / "density.tif").is_file()
    assert (tmp_path / "bulletin.pdf").read_bytes().startswith(b"%PDF")
    ratings, units, areas = namespace["ratings"], namespace["units"], namespace["areas"]
    assert len(ratings) == len(units) * ratings["period"].nunique()
    assert len(areas) and len(namespace["stats"]) == len(units)
