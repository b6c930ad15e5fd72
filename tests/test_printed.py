"""Tests for geozz.maps.printed: the static overview (PNG/PDF) and the signboards."""

from __future__ import annotations

import os
import re

import matplotlib
import numpy as np
import pytest
import zxingcpp
from matplotlib import pyplot as plt
from matplotlib.image import AxesImage
from matplotlib_scalebar.scalebar import ScaleBar
from PIL import Image

import geozz as gz
from geozz.errors import InputError, OutputError
from geozz.maps.printed import _board, _qr, board_url, static_figure

matplotlib.use("Agg")
HOSTILE = "$\\alpha$ {{7*7}} <script>alert(1)</script>"


@pytest.fixture(scope="module")
def rated():
    units = gz.build_units(gz.datasets.longgang())
    problems, _ = gz.read_problems(gz.datasets.problems_path("longgang"))
    ratings = gz.rate(gz.assign(problems, units), units)
    return units, problems, ratings


def texts(fig) -> list:
    return [t for t in fig.findobj(matplotlib.text.Text) if t.get_text()]


def test_static_map_legend_counts_scale_bar_and_north_arrow(rated):
    units, _, ratings = rated
    fig = static_figure(units, ratings, period="2024-05", title=HOSTILE)
    try:
        ax = fig.axes[0]
        legend = ax.get_legend()
        now = ratings[ratings["period"] == "2024-05"]["stars"].value_counts()
        labels = [t.get_text() for t in legend.get_texts()]
        for n, label in zip((5, 4, 3, 2, 1), labels):
            assert label.endswith(f" {int(now.get(n, 0))}"), label
        assert legend.get_title().get_text() == "评价期 Period 2024-05"
        assert any(isinstance(a, ScaleBar) for a in ax.artists)
        assert any(t.get_text() == "N 北" for t in texts(fig))
        # the title is shown as it is: no mathtext, no template
        title = [t for t in texts(fig) if t.get_text() == HOSTILE]
        data = title + list(legend.get_texts()) + [legend.get_title()]
        assert title and all(not t.get_parse_math() for t in data)
    finally:
        plt.close(fig)


def test_static_png_and_pdf_with_cjk_font(rated, tmp_path):
    units, _, ratings = rated
    png = gz.maps.static_map(units, ratings, tmp_path / "o.png", title="龙岗区 星级评价")
    pdf = gz.maps.static_map(units, ratings, tmp_path / "o.pdf", title="龙岗区 星级评价")
    img = np.asarray(Image.open(png).convert("RGB"))
    assert img.std() > 20  # not blank
    body = pdf.read_bytes()
    assert body.startswith(b"%PDF") and b"NotoSansCJK" in body
    with pytest.raises(OutputError, match=r"\.png or \.pdf"):
        gz.maps.static_map(units, ratings, tmp_path / "o.svg")


def test_static_map_places_a_raster_in_another_crs(rated):
    units, problems, ratings = rated
    s = gz.raster.density(problems, cell_size=100, bandwidth=300)
    lonlat = s.values, s.transform
    from rasterio.warp import calculate_default_transform, reproject, Resampling
    from geozz.raster.surface import rio_crs
    h, w = s.shape
    t, width, height = calculate_default_transform(rio_crs(s.crs), rio_crs("EPSG:4326"), w, h,
                                                   *s.bounds)
    dst = np.zeros((1, height, width), "float32")
    reproject(lonlat[0], dst, src_transform=lonlat[1], src_crs=rio_crs(s.crs), dst_transform=t,
              dst_crs=rio_crs("EPSG:4326"), resampling=Resampling.nearest)
    ll = gz.raster.Surface(dst, t, "EPSG:4326", ["all"], None, "problems per km²")
    fig = static_figure(units, ratings, raster=ll)
    try:
        img = [a for a in fig.axes[0].get_images() if isinstance(a, AxesImage)][0]
        x0, x1, y0, y1 = img.get_extent()
        ux0, uy0, ux1, uy1 = units.total_bounds
        sx0, sy0, sx1, sy1 = s.bounds
        # back in the units' UTM metres, around the surface it came from
        assert abs(x0 - sx0) < 300 and abs(x1 - sx1) < 300
        assert abs(y0 - sy0) < 300 and abs(y1 - sy1) < 300
        assert x0 < ux1 and x1 > ux0 and y0 < uy1 and y1 > uy0
        assert any(t.get_text() == "problems per km²" for t in texts(fig))
        # faint density is faint: the stars under it keep their colours
        alpha = img.to_rgba(np.array([0.0, 0.05, 0.5, 1.0]), norm=False)[:, 3]
        assert alpha[0] == 0 and alpha[1] < 0.1 and alpha[1] < alpha[2] < alpha[3] <= 0.8
    finally:
        plt.close(fig)


