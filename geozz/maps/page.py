"""The offline page writer: bundled scripts and styles, raw elements, standalone pages.

Every page geozz writes opens with no network: Leaflet (and, where used, its cluster and
heat plug-ins) and geozz's own constant scripts are either inlined into the page or, in a
published folder, copied once into ``assets/`` beside the pages. Data from the input goes
into a page only as :func:`geozz._io.script_json` inside a ``<script>`` element and is
put into the document by the page's script with ``textContent``; nothing from the input is
ever part of markup or passes through a template engine.

Examples
--------
>>> html = standalone("单元 Unit", "geozzUnitPage", {"name": "</script>{{ 7*7 }}"},
...                   scripts=["unitpage.js"])
>>> "</script>{{" in html, "\\\\u003c/script\\\\u003e" in html
(False, True)
"""

from __future__ import annotations

import functools
from importlib import resources

from branca.element import Element, MacroElement

from .._io import script_json

__all__ = ["ASSETS", "Raw", "StarMapElement", "asset", "inline", "standalone"]

#: the bundled files a published folder carries in assets/
ASSETS = ("leaflet.js", "leaflet.css", "leaflet.markercluster.js", "markercluster.css",
          "leaflet-heat.js", "starmap.js", "unitpage.js", "pages.css")


@functools.cache
def asset(name: str) -> str:
    """The text of a bundled script or stylesheet (``geozz/static``)."""
    return resources.files("geozz.static").joinpath(name).read_text("utf-8")


def inline(names) -> str:
    """``<style>`` / ``<script>`` elements carrying the named assets inside the page."""
    out = []
    for name in names:
        text = asset(name)
        if name.endswith(".css"):
            out.append("<style>" + text.replace("</style", "<\\/style") + "</style>")
        else:
            out.append("<script>" + text.replace("</script", "<\\/script") + "</script>")
    return "\n".join(out)


def linked(names, prefix: str) -> str:
    """``<link>`` / ``<script src>`` elements for assets copied into a folder."""
    out = []
    for name in names:
        if name.endswith(".css"):
            out.append(f'<link rel="stylesheet" href="{prefix}{name}">')
        else:
            out.append(f'<script src="{prefix}{name}"></script>')
    return "\n".join(out)


class Raw(Element):
    """A branca element that renders its text as it is: never compiled as a template."""

    def __init__(self, text: str):
        super().__init__()
        self._name = "GeozzRaw"
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


#: scripts and styles of a star map page
MAP_ASSETS = ("leaflet.css", "pages.css", "leaflet.js", "starmap.js")
CLUSTER_ASSETS = ("markercluster.css", "leaflet.markercluster.js", "leaflet-heat.js")


class StarMapElement(MacroElement):
    """The star map's one child of the folium map: at render time it puts the assets in
    the page header and the call ``geozzStarMap(<map>, <data>)`` in the page script, all
    as raw text that no template engine sees."""

    def __init__(self, config: dict, *, clusters: bool = False, assets_prefix: str | None = None):
        super().__init__()
        self._name = "GeozzStarMap"
        self.config = config
        self.names = MAP_ASSETS + (CLUSTER_ASSETS if clusters else ())
        self.assets_prefix = assets_prefix

    def render(self, **kwargs) -> None:
        figure = self.get_root()
        head = inline(self.names) if self.assets_prefix is None else \
            linked(self.names, self.assets_prefix)
        figure.header.add_child(Raw(head), name="geozz_assets", index=0)
        # the map's variable name is folium's own identifier (map_ + hex digits)
        js = f"geozzStarMap({self._parent.get_name()}, {script_json(self.config)});"
        figure.script.add_child(Raw(js), name=self.get_name())


def standalone(title: str, entry: str, data: dict, *, scripts=(), assets_prefix=None,
               lang: str = "zh-CN") -> str:
    """A whole page that runs ``entry(data)`` from a bundled script once loaded.

    ``title`` is set by the script too (``document.title``), so that input text never
    enters the markup: the ``<title>`` element is written empty.
    """
    names = ("leaflet.css", "pages.css", "leaflet.js", *scripts)
    head = inline(names) if assets_prefix is None else linked(names, assets_prefix)
    payload = script_json({"title": str(title), **data})
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title></title>\n{head}\n</head>\n<body>\n<div id=\"gz-root\"></div>\n"
            f"<script>{entry}({payload});</script>\n</body>\n</html>\n")
