"""Reusable indicator charts and chapter sections (time series, comparison bars, gap chart,
age structure, traffic-light overview) with German labels, captions and alt texts.

Every chart function returns a :class:`Chart` (figure, data table with German column names,
caption, alt text with the key numbers). Colours come from the colour-blind-safe Okabe-Ito
palette of :mod:`integrationsbericht.figures`; meaning is never carried by colour alone
(markers, line styles, hatching and direct labels). Figures are deterministic.

:func:`section` writes a whole indicator section into a chapter (text with computed numbers,
time-series chart, comparison chart, gap chart, table) and says plainly when the data cannot
show something.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from . import fmt  # noqa: E402
from . import german  # noqa: E402
from .figures import FIG_WIDTH, GREY, MIN_FONT_PT, PALETTE, count_axis, legend_below  # noqa: E402

ROLE_ORDER = {"kreis": 0, "regierungsbezirk": 1, "land": 2, "bund": 3, "vergleich": 4}
ROLE_STYLE = {
    "kreis": dict(color=PALETTE[0], marker="o", linestyle="-", linewidth=2.6),
    "regierungsbezirk": dict(color=PALETTE[3], marker="D", linestyle=":", linewidth=1.8),
    "land": dict(color=PALETTE[1], marker="s", linestyle="--", linewidth=1.8),
    "bund": dict(color=PALETTE[2], marker="^", linestyle="-.", linewidth=1.8),
    "vergleich": dict(color=GREY, marker="v", linestyle=(0, (1, 1)), linewidth=1.2),
}
GROUP_STYLE = {
    "deutsch": dict(color=PALETTE[0], marker="o", linestyle="-", hatch=""),
    "auslaendisch": dict(color=PALETTE[1], marker="s", linestyle="--", hatch="//"),
    "insgesamt": dict(color=PALETTE[2], marker="^", linestyle="-.", hatch=".."),
    "weiblich": dict(color=PALETTE[3], marker="D", linestyle=":", hatch="xx"),
    "maennlich": dict(color=PALETTE[4], marker="v", linestyle=(0, (5, 1)), hatch="\\\\"),
}
OTHER_STYLES = [
    dict(color=PALETTE[3], marker="D", linestyle=":", hatch="xx"),
    dict(color=PALETTE[4], marker="v", linestyle=(0, (5, 1)), hatch="\\\\"),
    dict(color=PALETTE[5], marker="P", linestyle=(0, (3, 1, 1, 1)), hatch="--"),
    dict(color="#000000", marker="X", linestyle="-", hatch="++"),
]


@dataclass
class Chart:
    fig: object
    data: pd.DataFrame
    caption: str
    alt: str


# ----------------------------------------------------------------------------- helpers


def region_label(name: str, role: str) -> str:
    if role == "regierungsbezirk" and "bezirk" not in name.lower():
        return f"Reg.-Bez. {name}"
    return name


def regions_ordered(regions: pd.DataFrame) -> pd.DataFrame:
    r = regions.copy()
    r["_o"] = r["role"].map(ROLE_ORDER).fillna(9)
    return r.sort_values(["_o", "name"], kind="stable").drop(columns="_o").reset_index(drop=True)


def fmt_value(x, unit: str, decimals: int) -> str:
    if unit == "Pp.":
        return fmt.pp(x, decimals)
    return fmt.value(x, unit, decimals)


def fmt_change(x, unit: str, decimals: int) -> str:
    if unit in ("%", "Pp."):
        return fmt.pp(x, decimals)
    return fmt.signed(x, decimals)


def _tick_decimals(v: float) -> int:
    return 0 if abs(v - round(v)) < 1e-9 else (1 if abs(v * 10 - round(v * 10)) < 1e-6 else 2)


def _axis_formatter(unit: str, decimals: int):
    if unit == "%":
        return FuncFormatter(lambda v, _p: fmt.percent(v, _tick_decimals(v)))
    if unit == "Pp.":
        return FuncFormatter(lambda v, _p: fmt.number(v, _tick_decimals(v)))
    return FuncFormatter(lambda v, _p: fmt.number(v, _tick_decimals(v)))


def _unit_axis_label(unit: str) -> str:
    return {"%": "Anteil in %", "Pp.": "Prozentpunkte", "Anzahl": "Anzahl"}.get(unit, unit)


def _year_axis(ax, years) -> None:
    from matplotlib.ticker import FixedLocator

    lo, hi = int(min(years)), int(max(years))
    step = max(1, math.ceil((hi - lo + 1) / 8))
    ticks = list(range(hi, lo - 1, -step))[::-1]  # always show the latest year
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{int(round(v))}"))
    pad = max(0.4, (hi - lo) * 0.03)
    ax.set_xlim(lo - pad, hi + pad)  # direct labels sit right of the plot area


def _y_range(ax, values, zero: bool) -> None:
    vmin, vmax = float(min(values)), float(max(values))
    span = (vmax - vmin) or abs(vmax) or 1.0
    lo = 0.0 if zero and vmin >= 0 else vmin - span * 0.12
    hi = vmax + span * 0.15 if not (zero and vmin >= 0) else vmax * 1.15
    ax.set_ylim(lo, hi)


def _spread(positions: list[float], min_gap: float) -> list[float]:
    """Push label positions apart (keeping order) so that labels do not overlap."""
    order = sorted(range(len(positions)), key=lambda i: positions[i])
    out = list(positions)
    for k in range(1, len(order)):
        i, j = order[k - 1], order[k]
        if out[j] - out[i] < min_gap:
            out[j] = out[i] + min_gap
    return out


LABEL_PT = MIN_FONT_PT + 0.5  # direct labels and value labels
BREAK_SYMBOL = "|"  # Destatis: fundamental change within a series (Reihenbruch)


def symbols(flags, breaks=None) -> list[str]:
    """The symbol column of a data table: empty unless a symbol applies (never "." for a
    value that is there); ``|`` marks the first value after a series break."""
    out = []
    breaks = [False] * len(flags) if breaks is None else list(breaks)
    for f, b in zip(flags, breaks):
        parts = []
        if bool(b):
            parts.append(BREAK_SYMBOL)
        if f is not None and not (isinstance(f, float) and math.isnan(f)) and str(f).strip():
            parts.append(str(f).strip())
        out.append(" ".join(parts))
    return out


def _segments(r: pd.DataFrame) -> list[pd.DataFrame]:
    """Parts of one region's series between series breaks (a break starts a new part)."""
    r = r.sort_values("year")
    starts = r["break"].astype(bool).to_numpy() if "break" in r else [False] * len(r)
    seg_id = pd.Series(starts, index=r.index).cumsum()
    return [g for _, g in r.groupby(seg_id, sort=True)]


