"""The figure module's layout rules: measured bounding boxes, series breaks, symbols, renditions.

Every figure of every test build is checked as well: ``tests/conftest.py`` switches on strict
mode, so a build whose figures overlap fails with the figure named.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from integrationsbericht import charts, figures  # noqa: E402


def _rows(values: dict[str, list[tuple[int, float]]], unit="%", breaks=(), note=""):
    recs = []
    roles = {"05711": "kreis", "057": "regierungsbezirk", "05": "land", "DG": "bund"}
    for ags, series in values.items():
        for year, v in series:
            brk = year in breaks
            recs.append({"indicator": "x", "label": "Anteil der Schüler*innen an Gymnasien", "ags": ags,
                         "region": ags, "role": roles[ags], "period": str(year), "year": year,
                         "group": "insgesamt", "value": v, "unit": unit, "decimals": 1, "flag": None,
                         "break": brk, "note": note if brk else ""})
    return pd.DataFrame(recs)


REGIONS = pd.DataFrame({"ags": ["05711", "057", "05", "DG"],
                        "name": ["Bielefeld", "Detmold", "Nordrhein-Westfalen", "Deutschland"],
                        "role": ["kreis", "regierungsbezirk", "land", "bund"]})


def test_overlapping_texts_legend_over_data_and_small_fonts_are_found():
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot([0, 1, 2], [0, 1, 2], label="Reihe")
    ax.text(1, 1, "über der Linie", fontsize=9)
    ax.text(0.1, 1.8, "Beschriftung A", fontsize=9)
    ax.text(0.1, 1.8, "Beschriftung B", fontsize=9)
    ax.set_title("Titel", fontsize=6)
    problems = figures.check_layout(fig)
    text = " | ".join(problems)
    assert "„Beschriftung A“ überlappt „Beschriftung B“" in text
    assert "„über der Linie“ liegt über der Datenlinie" in text
    assert "Schrift zu klein (6.0 pt" in text
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot([0, 1, 2], [2, 2, 2], label="Reihe oben")
    ax.set_ylim(0, 2.2)
    ax.legend(loc="upper left")
    assert any("Legende liegt über der Datenlinie" in p for p in figures.check_layout(fig))
    plt.close(fig)


def test_strict_mode_fails_and_fixes_make_it_pass(tmp_path, monkeypatch):
    monkeypatch.setenv(figures.STRICT_ENV, "1")
    figures.setup_style()
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.bar([0, 1], [1, 2])
    ax.set_yticks([0, 0.5, 1, 1.5, 2])
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _p: f"{v:.0f}"))
    # the review's "0 1 1 2 2": counts with ticks at halves, rounded by the formatter
    assert any("doppelt" in p for p in figures.check_layout(fig))
    with pytest.raises(figures.LayoutError, match="Teilstrich"):
        figures.save(fig, tmp_path / "balken")
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.bar([0, 1], [1, 2])
    figures.count_axis(ax.yaxis)
    out = figures.save(fig, tmp_path / "balken")
    assert {k: p.is_file() for k, p in out.items()} == {"png": True, "svg": True, "mobile": True}
    # the phone rendition is narrower, with the same font sizes: text is relatively larger
    assert Image.open(out["mobile"]).width < 0.75 * Image.open(out["png"]).width
    svg = out["svg"].read_text(encoding="utf-8")
    assert "<text" in svg or "font" in svg  # real text in the SVG


def test_close_lines_get_end_labels_that_avoid_each_other_and_the_title():
    # the Gymnasium case of the review: four lines within half a percentage point
    years = range(2011, 2026)
    df = _rows({"05711": [(y, 26.3 + 0.1 * (y % 2)) for y in years],
                "057": [(y, 26.6) for y in years],
                "05": [(y, 26.2) for y in years],
                "DG": [(y, 26.4 - 0.05 * (y % 3)) for y in years]})
    c = charts.timeseries(df, "x", REGIONS)
    figures.prepare(c.fig)
    assert figures.check_layout(c.fig) == []
    c.fig.set_size_inches(figures.MOBILE_WIDTH, c.fig.get_size_inches()[1])
    figures._fit_legends(c.fig)
    figures._thin_ticks(c.fig)
    assert figures.check_layout(c.fig) == []
    ax = c.fig.axes[0]
    labels = [t.get_text() for t in ax.texts]
    assert "Reg.-Bez. Detmold: 26,6 %" in labels and len(labels) == 4
    plt.close(c.fig)


def test_no_line_crosses_a_series_break_and_the_marker_sits_at_the_break():
    # 2008–2010 on the old basis, 2015–2017 on the Zensus 2011 basis (no data in between)
    old, new = (2008, 2009, 2010), (2015, 2016, 2017)
    df = _rows({"05711": [(y, 11.9) for y in old] + [(y, 13.1) for y in new],
                "05": [(y, 10.5) for y in old] + [(y, 11.8) for y in new]},
               breaks={2015}, note="Reihenbruch: ab 2011 Fortschreibung auf Grundlage des Zensus 2011")
    c = charts.timeseries(df, "x", REGIONS)
    ax = c.fig.axes[0]
    data_lines = [ln for ln in ax.lines if ln.get_transform() == ax.transData]
    assert data_lines, "no series drawn"
    for ln in data_lines:
        xs = list(ln.get_xdata())
        assert not (min(xs) < 2011 <= max(xs)), f"line across the break: {xs}"
    markers = [ln.get_xdata()[0] for ln in ax.lines if ln.get_transform() != ax.transData
               and ln not in ax.get_xgridlines() + ax.get_ygridlines()]
    assert markers == [2010.5]
    # the data table: "|" at the first value after the break, nothing where no symbol applies
    assert list(c.data["Zeichen"]) == ["", "", "", "|", "", ""] * 2
    assert "." not in set(c.data["Zeichen"])
    assert c.data.loc[c.data["Zeichen"] == "|", "Hinweis"].str.startswith("ab 2011").all()
    assert figures.check_layout(c.fig) == []
    plt.close(c.fig)


def test_symbols_column():
    assert charts.symbols([None, "p", float("nan"), ".", ""], [False, False, True, False, True]) == \
        ["", "p", "|", ".", "|"]


def test_x_tick_labels_that_nearly_touch_are_thinned():
    """The diverging survey bars of the review: "100 %75 % 50 %" on a narrow axis."""
    from matplotlib.ticker import FuncFormatter

    fig, ax = plt.subplots(figsize=(4.4, 1.6), dpi=100)  # nine labels 3 px apart
    ax.barh([0], [50])
    ax.set_xlim(-100, 100)
    ax.set_xticks(range(-100, 101, 25))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{abs(v):.0f} %"))
    figures._thin_ticks(fig)
    renderer = fig.canvas.get_renderer()
    boxes = sorted((t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_visible() and t.get_text()),
                   key=lambda b: b.x0)
    assert len(boxes) < 9
    gap = renderer.points_to_pixels(figures.TICK_GAP_PT)
    assert all(b2.x0 - b1.x1 >= gap - 0.5 for b1, b2 in zip(boxes, boxes[1:]))
    plt.close(fig)
