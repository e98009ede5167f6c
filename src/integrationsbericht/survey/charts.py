"""Survey charts in the house style: diverging Likert bars, frequency bars, group comparisons.

Every function returns a :class:`Chart` (figure, data table with German headers and the small-
cell symbols, German alt text). Colours are Okabe-Ito (colour-blind safe); negative categories
are hatched and every segment or bar carries its value, so nothing relies on colour alone.
Suppressed cells (n < 10) are drawn as ``/``, limited-reliability cells (n 10–29) in parentheses.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import fmt
from ..figures import FIG_WIDTH, GREY, OPTIONAL, count_axis, german_axis, legend_below, setup_style
from . import text

POS_DARK, POS_LIGHT = "#0072B2", "#56B4E9"
NEG_LIGHT, NEG_DARK = "#E69F00", "#D55E00"
NEUTRAL = "#BDBDBD"
SEQUENTIAL = ["#E5E5E5", "#9ECAE1", "#3C8DC4", "#08306B"]
SEQ_HATCH = ["", "..", "//", "xx"]
TEXT_ON = {"#E5E5E5": "black", "#9ECAE1": "black", "#3C8DC4": "white", "#08306B": "white",
           POS_DARK: "white", POS_LIGHT: "black", NEUTRAL: "black", NEG_LIGHT: "black", NEG_DARK: "white"}


@dataclass
class Chart:
    fig: object
    data: pd.DataFrame
    alt: str


def _wrap(s: str, width: int = 38) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(s, width)) or s


def _short(item_text: str) -> str:
    return item_text.replace("Verständigungsschwierigkeiten … ", "…").strip()


def _symbol(flag) -> str:
    """The legend's symbol for a survey cell: ``/`` (too few answers), ``( )`` (limited)."""
    return {"/": "/", "()": "( )"}.get(str(flag or ""), "")


def data_table(rows: pd.DataFrame, label_col: str = "item_text", label_name: str = "Frage") -> pd.DataFrame:
    """Data table of estimate rows: numbers as numbers (suppressed cells empty) and the
    symbol column ``Zeichen`` (empty unless ``/`` or ``( )`` applies)."""
    suppressed = (rows["flag"] == "/").to_numpy()

    def num(col):
        v = np.array(pd.to_numeric(rows[col], errors="coerce").round(1), dtype=float)
        v[suppressed] = np.nan
        return v

    out = pd.DataFrame({
        label_name: rows[label_col].astype(str).to_numpy(),
        "Gruppe": rows["group"].astype(str).to_numpy(),
        "Antwort": rows["category"].astype(str).to_numpy(),
        "Anteil in %": num("share"),
        "95-%-KI von": num("ci_low"),
        "95-%-KI bis": num("ci_high"),
        "Zeichen": [_symbol(f) for f in rows["flag"]],
        "n (ungewichtet)": rows["n"].astype(int).to_numpy(),
    })
    return out