def _plot_series(ax, r: pd.DataFrame, label: str, **style) -> None:
    """One series as lines that never cross a series break (separate segments, same style)."""
    for k, seg in enumerate(_segments(r)):
        ax.plot(seg["year"], seg["value"], label=label if k == 0 else "_nolegend_", markersize=5, **style)


def _axes_height_in(fig, ax) -> float:
    """Height of the plot area in inches after the layout (labels outside do not change it)."""
    fig.canvas.draw()
    return max(0.5, ax.get_window_extent().height / fig.dpi)


def end_labels(ax, ends: list[tuple[str, float, float, str]], unit: str, decimals: int) -> None:
    """Name and latest value of every line, right of the plot area, spread so that no two
    labels touch; a thin leader line in the series colour joins label and end point."""
    if not ends:
        return
    ymin, ymax = ax.get_ylim()
    gap = (LABEL_PT * 1.5 / 72) / _axes_height_in(ax.figure, ax) * (ymax - ymin)
    ys = _spread_within([e[2] for e in ends], gap, ymin + gap / 2, ymax - gap / 2)
    trans = ax.get_yaxis_transform()  # x in axes fraction, y in data units
    for (name, x, y, color), ly in zip(ends, ys):
        ax.annotate(
            f"{name}: {fmt_value(y, unit, decimals)}",
            xy=(x, y), xycoords="data", xytext=(1.03, ly), textcoords=trans,
            fontsize=LABEL_PT, color="#1A1A1A", va="center", ha="left", annotation_clip=False,
            arrowprops=dict(arrowstyle="-", color=color, lw=0.8, relpos=(0, 0.5), shrinkA=2, shrinkB=3),
        )


def _spread_within(positions: list[float], gap: float, lo: float, hi: float) -> list[float]:
    """Label positions at least ``gap`` apart, kept between ``lo`` and ``hi`` where possible."""
    order = sorted(range(len(positions)), key=lambda i: positions[i])
    ys = [min(max(positions[i], lo), hi) for i in order]
    for k in range(1, len(ys)):
        ys[k] = max(ys[k], ys[k - 1] + gap)
    over = ys[-1] - hi
    if over > 0:
        ys[-1] -= over
        for k in range(len(ys) - 2, -1, -1):
            ys[k] = min(ys[k], ys[k + 1] - gap)
    out = [0.0] * len(positions)
    for k, i in enumerate(order):
        out[i] = ys[k]
    return out


def break_position(rows: pd.DataFrame, year: int) -> float:
    """Where a series break before ``year`` is drawn: just before the year the new basis
    starts ("ab 2011" in the note), or between the two values around the break."""
    import re

    earlier = rows.loc[rows["year"] < year, "year"]
    prev = int(earlier.max()) if len(earlier) else year - 1
    for note in rows.loc[(rows["year"] == year) & rows["break"].astype(bool), "note"]:
        for m in re.finditer(r"\bab (\d{4})\b", str(note)):
            start = int(m.group(1))
            if prev < start <= year:
                return start - 0.5
    return (prev + year) / 2


def _data_rows(frame: pd.DataFrame, label_col: str, label_name: str) -> pd.DataFrame:
    """Data table of a line chart: label, year, reference date, value, symbol, note."""
    out = pd.DataFrame({
        label_name: frame[label_col].to_numpy(),
        "Jahr": frame["year"].astype(int).to_numpy(),
        "Stichtag": frame["period"].astype(str).to_numpy(),
        "Wert": frame["value"].astype(float).to_numpy(),
        "Zeichen": symbols(frame["flag"], frame["break"]),
        "Hinweis": [str(n).removeprefix("Reihenbruch: ") if isinstance(n, str) else "" for n in frame["note"]],
    })
    if (out["Stichtag"] == out["Jahr"].astype(str)).all():
        out = out.drop(columns="Stichtag")  # a yearly value: the year says it all
    if (out["Hinweis"] == "").all():
        out = out.drop(columns="Hinweis")
    return out


def _years_text(years: list[int]) -> str:
    years = sorted(set(int(y) for y in years))
    if not years:
        return ""
    if len(years) == 1:
        return str(years[0])
    if years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]}"
    return ", ".join(str(y) for y in years)


def break_footnote(rows: pd.DataFrame) -> str:
    b = rows[rows["break"].astype(bool)]
    if b.empty:
        return ""
    notes = []
    for year, note in sorted(set(zip(b["year"], b["note"]))):
        text = str(note).removeprefix("Reihenbruch").lstrip(":").strip().rstrip(".") or "neue Quelle"
        # a note that dates itself ("ab 31.12.2022 Fortschreibung …") needs no year added
        notes.append(text if re.search(r"\b(?:19|20)\d\d\b", text) else f"{text} (ab {year})")
    return " Reihenbruch (senkrechte Linie): " + "; ".join(dict.fromkeys(notes)) + "."