def decoded(image) -> list[str]:
    """The texts of the QR codes zxing-cpp reads in an image."""
    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def test_board_url():
    assert board_url("https://x.gov.cn/p", "R-深南大道-K1+000") == \
        "https://x.gov.cn/p/units/R-%E6%B7%B1%E5%8D%97%E5%A4%A7%E9%81%93-K1+000.html"
    assert gz.maps.page_name("R-深南大道-K1+000") == "R-深南大道-K1+000.html"


def test_a_board_carries_its_unit_and_a_qr_code_of_its_page(rated):
    units, _, ratings = rated
    uid = units.index[0]
    unit = units.loc[uid].copy()
    unit["name"] = HOSTILE
    unit["responsible"] = "龙岗街道环卫所"
    row = ratings[(ratings["unit_id"] == uid) & (ratings["period"] == "2024-05")].iloc[0]
    url = board_url("https://example.gov.cn/public/", uid)
    qr = _qr(url)
    with plt.rc_context({"font.family": [gz.maps.printed.cjk_font()]}):
        fig = _board(plt, unit, uid, row, "2024-05", qr, url=url, title=None, contact="12345")
    try:
        fig.canvas.draw()  # the code as drawn on the board reads back as the page's address
        assert decoded(np.asarray(fig.canvas.buffer_rgba())[..., :3]) == [url]
        shown = [t.get_text() for t in texts(fig)]
        assert HOSTILE in shown and "龙岗街道环卫所" in shown and "12345" in shown
        stars = int(row["stars"])
        assert "★" * stars + "☆" * (5 - stars) in shown
        assert all(not t.get_parse_math() for t in texts(fig))
        qa = [a for a in fig.axes if hasattr(a, "geozz_qr")][0]
        np.testing.assert_array_equal(qa.geozz_qr, qr)
        drawn = qa.get_images()[0].get_array()
        np.testing.assert_array_equal(np.asarray(drawn), ~qr)  # dark modules dark
    finally:
        plt.close(fig)


def test_signboards_for_units_at_three_stars_or_better(rated, tmp_path):
    units, _, ratings = rated
    some = units.iloc[:60]
    now = ratings[(ratings["period"] == "2024-05") & ratings["unit_id"].isin(some.index)]
    want = now.loc[now["stars"] >= 3, "unit_id"]
    assert 0 < len(want) < len(some)  # the demo's month has units below 3★ too
    boards = gz.maps.signboards(some, ratings, tmp_path, period="2024-05",
                                base_url="https://example.gov.cn/public/", contact="12345")
    assert sorted(p.stem for p in boards["png"]) == sorted(
        gz.maps.page_name(u).removesuffix(".html") for u in want)
    pdf = boards["pdf"][0].read_bytes()
    assert len(re.findall(rb"/Type /Page\b", pdf)) == len(want)
    assert b"NotoSansCJK" in pdf
    img = np.asarray(Image.open(boards["png"][0]).convert("L"))
    assert (img < 50).mean() > 0.05 and (img > 200).mean() > 0.3  # the code and the paper
    for path, uid in zip(boards["png"], now.sort_values(["stars", "score"], ascending=False)
                         .query("stars >= 3")["unit_id"]):  # each board's code: its page
        assert decoded(np.asarray(Image.open(path).convert("L"))) == [
            board_url("https://example.gov.cn/public/", uid)], path.name
    # boards never print a phone number from the data
    noisy = some.assign(phone="13800138000", responsible="张三")
    b2 = gz.maps.signboards(noisy, ratings, tmp_path / "b2", period="2024-05",
                            base_url="https://e/", formats=["pdf"])
    assert b"13800138000" not in b2["pdf"][0].read_bytes()


