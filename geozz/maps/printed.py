"""Printed outputs: the overview as a static figure, and signboards (立牌公示) per unit.

* :func:`static_map` — the star map of a period for printed bulletins, PNG or PDF by the
  file's suffix (matplotlib): units coloured by stars (grid under roads under rivers), a
  legend with the count per star level, a scale bar (matplotlib-scalebar), a north
  arrow, title, period and credit, and optionally a raster of :mod:`geozz.raster`
  (density, hot spots) drawn over the units with its colour bar;
* :func:`signboards` — a board per unit at ``min_stars`` or better (a PNG each, and one
  PDF with a page per board): name,
  type, stars, score, period, the responsible body and the office's contact line, and a
  QR code (zxing-cpp) to the unit's public page in a :func:`geozz.publish` folder served at
  ``base_url``.

Chinese text is drawn with a CJK font (Noto Sans CJK, installed by the README's commands
with ``fonts-noto-cjk``); without one :class:`~geozz.errors.OutputError` names the fix.
Text from input is data: every text artist is made with ``parse_math=False`` so a ``$`` in
a name is a dollar sign, never mathtext, and nothing reaches a template engine. A board
shows the ``responsible`` body of the units table and the ``contact=`` line the office
gives (a hotline); it never shows a phone number from the data.

Examples
--------
>>> import geozz as gz, tempfile, pathlib
>>> units = gz.build_units(gz.datasets.longgang())
>>> problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
>>> ratings = gz.rate(gz.assign(problems, units), units)
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> static_map(units, ratings, out / "overview.png", period="2024-05").stat().st_size > 10_000
True
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

import geopandas as gpd
import numpy as np
import pandas as pd

from .._io import as_path, atomic_path
from .._parallel import Background, cpus
from ..errors import InputError, Issue, OutputError
from ..tables.unit_types import LABELS, UNIT_TYPES, type_labels
from .star import (
    NO_RATING_COLOUR,
    OSM_CREDIT,
    STAR_COLOURS,
    STAR_LABELS,
    _periods,
    page_name,
)

__all__ = [
    "FORMATS",
    "board_url",
    "cjk_font",
    "signboards",
    "static_figure",
    "static_map",
    "static_maps",
]

#: the file types of the printed outputs
FORMATS = ("png", "pdf")
_CJK = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "WenQuanYi Zen Hei",
        "Source Han Sans SC", "SimHei", "Microsoft YaHei")


def _mpl():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return matplotlib, plt


def cjk_font() -> str:
    """The family name of an installed CJK font (the font list is rebuilt once if it was
    cached before the font was installed).

    Raises
    ------
    OutputError
        No CJK font is installed.
    """
    from matplotlib import font_manager as fm

    for attempt in range(2):
        names = {f.name for f in fm.fontManager.ttflist}
        for name in _CJK:
            if name in names:
                return name
        if attempt == 0:
            fm.fontManager = fm._load_fontmanager(try_read_cache=False)
    raise OutputError(Issue(field="font", expected="a CJK font (Noto Sans CJK)", got=None,
                            fix="apt-get install fonts-noto-cjk (the README's test "
                                "command does)"))


#: what every printed output may show besides its data: the words of the boards and of the
#: overview, digits, ASCII, the stars
_WORDS = ("环境卫生责任区 公示牌 扫码查看详情 责任主体 属地 监督电话 得分 评价期 星级评价 "
          "无评分 问题点为模拟数据 北 " + " ".join(LABELS.values()) + " "
          + " ".join(STAR_LABELS.values()) + "".join(chr(c) for c in range(32, 127))
          + "★☆—·−…")
_CUT = itertools.count()


@contextlib.contextmanager
def cut_fonts(texts=(), *, font: str | None = None):
    """The CJK font cut down to the characters of ``texts`` (and :data:`_WORDS`), both
    weights, registered with matplotlib while the block runs: yields the ``font.family``
    list to draw with, the cut font first and the whole font after it for any character
    left out (drawn right, only slower).

    A PDF embeds the glyphs it uses by subsetting the font it drew with: 0.6–1 s for each
    256 glyphs of the 20 MB Noto Sans CJK collection, 3–5 s a PDF, against 25 ms from
    the cut font. Cutting costs about 0.5 s a weight, once for every page drawn in the
    block (forked processes inherit the registration). The cut font keeps the outlines,
    hints, the usual layout features (kerning) and the PostScript name of the whole one:
    the pixels and the embedded names are the same (tested).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> with cut_fonts(["龙岗河"]) as family, plt.rc_context({"font.family": family}):
    ...     family[1] == cjk_font()
    True
    """
    from fontTools import subset
    from matplotlib import font_manager as fm

    whole = font or cjk_font()
    chars = set(_WORDS).union(*map(str, texts))
    chars = "".join(sorted(c for c in chars if c.isprintable()))
    name = f"geozz cut {os.getpid()} {next(_CUT)}"  # new each time: matplotlib caches lookups
    folder = Path(tempfile.mkdtemp(prefix="geozz-fonts-"))
    added: list[str] = []
    try:
        for weight in ("normal", "bold"):
            src = fm.findfont(fm.FontProperties(family=whole, weight=weight),
                              fallback_to_default=False)
            options = subset.Options()
            options.font_number = getattr(src, "face_index", 0)
            options.drop_tables += ["VORG", "vhea", "vmtx"]  # not drawn vertically
            cut = subset.load_font(str(src), options)
            sub = subset.Subsetter(options)
            sub.populate(text=chars)
            sub.subset(cut)
            for record in cut["name"].names:
                if record.nameID in (1, 16):  # family: the cut font is found by its name
                    record.string = name
            path = folder / f"{weight}.otf"
            cut.save(path)
            fm.fontManager.addfont(str(path))
            added.append(str(path))
        yield [name, whole]
    finally:
        fm.fontManager.ttflist = [f for f in fm.fontManager.ttflist if f.fname not in added]
        shutil.rmtree(folder, ignore_errors=True)


def _text(ax, x, y, s, **kw):
    """A text artist that shows ``s`` as it is (no mathtext)."""
    return ax.text(x, y, str(s), parse_math=False, **kw)


def _shown(ratings: pd.DataFrame, period: str | None) -> tuple[str, pd.DataFrame]:
    periods, at = _periods(ratings, period)
    if not periods:
        raise InputError(Issue(field="ratings", expected="at least one rated period",
                               got=0, fix="rate some problems first (gz.rate)"))
    p = periods[at]
    return p, ratings[ratings["period"].astype(str) == p].set_index(
        ratings.loc[ratings["period"].astype(str) == p, "unit_id"].astype(str))


def _check_suffix(path: Path) -> str:
    kind = path.suffix.lower().lstrip(".")
    if kind not in FORMATS:
        raise OutputError(Issue(file=str(path), field="path", expected="a .png or .pdf file",
                                got=path.suffix, fix="name the file e.g. overview.png"))
    return kind


def _north_arrow(ax) -> None:
    ax.annotate("", xy=(0.95, 0.93), xytext=(0.95, 0.83), xycoords="axes fraction",
                arrowprops={"facecolor": "black", "width": 4, "headwidth": 12})
    _text(ax, 0.95, 0.945, "N 北", transform=ax.transAxes, ha="center", va="bottom",
          fontsize=10, fontweight="bold")


def static_map(units: gpd.GeoDataFrame, ratings: pd.DataFrame, path: str | Path, *,
               period: str | None = None, title: str | None = None,
               credit: str = OSM_CREDIT, unit_types=None, raster=None,
               raster_band: str | int = 0, raster_label: str | None = None,
               dpi: int = 200, simulated: bool = False,
               labels: Mapping[str, str] | None = None) -> Path:
    """The star map of one period as a PNG or PDF for printed bulletins.

    Parameters
    ----------
    units, ratings
        From :func:`geozz.build_units` (any CRS: drawn in the units' metric CRS, or
        their UTM zone) and :func:`geozz.rate`.
    path : str or Path
        ``.png`` or ``.pdf`` (written whole, atomically).
    period : str, optional
        Default the latest rated.
    title : str, optional
        Drawn as text above the map (default "星级评价 Star rating").
    credit : str
        Data credit, at the foot.
    unit_types : iterable of str, optional
        Default every type present.
    raster : Surface or path, optional
        A raster of :mod:`geozz.raster` (or any GeoTIFF) drawn over the units, its opacity
        rising with the value (transparent at zero, 80 % at the top, so the stars under a
        faint density stay readable), reprojected to the map's CRS, with a colour bar;
        zero and nodata are transparent.
    raster_band, raster_label
        Band (label or position) and colour-bar label (default the band's units).
    dpi : int, default 200
    simulated : bool, default False
        Say in the credit line that the problem records are simulated.
    labels : mapping of str to str, optional
        The unit types' labels on this map (census tracts stored as ``grid`` units shown
        as ``"普查区 Census tract"``), as for :func:`geozz.publish`
        (:func:`geozz.tables.unit_types.type_labels`: else the units' ``type_label``, else
        the registry's).

    Returns
    -------
    Path
    """
    return static_maps(units, ratings, [path], period=period, title=title, credit=credit,
                       unit_types=unit_types, raster=raster, raster_band=raster_band,
                       raster_label=raster_label, dpi=dpi, simulated=simulated,
                       labels=labels)[0]


def static_maps(units: gpd.GeoDataFrame, ratings: pd.DataFrame, paths, **options
                ) -> list[Path]:
    """:func:`static_map` to several files (``overview.png`` and ``overview.pdf``, say)
    from one figure, drawn once; ``options`` as for :func:`static_map`."""
    outs = [as_path(p, field="path") for p in paths]
    kinds = [_check_suffix(out) for out in outs]
    dpi = options.pop("dpi", 200)
    _, plt = _mpl()
    words = [options.get(k) or "" for k in ("title", "credit", "period", "raster_label")]
    words += list(type_labels(units, options.get("labels")).values())
    with cut_fonts(words + [str(p) for p in ratings["period"].unique()]) as family:
        fig = _figure(units, ratings, family=family, **options)
        try:
            for out, kind in zip(outs, kinds):
                with plt.rc_context({"pdf.fonttype": 42}), atomic_path(out) as tmp:
                    fig.savefig(tmp, format=kind, dpi=dpi)
        finally:
            plt.close(fig)
    return outs


def static_figure(units: gpd.GeoDataFrame, ratings: pd.DataFrame, *,
                  period: str | None = None, title: str | None = None,
                  credit: str = OSM_CREDIT, unit_types=None, raster=None,
                  raster_band: str | int = 0, raster_label: str | None = None,
                  simulated: bool = False, labels: Mapping[str, str] | None = None):
    """The matplotlib figure :func:`static_map` saves (same options), to adjust or embed.

    Close it with ``matplotlib.pyplot.close(fig)`` when done.
    """
    return _figure(units, ratings, period=period, title=title, credit=credit,
                   unit_types=unit_types, raster=raster, raster_band=raster_band,
                   raster_label=raster_label, simulated=simulated, labels=labels,
                   family=[cjk_font()])


def _figure(units, ratings, *, family: list[str], period=None, title=None,
            credit=OSM_CREDIT, unit_types=None, raster=None, raster_band=0,
            raster_label=None, simulated=False, labels=None):
    """:func:`static_figure` drawn with the fonts of ``family``."""
    _, plt = _mpl()
    from matplotlib.patches import Patch
    from matplotlib_scalebar.scalebar import ScaleBar

    shown, now = _shown(ratings, period)
    names = type_labels(units, labels)
    metric = units if units.crs is not None and units.crs.is_projected \
        else units.to_crs(units.estimate_utm_crs())
    types = [t for t in UNIT_TYPES if t in set(metric["unit_type"])]
    if unit_types is not None:
        types = [t for t in types if t in set([unit_types] if isinstance(unit_types, str)
                                              else unit_types)]
    stars = now["stars"].reindex(metric.index.astype(str))
    colour = [STAR_COLOURS.get(int(s), NO_RATING_COLOUR) if pd.notna(s) else NO_RATING_COLOUR
              for s in stars]
    with plt.rc_context({"font.family": family, "axes.unicode_minus": False,
                         "pdf.fonttype": 42}):
        fig, ax = plt.subplots(figsize=(11.7, 8.3))  # A4 landscape
        cols = pd.Series(colour, index=metric.index)
        for t in types:
            part = metric[metric["unit_type"] == t]
            if len(part):
                part.plot(ax=ax, color=cols[part.index].tolist(),
                          edgecolor="#555" if t == "grid" else "#333",
                          linewidth=0.3 if t == "grid" else 0.6, zorder=1 + types.index(t))
        if raster is not None:
            _draw_raster(fig, ax, raster, raster_band, metric.crs, raster_label)
        counts = stars.value_counts()
        handles = [Patch(facecolor=STAR_COLOURS[n], edgecolor="#555",
                         label=f"{STAR_LABELS[n]}  {int(counts.get(n, 0))}")
                   for n in (5, 4, 3, 2, 1)]
        n_none = int(stars.isna().sum())
        handles.append(Patch(facecolor=NO_RATING_COLOUR, edgecolor="#555",
                             label=f"无评分 no rating  {n_none}"))
        legend = ax.legend(handles=handles, loc="lower left", title=f"评价期 Period {shown}",
                           fontsize=9, title_fontsize=9, framealpha=0.9)
        for t in legend.get_texts() + [legend.get_title()]:
            t.set_parse_math(False)
        ax.add_artist(ScaleBar(1, units="m", location="lower right", box_alpha=0.8))
        _north_arrow(ax)
        ax.set_axis_off()
        ax.set_aspect("equal")
        heading = str(title) if title else "星级评价 Star rating"
        fig.text(0.5, 0.965, heading, ha="center", va="top", fontsize=16, fontweight="bold",
                 parse_math=False)
        fig.text(0.5, 0.925, f"{shown} · " + " · ".join(
            f"{names.get(t, t)} {int((metric['unit_type'] == t).sum())}" for t in types),
            ha="center", va="top", fontsize=10, parse_math=False)
        foot = str(credit) + (" · 问题点为模拟数据 The problem records are simulated."
                              if simulated else "")
        fig.text(0.01, 0.01, foot, ha="left", va="bottom", fontsize=7, color="#444",
                 parse_math=False)
        fig.subplots_adjust(left=0.02, right=0.98, top=0.9, bottom=0.04)
    return fig


def _draw_raster(fig, ax, raster, band, crs, label) -> None:
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    from ..raster import Surface, read
    from ..raster.surface import rio_crs

    s = raster if isinstance(raster, Surface) else read(raster)
    b = band if isinstance(band, int) else s.labels.index(band)
    src = s.values[b].astype(float)
    if s.nodata is not None and not np.isnan(s.nodata):
        src = np.where(src == s.nodata, np.nan, src)
    h, w = s.shape
    dst_crs = rio_crs(crs.to_wkt())
    transform, width, height = calculate_default_transform(rio_crs(s.crs), dst_crs, w, h,
                                                           *s.bounds)
    dst = np.full((height, width), np.nan)
    reproject(src, dst, src_transform=s.transform, src_crs=rio_crs(s.crs),
              dst_transform=transform, dst_crs=dst_crs, src_nodata=np.nan, dst_nodata=np.nan,
              resampling=Resampling.bilinear)
    dst = np.where(dst > 0, dst, np.nan)
    x0, y1 = transform.c, transform.f
    x1, y0 = x0 + width * transform.a, y1 + height * transform.e
    img = ax.imshow(dst, extent=(x0, x1, y0, y1), cmap=_fading("YlOrRd"), zorder=10,
                    interpolation="nearest")
    img.geozz_extent = (x0, y0, x1, y1)
    bar = fig.colorbar(img, ax=ax, shrink=0.5, pad=0.01)
    bar.set_label(str(label or s.units or s.labels[b]), parse_math=False)


def _fading(name: str, *, most: float = 0.8):
    """A matplotlib colour map whose opacity rises from 0 at the low end to ``most``: a
    faint density leaves the stars under it readable."""
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap

    rgba = colormaps[name](np.linspace(0, 1, 256))
    rgba[:, 3] = np.linspace(0, most, 256) ** 0.7 * most ** 0.3
    return ListedColormap(rgba, name=f"{name}_fading")


def board_url(base_url: str, unit_id) -> str:
    """The address a unit's QR code points to: its page in a published folder.

    Examples
    --------
    >>> board_url("https://example.gov.cn/public/", "G200-E1-N2")
    'https://example.gov.cn/public/units/G200-E1-N2.html'
    >>> board_url("https://example.gov.cn/public", "龙岗河 01")
    'https://example.gov.cn/public/units/%E9%BE%99%E5%B2%97%E6%B2%B3~2001.html'
    """
    base = str(base_url)
    if not base.endswith("/"):
        base += "/"
    return base + "units/" + quote(page_name(unit_id), safe="~+-._")


def _stars_text(n) -> str:
    return "—" if pd.isna(n) else "★" * int(n) + "☆" * (5 - int(n))


def signboards(units: gpd.GeoDataFrame, ratings: pd.DataFrame, out_dir: str | Path, *,
               base_url: str, period: str | None = None, min_stars: int = 3,
               formats=FORMATS, title: str | None = None, contact: str | None = None,
               dpi: int = 150, workers: int | None = None,
               progress=None, labels: Mapping[str, str] | None = None
               ) -> dict[str, list[Path]]:
    """A printable board (立牌公示) per unit rated ``min_stars`` or better.

    Parameters
    ----------
    units, ratings
        From :func:`geozz.build_units` / :func:`geozz.read_units` and :func:`geozz.rate`.
    out_dir : str or Path
        Folder the boards go to (created): ``<page name of the unit id>.png`` for each
        board and ``signboards.pdf`` with one A5 page per board, in rank order (one file
        to print; the CJK font is embedded once, which makes a PDF per board ten times
        slower).
    base_url : str
        Where the :func:`geozz.publish` folder is served (``https://…/public/``): the QR
        code of each board opens ``base_url + "units/<page name>"``. Required: a board
        whose code leads nowhere is worse than none.
    period : str, optional
        Default the latest rated.
    min_stars : int, default 3
    formats : sequence of {"png", "pdf"}
    title : str, optional
        The campaign's or office's name at the top of each board.
    contact : str, optional
        The office's contact line printed on every board (a hotline such as "12345");
        phone numbers in the units or roster are never printed.
    dpi : int, default 150
        PNG resolution (the board is A5 portrait).
    workers : int, optional
        ``2`` draws the PNGs in a second process (forked, see :mod:`geozz._parallel`)
        while this one draws the PDF (about twice as fast on two cores); ``1`` draws
        both here. Default ``2`` when both formats are asked for and there are 40 boards
        or more; one process where the machine has one CPU or cannot fork. Either way
        the files are the same, and an error is raised here as it was raised there.
    progress : callable, optional
        Called with ``(done, total)``, boards of both formats counted.

    Returns
    -------
    dict
        ``{"png": [one path per board], "pdf": [signboards.pdf]}``, boards in rank
        order (stars, then score).

    Examples
    --------
    >>> import geozz as gz, tempfile
    >>> units = gz.build_units(gz.datasets.longgang())
    >>> problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    >>> ratings = gz.rate(gz.assign(problems, units), units)
    >>> boards = signboards(units.iloc[:5], ratings, tempfile.mkdtemp(), formats=["png"],
    ...                     base_url="https://example.org/public/", period="2024-05")
    >>> len(boards["png"]) <= 5
    True
    """
    issues = []
    if not isinstance(base_url, str) or not base_url.strip():
        issues.append(Issue(field="base_url", expected="the address the published folder "
                            "is served at", got=base_url,
                            fix="e.g. base_url='https://www.example.gov.cn/public/'"))
    formats = [formats] if isinstance(formats, str) else list(formats)
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        issues.append(Issue(field="formats", expected=f"some of {FORMATS}", got=bad or formats,
                            fix="formats=('pdf', 'png')"))
    if isinstance(min_stars, bool) or min_stars not in (1, 2, 3, 4, 5):
        issues.append(Issue(field="min_stars", expected="1 to 5", got=min_stars,
                            fix="min_stars=3"))
    if issues:
        raise InputError(issues)
    _mpl()
    cjk_font()  # no CJK font: said before anything is drawn
    shown, now = _shown(ratings, period)
    folder = as_path(out_dir, field="out_dir", what="folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(Issue(file=str(folder), expected="a folder to write", got=exc.strerror,
                                fix="choose a writable folder")) from None
    ids = units.index.astype(str)
    chosen = now[now.index.isin(ids) & (now["stars"] >= min_stars)]
    chosen = chosen.sort_values(["stars", "score"], ascending=False)
    info = units.assign(_id=ids).set_index("_id")
    fields = [c for c in _BOARD_FIELDS if c in info.columns]
    # plain values: a worker process gets them whole
    records = info.loc[~info.index.duplicated(), fields].to_dict("index")
    boards = []
    for uid, stars, score in zip(chosen.index, chosen["stars"],
                                 chosen["score"] if "score" in chosen else [None] * len(chosen)):
        url = board_url(base_url, uid)
        boards.append((uid, records[uid], {"stars": stars, "score": score}, url, _qr(url)))
    style = {"title": title, "contact": contact, "dpi": dpi, "period": shown,
             "labels": type_labels(units, labels)}
    written: dict[str, list[Path]] = {f: [] for f in formats}
    if "png" in formats:
        written["png"] = [folder / (page_name(b[0]).removesuffix(".html") + ".png")
                          for b in boards]
    if "pdf" in formats:
        written["pdf"] = [folder / "signboards.pdf"]
    total = len(boards) * len(formats)
    texts = [title, contact, shown, *style["labels"].values()] + [v for b in boards
                                       for v in (b[0], b[3], *b[1].values(), *b[2].values())]
    with cut_fonts(texts) as family:  # both processes draw with it
        _draw_all(boards, written, dict(style, font=family), formats, workers=workers,
                  progress=progress, total=total)
    return written


def _draw_all(boards, written, style, formats, *, workers, progress, total) -> None:
    """:func:`_draw` the boards in each format: in two processes or in this one."""
    if workers is None:
        workers = 2 if len(formats) == 2 and len(boards) >= _PARALLEL_FROM else 1
    if workers > 1 and len(formats) == 2 and cpus() > 1:
        # the PNGs in a second process while this one draws the PDF
        drawn = {"png": 0, "pdf": 0}

        def tick(kind):
            def report(done, _total):
                drawn[kind] = done
                if progress is not None:
                    progress(drawn["png"] + drawn["pdf"], total)
            return report

        pngs = Background(_draw, "png", boards, written["png"], style, progress=tick("png"))
        try:
            pdf_tick = tick("pdf")

            def pdf_progress(done, n):
                pdf_tick(done, n)
                pngs.poll()

            _draw("pdf", boards, written["pdf"], style, progress=pdf_progress)
        finally:
            pngs.result()
    else:
        offset = 0
        for kind in formats:
            _draw(kind, boards, written[kind], style, progress=None if progress is None
                  else lambda k, _n, o=offset: progress(o + k, total))
            offset += len(boards)


#: the unit fields a board shows
_BOARD_FIELDS = ("name", "unit_type", "responsible", "admin_street", "admin")
#: the number of boards from which the PNGs are drawn in a second process
_PARALLEL_FROM = 40


def _draw(kind: str, boards, targets: list[Path], style: dict, *, progress=None) -> None:
    """Draw ``boards`` (``(unit_id, unit fields, rating, url, qr)``) as one PNG each
    (``targets``: their paths) or as the pages of one PDF (``targets``: ``[path]``)."""
    _, plt = _mpl()
    with plt.rc_context({"font.family": style["font"], "pdf.fonttype": 42}):
        board = _Board(plt, title=style["title"], contact=style["contact"],
                       labels=style["labels"],
                       dpi=style["dpi"])
        try:
            if kind == "png":
                for k, ((uid, unit, row, url, qr), target) in enumerate(zip(boards, targets)):
                    board.fill(unit, uid, row, style["period"], qr, url=url)
                    with atomic_path(target) as tmp:
                        board.save_png(tmp)
                    if progress is not None:
                        progress(k + 1, len(boards))
            else:
                from matplotlib.backends.backend_pdf import PdfPages

                with atomic_path(targets[0]) as tmp, PdfPages(tmp) as pdf:
                    for k, (uid, unit, row, url, qr) in enumerate(boards):
                        board.fill(unit, uid, row, style["period"], qr, url=url)
                        pdf.savefig(board.fig)
                        if progress is not None:
                            progress(k + 1, len(boards))
        finally:
            plt.close(board.fig)


def _qr(url: str) -> np.ndarray:
    """The modules of the QR code of ``url`` (True = dark), error correction M, its mask
    chosen by the standard's penalty rules (zxing-cpp: 0.5 ms a code, where segno's
    pure-Python mask search took 8 ms, 5 s of the demo).

    Examples
    --------
    >>> _qr("https://example.gov.cn/public/units/G200-E1-N2.html").shape  # version 4
    (33, 33)
    """
    import zxingcpp

    code = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    return np.asarray(code.to_image(scale=1, add_quiet_zones=False)) == 0


class _Board:
    """One A5 board figure, drawn for board after board.

    The parts every board shares (frame, heading, labels) are made once; :meth:`fill`
    sets the parts of one unit. A PNG is drawn by restoring the shared parts, already
    rasterised (one image per star level and number of rows), and drawing only the
    unit's own texts and QR code over them: the same pixels as drawing the whole figure, in a
    fraction of the time. A PDF page draws the whole figure (vector text).
    """

    def __init__(self, plt, *, title, contact, dpi: int = 150, labels=None):
        self.labels = type_labels(labels=labels)
        self.dpi = dpi
        fig = self.fig = plt.figure(figsize=(5.83, 8.27), dpi=dpi)  # A5 portrait
        ax = self.ax = fig.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        # no ticks and no axes titles: laying out hidden tick labels for the titles'
        # position was a third of a PDF page's time
        ax.set_xticks([]), ax.set_yticks([])
        self.band = ax.add_patch(plt.Rectangle((0.02, 0.86), 0.96, 0.13))  # inside the frame
        ax.add_patch(plt.Rectangle((0.02, 0.01), 0.96, 0.98, fill=False, lw=3, ec="#333"))
        _text(ax, 0.5, 0.95, title or "环境卫生责任区 公示牌", ha="center", va="center",
              fontsize=17, fontweight="bold")
        _text(ax, 0.5, 0.895, "Environmental sanitation unit · public notice", ha="center",
              va="center", fontsize=9)
        self.name = _text(ax, 0.5, 0.80, "", ha="center", va="center", fontsize=18,
                          fontweight="bold", wrap=True)
        self.kind = _text(ax, 0.5, 0.755, "", ha="center", va="center", fontsize=9,
                          color="#444")
        self.stars = _text(ax, 0.5, 0.675, "", ha="center", va="center", fontsize=34)
        self.score = _text(ax, 0.5, 0.605, "", ha="center", va="center", fontsize=11)
        self.contact = "—" if contact is None or not str(contact) else contact
        self.lines = [(_text(ax, 0.08, 0.53 - 0.05 * q, "", ha="left", va="center",
                             fontsize=10, color="#444"),
                       _text(ax, 0.45, 0.53 - 0.05 * q, "", ha="left", va="center",
                             fontsize=11)) for q in range(3)]
        qa = self.qa = fig.add_axes((0.32, 0.09, 0.36, 0.255))
        self.qr = qa.imshow(np.ones((21, 21), dtype=bool), cmap="gray",
                            interpolation="nearest", vmin=0, vmax=1)
        qa.set_axis_off()
        qa.set_xticks([]), qa.set_yticks([])
        # where an axes title would be: 6 points over the code
        _text(ax, 0.5, 0.345 + 6 / (8.27 * 72), "扫码查看详情 Scan for this unit's page",
              ha="center", va="baseline", fontsize=9)
        self.url = _text(ax, 0.5, 0.045, "", ha="center", va="center", fontsize=6,
                         color="#666")
        self.own: list = []  # what fill() set that is the unit's own (not shared)
        self._key = None
        self._shared: dict = {}  # key of the shared parts -> those parts, rasterised

    def fill(self, unit, uid, row, period, qr, *, url) -> None:
        """Set the board of one unit (``row``: its ratings in ``period``)."""
        stars = int(row["stars"])
        self.band.set_color(STAR_COLOURS.get(stars, NO_RATING_COLOUR))
        utype = str(unit.get("unit_type", ""))
        self.name.set_text(str(unit.get("name", "") or uid))
        self.kind.set_text(f"{self.labels.get(utype, utype)} · {uid}")
        self.stars.set_text(_stars_text(stars))
        self.stars.set_color(STAR_COLOURS.get(stars, "#999"))
        score = row.get("score")
        self.score.set_text(f"{STAR_LABELS.get(stars, '')}   得分 Score "
                            f"{'—' if pd.isna(score) else f'{float(score):.1f}'}   "
                            f"评价期 {period}")
        responsible = unit.get("responsible", "")
        lines = [("责任主体 Responsible", responsible if pd.notna(responsible) and
                  str(responsible).strip() else "—")]
        admin = unit.get("admin_street", unit.get("admin", ""))
        if pd.notna(admin) and str(admin).strip():
            lines.append(("属地 Admin area", admin))
        lines.append(("监督电话 Contact", self.contact))
        for q, (label, value) in enumerate(self.lines):
            shown = q < len(lines)
            label.set_text(str(lines[q][0]) if shown else "")
            value.set_text(str(lines[q][1]) if shown else "")
        # shared by every board of these stars and rows: the band, the stars, the labels
        # and the contact line (the last row); the rest is the unit's own
        self._key = (stars, len(lines))
        self.own = [self.name, self.kind, self.score, self.url, self.qr,
                    *(value for _, value in self.lines[:len(lines) - 1])]
        self.qr.set_data(~qr)
        n = qr.shape[0]
        self.qr.set_extent((-0.5, n - 0.5, n - 0.5, -0.5))
        self.qa.geozz_qr = qr
        self.url.set_text(url)
        self.fig.geozz_board = {"unit_id": uid, "url": url, "stars": stars}

    def save_png(self, path) -> None:
        """Write the board as filled to ``path`` as a PNG at the board's dpi."""
        from PIL import Image

        canvas = self.fig.canvas
        key = self._key
        if key not in self._shared:
            for a in self.own:
                a.set_visible(False)
            canvas.draw()
            self._shared[key] = canvas.copy_from_bbox(self.fig.bbox)
            for a in self.own:
                a.set_visible(True)
        canvas.restore_region(self._shared[key])
        renderer = canvas.get_renderer()
        for a in self.own:
            a.draw(renderer)
        width, height = canvas.get_width_height(physical=True)
        image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw",
                                 "RGBA", 0, 1).convert("RGB")
        image.save(path, format="png", compress_level=1, dpi=(self.dpi, self.dpi))


def _board(plt, unit, uid, row, period, qr, *, url, title, contact):
    """A new figure of one unit's board (:class:`_Board`, filled)."""
    board = _Board(plt, title=title, contact=contact)
    board.fill(unit, uid, row, period, qr, url=url)
    return board.fig