# ----------------------------------------------------------------------------- charts


MIN_SERIES_POINTS = 3  # a line needs three comparable years to show a development


def comparable_points(rows: pd.DataFrame) -> int:
    """Most years with values in one stretch without a series break (a ``break`` row starts a
    new stretch): two points across the Zensus 2011 break are not a time series."""
    years = sorted(set(rows["year"]))
    if "break" not in rows:
        return len(years)
    starts = set(rows.loc[rows["break"].fillna(False).astype(bool), "year"])
    best = run = 0
    for y in years:
        run = 1 if y in starts else run + 1
        best = max(best, run)
    return best


def timeseries(
    df: pd.DataFrame,
    indicator: str,
    regions: pd.DataFrame,
    *,
    group: str = "insgesamt",
    roles: tuple[str, ...] = ("kreis", "regierungsbezirk", "land", "bund"),
    title: str | None = None,
) -> Chart | None:
    """Lines over time for the Kreis and the comparison regions of the given roles."""
    rows = df[(df["indicator"] == indicator) & (df["group"] == group) & df["value"].notna()]
    regs = regions_ordered(regions[regions["role"].isin(roles)])
    rows = rows[rows["ags"].isin(regs["ags"])]
    if rows.empty or comparable_points(rows) < MIN_SERIES_POINTS:
        return None
    unit = rows["unit"].iloc[0]
    decimals = int(rows["decimals"].iloc[0]) if "decimals" in rows else 1
    label = rows["label"].iloc[0]
    fig, ax = plt.subplots(figsize=(FIG_WIDTH, 4.2), layout="constrained")
    ends = []
    data_parts = []
    for reg in regs.itertuples(index=False):
        r = rows[rows["ags"] == reg.ags].sort_values("year")
        if r.empty:
            continue
        st = ROLE_STYLE.get(reg.role, ROLE_STYLE["vergleich"])
        name = region_label(reg.name, reg.role)
        _plot_series(ax, r, name, **st)
        ends.append((name, float(r["year"].iloc[-1]), float(r["value"].iloc[-1]), st["color"]))
        data_parts.append(r.assign(Region=name))
    _y_range(ax, rows["value"], zero=unit in ("%", "Anzahl"))
    kreis_rows = rows[rows["ags"] == regs["ags"].iloc[0]]
    _time_axes(ax, rows, unit, decimals)
    end_labels(ax, ends, unit, decimals)
    ax.set_title(title or label, loc="left", fontsize=11)
    data = _data_rows(pd.concat(data_parts, ignore_index=True), "Region", "Region")
    k = kreis_rows.sort_values("year")
    kname = region_label(regs["name"].iloc[0], "kreis")
    alt = (
        f"Liniendiagramm {label}, {_years_text(rows['year'].tolist())}. "
        + (
            f"{kname}: von {fmt_value(k['value'].iloc[0], unit, decimals)} ({int(k['year'].iloc[0])}) "
            f"auf {fmt_value(k['value'].iloc[-1], unit, decimals)} ({int(k['year'].iloc[-1])}). "
            if not k.empty else ""
        )
        + " ".join(
            f"{n}: {fmt_value(v, unit, decimals)} ({int(x)})." for n, x, v, _c in ends[1:]
        )
    )
    caption = f"{label} im Zeitverlauf." + break_footnote(rows)
    return Chart(fig, data, caption, alt)


def group_timeseries(
    df: pd.DataFrame,
    indicator: str,
    ags: str,
    groups: list[str],
    group_labels: dict[str, str],
    *,
    region_name: str,
) -> Chart | None:
    """Lines over time for several groups (e.g. Deutsche vs. Ausländer*innen) in one region."""
    rows = df[(df["indicator"] == indicator) & (df["ags"] == ags) & df["group"].isin(groups) & df["value"].notna()]
    if rows.empty or comparable_points(rows) < MIN_SERIES_POINTS:
        return None
    unit = rows["unit"].iloc[0]
    decimals = int(rows["decimals"].iloc[0])
    label = rows["label"].iloc[0]
    fig, ax = plt.subplots(figsize=(FIG_WIDTH, 4.0), layout="constrained")
    ends, parts = [], []
    for i, g in enumerate(groups):
        r = rows[rows["group"] == g].sort_values("year")
        if r.empty:
            continue
        st = dict(GROUP_STYLE.get(g, OTHER_STYLES[i % len(OTHER_STYLES)]))
        st.pop("hatch", None)
        name = group_labels.get(g, g)
        _plot_series(ax, r, name, linewidth=2, **st)
        ends.append((name, float(r["year"].iloc[-1]), float(r["value"].iloc[-1]), st["color"]))
        parts.append(r.assign(Gruppe=name))
    _y_range(ax, rows["value"], zero=unit in ("%", "Anzahl"))
    _time_axes(ax, rows, unit, decimals)
    if rows["value"].min() < 0 < rows["value"].max():
        ax.axhline(0, color="#1A1A1A", linewidth=0.8)
    end_labels(ax, ends, unit, decimals)
    ax.set_title(f"{label}, {region_name}", loc="left", fontsize=11)
    data = _data_rows(pd.concat(parts, ignore_index=True), "Gruppe", "Gruppe")
    alt = (
        f"Liniendiagramm {label} {_at(region_name)} nach Gruppen, {_years_text(rows['year'].tolist())}. "
        + " ".join(f"{n}: {fmt_value(v, unit, decimals)} ({int(x)})." for n, x, v, _c in ends)
    )
    caption = f"{label} {_at(region_name)} nach Gruppen im Zeitverlauf." + break_footnote(rows)
    return Chart(fig, data, caption, alt)


