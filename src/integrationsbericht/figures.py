"""House style for figures and deterministic saving (PNG, SVG) with their data.

Colours: the Okabe-Ito palette (colour-blind safe). Figures never carry meaning by colour
alone: charts add direct labels, markers or line styles.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

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
    import seaborn as sns

    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE, font="DejaVu Sans")
    plt.rcParams.update(
        {
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


def save(fig, base: Path) -> dict[str, Path]:
    """Save ``fig`` as ``base.png`` and ``base.svg`` without timestamps; close it."""
    base.parent.mkdir(parents=True, exist_ok=True)
    png = base.with_suffix(".png")
    svg = base.with_suffix(".svg")
    fig.savefig(png, format="png", metadata={"Software": None})
    fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return {"png": png, "svg": svg}
