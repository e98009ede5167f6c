"""House style for figures, the layout rules every figure obeys, and deterministic saving.

Every figure is saved by :func:`save`: SVG (vector, with real text; used in the PDF and as
download), PNG (website) and a narrower PNG for phones (``…-mobil.png``). Before saving, the
drawn bounding boxes of both renditions are measured (:func:`check_layout`): overlapping texts,
legends or titles, text over data lines, fonts below the minimum size and repeated tick labels
are reported, and fail the build in strict mode (environment variable
``INTEGRATIONSBERICHT_STRICT_FIGURES=1``, set by the test suite).

Colours: the Okabe-Ito palette (colour-blind safe). Figures never carry meaning by colour
alone: charts add direct labels, markers or line styles.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter  # noqa: E402

from . import fmt  # noqa: E402

# Okabe & Ito (2008): distinguishable with the common colour-vision deficiencies.
PALETTE = [
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",
]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1)), "-", "--"]
GREY = "#595959"  # 7:1 contrast on white

FIG_WIDTH = 7.0  # inches: fits the A4 text width at 200 dpi
DPI = 200


def setup_style() -> None:
    """Apply the house style; call once per process (the chapter helper does)."""
    from cycler import cycler

    plt.rcParams.update(
        {
            # the "whitegrid" look (light grid behind the data, no ticks, no frame colour),
            # written out instead of importing seaborn (and scipy) into every chapter kernel
            "axes.axisbelow": True,
            "axes.grid": True,
            "axes.linewidth": 1.25,
            "axes.prop_cycle": cycler(color=PALETTE),
            "font.family": ["DejaVu Sans"],
            "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
            "grid.color": ".8",
            "grid.linewidth": 1.0,
            "legend.fontsize": 11.0,
            "legend.title_fontsize": 12.0,
            "lines.solid_capstyle": "round",
            "patch.edgecolor": "w",
            "patch.force_edgecolor": True,
            "text.color": ".15",
            "xtick.bottom": False,
            "xtick.labelsize": 11.0,
            "xtick.major.size": 6.0,
            "xtick.major.width": 1.25,
            "xtick.minor.size": 4.0,
            "xtick.minor.width": 1.0,
            "ytick.left": False,
            "ytick.labelsize": 11.0,
            "ytick.major.size": 6.0,
            "ytick.major.width": 1.25,
            "ytick.minor.size": 4.0,
            "ytick.minor.width": 1.0,
            # the house rules on top
            "figure.figsize": (FIG_WIDTH, 4.0),
            "figure.dpi": 100,
            "savefig.dpi": DPI,
            "savefig.bbox": "tight",
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
            "axes.labelsize": 10,
            "axes.edgecolor": GREY,
            "axes.labelcolor": "#1A1A1A",
            "xtick.color": "#1A1A1A",
            "ytick.color": "#1A1A1A",
            "legend.frameon": False,
            "svg.hashsalt": "integrationsbericht",
            "svg.fonttype": "none",
            "font.size": 10,
            "axes.formatter.use_locale": False,
            "pdf.compression": 6,
            # labels come from data files: "$x$" is text, never mathtext
            "text.parse_math": False,
        }
    )


def german_axis(ax, axis: str = "y", decimals: int = 0, percent: bool = False) -> None:
    """Format tick labels of ``axis`` in German (``1.000``, ``12,5 %``)."""
    func = (lambda v, _pos: fmt.percent(v, decimals)) if percent else (
        lambda v, _pos: fmt.number(v, decimals)
    )
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(func))


# ----------------------------------------------------------------------------- layout rules
#
# Every figure of the report goes through :func:`save`, which
#   * raises every font below MIN_FONT_PT (print: the figure is set at about 90 % of its size),
#   * lays the figure out with matplotlib's constrained layout (room for labels and legends
#     outside the data area),
#   * thins year/category tick labels that would run into each other,
#   * draws a second, narrower rendition for phones (same fonts on a 4-inch canvas),
#   * measures the drawn bounding boxes of both renditions (:func:`check_layout`) and fails on
#     any overlap between texts, legends, titles and data, on fonts below the minimum and on
#     repeated tick labels ("0 1 1 2 2").

MIN_FONT_PT = 8.0
# gid of value labels inside bar segments: left out in a rendition where they do not fit
# (the numbers stay in the data table under the figure)
OPTIONAL = "ib-optional"
MOBILE_WIDTH = 4.0  # inches: about 380 CSS px, so 8 pt stay about 10 px on a 390 px screen
STRICT_ENV = "INTEGRATIONSBERICHT_STRICT_FIGURES"
_TOL = 0.75  # pixels a box may touch another one (anti-aliasing, rounding)


class LayoutError(ValueError):
    """A figure whose drawn elements overlap (raised in strict mode, e.g. in every test build)."""


def count_axis(axis) -> None:
    """Integer ticks in German format for an axis of counts (no "0 1 1 2 2")."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=2))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt.number(v, 0)))