def comparison_bars(
    df: pd.DataFrame,
    indicator: str,
    regions: pd.DataFrame,
    year: int,
    *,
    group: str = "insgesamt",
) -> Chart | None:
    """Horizontal bars of one year for the Kreis and all comparison regions (sorted)."""
    rows = df[(df["indicator"] == indicator) & (df["group"] == group) & (df["year"] == year)]
    regs = regions_ordered(regions)
    rows = rows.merge(regs[["ags", "name", "role"]], on="ags", how="inner", suffixes=("", "_r"))
    rows = rows[rows["value"].notna()]
    if len(rows) < 2:
        return None
    unit = rows["unit"].iloc[0]
    decimals = int(rows["decimals"].iloc[0])
    label = rows["label"].iloc[0]
    rows = rows.assign(Region=[region_label(n, r) for n, r in zip(rows["name"], rows["role_r"] if "role_r" in rows else rows["role"])])
    role_col = "role_r" if "role_r" in rows else "role"
    rows = rows.sort_values("value", ascending=True, kind="stable")
    fig, ax = plt.subplots(figsize=(FIG_WIDTH, 0.42 * len(rows) + 1.3), layout="constrained")
    colors, hatches = [], []
    for role in rows[role_col]:
        if role == "kreis":
            colors.append(PALETTE[0]); hatches.append("")
        elif role in ("land", "bund", "regierungsbezirk"):
            colors.append("#A6A6A6"); hatches.append("//")
        else:
            colors.append("#D9D9D9"); hatches.append("")
    bars = ax.barh(rows["Region"], rows["value"], color=colors, edgecolor="#1A1A1A", linewidth=0.6)
    for bar, h in zip(bars, hatches):
        bar.set_hatch(h)
    vmax = rows["value"].abs().max() or 1
    for bar, v, role in zip(bars, rows["value"], rows[role_col]):
        ax.text(
            bar.get_width() + vmax * 0.01 if v >= 0 else bar.get_width() - vmax * 0.01,
            bar.get_y() + bar.get_height() / 2,
            fmt_value(v, unit, decimals),
            va="center", ha="left" if v >= 0 else "right", fontsize=LABEL_PT,
            fontweight="bold" if role == "kreis" else "normal",
        )
    for tick, role in zip(ax.get_yticklabels(), rows[role_col]):
        if role == "kreis":
            tick.set_fontweight("bold")
    ax.xaxis.set_major_formatter(_axis_formatter(unit, decimals))
    ax.set_xlabel(_unit_axis_label(unit))
    ax.set_xlim(min(0, rows["value"].min() * 1.15), max(0, rows["value"].max()) * 1.15 + 1e-9)
    ax.grid(axis="y", visible=False)
    ax.set_title(f"{label}, {year}", loc="left", fontsize=11)
    period = rows["period"].iloc[0]
    data = rows[["Region", "ags", "period", "value", "flag"]].iloc[::-1].rename(
        columns={"ags": "AGS", "period": "Stichtag", "value": "Wert", "flag": "Zeichen"}
    )
    data["Zeichen"] = symbols(data["Zeichen"])
    kreis = rows[rows[role_col] == "kreis"]
    rank = ""
    if not kreis.empty:
        ordered = rows.sort_values("value", ascending=False)["Region"].tolist()
        pos = ordered.index(kreis["Region"].iloc[0]) + 1
        rank = f"{kreis['Region'].iloc[0]} liegt mit {fmt_value(kreis['value'].iloc[0], unit, decimals)} auf Rang {pos} von {len(ordered)}. "
    alt = (
        f"Balkendiagramm {label}, Stand {period}, {len(rows)} Regionen. {rank}"
        + "Werte: " + "; ".join(f"{r}: {fmt_value(v, unit, decimals)}" for r, v in zip(data["Region"], data["Wert"])) + "."
    )
    caption = f"{label} im Regionalvergleich, Stand {period}. Die eigene Region ist fett und dunkel hervorgehoben, Land, Bund und Regierungsbezirk sind schraffiert."
    return Chart(fig, data, caption, alt)


