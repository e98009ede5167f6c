"""Demo table of measures (``massnahmen/massnahmen.csv``) – DEMODATEN, no real measures.

Shaped on the priorities of Bielefeld's integration concept (seed 004): language and early
education, school transitions, employment, health, intercultural opening of the administration,
cooperation with migrant organisations. The measure titles are generic examples; statuses and
years are drawn with a fixed seed. Every row says in ``bemerkung`` that it is demo data.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from .model import DEFAULT_SEED

# (field nr, measure, responsible body) – generic examples, not the city's measures.
_MEASURES: list[tuple[int, str, str]] = [
    (1, "Sprachcafés in Stadtteilzentren", "Volkshochschule"),
    (1, "Sprachkurse mit Kinderbetreuung für Eltern", "Volkshochschule"),
    (1, "Lotsendienst zu Integrations- und Berufssprachkursen", "Kommunales Integrationszentrum"),
    (2, "Alltagsintegrierte Sprachbildung in Kitas", "Jugendamt"),
    (2, "Elternbegleitung im Übergang Kita – Grundschule", "Jugendamt"),
    (2, "Mehrsprachige Elterninformation zur Kita-Anmeldung", "Jugendamt"),
    (3, "Seiteneinstiegsberatung für neu zugewanderte Schüler*innen", "Kommunales Integrationszentrum"),
    (3, "Herkunftssprachlicher Unterricht an weiteren Schulen", "Schulamt"),
    (3, "Fortbildung „Sprachsensibler Fachunterricht“", "Kommunales Integrationszentrum"),
    (4, "Mentoring-Programm Schule – Ausbildung", "Jobcenter"),
    (4, "Ausbildungsbörse mit Migrant*innenorganisationen", "Industrie- und Handelskammer"),
    (4, "Berufsorientierung in internationalen Förderklassen", "Schulamt"),
    (5, "Anerkennungsberatung für ausländische Berufsabschlüsse", "REGE mbH"),
    (5, "Arbeitgeberservice für Beschäftigung Geflüchteter", "Jobcenter"),
    (5, "Teilzeitausbildung für Mütter mit Einwanderungsgeschichte", "REGE mbH"),
    (6, "Brückenkurse zur Anerkennung in Gesundheitsberufen", "Volkshochschule"),
    (7, "Gesundheitslotsinnen und -lotsen in mehreren Sprachen", "Gesundheitsamt"),
    (7, "Dolmetschpool für Arztbesuche", "Gesundheitsamt"),
    (7, "Impfberatung in Gemeinschaftsunterkünften", "Gesundheitsamt"),
    (8, "Kultursensible Pflegeberatung", "Sozialamt"),
    (8, "Seniorentreffs mit mehrsprachigem Angebot", "Sozialamt"),
    (9, "Quartiersmanagement in Ankunftsquartieren", "Bauamt"),
    (9, "Beratung bei Diskriminierung auf dem Wohnungsmarkt", "Kommunales Integrationszentrum"),
    (10, "Interkulturelle Stadtteilfeste", "Bezirksämter"),
    (10, "Nachbarschaftsprojekte in Stadtteilzentren", "Bezirksämter"),
    (11, "Fortbildung interkulturelle Kompetenz für Beschäftigte", "Personalamt"),
    (11, "Mehrsprachige Formulare und Leichte Sprache im Bürgeramt", "Bürgeramt"),
    (11, "Gewinnung von Auszubildenden mit Einwanderungsgeschichte", "Personalamt"),
    (11, "Interkultureller Check von Fachdiensten", "Kommunales Integrationszentrum"),
    (12, "Kooperationsvereinbarungen mit Migrant*innenorganisationen", "Kommunales Integrationszentrum"),
    (12, "Förderprogramm für Projekte von Migrant*innenorganisationen", "Kommunales Integrationszentrum"),
    (12, "Qualifizierung von Vereinsvorständen", "Volkshochschule"),
    (13, "Lenkungsgruppe Kommunales Integrationsmanagement", "Kommunales Integrationszentrum"),
    (13, "Netzwerktreffen der Integrationsarbeit je Stadtbezirk", "Kommunales Integrationszentrum"),
    (14, "Information zur Wahl des Integrationsrats", "Wahlamt"),
    (15, "Case-Management für Neuzugewanderte", "Sozialamt"),
    (15, "Willkommensmappe für Neuzugewanderte", "Bürgeramt"),
    (16, "Frauencafés mit Kinderbetreuung", "Gleichstellungsstelle"),
    (17, "Interkulturelles Programm der Stadtbibliothek", "Kulturamt"),
    (18, "Schwimmkurse für Kinder und Frauen", "Sportamt"),
    (19, "Antidiskriminierungsberatung", "Kommunales Integrationszentrum"),
    (19, "Kampagne gegen Rassismus im Alltag", "Kommunales Integrationszentrum"),
]
_STATUSES = ["umgesetzt", "in Umsetzung", "geplant", "zurückgestellt"]
_WEIGHTS = [0.4, 0.35, 0.17, 0.08]


def write_measures_demo(out_dir: Path, *, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write ``out_dir/massnahmen/massnahmen.csv`` (``;``-separated, UTF-8) and return it."""
    rng = random.Random(f"massnahmen-{seed}")
    path = Path(out_dir) / "massnahmen" / "massnahmen.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";", lineterminator="\n")
        w.writerow(["handlungsfeld", "massnahme", "zustaendig", "status", "jahr", "bemerkung"])
        for nr, title, body in _MEASURES:
            status = rng.choices(_STATUSES, _WEIGHTS)[0]
            year = rng.randint(2021, 2025)
            w.writerow([nr, title, body, status, year, "Demodaten – keine Maßnahme der Stadt"])
    return [path]