def _visible_text(t) -> bool:
    return t is not None and t.get_visible() and bool(str(t.get_text()).strip())


def _label_name(t) -> str:
    s = str(t.get_text()).replace("\n", " ").strip()
    return f"„{s[:40]}{'…' if len(s) > 40 else ''}“"


def _tick_labels(ax, which: str):
    axis = ax.xaxis if which == "x" else ax.yaxis
    lo, hi = sorted(axis.get_view_interval())
    span = (hi - lo) or 1.0
    out = []
    for tick in axis.get_major_ticks():
        loc = tick.get_loc()
        if loc is None or not (lo - 1e-9 * span <= loc <= hi + 1e-9 * span):
            continue
        for lab in (tick.label1, tick.label2):
            if lab.get_visible() and _visible_text(lab):
                out.append(lab)
    return out


def _texts(fig):
    """(artist, kind, axes) of every visible text of the figure; legends as one box each."""
    items = []
    for t in fig.texts:
        if _visible_text(t):
            items.append((t, "text", None))
    for lg in fig.legends:
        if lg.get_visible():
            items.append((lg, "legend", None))
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        for t in (ax.title, getattr(ax, "_left_title", None), getattr(ax, "_right_title", None)):
            if _visible_text(t):
                items.append((t, "title", ax))
        for t in (ax.xaxis.label, ax.yaxis.label):
            if _visible_text(t):
                items.append((t, "axislabel", ax))
        for which in ("x", "y"):
            for t in _tick_labels(ax, which):
                items.append((t, f"tick{which}", ax))
        for t in ax.texts:
            if _visible_text(t):
                items.append((t, "text", ax))
        lg = ax.get_legend()
        if lg is not None and lg.get_visible():
            items.append((lg, "legend", ax))
    return items


def _data_lines(ax):
    grid = set(ax.get_xgridlines()) | set(ax.get_ygridlines())
    out = []
    for line in ax.lines:
        if line in grid or not line.get_visible():
            continue
        # reference lines (axvline/axhline: break markers, zero line) are not data
        if line.get_transform() != ax.transData:
            continue
        out.append(line)
    return out


def _shrink(bbox, px: float = _TOL):
    from matplotlib.transforms import Bbox

    x0, y0, x1, y1 = bbox.x0 + px, bbox.y0 + px, bbox.x1 - px, bbox.y1 - px
    if x1 <= x0 or y1 <= y0:
        return None
    return Bbox([[x0, y0], [x1, y1]])


def _line_hits(line, box, renderer) -> bool:
    """Does the drawn line (segments and markers) of ``line`` touch ``box`` (display px)?"""
    import numpy as np

    path = line.get_transform().transform_path(line.get_path())
    if line.get_linestyle() not in ("None", "none", "", " ") and len(path.vertices) > 1:
        if path.intersects_bbox(box, filled=False):
            return True
    if line.get_marker() not in (None, "None", "none", "", " "):
        r = line.get_markersize() * fig_dpi(line) / 72 / 2
        v = path.vertices
        v = v[np.isfinite(v).all(axis=1)]
        hit = ((v[:, 0] >= box.x0 - r) & (v[:, 0] <= box.x1 + r)
               & (v[:, 1] >= box.y0 - r) & (v[:, 1] <= box.y1 + r))
        if hit.any():
            return True
    return False


def fig_dpi(artist) -> float:
    return artist.get_figure(root=True).dpi


def _data_patches(ax):
    from matplotlib.patches import Rectangle

    return [p for p in ax.patches if isinstance(p, Rectangle) and p.get_visible()
            and p.get_width() != 0 and p.get_height() != 0]


def _text_extent(art, renderer):
    """The box of the text itself (an annotation's leader line is checked separately)."""
    from matplotlib.text import Annotation, Text

    if isinstance(art, Annotation):
        return Text.get_window_extent(art, renderer)
    return art.get_window_extent(renderer)