def gap_chart(
    df: pd.DataFrame,
    indicator: str,
    regions: pd.DataFrame,
    year: int,
    *,
    groups: tuple[str, str] = ("deutsch", "auslaendisch"),
    group_labels: dict[str, str] | None = None,
) -> Chart | None:
    """Dumbbell chart: the two groups' values per region, the gap in percentage points."""
    group_labels = group_labels or {}
    a, b = groups
    sub = df[(df["indicator"] == indicator) & (df["year"] == year) & df["group"].isin(groups)]
    wide = sub.pivot_table(index="ags", columns="group", values="value", aggfunc="first")
    if a not in wide or b not in wide:
        return None
    wide = wide.dropna(subset=[a, b])
    regs = regions_ordered(regions)
    regs = regs[regs["ags"].isin(wide.index)]
    if regs.empty:
        return None
    unit = sub["unit"].iloc[0]
    decimals = int(sub["decimals"].iloc[0])
    label = sub["label"].iloc[0]
    la, lb = group_labels.get(a, a), group_labels.get(b, b)
    names = [region_label(n, r) for n, r in zip(regs["name"], regs["role"])]
    fig, ax = plt.subplots(figsize=(FIG_WIDTH, 0.5 * len(regs) + 1.6), layout="constrained")
    ys = list(range(len(regs)))[::-1]
    rows = []
    for y, (ags, name, role) in zip(ys, zip(regs["ags"], names, regs["role"])):
        va, vb = float(wide.loc[ags, a]), float(wide.loc[ags, b])
        ax.plot([va, vb], [y, y], color=GREY, linewidth=2, zorder=1)
        ax.scatter([va], [y], marker="o", s=55, color=PALETTE[0], zorder=2, label=la if y == ys[0] else None)
        ax.scatter([vb], [y], marker="s", s=55, color=PALETTE[1], zorder=2, label=lb if y == ys[0] else None)
        gap = vb - va
        ax.annotate(f"{fmt.pp(gap, decimals)}", xy=(max(va, vb), y), xytext=(7, 0),
                    textcoords="offset points", va="center", fontsize=LABEL_PT,
                fontweight="bold" if role == "kreis" else "normal")
        rows.append({"Region": name, la: va, lb: vb, f"Abstand {lb} − {la} (Pp.)": gap})
    ax.set_yticks(ys)
    ax.set_yticklabels(names)
    for tick, role in zip(ax.get_yticklabels(), regs["role"]):
        if role == "kreis":
            tick.set_fontweight("bold")
    ax.xaxis.set_major_formatter(_axis_formatter(unit, decimals))
    ax.set_xlabel(_unit_axis_label(unit))
    lo = min(wide.loc[regs["ags"], [a, b]].min())
    hi = max(wide.loc[regs["ags"], [a, b]].max())
    ax.set_xlim(max(0, lo - (hi - lo) * 0.15 - 1), hi + (hi - lo) * 0.3 + 3)
    legend_below(fig, ncol=2)
    ax.grid(axis="y", visible=False)
    ax.set_title(f"{label}: {la} und {lb}, {year}", loc="left", fontsize=11)
    data = pd.DataFrame(rows)
    k = rows[0]
    alt = (
        f"Punktdiagramm {label}, {year}: je Region ein Kreis für {la} und ein Quadrat für {lb}, "
        f"verbunden durch eine Linie. {k['Region']}: {la} {fmt_value(k[la], unit, decimals)}, "
        f"{lb} {fmt_value(k[lb], unit, decimals)}, Abstand {fmt.pp(k[f'Abstand {lb} − {la} (Pp.)'], decimals)}. "
        + " ".join(
            f"{r['Region']}: {fmt.pp(r[f'Abstand {lb} − {la} (Pp.)'], decimals)}." for r in rows[1:]
        )
    )
    caption = f"{label}: Abstand zwischen {lb} und {la} in Prozentpunkten, {year}."
    return Chart(fig, data, caption, alt)


def age_structure(df: pd.DataFrame, ags: str, year: int, *, region_name: str) -> Chart | None:
    """Grouped horizontal bars: age distribution of Deutsche and Ausländer*innen."""
    rows = df[(df["indicator"] == "altersstruktur") & (df["ags"] == ags) & (df["year"] == year)]
    rows = rows[rows["value"].notna()]
    if rows.empty:
        return None
    ages = []
    for g in rows["group"]:
        a = g.split("_", 1)[1]
        if a not in ages:
            ages.append(a)
    age_label = {
        a: rows.loc[rows["group"].str.endswith("_" + a), "group_label"].iloc[0].split(": ", 1)[-1]
        for a in ages
    }
    fig, ax = plt.subplots(figsize=(FIG_WIDTH, 4.4), layout="constrained")
    h = 0.38
    ys = list(range(len(ages)))[::-1]
    table = []
    for off, nat, lab, st in (
        (h / 2, "deutsch", "Deutsche", GROUP_STYLE["deutsch"]),
        (-h / 2, "auslaendisch", "Ausländer*innen", GROUP_STYLE["auslaendisch"]),
    ):
        vals = [rows.loc[rows["group"] == f"{nat}_{a}", "value"] for a in ages]
        vals = [float(v.iloc[0]) if len(v) else math.nan for v in vals]
        bars = ax.barh([y + off for y in ys], vals, height=h, color=st["color"], hatch=st["hatch"],
                       edgecolor="#1A1A1A", linewidth=0.6, label=lab)
        for bar, v in zip(bars, vals):
            if not math.isnan(v):
                ax.annotate(fmt.percent(v, 1), xy=(bar.get_width(), bar.get_y() + bar.get_height() / 2),
                            xytext=(3, 0), textcoords="offset points", va="center", fontsize=LABEL_PT)
        for a, v in zip(ages, vals):
            table.append({"Altersgruppe": age_label[a], "Gruppe": lab, "Anteil in %": v})
    ax.set_yticks(ys)
    ax.set_yticklabels([age_label[a] for a in ages])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt.percent(v, 0)))
    ax.set_xlabel("Anteil an allen Deutschen bzw. allen Ausländer*innen in %")
    ax.set_xlim(0, max(r["Anteil in %"] for r in table if not math.isnan(r["Anteil in %"])) * 1.2)
    legend_below(fig, ncol=2)
    ax.grid(axis="y", visible=False)
    period = rows["period"].iloc[0]
    ax.set_title(f"Altersstruktur, {region_name}, {period}", loc="left", fontsize=11)
    data = pd.DataFrame(table).pivot(index="Altersgruppe", columns="Gruppe", values="Anteil in %")
    data = data.reindex([age_label[a] for a in ages]).reset_index()
    parts = []
    for r in data.itertuples(index=False):
        parts.append(f"{r[0]}: Deutsche {fmt.percent(r[1] if data.columns[1] == 'Deutsche' else r[2], 1)}, "
                     f"Ausländer*innen {fmt.percent(r[2] if data.columns[1] == 'Deutsche' else r[1], 1)}")
    alt = f"Balkendiagramm der Altersstruktur {_at(region_name)} am {period}, je Altersgruppe ein Balken für Deutsche und einer (schraffiert) für Ausländer*innen. " + "; ".join(parts) + "."
    caption = f"Altersstruktur der Deutschen und der Ausländer*innen {_at(region_name)}, Stand {period} (Anteil der Altersgruppe an allen Personen derselben Staatsangehörigkeit)."
    return Chart(fig, data, caption, alt)


