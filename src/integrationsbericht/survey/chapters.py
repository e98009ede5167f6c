"""Building blocks of the survey chapters: each emits Markdown through the chapter helper.

The notebooks stay thin: they choose items and order, these functions compute every number
in the text (German formats) and attach figures with alt text and data.
"""

from __future__ import annotations

import pandas as pd

from .. import fmt
from . import charts, text

GROUP_WORDS = {
    "einwanderungsgeschichte": "Einwanderungsgeschichte",
    "bezirk": "Stadtbezirk",
    "altersgruppe": "Altersgruppe",
    "geschlecht": "Geschlecht",
}


def source(res) -> str:
    """The source line of every survey figure and table."""
    d = res.diagnostics
    parts = [str(d.get("title") or "Bevölkerungsbefragung")]
    if d.get("field_period"):
        parts.append(f"Feldzeit {d['field_period']}")
    if d.get("n"):
        parts.append(f"n = {fmt.number(d['n'])}")
    parts.append(("gewichtete" if res.weighted else "ungewichtete") + " Ergebnisse, eigene Berechnungen")
    return ", ".join(parts) + "."


def notices(ch, res, reading_aid: bool = True) -> None:
    """Demo and weighting notices plus the reading aid; call once after the heading."""
    d = res.diagnostics
    if d.get("demo"):
        ch.callout("warning", "Demodaten",
                   "Dieses Kapitel beruht auf einer synthetischen Demo-Befragung. Alle Zahlen und "
                   "Zitate sind erfunden und beschreiben nicht die Bielefelder*innen.")
    if not res.weighted:
        ch.callout("warning", "Ungewichtete Ergebnisse",
                   "Für diese Ausgabe lag kein Registerauszug vor. Die Ergebnisse sind deshalb nicht an "
                   "die Bevölkerungsstruktur angepasst (ungewichtet) und können von ihr abweichen.")
    th = res.thresholds
    if not reading_aid:
        return
    ch.md(
        f"Alle Anteile sind {'gewichtet' if res.weighted else 'ungewichtet'} und beziehen sich auf "
        f"die Befragten, die die jeweilige Frage beantwortet haben; *n* ist die ungewichtete Zahl "
        f"dieser Befragten. In Klammern stehende Werte beruhen auf {fmt.number(th.suppress)} bis "
        f"{fmt.number(th.parentheses - 1)} Antworten und sind nur eingeschränkt aussagekräftig; "
        f"„/“ bedeutet: weniger als {fmt.number(th.suppress)} Antworten, kein Wert. Die Spannen sind "
        "95-%-Konfidenzintervalle (Fehlermargen, siehe Anhang zur Methode der Befragung)."
    )


def summary_sentence(res, item: str) -> str:
    cb = res.codebook
    it = cb.by_name[item]
    summ = cb.summary(it)
    label = summ.label if summ else "ja"
    row = res.cell(item, label)
    return f"„{it.text}“ – {label}: {text.with_ci(row)}."


def _group_compare_sentence(res, item: str, category: str, group_var: str) -> str:
    rows = res.estimates
    rows = rows[(rows["item"] == item) & (rows["category"] == category) & (rows["group_var"] == group_var)]
    return text.difference_note(rows, f"„{category}“ nach {GROUP_WORDS.get(group_var, group_var)}")


def likert(ch, res, items: list[str], ident: str, caption: str) -> None:
    c = charts.likert(res, items)
    ch.figure(c.fig, ident, caption=caption, alt=c.alt, data=c.data, source=source(res))
    ch.md("\n".join(f"- {summary_sentence(res, i)}" for i in items))


def frequency(ch, res, items: list[str], ident: str, caption: str) -> None:
    c = charts.frequency(res, items)
    ch.figure(c.fig, ident, caption=caption, alt=c.alt, data=c.data, source=source(res))
    ch.md("\n".join(f"- {summary_sentence(res, i)}" for i in items))


def multiple(ch, res, item: str, ident: str, caption: str) -> None:
    c = charts.multiple(res, item)
    ch.figure(c.fig, ident, caption=caption, alt=c.alt, data=c.data, source=source(res))
    rows = res.rows(item)
    rows = rows[rows["flag"] != "/"].sort_values("share", ascending=False)
    if len(rows):
        top = rows.iloc[0]
        ch.md(f"Am häufigsten genannt wurde „{top['category']}“ ({text.with_ci(top)}). Da mehrere "
              "Antworten möglich waren, ergeben die Anteile zusammen mehr als 100 %.")


def compare(ch, res, item: str, group_var: str, ident: str, caption: str, category: str | None = None) -> None:
    """Group comparison of one answer (default: the item's summary category) with error bars."""
    cb = res.codebook
    it = cb.by_name[item]
    if category is None:
        summ = cb.summary(it)
        category = summ.label if summ else "ja"
    c = charts.groups(res, item, category, group_var)
    ch.figure(c.fig, ident, caption=caption, alt=c.alt, data=c.data, source=source(res))
    ch.md(_group_compare_sentence(res, item, category, group_var))


def comparison_table(ch, res, items: list[str], ident: str, caption: str,
                     group_var: str = "einwanderungsgeschichte") -> None:
    """Table: summary share of several items, insgesamt and by the groups of ``group_var``."""
    cb = res.codebook
    est = res.estimates
    recs, data = [], []
    for item in items:
        it = cb.by_name[item]
        summ = cb.summary(it)
        category = summ.label if summ else "ja"
        sel = est[(est["item"] == item) & (est["category"] == category)]
        tot = sel[sel["group_var"] == "insgesamt"].iloc[0]
        grp = sel[sel["group_var"] == group_var]
        rec = {"Frage": it.text, "Antwort": category, "insgesamt": text.share(tot)}
        for _, r in grp.iterrows():
            rec[str(r["group_value"])] = text.share(r)
        p = text.test_p(grp) if len(grp) else float("nan")
        rec["Unterschied"] = ("signifikant (" + text.p_value(p) + ")") if len(grp) and text.is_significant(grp) else (
            "nicht signifikant" if p == p else "–")
        rec["n"] = int(tot["n"])
        recs.append(rec)
        data.append(pd.concat([tot.to_frame().T, grp]))
    table = pd.DataFrame(recs)
    export = charts.data_table(pd.concat(data))
    ch.table(table, ident, caption=caption, data=export, source=source(res))


def open_answers(ch, res, item: str, ident: str, caption: str, quotes: bool = True) -> None:
    c = charts.open_counts(res, item)
    ch.figure(c.fig, ident, caption=caption, alt=c.alt, data=c.data, source=source(res))
    if quotes:
        q = res.quotes[res.quotes["item"] == item]
        if len(q):
            lines = "\n>\n".join(f"> „{s}“" for s in q["quote"])
            ch.md("Beispiele aus den Antworten (gekürzt; Namen, Adressen, Telefonnummern und "
                  "E-Mail-Adressen entfernt):\n\n" + lines)