def test_a_board_drawn_after_others_is_the_board_drawn_alone(tmp_path):
    """The boards reuse one figure and its shared parts, already drawn: each PNG must be
    the pixels of its board drawn on a new figure (no text, row or code left over from
    the board before; QR codes of other sizes in turn)."""
    from geozz.maps.printed import _Board, _qr, cjk_font

    boards = [({"name": "爱联一号网格 " * 3, "unit_type": "grid", "responsible": "龙岗街道环卫所",
                "admin": "爱联片区"}, "G200-E1-N2", {"stars": 4, "score": 92.0}),
              ({"name": "龙岗河", "unit_type": "river", "responsible": None, "admin": None},
               "W-" + "x" * 60, {"stars": 5, "score": 99.5}),
              ({"name": HOSTILE, "unit_type": "road", "responsible": "", "admin": "横岗"},
               "R-1", {"stars": 3, "score": 80.0})]
    with plt.rc_context({"font.family": [cjk_font()]}):
        board = _Board(plt, title=None, contact="12345")
        try:
            for k, (unit, uid, row) in enumerate(boards):
                url = board_url("https://example.gov.cn/public/", uid)
                board.fill(unit, uid, row, "2024-05", _qr(url), url=url)
                board.save_png(tmp_path / f"reused{k}.png")
                fig = _board(plt, unit, uid, row, "2024-05", _qr(url), url=url, title=None,
                             contact="12345")
                try:
                    fig.savefig(tmp_path / f"alone{k}.png", dpi=150)
                finally:
                    plt.close(fig)
                reused = np.asarray(Image.open(tmp_path / f"reused{k}.png").convert("RGB"))
                alone = np.asarray(Image.open(tmp_path / f"alone{k}.png").convert("RGB"))
                assert reused.shape == alone.shape
                assert (reused != alone).any(axis=2).sum() == 0, uid
        finally:
            plt.close(board.fig)


def test_boards_drawn_in_two_processes_are_the_boards_drawn_in_one(rated, tmp_path):
    units, _, ratings = rated
    some = units.iloc[:80]
    seen = []
    kw = dict(period="2024-05", base_url="https://example.gov.cn/public/", contact="12345")
    one = gz.maps.signboards(some, ratings, tmp_path / "one", workers=1, **kw)
    two = gz.maps.signboards(some, ratings, tmp_path / "two", workers=2,
                             progress=lambda done, total: seen.append((done, total)), **kw)
    assert [p.name for p in one["png"]] == [p.name for p in two["png"]]
    assert len(one["png"]) >= 40
    for a, b in zip(one["png"], two["png"]):
        assert a.read_bytes() == b.read_bytes(), a.name
    pages = [len(re.findall(rb"/Type /Page\b", r["pdf"][0].read_bytes())) for r in (one, two)]
    assert pages == [len(one["png"])] * 2
    assert seen[-1] == (2 * len(one["png"]), 2 * len(one["png"]))
    assert not list((tmp_path / "two").glob(".tmp-*"))


def test_a_board_that_fails_in_the_second_process_is_the_error_of_one_process(rated,
                                                                            tmp_path):
    units, _, ratings = rated
    kw = dict(period="2024-05", base_url="https://example.gov.cn/public/")
    first = gz.maps.signboards(units.iloc[:60], ratings, tmp_path / "a", formats=["png"],
                               **kw)["png"][0]
    for workers in (1, 2):
        (tmp_path / f"b{workers}" / first.name).mkdir(parents=True)  # where a board goes
        with pytest.raises(IsADirectoryError) as err:
            gz.maps.signboards(units.iloc[:60], ratings, tmp_path / f"b{workers}",
                               workers=workers, **kw)
        assert ("in the second process" in "".join(getattr(err.value, "__notes__", [])))\
            == (workers == 2)