# ----------------------------------------------------------------------------- text + section


def _value_at(df, indicator, ags, group, year):
    r = df[(df["indicator"] == indicator) & (df["ags"] == ags) & (df["group"] == group) & (df["year"] == year)]
    return None if r.empty else r.iloc[0]


def _at(name: str) -> str:
    """"in Bielefeld", "im Kreis Gütersloh" for a display name (see german.place)."""
    return german.place(name).at


def _for(name: str) -> str:
    """"Für Bielefeld", "Für den Kreis Gütersloh" at the start of a sentence."""
    return german.capitalize(german.place(name).prep("für"))


def shown(ed, df, indicator: str) -> bool:
    """Whether the edition shows ``indicator``: it is current (see ``indicators.currency``)
    and has a value for the edition's region in some group."""
    from .indicators import is_current

    if not is_current(ed, indicator):
        return False
    r = df[(df["indicator"] == indicator) & (df["ags"] == ed.ags) & df["value"].notna()]
    return not r.empty


def topics(ed, df, catalogue, chapter: str) -> str:
    """What a chapter's introduction names: the catalogue ``topic`` (else the title in
    quotes) of each indicator of ``chapter`` (its ``field``) that the edition shows, in the
    catalogue's order, e.g. "die Beschäftigung, die Arbeitslosigkeit und den Bezug von
    Leistungen nach dem SGB II". Empty when it shows none."""
    names = [ind.topic or f"„{ind.title}“" for ind in catalogue.by_field(chapter) if shown(ed, df, ind.id)]
    return german.join(names)


def latest_row(df, indicator, ags, group="insgesamt"):
    r = df[(df["indicator"] == indicator) & (df["ags"] == ags) & (df["group"] == group) & df["value"].notna()]
    return None if r.empty else r.sort_values("year").iloc[-1]


def not_available(region: str, title: str) -> str:
    return f"{_for(region)} liegen in den verwendeten Daten keine Angaben zu „{title}“ vor."


def _in_region(role: str, name: str) -> str:
    """"im Regierungsbezirk Detmold", "in Nordrhein-Westfalen", "in Deutschland"."""
    if role == "regierungsbezirk":
        plain = name.replace("Reg.-Bez. ", "").replace("Regierungsbezirk ", "")
        return f"im Regierungsbezirk {plain}"
    return f"in {name}"


def compare_sentence(own: float, comps: list[tuple[str, str, float]], unit: str, dec: int) -> str:
    """Interpretation of a share against the comparison regions, in plain German:
    "Der Wert ist damit höher als im Regierungsbezirk Detmold (9,2 %) und in Deutschland
    (10,5 %), aber niedriger als in Nordrhein-Westfalen (13,8 %)." Equal after rounding:
    "genauso hoch wie"."""
    from . import german as de

    r = fmt.round_half_up
    more, less, same = [], [], []
    for role, name, v in comps:
        phrase = f"{_in_region(role, name)} ({de.value(v, unit, dec)})"
        (same if r(own, dec) == r(v, dec) else more if own > v else less).append(phrase)
    parts = []
    if more:
        parts.append(f"höher als {de.join(more)}")
    if less:
        parts.append(("aber " if more else "") + f"niedriger als {de.join(less)}")
    if same:
        parts.append(("und " if parts else "") + f"genauso hoch wie {de.join(same)}")
    return "Der Wert ist damit " + ", ".join(parts).replace(", und ", " und ") + "."


def describe(df: pd.DataFrame, ind, ed, group: str = "insgesamt", group_labels: dict | None = None) -> str:
    """German paragraph with the computed numbers for one indicator and group."""
    city = ed.city
    row = latest_row(df, ind.id, ed.ags, group)
    if row is None:
        return not_available(city, ind.title)
    unit, dec = row["unit"], int(row["decimals"])
    year = int(row["year"])
    who = "" if group == "insgesamt" else f" ({(group_labels or {}).get(group, group)})"
    subject = german.subject(ind.subject or "der Wert")
    text = [f"*Befund{who}:* {subject} lag {_at(city)} {_period_text(row['period'])} bei {fmt_value(row['value'], unit, dec)}."]
    if year < ed.year:
        text.append("Neuere Werte liegen nicht vor.")
    comps = []
    for role in ("regierungsbezirk", "land", "bund"):
        reg = ed.regions[ed.regions["role"] == role]
        if reg.empty:
            continue
        v = _value_at(df, ind.id, reg["ags"].iloc[0], group, year)
        if v is not None and not pd.isna(v["value"]):
            comps.append((role, str(reg["name"].iloc[0]), float(v["value"])))
    if comps and unit in ("%", "Prozent"):
        text.append(compare_sentence(float(row["value"]), comps, unit, dec))
    elif comps:
        text.append("Zum Vergleich: " + ", ".join(
            f"{region_label(n, r)} {fmt_value(v, unit, dec)}" for r, n, v in comps) + ".")
    from . import german as de

    changes = []
    for k in (1, 5, 10):
        c = row[f"change_{k}y"]
        if not pd.isna(c):
            changes.append(f"gegenüber {year - k} {de.change(c, unit, dec)}")
    if changes:  # plain German: "Gegenüber 2020 ist er um 5.019 gestiegen, gegenüber …"
        text.append(f"{de.capitalize(changes[0].split(' ', 2)[0])} {changes[0].split(' ', 2)[1]} ist {de.pronoun(subject)} "
                    + changes[0].split(" ", 2)[2] + "".join(f", {c}" for c in changes[1:]) + ".")
    if row["break"]:
        text.append(f"Werte davor sind nur eingeschränkt vergleichbar ({str(row['note']).rstrip('.')}).")
    return " ".join(text)