def likert(res, items: list[str], group: str = "insgesamt") -> Chart:
    """Diverging stacked bars: positive answers right of zero, negative left, neutral centred."""
    setup_style()
    cb = res.codebook
    est = res.estimates
    fig, ax = plt.subplots(figsize=(FIG_WIDTH, 0.75 * len(items) + 1.6), layout="constrained")
    rows_used = []
    alt_parts = []
    labels = None
    for yi, name in enumerate(items):
        item = cb.by_name[name]
        lab = cb.value_labels(item)
        codes = list(lab)
        summ = cb.summary(item)
        pos = [c for c in codes if c in summ.codes]
        mid = [codes[len(codes) // 2]] if len(codes) % 2 == 1 else []
        neg = [c for c in codes if c not in pos and c not in mid]
        r = est[(est["item"] == name) & (est["group"] == group)]
        cat = r[r["kind"] == "category"].set_index("category")
        rows_used.append(r[r["kind"] == "category"])
        y = len(items) - 1 - yi
        first = cat.iloc[0]
        if first["flag"] == "/":
            ax.text(0, y, f"/ (n = {fmt.number(first['n'])})", ha="center", va="center")
            continue
        colors = {pos[0]: POS_DARK, **({pos[1]: POS_LIGHT} if len(pos) > 1 else {})}
        for c in mid:
            colors[c] = NEUTRAL
        if neg:
            colors[neg[0]] = NEG_LIGHT
            if len(neg) > 1:
                colors[neg[-1]] = NEG_DARK
        sh = {c: float(cat.loc[lab[c], "share"]) for c in codes}
        neutral = sum(sh[c] for c in mid)
        left = -neutral / 2
        for c in mid:
            _seg(ax, y, left, sh[c], colors[c], "", cat.loc[lab[c]])
            left += sh[c]
        left = neutral / 2
        for c in sorted(pos, reverse=True):  # light ("eher") next to the centre, dark outside
            _seg(ax, y, left, sh[c], colors[c], "", cat.loc[lab[c]])
            left += sh[c]
        left = -neutral / 2
        for c in neg:
            left -= sh[c]
            _seg(ax, y, left, sh[c], colors[c], "//", cat.loc[lab[c]])
        s = r[r["kind"] == "summary"].iloc[0]
        alt_parts.append(f"„{_short(item.text)}“: {text.share(s)} {summ.label} (n = {fmt.number(s['n'])})")
        labels = (lab, colors, neg)
    ax.set_yticks(range(len(items)))
    ax.set_yticklabels([_wrap(_short(cb.by_name[n].text)) for n in items][::-1])
    ax.axvline(0, color=GREY, lw=0.8)
    ax.set_xlim(-100, 100)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _p: fmt.percent(abs(v), 0)))
    ax.set_xlabel("Anteil der Befragten (negativ links, positiv rechts)")
    ax.grid(axis="y", visible=False)
    if labels:
        lab, colors, neg = labels
        from matplotlib.patches import Patch

        handles = [Patch(facecolor=colors[c], hatch="//" if c in neg else "", edgecolor="white", label=lab[c])
                   for c in lab]
        legend_below(fig, handles=handles, ncol=min(5, len(handles)))
    data = data_table(pd.concat(rows_used))
    alt = ("Gestapeltes Balkendiagramm mit Zustimmung rechts und Ablehnung links der Mittellinie. "
           + "; ".join(alt_parts) + ".")
    return Chart(fig, data, alt)


def _seg(ax, y, left, width, color, hatch, row, height=0.6):
    ax.barh(y, width, left=left, color=color, edgecolor="white", hatch=hatch, height=height, linewidth=0.5)
    if width >= 6:
        ax.text(left + width / 2, y, text.share(row).replace(" %", ""), ha="center", va="center", gid=OPTIONAL,
                fontsize=8, color=TEXT_ON.get(color, "black"))


def frequency(res, items: list[str], group: str = "insgesamt") -> Chart:
    """100 % stacked bars for frequency scales (nie / einmal / mehrmals / regelmäßig)."""
    setup_style()
    cb = res.codebook
    est = res.estimates
    fig, ax = plt.subplots(figsize=(FIG_WIDTH, 0.7 * len(items) + 1.6), layout="constrained")
    rows_used, alt_parts = [], []
    lab = None
    for yi, name in enumerate(items):
        item = cb.by_name[name]
        lab = cb.value_labels(item)
        r = est[(est["item"] == name) & (est["group"] == group)]
        cat = r[r["kind"] == "category"].set_index("category")
        rows_used.append(r[r["kind"] == "category"])
        y = len(items) - 1 - yi
        if cat.iloc[0]["flag"] == "/":
            ax.text(50, y, f"/ (n = {fmt.number(cat.iloc[0]['n'])})", ha="center", va="center")
            continue
        left = 0.0
        for k, (code, label) in enumerate(lab.items()):
            w = float(cat.loc[label, "share"])
            color = SEQUENTIAL[k % len(SEQUENTIAL)]
            ax.barh(y, w, left=left, color=color, hatch=SEQ_HATCH[k % 4], edgecolor="white", height=0.6, lw=0.5)
            if w >= 6:
                ax.text(left + w / 2, y, text.share(cat.loc[label]).replace(" %", ""), ha="center", va="center",
                        gid=OPTIONAL,
                        fontsize=8, color=TEXT_ON[color])
            left += w
        s = r[r["kind"] == "summary"]
        if not s.empty:
            s = s.iloc[0]
            alt_parts.append(f"„{_short(item.text)}“: {text.share(s)} {cb.summary(item).label} "
                             f"(n = {fmt.number(s['n'])})")
    ax.set_yticks(range(len(items)))
    ax.set_yticklabels([_wrap(_short(cb.by_name[n].text)) for n in items][::-1])
    ax.set_xlim(0, 100)
    german_axis(ax, "x", 0, percent=True)
    ax.set_xlabel("Anteil der Befragten")
    ax.grid(axis="y", visible=False)
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=SEQUENTIAL[k % 4], hatch=SEQ_HATCH[k % 4], edgecolor="white", label=l)
               for k, l in enumerate(lab.values())]
    legend_below(fig, handles=handles, ncol=len(handles))
    alt = "Gestapeltes Balkendiagramm der Häufigkeiten. " + "; ".join(alt_parts) + "."
    return Chart(fig, data_table(pd.concat(rows_used)), alt)