def test_signboards_need_a_base_url_and_known_formats(rated, tmp_path):
    units, _, ratings = rated
    with pytest.raises(InputError) as err:
        gz.maps.signboards(units, ratings, tmp_path, base_url="", formats=["svg"],
                           min_stars=7)
    text = str(err.value)
    assert "base_url" in text and "formats" in text and "min_stars" in text


def test_publish_writes_boards_and_the_static_overview(rated, tmp_path):
    units, problems, ratings = rated
    ledger = gz.assign(problems, units)
    small = units.iloc[:40]
    r = ratings[ratings["unit_id"].isin(small.index)]
    out = gz.publish(small, r, ledger[ledger["unit_id"].isin(small.index)], tmp_path / "pub",
                     unit_pages=True, signboards=True, base_url="https://e.gov.cn/p/",
                     static=True)
    boards = sorted((out["signboards"]).glob("*.png"))
    latest = r[r["period"] == r["period"].max()]
    assert len(boards) == int((latest["stars"] >= 3).sum())
    # every board's page exists in the publication
    for b in boards:
        assert (out["units"] / (b.stem + ".html")).is_file()
    assert out["overview_png"].is_file() and out["overview_pdf"].is_file()
    with pytest.raises(InputError, match="base_url"):
        gz.publish(small, r, ledger, tmp_path / "pub2", signboards=True)
    assert not (tmp_path / "pub2").exists()


def test_the_cut_font_draws_the_pixels_of_the_whole_font_and_is_gone_after(tmp_path):
    """Boards and overviews are drawn with the CJK font cut to their characters (a PDF
    embeds its glyphs in a fraction of the time): same pixels, kerning included, and
    nothing left registered or on disk after."""
    from matplotlib import font_manager as fm

    from geozz.maps.printed import cut_fonts

    unit = {"name": "坂田街道 第12网格 AVAWAY Tô " + HOSTILE, "unit_type": "grid",
            "responsible": "坂田街道办事处 WAVE", "admin_street": "坂田街道"}
    url = board_url("https://example.gov.cn/public/", "G200-E12-N34")

    def drawn(family):
        with plt.rc_context({"font.family": family}):
            fig = _board(plt, unit, "G200-E12-N34", {"stars": 4, "score": 91.5}, "2024-12",
                         _qr(url), url=url, title=None, contact="12345")
            try:
                fig.canvas.draw()
                return np.asarray(fig.canvas.buffer_rgba()).copy()
            finally:
                plt.close(fig)

    whole = drawn([gz.maps.printed.cjk_font()])
    with cut_fonts([*unit.values(), url, "12345"]) as family:
        cut = [f for f in fm.fontManager.ttflist if f.name == family[0]]
        assert len(cut) == 2 and {f.weight for f in cut} == {400, 700}
        assert all(os.path.getsize(f.fname) < 2e6 for f in cut)  # the whole is 20 MB
        assert (drawn(family) != whole).any(axis=2).sum() == 0
    assert not [f for f in fm.fontManager.ttflist if f.name == family[0]]
    assert not any(os.path.exists(f.fname) for f in cut)


def test_printed_outputs_show_the_publications_unit_type_labels(tmp_path):
    """Census tracts stored as grid units say so on the overview and on their boards."""
    units = gz.datasets.sf311_tracts()
    problems, _ = gz.datasets.sf311_problems()
    ratings = gz.rate(gz.assign(problems, units), units, freq="Y", rubric="annual")
    label = {"grid": "普查区 Census tract"}
    fig = gz.maps.printed.static_figure(units, ratings, period="2015", labels=label)
    try:
        shown = " ".join(t.get_text() for t in texts(fig))
        assert "普查区 Census tract 195" in shown and "网格" not in shown
    finally:
        plt.close(fig)
    boards = gz.maps.signboards(units.iloc[:12], ratings, tmp_path, period="2015",
                                base_url="https://e/", formats=["pdf"], labels=label)
    from pypdf import PdfReader

    text = PdfReader(boards["pdf"][0]).pages[0].extract_text()
    assert "普查区 Census tract" in text and "网格" not in text