def _leaders(fig):
    from matplotlib.text import Annotation

    out = []
    for ax in fig.axes:
        for t in ax.texts:
            if isinstance(t, Annotation) and t.arrow_patch is not None and _visible_text(t):
                out.append((t, t.arrow_patch))
    return out


def _draw(fig) -> None:
    """Draw ``fig`` unless nothing changed since its last draw (matplotlib marks every change
    as *stale*). The layout steps below each need a drawn figure; drawing it once per change
    instead of once per step halves the time a chapter spends on its figures."""
    if fig.stale or getattr(fig.canvas, "_ib_size", None) != tuple(fig.get_size_inches()):
        fig.canvas.draw()
        fig.canvas._ib_size = tuple(fig.get_size_inches())


def check_layout(fig) -> list[str]:
    """Problems of a drawn figure, in German: overlapping texts, legends over data, texts over
    lines, fonts below the minimum, repeated tick labels. Empty list: the figure is fine.

    Always draws: constrained layout settles over successive draws, and the layout checked
    here is the one that is saved."""
    fig.canvas.draw()
    fig.canvas._ib_size = tuple(fig.get_size_inches())
    renderer = fig.canvas.get_renderer()
    problems: list[str] = []
    items = _texts(fig)
    boxes = []
    for art, kind, ax in items:
        if kind != "legend":
            size = art.get_fontsize()
            if size < MIN_FONT_PT - 0.01:
                problems.append(f"Schrift zu klein ({size:.1f} pt < {MIN_FONT_PT:g} pt): {_label_name(art)}")
        box = _shrink(_text_extent(art, renderer))
        boxes.append(box)
    # texts and legends against each other
    for i in range(len(items)):
        if boxes[i] is None:
            continue
        for j in range(i + 1, len(items)):
            if boxes[j] is None or not boxes[i].overlaps(boxes[j]):
                continue
            a, b = items[i][0], items[j][0]
            na = "Legende" if items[i][1] == "legend" else _label_name(a)
            nb = "Legende" if items[j][1] == "legend" else _label_name(b)
            problems.append(f"{na} überlappt {nb}")
    # leader lines of direct labels must not strike through other texts
    for owner, arrow in _leaders(fig):
        path = arrow.get_transform().transform_path(arrow.get_path())
        for (art, kind, _ax), box in zip(items, boxes):
            if art is owner or box is None or kind == "legend":
                continue
            if path.intersects_bbox(box, filled=False):
                problems.append(f"Hinweislinie von {_label_name(owner)} kreuzt {_label_name(art)}")
    # texts (not tick labels) and legends against the data
    for (art, kind, ax), box in zip(items, boxes):
        if box is None or kind.startswith("tick") or kind in ("axislabel",):
            continue
        axes = [ax] if ax is not None else fig.axes
        for a in axes:
            for line in _data_lines(a):
                if _line_hits(line, box, renderer):
                    who = "Legende" if kind == "legend" else _label_name(art)
                    problems.append(f"{who} liegt über der Datenlinie „{line.get_label()}“")
                    break
            if kind == "legend":
                for p in _data_patches(a):
                    pb = _shrink(p.get_window_extent(renderer))
                    if pb is not None and pb.overlaps(box):
                        problems.append("Legende liegt über einem Balken")
                        break
    # repeated neighbouring tick labels: the axis shows ticks it cannot tell apart
    for ax in fig.axes:
        for which in ("x", "y"):
            axis = ax.xaxis if which == "x" else ax.yaxis
            ticks = [(t.label1.get_text(), t.get_loc()) for t in axis.get_major_ticks()
                     if any(t.label1 is lab for lab in _tick_labels(ax, which))]
            labels = [lab for lab, _loc in ticks]
            for k in range(1, len(labels)):
                # a diverging axis (share left and right of zero) repeats labels on purpose
                symmetric = abs(ticks[k][1] + ticks[k - 1][1]) < 1e-9
                if labels[k] == labels[k - 1] and not symmetric:
                    problems.append(f"Achse {which}: Teilstrich-Beschriftung „{labels[k]}“ doppelt")
                    break
    return list(dict.fromkeys(problems))


def _raise_fonts(fig) -> None:
    for art, kind, _ax in _texts(fig):
        if kind == "legend":
            for t in [*art.get_texts(), art.get_title()]:
                if _visible_text(t) and t.get_fontsize() < MIN_FONT_PT:
                    t.set_fontsize(MIN_FONT_PT)
        elif art.get_fontsize() < MIN_FONT_PT:
            art.set_fontsize(MIN_FONT_PT)