def groups(res, item: str, category: str, group_var: str, include_total: bool = True) -> Chart:
    """Share of one answer (e.g. the summary category) by group, with 95 % confidence intervals."""
    setup_style()
    est = res.estimates
    sel = (est["item"] == item) & (est["category"] == category)
    rows = est[sel & (est["group_var"] == group_var)]
    if include_total:
        rows = pd.concat([est[sel & (est["group_var"] == "insgesamt")], rows])
    fig, ax = plt.subplots(figsize=(FIG_WIDTH, 0.45 * len(rows) + 1.4), layout="constrained")
    ys = np.arange(len(rows))[::-1]
    for y, (_, r) in zip(ys, rows.iterrows()):
        total = r["group_var"] == "insgesamt"
        if r["flag"] == "/":
            ax.text(1, y, f"/ (n = {fmt.number(r['n'])}, zu wenige Antworten)", va="center", fontsize=8)
            continue
        color = GREY if total else "#0072B2"
        ax.barh(y, r["share"], color=color, height=0.6, hatch="" if r["flag"] == "" else "..",
                edgecolor="white")
        ax.errorbar(r["share"], y, xerr=[[r["share"] - r["ci_low"]], [r["ci_high"] - r["share"]]],
                    fmt="none", ecolor="black", capsize=3, lw=1)
        ax.annotate(f"{text.share(r)}  (n = {fmt.number(r['n'])})", xy=(r["ci_high"], y), xytext=(6, 0),
                    textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(ys)
    ax.set_yticklabels(["insgesamt" if r["group_var"] == "insgesamt" else str(r["group_value"])
                        for _, r in rows.iterrows()])
    top = np.nanmax(rows["ci_high"].to_numpy(dtype=float)) if rows["ci_high"].notna().any() else 50
    ax.set_xlim(0, min(100, top + 25) if top < 75 else 115)
    german_axis(ax, "x", 0, percent=True)
    ax.set_xlabel(f"Anteil „{category}“ mit 95-%-Konfidenzintervall")
    ax.grid(axis="y", visible=False)
    p = rows.loc[rows["group_var"] == group_var, "p_value"]
    sig = text.difference_note(rows[rows["group_var"] == group_var], "dieser Frage") if len(p) else ""
    parts = [f"{'insgesamt' if r['group_var'] == 'insgesamt' else r['group_value']}: {text.share(r)}"
             for _, r in rows.iterrows()]
    alt = (f"Balkendiagramm mit Fehlerbalken: Anteil „{category}“ nach Gruppen. " + "; ".join(parts)
           + ". " + sig)
    data = data_table(rows)
    data["Gruppenunterschied"] = [text.p_value(v) if g != "insgesamt" else "" for v, g in
                                  zip(rows["p_value"], rows["group_var"])]
    return Chart(fig, data, alt)


def multiple(res, item: str, group: str = "insgesamt") -> Chart:
    """Multiple response: share of respondents naming each option, sorted, with CIs."""
    setup_style()
    est = res.estimates
    rows = est[(est["item"] == item) & (est["group"] == group)].copy()
    rows = rows.sort_values("share", ascending=True, kind="stable", na_position="first")
    fig, ax = plt.subplots(figsize=(FIG_WIDTH, 0.42 * len(rows) + 1.3), layout="constrained")
    for y, (_, r) in enumerate(rows.iterrows()):
        if r["flag"] == "/":
            ax.text(1, y, "/", va="center")
            continue
        ax.barh(y, r["share"], color="#009E73", height=0.6, hatch="" if r["flag"] == "" else "..", edgecolor="white")
        ax.errorbar(r["share"], y, xerr=[[r["share"] - r["ci_low"]], [r["ci_high"] - r["share"]]],
                    fmt="none", ecolor="black", capsize=3, lw=1)
        ax.annotate(text.share(r), xy=(r["ci_high"], y), xytext=(6, 0), textcoords="offset points",
                    va="center", fontsize=8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(rows["category"].tolist())
    top = np.nanmax(rows["ci_high"].to_numpy(dtype=float)) if rows["ci_high"].notna().any() else 50
    ax.set_xlim(0, min(100, top + 15))
    german_axis(ax, "x", 0, percent=True)
    n = int(rows["n"].iloc[0]) if len(rows) else 0
    ax.set_xlabel(f"Anteil der Befragten (Mehrfachantworten; n = {fmt.number(n)})")
    ax.grid(axis="y", visible=False)
    parts = [f"{r['category']}: {text.share(r)}" for _, r in rows.iloc[::-1].iterrows()]
    alt = (f"Balkendiagramm, Mehrfachantworten als Anteil der Befragten (n = {fmt.number(n)}): "
           + "; ".join(parts) + ".")
    return Chart(fig, data_table(rows.iloc[::-1]), alt)


def open_counts(res, item: str, top: int = 10) -> Chart:
    """Horizontal bars of coded categories (or named places) of one open question."""
    setup_style()
    c = res.open_counts[res.open_counts["item"] == item].copy()
    c = c[c["category"] != "nicht zugeordnet"]
    shown = c[c["flag"] == ""].sort_values(["count", "category"], ascending=[False, True]).head(top)
    shown = shown.iloc[::-1]
    fig, ax = plt.subplots(figsize=(FIG_WIDTH, 0.4 * max(len(shown), 1) + 1.3), layout="constrained")
    ax.barh(range(len(shown)), shown["count"].astype(float), color="#CC79A7", height=0.6)
    for y, (_, r) in enumerate(shown.iterrows()):
        ax.annotate(f"{fmt.number(r['count'])} ({fmt.percent(r['share'], 0)})", xy=(float(r["count"]), y),
                    xytext=(4, 0), textcoords="offset points",
                va="center", fontsize=8)
    ax.set_yticks(range(len(shown)))
    ax.set_yticklabels(shown["category"].tolist())
    answers = int(c["answers"].iloc[0]) if len(c) else 0
    ax.set_xlabel(f"Nennungen (Antworten insgesamt: {fmt.number(answers)})")
    count_axis(ax.xaxis)
    ax.set_xlim(0, (float(shown["count"].max()) if len(shown) else 1) * 1.25)
    ax.grid(axis="y", visible=False)
    parts = [f"{r['category']}: {fmt.number(r['count'])}" for _, r in shown.iloc[::-1].iterrows()]
    alt = (f"Balkendiagramm der häufigsten Nennungen in {fmt.number(answers)} offenen Antworten: "
           + "; ".join(parts) + ".")
    hidden = (c["flag"] == "/").to_numpy()
    data = pd.DataFrame({
        "Kategorie": c["category"].to_numpy(),
        "Nennungen": pd.Series(c["count"].to_numpy(dtype=float)).mask(hidden).to_numpy(),
        "Anteil an den Antworten in %": pd.Series(c["share"].to_numpy(dtype=float)).round(1).mask(hidden).to_numpy(),
        "Zeichen": [_symbol(f) for f in c["flag"]],
        "Antworten insgesamt": c["answers"].astype(int).to_numpy(),
    })
    return Chart(fig, data, alt)