def _period_text(period: str) -> str:
    p = str(period)
    return f"am {p}" if "." in p else f"im Jahr {p}"


def describe_gap(df: pd.DataFrame, ind, ed, gap_group: str, a_label: str, b_label: str) -> str | None:
    row = latest_row(df, ind.id, ed.ags, gap_group)
    if row is None:
        return None
    gap = ind.gap_spec()
    year = int(row["year"])
    va = _value_at(df, ind.id, ed.ags, gap.group, year)
    vb = _value_at(df, ind.id, ed.ags, gap.reference, year)
    dec = int(row["decimals"])
    g = float(row["value"])
    direction = "höher" if g > 0 else "niedriger" if g < 0 else "gleich hoch"
    text = (
        f"Der Wert der {a_label} ({fmt.percent(va['value'], dec)}) lag {year} {ed.place.at} "
        f"{fmt.number(abs(g), dec)} Prozentpunkte {direction} als der Wert {b_label} ({fmt.percent(vb['value'], dec)})."
        if direction != "gleich hoch" else
        f"Der Wert der {a_label} und {b_label} war {year} {ed.place.at} gleich hoch ({fmt.percent(va['value'], dec)})."
    )
    c5 = row["change_5y"]
    if not pd.isna(c5) and abs(c5) >= 0.05:
        wid = "größer" if abs(g) > abs(g - c5) else "kleiner"
        text += f" Gegenüber {year - 5} ist der Abstand um {fmt.number(abs(abs(g) - abs(g - c5)), dec)} Prozentpunkte {wid} geworden."
    return text


def section(ch, ed, df: pd.DataFrame, catalogue, indicator: str, *, heading_level: int = 2,
            group_charts: list[str] | None = None, compare_group: str = "insgesamt") -> None:
    """A full indicator section: heading, definition, text, charts, table, limitations.

    An indicator that is not current for the report year (see ``indicators.currency``) is
    left out; the annex "Datengrundlage" names it with its latest period."""
    from .indicators import is_current

    if hasattr(ed, "processed_dir") and not is_current(ed, indicator):
        return
    ind = catalogue.get(indicator)
    glabels = {g: catalogue.group_label(ind, g) for g in ind.groups}
    h = "#" * heading_level
    rows = df[df["indicator"] == indicator]
    if rows[(rows["ags"] == ed.ags) & rows["value"].notna()].empty:
        return  # no section without data; the indicator annex says what is missing
    # stable anchor for links from the findings ("Befunde") to this section
    ch.md(f"{h} {ind.title} {{#ind-{indicator.replace('_', '-')}}}")
    ch.md(f"*Definition:* {ind.definition}")
    if ind.relevance:  # Definition – Bedeutung – Befund – Hinweise
        ch.md(f"*Bedeutung:* {ind.relevance}")
    ch.md(describe(df, ind, ed, "insgesamt" if "insgesamt" in ind.groups else next(iter(ind.groups)), glabels))
    gap = ind.gap_spec()
    gap_group = f"abstand_{gap.group}_{gap.reference}" if gap else None
    a_label = {"auslaendisch": "Ausländer*innen"}.get(gap.group, glabels.get(gap.group, "")) if gap else ""
    b_label = {"deutsch": "der Deutschen", "insgesamt": "aller Personen"}.get(gap.reference, glabels.get(gap.reference, "")) if gap else ""
    if gap_group:
        t = describe_gap(df, ind, ed, gap_group, a_label, b_label)
        if t:
            ch.md(t)
    ident = indicator.replace("_", "-")
    src = "Statistische Ämter des Bundes und der Länder (" + ", ".join(ind.tables()) + "), eigene Berechnungen."
    is_count = ind.unit == "Anzahl"
    # One chart per indicator (plus one table): the groups over time where the indicator
    # compares groups, otherwise the region with its comparison regions over time. The
    # regional comparison of the latest year is the table below.
    groups = group_charts if group_charts is not None else [g for g in ("deutsch", "auslaendisch", "insgesamt") if g in ind.groups]
    c = None
    if len(groups) >= 2:
        c = group_timeseries(df, indicator, ed.ags, groups, glabels, region_name=ed.city)
        if c:
            ch.figure(c.fig, f"{ident}-gruppen", caption=c.caption, alt=c.alt, data=c.data, source=src)
    if c is None:
        c = timeseries(df, indicator, ed.regions, roles=("kreis",) if is_count else ("kreis", "regierungsbezirk", "land", "bund"),
                       title=f"{ind.display_label}, {ed.city}" if is_count else None)
        if c:
            ch.figure(c.fig, f"{ident}-zeit", caption=c.caption, alt=c.alt, data=c.data, source=src)
    latest = latest_row(df, indicator, ed.ags, compare_group)
    if latest is not None:
        tbl, raw = indicator_table(df, ind, ed, int(latest["year"]), glabels)
        if not tbl.empty:
            ch.table(tbl, f"{ident}-tabelle", caption=f"{ind.title} nach Region und Gruppe, {int(latest['year'])}", data=raw, source=src)
    for note in ind.notes:
        ch.md(f"*Hinweis:* {note}")
    for lim in ind.limitations:
        ch.callout("note", "Was die Daten nicht zeigen", lim)