TICK_GAP_PT = 4  # tick labels closer than this read as one ("100 %75 %")


def _thin_ticks(fig) -> None:
    """Show every k-th label of an axis whose tick labels would overlap or nearly touch (the
    last one stays)."""
    _draw(fig)
    renderer = fig.canvas.get_renderer()
    grow = -renderer.points_to_pixels(TICK_GAP_PT) / 2
    for ax in fig.axes:
        for which in ("x", "y"):
            labels = _tick_labels(ax, which)
            if len(labels) < 3:
                continue
            pad = grow if which == "x" else 0  # rows of category labels may sit close
            boxes = [_shrink(_text_extent(t, renderer), pad) for t in labels]
            gaps_ok = all(b1 is None or b2 is None or not b1.overlaps(b2)
                          for b1, b2 in zip(boxes, boxes[1:]))
            if gaps_ok:
                continue
            axis = ax.xaxis if which == "x" else ax.yaxis
            if which == "y" and axis.get_major_locator().__class__.__name__ != "FixedLocator":
                continue
            locs = [t.get_loc() for t in axis.get_major_ticks()
                    if any(lab is t.label1 for lab in labels)]
            for k in range(2, len(locs)):
                keep = locs[::-1][::k][::-1]
                axis.set_major_locator(FixedLocator(keep))
                _draw(fig)
                boxes = [_shrink(t.get_window_extent(renderer), pad) for t in _tick_labels(ax, which)]
                if all(b1 is None or b2 is None or not b1.overlaps(b2) for b1, b2 in zip(boxes, boxes[1:])):
                    break


def legend_below(fig, handles=None, labels=None, ncol: int | None = None, **kw):
    """A legend under the plot, outside the data area (constrained layout makes room)."""
    if fig.get_layout_engine() is None:
        fig.set_layout_engine("constrained")
    if handles is not None:
        kw["handles"] = handles
    if labels is not None:
        kw["labels"] = labels
    n = len(handles) if handles is not None else len(fig.axes[0].get_legend_handles_labels()[0])
    return fig.legend(loc="outside lower center", ncol=ncol or max(1, min(n, 4)),
                      frameon=False, fontsize=MIN_FONT_PT + 0.5, **kw)


def _wrap_titles(fig) -> None:
    """Break axes titles that are wider than the figure (phone rendition) into lines."""
    import textwrap

    _draw(fig)
    renderer = fig.canvas.get_renderer()
    width = fig.bbox.width
    for ax in fig.axes:
        for t in (ax.title, getattr(ax, "_left_title", None), ax.xaxis.label):
            if not _visible_text(t):
                continue
            box = t.get_window_extent(renderer)
            w = box.width
            room = min(width * 0.95, fig.bbox.x1 - max(box.x0, fig.bbox.x0) - 2)
            if w > room:  # wider than the figure, or running over its right edge
                text = t.get_text().replace("\n", " ")
                chars = max(12, int(len(text) * room * 0.95 / w))
                t.set_text("\n".join(textwrap.wrap(text, chars, break_long_words=False)))


def _wrap_category_labels(fig, share: float = 0.38) -> None:
    """Wrap y tick labels (categories, questions) that take more than ``share`` of the
    figure's width, so that the plot keeps its room on a narrow canvas."""
    import textwrap

    _draw(fig)
    renderer = fig.canvas.get_renderer()
    limit = fig.bbox.width * share
    for ax in fig.axes:
        labels = _tick_labels(ax, "y")
        if not labels:
            continue
        changed = False
        texts = []
        for t in labels:
            w = _text_extent(t, renderer).width
            text = t.get_text()
            if w > limit:
                flat = text.replace("\n", " ")
                chars = max(12, int(len(flat) * limit / (w * max(1, text.count("\n") + 1)) * 0.95))
                text = "\n".join(textwrap.wrap(flat, chars, break_long_words=False))
                changed = True
            texts.append(text)
        if changed:
            locs = [t.get_position()[1] for t in labels]
            ax.yaxis.set_major_locator(FixedLocator(locs))
            ax.set_yticklabels(texts)
            # taller labels need more room between the bars: grow the canvas
            _draw(fig)
            heights = [_text_extent(t, renderer).height for t in _tick_labels(ax, "y")]
            need = max(heights) * 1.2 * len(heights)
            have = ax.get_window_extent(renderer).height
            if need > have:
                w, h = fig.get_size_inches()
                fig.set_size_inches(w, h + (need - have) / fig.dpi)


