"""Rubric files for the tests: the bundled default's text, and writing a variant."""

from importlib import resources


def default_text() -> str:
    """The text of the bundled default rubric."""
    return (resources.files("geozz.resources") / "default.toml").read_text("utf-8")


def write_rubric(tmp_path, text: str, name: str = "mine.toml"):
    """Write ``text`` as a rubric file in ``tmp_path`` and return its path."""
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return f