def indicator_table(df: pd.DataFrame, ind, ed, year: int, glabels: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Regions × groups for one year, German formatted text cells; plus the raw rows."""
    rows = df[(df["indicator"] == ind.id) & (df["year"] == year)]
    regs = regions_ordered(ed.regions)
    rows = rows[rows["ags"].isin(regs["ags"])]
    if rows.empty:
        return pd.DataFrame(), pd.DataFrame()
    groups = [g for g in list(ind.groups) + sorted(set(rows["group"]) - set(ind.groups)) if g in set(rows["group"])]
    out = []
    for reg in regs.itertuples(index=False):
        r = rows[rows["ags"] == reg.ags]
        if r.empty:
            continue
        rec = {"Region": region_label(reg.name, reg.role)}
        for g in groups:
            x = r[r["group"] == g]
            if x.empty:
                rec[glabels.get(g) or catalogue_label(g)] = "."
                continue
            x = x.iloc[0]
            rec[glabels.get(g) or catalogue_label(g)] = (
                fmt_value(x["value"], x["unit"], int(x["decimals"])) if not pd.isna(x["value"]) else (x["flag"] or ".")
            )
        out.append(rec)
    raw = rows[["ags", "region", "period", "group", "value", "unit", "flag"]].sort_values(["ags", "group"]).reset_index(drop=True)
    return pd.DataFrame(out), raw


def catalogue_label(group: str) -> str:
    if group.startswith("abstand_"):
        return "Abstand (Pp.)"
    return group


def intro(ed, field_title: str, text: str) -> str:
    return f"# {field_title}\n\n{text}"


def targets_block(ch, ed, df: pd.DataFrame, catalogue, field: str) -> None:
    """Traffic-light status of the targets of one chapter (field), if any."""
    from . import targets as tg

    tf = tg.targets_for(ed)
    ids = {i.id for i in catalogue.by_field(field)}
    mine = [t for t in tf.targets if t.indicator in ids]
    if not mine:
        return
    sub = tg.TargetFile(example=tf.example, status_text=tf.status_text, targets=mine)
    ov = tg.overview(df, catalogue, sub, ed.ags, ed.year)
    ov = ov[ov["indicator"].isin({t.indicator for t in mine}) & ov["Ziel"].ne("–")]
    if ov.empty:
        return
    title = "Ziele und Frühwarnung" + (f" ({tf.status_text})" if tf.example else "")
    lines = [f"- {r['Symbol']} **{r['Status']}** – {r['Ziel']} (aktuell {r['Aktueller Wert']}, Stand {r['Stand']})" for _, r in ov.iterrows()]
    note = (" Die Zielwerte sind Beispiele, die der Rat noch beschließen muss." if tf.example else "")
    ch.callout("note", title, "\n".join(lines) + "\n\n" + tg.RULE_TEXT + note)


def _time_axes(ax, rows: pd.DataFrame, unit: str, decimals: int) -> None:
    """Year axis, German value axis (integer ticks for counts) and a dashed line at every
    series break (the lines themselves stop there)."""
    for year in sorted(set(rows.loc[rows["break"].astype(bool), "year"])):
        x = break_position(rows[rows["ags"] == rows.loc[rows["year"] == year, "ags"].iloc[0]], int(year))
        ax.axvline(x, color=GREY, linestyle=(0, (2, 2)), linewidth=1)
    _year_axis(ax, rows["year"].tolist())
    if unit == "Anzahl":
        count_axis(ax.yaxis)
    else:
        ax.yaxis.set_major_formatter(_axis_formatter(unit, decimals))
    ax.set_ylabel(_unit_axis_label(unit))
    ax.set_xlabel("Jahr")


def age_summary(df: pd.DataFrame, ags: str, year: int, city: str, period: str) -> str | None:
    """German text comparing the age structure of foreign and German residents, or ``None``
    when one of the age shares is missing (nothing is filled in with zero)."""

    def share(group: str) -> float | None:
        r = df[(df["indicator"] == "altersstruktur") & (df["ags"] == ags) & (df["group"] == group)
               & (df["year"] == year)]
        return None if r.empty or pd.isna(r["value"].iloc[0]) else float(r["value"].iloc[0])

    parts = {g: share(g) for g in ("auslaendisch_18_30", "auslaendisch_30_45", "deutsch_18_30",
                                   "deutsch_30_45", "auslaendisch_ab_65", "deutsch_ab_65")}
    if any(v is None for v in parts.values()):
        return None
    young = parts["auslaendisch_18_30"] + parts["auslaendisch_30_45"]
    young_de = parts["deutsch_18_30"] + parts["deutsch_30_45"]
    old, old_de = fmt.percent(parts["auslaendisch_ab_65"], 1), fmt.percent(parts["deutsch_ab_65"], 1)
    if young > young_de:
        return (
            f"Die ausländische Bevölkerung {_at(city)} ist im Durchschnitt jünger als die deutsche: "
            f"Am {period} waren {fmt.percent(young, 1)} der Ausländer*innen zwischen 18 und 45 Jahre "
            f"alt, bei den Deutschen {fmt.percent(young_de, 1)}. 65 Jahre und älter waren {old} der "
            f"Ausländer*innen und {old_de} der Deutschen."
        )
    return (
        f"Am {period} waren {fmt.percent(young, 1)} der Ausländer*innen und "
        f"{fmt.percent(young_de, 1)} der Deutschen {_at(city)} zwischen 18 und 45 Jahre alt; 65 Jahre "
        f"und älter waren {old} der Ausländer*innen und {old_de} der Deutschen."
    )
