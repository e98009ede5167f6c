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
    frac = int(w.get("n_fractional", 0) or 0)
    txt = (
        "Wer an einer freiwilligen Befragung teilnimmt, ist nicht ganz zufällig: manche Gruppen antworten "
        "häufiger als andere. Die Befragten wurden deshalb so gewichtet, dass ihre Verteilung nach "
        "Altersgruppe × Geschlecht, Stadtbezirk und Staatsangehörigkeit (deutsch/ausländisch) der "
        f"Bevölkerung ab 18 Jahren laut Melderegister zum {w.get('stichtag')} entspricht "
        f"({fmt.number(w.get('population'))} Personen). Verfahren: Raking, gerechnet als Kalibrierung "
        "(jedes Gewicht ist das Produkt von Faktoren für die Gruppen, denen die Person angehört; die Faktoren "
        "werden so bestimmt, dass alle Randverteilungen des Registers genau getroffen werden – dasselbe "
        "Verfahren wie „calibrate“ im R-Paket survey). Die Randverteilungen werden auf mindestens sechs "
        f"Nachkommastellen genau getroffen (größte Abweichung: {_deviation(w['max_margin_deviation'])}). "
        "Die Gewichte sind auf einen Mittelwert von 1 normiert.\n\n"
        f"**Alle {fmt.number(w.get('n_weighted', w.get('n')))} Befragten sind gewichtet.** "
    )
    if frac:
        txt += (
            f"{fmt.number(frac)} Befragte haben beim Geschlecht „divers“ oder bei einem Gewichtungsmerkmal "
            "nichts angegeben. Das Melderegister weist nur Männer und Frauen aus; die amtliche Statistik ordnet "
            "Personen mit dem Eintrag „divers“ oder ohne Eintrag per Zufall einem der beiden Geschlechter zu. "
            "Entsprechend zählen diese Befragten in der Gewichtung anteilig zu den Männern und Frauen ihrer "
            "Altersgruppe, im Verhältnis der beiden Geschlechter dieser Altersgruppe im Melderegister; "
            "bei den übrigen Merkmalen zählen sie mit ihren eigenen Angaben. In den Ergebnissen erscheinen sie "
            "mit ihrer eigenen Angabe (zum Beispiel als „divers“).\n\n"
        )
    else:
        txt += "Alle Befragten haben die Gewichtungsmerkmale angegeben.\n\n"
    txt += (
        f"Kennzahlen der Gewichtung: Die Gewichte reichen von {fmt.number(w['w_min'], 2)} bis "
        f"{fmt.number(w['w_max'], 2)} (Verhältnis größtes zu kleinstem Gewicht: {fmt.number(w['w_ratio'], 1)}). "
        "Die Gewichte wurden nicht gekappt (kein Trimmen). "
        f"Der Designeffekt der Gewichtung nach Kish beträgt {fmt.number(w['deff'], 2)}; die effektive "
        f"Fallzahl ist damit {fmt.number(w['n_eff'])} statt {fmt.number(w.get('n_weighted', w.get('n')))}. Die "
        "Gewichtung verringert Verzerrungen, vergrößert aber in der Regel die Fehlermargen. Für Merkmale, "
        "die eng mit den Gewichtungsmerkmalen zusammenhängen, werden die Fehlermargen dagegen kleiner, "
        "weil deren Verteilung durch das Melderegister bekannt ist; die Fehlerrechnung berücksichtigt beides."
    )
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
    d = res.diagnostics
    n_tests = d.get("n_tests")
    n_sig = d.get("n_significant")
    weighted = res.weighted
    var = (
        "Die Varianz des gewichteten Anteils wird per Taylor-Linearisierung geschätzt und berücksichtigt, "
        "dass die Gewichte an das Melderegister angepasst (kalibriert) wurden: Was die Gewichtung festlegt, "
        "ist nicht mehr zufällig und trägt nicht zur Fehlermarge bei (Verfahren wie ein kalibriertes "
        "Design im R-Paket survey; einfache Zufallsstichprobe ohne Schichten oder Klumpen)."
        if weighted else
        "Die Varianz des Anteils wird per Taylor-Linearisierung geschätzt (einfache Zufallsstichprobe, "
        "ungewichtet)."
    )
    txt = (
        "Jede Stichprobe ist mit Zufallsfehlern behaftet. Zu jedem Anteil wird deshalb ein "
        "95-%-Konfidenzintervall angegeben: der Bereich, in dem der Wert für die ganze Bevölkerung mit "
        f"hoher Wahrscheinlichkeit liegt. {var}\n\n"
        "**Intervalle:** Verwendet wird das Intervall nach Korn und Graubard (im R-Paket survey: "
        "„svyciprop“ mit method = „beta“). Es beruht auf der exakten Binomialverteilung mit der effektiven "
        "Fallzahl (Fallzahl bereinigt um den Einfluss der Gewichtung) und bleibt deshalb auch bei sehr "
        "kleinen und sehr großen Anteilen verlässlich: Es reicht nie unter 0 % oder über 100 % und ist bei "
        "kleinen Anteilen asymmetrisch (nach oben weiter als nach unten). Für kleine Gruppen wird die "
        "t-Verteilung mit der Fallzahl der Gruppe verwendet, was die Intervalle dort etwas breiter macht. "
        "Liegt ein Anteil bei genau 0 % oder 100 % – oder legt die Gewichtung ihn genau fest, wie die "
        "Verteilung der Befragten auf die Stadtbezirke –, lässt sich keine effektive Fallzahl berechnen; dann "
        "gilt das exakte Intervall nach Clopper und Pearson mit der tatsächlichen Zahl der Antworten. "
        "Auch „0 %“ bedeutet deshalb nicht „niemand“: Bei 100 Antworten, von denen keine zutrifft, reicht "
        f"das Intervall von 0 bis {fmt.percent(_cp_upper_zero(100) * 100, 1)}.\n\n"
        "**Unterschiede zwischen Gruppen** (Einwanderungsgeschichte, Stadtbezirk, Altersgruppe, Geschlecht) "
        "werden mit dem Rao-Scott-Test geprüft, einem Chi-Quadrat-Test, der die Gewichtung und ihre "
        "Auswirkung auf die Fehlermargen berücksichtigt (im R-Paket survey: „svychisq“ mit statistic = "
        "„F“). Geprüft wird jeweils die zusammengefasste Antwort einer Frage (zum Beispiel „Zustimmung "
        "(1–2)“ oder „ja“). Gruppen unter der Mindestzahl gehen nicht in den Test ein.\n\n"
        "**Viele Vergleiche:** "
    )
    if n_tests:
        txt += (f"In dieser Ausgabe werden {fmt.number(n_tests)} solcher Gruppenvergleiche gerechnet. ")
    txt += (
        "Wer viele Vergleiche anstellt, findet schon durch Zufall einige scheinbar deutliche Unterschiede – "
        "bei 100 Vergleichen ohne echten Unterschied im Mittel fünf. Deshalb wird die Irrtumswahrscheinlichkeit "
        "(p-Wert) jedes Vergleichs mit dem Verfahren von Benjamini und Hochberg für die Zahl der Vergleiche "
        "korrigiert. Als „statistisch signifikant“ gilt ein Unterschied nur, wenn der korrigierte p-Wert "
        "unter 5 % liegt. Das bedeutet: Unter den als signifikant bezeichneten Unterschieden ist im Mittel "
        "höchstens jeder zwanzigste ein Zufallsbefund. Die angegebenen p-Werte sind die korrigierten."
    )
    if n_tests:
        txt += f" Nach dieser Regel sind {fmt.number(n_sig or 0)} der {fmt.number(n_tests)} Vergleiche signifikant."
    txt += (
        f"\n\nKleine Fallzahlen: Ergebnisse, die auf weniger als {fmt.number(th.suppress)} Antworten beruhen, "
        f"werden nicht ausgewiesen („/“); bei {fmt.number(th.suppress)} bis {fmt.number(th.parentheses - 1)} "
        "Antworten stehen sie in Klammern. Diese Regeln gelten in Text, Abbildungen, Tabellen und "
        "Downloads."
    )
    return txt


def _cp_upper_zero(n: int) -> float:
    """Upper Clopper–Pearson limit (95 %) for 0 of n."""
    from scipy import stats

    return float(stats.beta.ppf(0.975, 1, n))


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
        "Offene Antworten wurden mit einem Codierschema, das für jede Kategorie Suchbegriffe "
        "festlegt, Kategorien und Orten zugeordnet; eine Antwort kann mehreren Kategorien "
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
        rows.append({"Block": it.block, "Thema": cb.blocks.get(it.block, ""), "Kennung in den Downloads": it.name,
                     "Frage": it.text, "Art": TYPE_NAMES.get(it.type, it.type)})
    return pd.DataFrame(rows)