def _fit_legends(fig) -> None:
    """Fewer legend columns while a legend is wider than the figure (phone rendition)."""
    _draw(fig)
    renderer = fig.canvas.get_renderer()
    width = fig.bbox.width
    for lg in list(fig.legends):
        ncol = lg._ncols
        while ncol > 1 and lg.get_window_extent(renderer).width > width * 0.98:
            ncol -= 1
            handles, labels = lg.legend_handles, [t.get_text() for t in lg.get_texts()]
            title = lg.get_title().get_text()
            size = lg.get_texts()[0].get_fontsize() if lg.get_texts() else MIN_FONT_PT + 0.5
            lg.remove()
            lg = fig.legend(handles, labels, loc="outside lower center",
                            ncol=ncol, frameon=False, fontsize=size, title=title or None,
                            title_fontsize=size, alignment="left")
            _draw(fig)


def _hide_crowded_optional(fig) -> None:
    """Hide optional labels (bar-segment values) that would touch another text."""
    for ax in fig.axes:
        for t in ax.texts:
            if t.get_gid() == OPTIONAL:
                t.set_visible(True)  # another rendition may have room again
    _draw(fig)
    renderer = fig.canvas.get_renderer()
    items = [(a, k) for a, k, _ in _texts(fig)]
    boxes = [_shrink(_text_extent(a, renderer)) for a, _ in items]
    for i, (art, _k) in enumerate(items):
        if art.get_gid() != OPTIONAL or boxes[i] is None:
            continue
        for j, (other, _k2) in enumerate(items):
            if j == i or boxes[j] is None or not other.get_visible():
                continue
            if boxes[i].overlaps(boxes[j]):
                art.set_visible(False)
                break


def prepare(fig) -> None:
    """House rules before saving: minimum font size, constrained layout, thinned ticks."""
    _raise_fonts(fig)
    if fig.get_layout_engine() is None:
        fig.set_layout_engine("constrained")
    _fit_legends(fig)
    _thin_ticks(fig)
    _hide_crowded_optional(fig)


def _strict() -> bool:
    return os.environ.get(STRICT_ENV, "") not in ("", "0")


def _report(problems: list[str], what: str) -> None:
    if not problems:
        return
    msg = f"Abbildung {what}: " + "; ".join(problems)
    if _strict():
        raise LayoutError(msg)
    warnings.warn(msg, stacklevel=3)


def _savefig(fig, path: Path, **kw) -> None:
    """``fig.savefig`` with the layout of the last check frozen: the tight box is taken from
    that drawn figure and the layout engine is paused, so saving draws the figure once instead
    of twice (the layout is the one that :func:`check_layout` approved)."""
    _draw(fig)
    bbox = fig.get_tightbbox(fig.canvas.get_renderer()).padded(plt.rcParams["savefig.pad_inches"])
    engine = fig.get_layout_engine()
    fig.set_layout_engine("none")
    try:
        fig.savefig(path, bbox_inches=bbox, **kw)
    finally:
        fig.set_layout_engine(engine)
        fig.canvas._ib_size = tuple(fig.get_size_inches())


def save(fig, base: Path, what: str | None = None) -> dict[str, Path]:
    """Save ``fig`` as ``base.svg``, ``base.png`` and ``base-mobil.png`` (no timestamps) after
    checking the layout of both renditions; close it."""
    base.parent.mkdir(parents=True, exist_ok=True)
    what = what or base.name
    png = base.with_suffix(".png")
    svg = base.with_suffix(".svg")
    mobile = base.with_name(base.name + "-mobil.png")
    try:
        prepare(fig)
        _report(check_layout(fig), what)
        _savefig(fig, png, format="png", metadata={"Software": None})
        _savefig(fig, svg, format="svg", metadata={"Date": None, "Creator": None})
        width, height = fig.get_size_inches()
        if width > MOBILE_WIDTH:
            fig.set_size_inches(MOBILE_WIDTH, height)
            _wrap_titles(fig)
            _wrap_category_labels(fig)
            _fit_legends(fig)
            _thin_ticks(fig)
            _hide_crowded_optional(fig)
            _report(check_layout(fig), f"{what} (Handy-Fassung)")
        _savefig(fig, mobile, format="png", metadata={"Software": None})
    finally:
        plt.close(fig)
    return {"png": png, "svg": svg, "mobile": mobile}
