"""Texts and tables of the method annex (sample, field time, weighting, margins of error)."""

from __future__ import annotations

import math

import pandas as pd

from .. import fmt
from .estimates import Z95

TYPE_NAMES = {
    "id": "Kennung", "likert": "Skala (1–5)", "frequency": "Häufigkeit", "yesno": "ja/nein",
    "multiple": "Mehrfachantwort", "open": "offene Antwort", "sociodemographic": "Soziodemografie",
    "numeric": "Zahl",
}
MARGIN_NAMES = {"altersgruppe × geschlecht": "Altersgruppe × Geschlecht", "bezirk": "Stadtbezirk",
                "staatsangehoerigkeit": "Staatsangehörigkeit"}


def _or(value, missing: str = "nicht angegeben") -> str:
    return str(value) if value not in (None, "") else missing


def design_text(res) -> str:
    d = res.diagnostics
    parts = [f"Die Befragung „{d.get('title')}“ richtete sich an: {_or(d.get('population'))}."]
    parts.append(f"Stichprobe: {_or(d.get('sample_design'))}. Befragungsweg: {_or(d.get('mode'))}. "
                 f"Feldzeit: {_or(d.get('field_period'))}.")
    n = fmt.number(d["n"])
    if d.get("gross_sample"):
        parts.append(f"Von {fmt.number(d['gross_sample'])} angeschriebenen Personen haben {n} den "
                     f"Fragebogen auswertbar ausgefüllt; das entspricht einer Ausschöpfung von "
                     f"{fmt.percent(d.get('response_rate'), 1)}.")
    else:
        parts.append(f"Ausgewertet wurden {n} Fragebögen.")
    parts.append(f"Datei: {d.get('file_format')}; alle Angaben wurden vor der Auswertung gegen das Codebuch "
                 "geprüft (gültige Codes, Fehlwertcodes, Pflichtvariablen).")
    return " ".join(parts)


def weighting_text(res) -> str:
    w = res.diagnostics["weighting"]
    if not w.get("weighted"):
        return ("Die Ergebnisse dieser Ausgabe sind **ungewichtet**: " + _or(w.get("reason"), "kein Registerauszug")
                + ". Sie geben die Zusammensetzung der Befragten wieder, nicht die der Bevölkerung.")
    rest = w.get("n_unweighted_rest", 0)
    txt = (
        "Wer an einer freiwilligen Befragung teilnimmt, ist nicht ganz zufällig: manche Gruppen antworten "
        "häufiger als andere. Die Befragten wurden deshalb so gewichtet, dass ihre Verteilung nach "
        "Altersgruppe × Geschlecht, Stadtbezirk und Staatsangehörigkeit (deutsch/ausländisch) der "
        f"Bevölkerung ab 18 Jahren laut Melderegister zum {w.get('stichtag')} entspricht "
        f"({fmt.number(w.get('population'))} Personen). Verfahren: Raking (iterative proportionale "
        "Anpassung) mit dem Python-Paket ipfn; die Randverteilungen werden auf mindestens sechs "
        f"Nachkommastellen genau getroffen (größte Abweichung: {_deviation(w['max_margin_deviation'])}). "
        "Die Gewichte sind auf einen Mittelwert von 1 normiert.\n\n"
        f"Kennzahlen der Gewichtung: Die Gewichte reichen von {fmt.number(w['w_min'], 2)} bis "
        f"{fmt.number(w['w_max'], 2)} (Verhältnis größtes zu kleinstem Gewicht: {fmt.number(w['w_ratio'], 1)}). "
        f"Der Designeffekt der Gewichtung nach Kish beträgt {fmt.number(w['deff'], 2)}; die effektive "
        f"Fallzahl ist damit {fmt.number(w['n_eff'])} statt {fmt.number(w['n_weighted'])}. Die "
        "Gewichtung verringert Verzerrungen, vergrößert aber die Fehlermargen entsprechend."
    )
    if rest:
        txt += (f"\n\n{fmt.number(rest)} Befragte haben beim Geschlecht „divers“ oder bei einem der "
                "Gewichtungsmerkmale nichts angegeben. Das Melderegister weist diese Gruppen nicht aus; sie "
                "gehen mit dem Gewicht 1 in alle Ergebnisse ein.")
    return txt


def _deviation(dev: float) -> str:
    pp = dev * 100
    if pp < 1e-6:
        return "weniger als 0,000001 Prozentpunkte"
    return f"{fmt.number(pp, 6)} Prozentpunkte"


def margins_table(res) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    m = res.margins
    if m is None or m.empty:
        return None
    data = pd.DataFrame({
        "Merkmal": m["merkmal"].map(lambda s: MARGIN_NAMES.get(s, s)),
        "Kategorie": m["kategorie"],
        "Melderegister": m["register_anteil"].round(1),
        "Befragte ungewichtet": m["stichprobe_ungewichtet"].round(1),
        "Befragte gewichtet": m["stichprobe_gewichtet"].round(1),
    })
    shown = data.copy()
    for c in ("Melderegister", "Befragte ungewichtet", "Befragte gewichtet"):
        shown[c] = shown[c].map(lambda v: fmt.number(v, 1))
    return shown, data


def error_text(res) -> str:
    th = res.thresholds
    return (
        "Jede Stichprobe ist mit Zufallsfehlern behaftet. Zu jedem Anteil wird deshalb ein "
        "95-%-Konfidenzintervall angegeben. Es wird designbasiert berechnet: die Varianz des gewichteten "
        "Anteils wird per Taylor-Linearisierung geschätzt (Anteil als Verhältnisschätzer, Gewichte als "
        "fest behandelt, einfache Zufallsstichprobe ohne Schichten oder Klumpen). So gehen die "
        "unterschiedlichen Gewichte in die Fehlermargen ein. Die Intervallgrenzen werden auf 0 bis 100 % "
        "begrenzt.\n\n"
        "Unterschiede zwischen Gruppen (Einwanderungsgeschichte, Stadtbezirk, Altersgruppe, Geschlecht) "
        "werden mit einem designbasierten Wald-Test auf gleiche Anteile geprüft und bei einer "
        "Irrtumswahrscheinlichkeit unter 5 % als „statistisch signifikant“ bezeichnet. Bei vielen "
        "Vergleichen (zum Beispiel zehn Stadtbezirke) ist einzelnes zufälliges Signifikantwerden möglich; "
        "es wird nicht für Mehrfachvergleiche korrigiert.\n\n"
        f"Kleine Fallzahlen: Ergebnisse, die auf weniger als {fmt.number(th.suppress)} Antworten beruhen, "
        f"werden nicht ausgewiesen („/“); bei {fmt.number(th.suppress)} bis {fmt.number(th.parentheses - 1)} "
        "Antworten stehen sie in Klammern. Diese Regeln gelten in Text, Abbildungen, Tabellen und "
        "Downloads. Gruppen unter der Mindestzahl gehen nicht in Signifikanztests ein."
    )


def margin_of_error_table(res) -> pd.DataFrame:
    d = res.diagnostics
    deff = d["weighting"].get("deff", 1.0) if d["weighting"].get("weighted") else 1.0
    n_all = int(d["n"])
    ns = [n_all] + [n for n in (1000, 500, 250, 100, 50, 30) if n < n_all]
    rows = []
    for n in ns:
        srs = Z95 * math.sqrt(0.25 / n) * 100
        rows.append({
            "Antworten (n)": fmt.number(n),
            "ohne Gewichtung": f"± {fmt.number(srs, 1)} Pp.",
            "mit Gewichtungseffekt": f"± {fmt.number(srs * math.sqrt(deff), 1)} Pp.",
        })
    return pd.DataFrame(rows)


def open_text(res) -> str:
    oc = res.open_counts
    answers = oc.groupby("item")["answers"].first() if not oc.empty else pd.Series(dtype=int)
    return (
        "Offene Antworten wurden mit einem editierbaren Codierschema (config/offene_antworten.yml: "
        "Kategorie → Suchmuster) Kategorien und Orten zugeordnet; eine Antwort kann mehreren Kategorien "
        f"angehören. Insgesamt lagen {fmt.number(int(answers.sum()) if len(answers) else 0)} offene Antworten vor. "
        "Zitate sind kurz, automatisch ausgewählt und vor der Veröffentlichung anonymisiert: Namen nach "
        "Anreden oder Vorstellungen, E-Mail-Adressen, Telefonnummern und Straßenadressen werden entfernt; "
        "die Rohantworten verlassen die interne Datenablage nicht. Kategorien mit weniger als "
        f"{fmt.number(res.thresholds.suppress)} Nennungen werden nicht einzeln ausgewiesen."
    )


def codebook_table(res) -> pd.DataFrame:
    cb = res.codebook
    rows = []
    for it in cb.items:
        if it.type == "id":
            continue
        rows.append({"Block": it.block, "Thema": cb.blocks.get(it.block, ""), "Variable": it.name,
                     "Frage": it.text, "Art": TYPE_NAMES.get(it.type, it.type)})
    return pd.DataFrame(rows)
