"""Synthetic demo survey (DEMODATEN): ~2,500 respondents that follow the codebook.

Nothing here is a real answer. The sample is deliberately not representative (older people,
women and Germans answer more often), so that the raking to the register margins matters.
Relations are plausible, e.g. people with Einwanderungsgeschichte report discrimination and
communication difficulties more often. Open answers name real Bielefeld places; a few contain
invented names, e-mail addresses, phone numbers and street addresses (to test anonymisation)
and one contains HTML (to test escaping). Every respondent id starts with ``DEMO-``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from ..project import DEFAULTS
from ..survey.codebook import load_codebook

N_RESPONDENTS = 2500
CODEBOOK = DEFAULTS / "config" / "befragung_codebuch.yml"

DISTRICTS = ["Mitte", "Schildesche", "Gadderbaum", "Brackwede", "Dornberg", "Jöllenbeck",
             "Heepen", "Stieghorst", "Sennestadt", "Senne"]
# rough adult population shares, and a response propensity per district (not representative)
_DISTRICT_SHARE = np.array([0.24, 0.12, 0.03, 0.12, 0.06, 0.07, 0.14, 0.10, 0.06, 0.06])
_DISTRICT_RESPONSE = np.array([0.85, 1.0, 1.3, 0.95, 1.35, 1.1, 0.9, 0.95, 0.85, 1.05])
# share with Einwanderungsgeschichte among respondents, by district
_DISTRICT_EG = np.array([0.45, 0.30, 0.22, 0.38, 0.20, 0.24, 0.40, 0.36, 0.44, 0.28])
_AGE_GROUP_P = np.array([0.14, 0.22, 0.36, 0.28])
_AGE_BOUNDS = [(18, 29), (30, 44), (45, 64), (65, 89)]

VIELFALT_ORTE = ["Jahnplatz", "Kesselbrink", "Hauptbahnhof", "Siegfriedplatz", "Ravensberger Park",
                 "Bürgerpark", "Alter Markt", "Wochenmarkt am Siegfriedplatz", "Nordpark",
                 "Universität", "Ostmannturmviertel", "Baumheide"]
AUSGRENZUNG_ORTE = ["Hauptbahnhof", "Kesselbrink", "Jahnplatz", "Baumheide", "Sennestadt",
                    "Ausländerbehörde", "Boulevard am Hauptbahnhof"]
VIELFALT_WARUM = [
    "Dort treffen sich Menschen aus vielen Ländern.",
    "Viele kleine Läden und Restaurants aus aller Welt.",
    "Beim Markt kommt man mit allen ins Gespräch.",
    "Es gibt Feste und Konzerte, zu denen alle kommen.",
    "Man hört dort viele Sprachen.",
    "Die Kinder spielen zusammen, egal woher die Eltern kommen.",
    "Begegnung ganz selbstverständlich, im Sommer sitzen alle draußen.",
    "Studierende aus der ganzen Welt.",
]
BESSER = [
    "Mehr Sitzbänke und Licht, dann fühlen sich alle sicherer.",
    "Mehr Begegnungsangebote, z. B. ein Nachbarschaftsfest.",
    "Mehr Polizei und Sozialarbeit am Abend.",
    "Infos der Stadt in mehreren Sprachen.",
    "Es müsste sauberer sein, mehr Mülleimer.",
    "Weniger Vorurteile, mehr miteinander reden.",
    "Treffpunkte für Jugendliche schaffen.",
    "Mehr Respekt im Umgang, auch von Kontrolleuren.",
    "Bezahlbare Wohnungen, damit nicht alle an den Rand ziehen.",
]
DISKR_TEXT = [
    "Bei der Wohnungsbesichtigung wurde mir nach meinem Namen abgesagt.",
    "Im Bus wurde ich wegen meines Kopftuchs beleidigt.",
    "Auf dem Amt wurde ich unfreundlich behandelt, weil ich schlecht Deutsch spreche.",
    "Bei der Jobsuche hieß es, mein Akzent passe nicht ins Team.",
    "Türsteher lassen mich und meine Freunde oft nicht rein.",
    "In der Arztpraxis wurde ich nicht ernst genommen.",
]
# planted personal data (all invented; e-mail domains from RFC 2606, phone numbers fictitious)
PERSONAL = [
    "Mein Nachbar Herr Kowalczyk hilft allen, fragen Sie ihn.",
    "Schreiben Sie mir gern: jana.petersen@example.org",
    "Rufen Sie mich an unter 0521 9876543, ich erzähle mehr.",
    "Ich wohne in der Heeper Straße 112, da ist es laut.",
    "Ich heiße Miriam Okonkwo-Lehmann und habe das selbst erlebt.",
    "Frau Dr. Hasselkamp vom Amt war sehr unfreundlich.",
    "Kontakt: mehmet.yilmaz1987@example.com oder +49 (0)171 2345678",
    "Am Kesselbrink, bei Familie Brzezinski gegenüber, Friedrich-Ebert-Str. 7a.",
]
HTML_ANSWER = "<script>alert('Demo')</script> Mehr Begegnung am Kesselbrink!"


def _ordinal(rng: np.random.Generator, latent: np.ndarray, cuts: list[float]) -> np.ndarray:
    """Ordered categories 1..len(cuts)+1 from a latent score plus logistic noise."""
    z = latent + rng.logistic(size=latent.shape)
    return 1 + np.searchsorted(np.asarray(cuts), z)


def _sprinkle_missing(rng, values: np.ndarray, p: float = 0.02, code: int = -9) -> np.ndarray:
    out = values.copy()
    out[rng.random(len(out)) < p] = code
    return out


def generate_survey(seed: int, n: int = N_RESPONDENTS) -> dict[str, list]:
    """Column name → values (codes or text), in codebook order."""
    rng = np.random.default_rng(seed)
    p = _DISTRICT_SHARE * _DISTRICT_RESPONSE
    bezirk = 1 + rng.choice(10, size=n, p=p / p.sum())
    agegrp = rng.choice(4, size=n, p=_AGE_GROUP_P)
    lo = np.array([b[0] for b in _AGE_BOUNDS])[agegrp]
    hi = np.array([b[1] for b in _AGE_BOUNDS])[agegrp]
    alter = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(int)
    sex = rng.choice([1, 2, 3, -9], size=n, p=[0.44, 0.54, 0.01, 0.01])
    p_eg = _DISTRICT_EG[bezirk - 1] * np.array([1.35, 1.2, 0.9, 0.6])[agegrp]
    eg = rng.random(n) < np.clip(p_eg, 0, 0.9)
    self_imm = eg & (rng.random(n) < 0.6)
    zuw = np.where(~eg, 3, np.where(self_imm, 1, 2))
    u = rng.random(n)
    nat = np.where(~eg, 1,
                   np.where(self_imm, np.where(u < 0.45, 3, np.where(u < 0.65, 2, 1)),
                            np.where(u < 0.12, 3, np.where(u < 0.35, 2, 1))))
    bildung = _ordinal(rng, 0.4 * (agegrp < 2) - 0.2 * self_imm, [-2.5, -1.0, 0.0, 1.2])
    jahre = np.where(self_imm, _ordinal(rng, np.zeros(n), [-1.0, 0.0, 1.2]),
                     _ordinal(rng, np.full(n, 1.5), [-2.5, -1.5, -0.5]))
    young = (agegrp == 0).astype(float)
    old = (agegrp == 3).astype(float)
    egf = eg.astype(float)
    selff = self_imm.astype(float)

    # Block 5 first: discrimination drives several other answers
    diskr = _ordinal(rng, -1.3 + 1.5 * egf + 0.5 * young - 0.6 * old + 0.3 * (sex == 2), [0.0, 0.9, 2.6])
    disc = (diskr >= 2).astype(float)
    beob = _ordinal(rng, -0.5 + 0.6 * egf + 0.7 * young - 0.5 * old, [0.0, 1.0, 2.6])

    cols: dict[str, np.ndarray | list] = {}
    cols["lfd_nr"] = [f"DEMO-{i:05d}" for i in range(1, n + 1)]
    cols["f01_wohl"] = _ordinal(rng, -0.3 + 0.9 * disc + 0.3 * (bezirk == 1), [1.0, 2.8, 4.2, 5.6])
    cols["f01_zugehoerig"] = _ordinal(rng, -0.4 + 0.7 * disc + 0.5 * (jahre == 1) - 0.3 * old, [0.8, 2.5, 3.8, 5.0])
    cols["f01_vielfalt"] = _ordinal(rng, 0.8 - 0.8 * young - 0.3 * (bildung >= 4) + 0.6 * old - 0.6 * egf, [0.3, 1.8, 2.8, 3.9])
    cols["f02_begriff_passend"] = _ordinal(rng, 1.0 + 0.9 * egf - 0.4 * young, [-0.8, 0.8, 2.0, 3.2])
    cols["f02_begriff_selbst"] = (rng.random(n) < np.where(eg, np.where(self_imm, 0.7, 0.45), 0.02)).astype(int)
    cols["f03_herkunft_bewahren"] = _ordinal(rng, 0.6 - 1.0 * egf - 0.4 * young + 0.5 * old, [-0.2, 1.4, 2.5, 3.6])
    cols["f03_kultur_uebernehmen"] = _ordinal(rng, 1.5 + 0.6 * egf + 0.3 * young - 0.8 * old, [-0.2, 1.4, 2.5, 3.6])

    # Block 4 with open answers
    ort_v = (rng.random(n) < 0.52 + 0.1 * young).astype(int)
    ort_a = (rng.random(n) < 0.22 + 0.15 * disc).astype(int)
    cols["f04_ort_vielfalt"] = ort_v
    cols["f04_ort_vielfalt_text"] = [_places(rng, VIELFALT_ORTE) if v else "" for v in ort_v]
    cols["f04_ort_vielfalt_warum"] = [str(rng.choice(VIELFALT_WARUM)) if v and rng.random() < 0.8 else "" for v in ort_v]
    cols["f04_ort_ausgrenzung"] = ort_a
    cols["f04_ort_ausgrenzung_text"] = [_places(rng, AUSGRENZUNG_ORTE) if v else "" for v in ort_a]
    cols["f04_besser"] = [str(rng.choice(BESSER)) if rng.random() < 0.3 else "" for _ in range(n)]

    cols["f05_diskr"] = diskr
    grounds = {
        "herkunft": -1.2 + 2.6 * egf, "hautfarbe": -2.2 + 1.6 * egf, "religion": -2.3 + 1.5 * egf,
        "sprache": -2.0 + 2.0 * selff, "geschlecht": -1.2 + 0.9 * (sex == 2), "alter": -1.8 + 0.9 * old + 0.5 * young,
        "behinderung": -2.6 + 0.3 * old, "sexuell": -2.9 + 0.4 * young, "sozial": -1.4, "sonstiges": -2.8,
    }
    for key, lat in grounds.items():
        val = (rng.random(n) < 1 / (1 + np.exp(-lat))).astype(float)
        cols[f"f05_merkmal_{key}"] = np.where(disc == 1, val, np.nan)
    cols["f05_beobachtet"] = beob
    cols["f05_diskr_text"] = [str(rng.choice(DISKR_TEXT)) if d and rng.random() < 0.25 else "" for d in disc]

    # Block 6
    cols["f06_beratung_bekannt"] = (rng.random(n) < 0.2 + 0.12 * egf + 0.1 * disc).astype(int)
    hilfe = (rng.random(n) < 0.1 + 0.08 * egf).astype(float)
    cols["f06_hilfe_genutzt"] = np.where(disc == 1, hilfe, np.nan)
    zuf = _ordinal(rng, np.full(n, 0.5), [-0.5, 1.2, 2.2, 3.2]).astype(float)
    cols["f06_hilfe_zufrieden"] = np.where((disc == 1) & (hilfe == 1), zuf, np.nan)

    # Block 7
    cols["f07_huerde_wohnung"] = _ordinal(rng, -1.0 + 1.3 * egf + 0.6 * young - 0.8 * old, [0.5, 1.5, 3.0])
    cols["f07_huerde_behoerde"] = _ordinal(rng, -0.6 + 1.1 * selff, [0.3, 1.6, 3.2])
    offers = {"migrationsberatung": -3.5 + 2.6 * selff, "sprachkurs": -3.8 + 3.0 * selff,
              "sozialberatung": -2.6 + 0.6 * egf, "wohnberatung": -2.7 + 0.6 * young}
    any_offer = np.zeros(n, dtype=bool)
    for key, lat in offers.items():
        val = rng.random(n) < 1 / (1 + np.exp(-lat))
        any_offer |= val
        cols[f"f07_angebot_{key}"] = val.astype(int)
    cols["f07_angebot_keins"] = (~any_offer).astype(int)

    # Block 8: communication difficulties; "trifft nicht zu" (-2) where a setting does not apply
    base = -1.8 + 2.2 * selff + 0.6 * (egf - selff) - 0.3 * (bildung >= 4)
    for key, shift, na in [("amt", 0.3, 0.05), ("arbeit", -0.2, 0.0), ("wohnung", 0.1, 0.25),
                           ("arzt", 0.0, 0.03), ("freizeit", -0.4, 0.02)]:
        val = _ordinal(rng, base + shift, [0.6, 1.6, 3.0])
        if key == "arbeit":
            na_mask = (agegrp == 3) & (rng.random(n) < 0.85) | (rng.random(n) < 0.12)
        else:
            na_mask = rng.random(n) < na
        cols[f"f08_verst_{key}"] = np.where(na_mask, -2, val)
    searching = rng.random(n) < np.where(agegrp == 3, 0.03, 0.28)
    arb = (rng.random(n) < 0.25 + 0.35 * egf).astype(int)
    cols["f08_arbeitssuche"] = np.where(searching, arb, -2)

    # Block 9
    eng = (rng.random(n) < 0.33 + 0.05 * (bildung >= 4) - 0.05 * selff).astype(int)
    cols["f09_engagement"] = eng
    areas = {"sport": -0.8, "kultur": -1.3, "religion": -1.6 + 0.6 * egf, "migrantenorg": -3.2 + 2.6 * egf,
             "nachbarschaft": -1.2, "schule": -1.5 + 0.8 * (agegrp == 1), "politik": -2.2}
    for key, lat in areas.items():
        val = (rng.random(n) < 1 / (1 + np.exp(-lat))).astype(float)
        cols[f"f09_bereich_{key}"] = np.where(eng == 1, val, np.nan)
    cols["f09_mitreden"] = _ordinal(rng, 0.9 + 0.6 * disc + 0.4 * selff - 0.5 * eng, [-0.2, 1.4, 2.6, 3.8])
    cols["f09_vereine_offen"] = _ordinal(rng, 0.6 + 0.7 * egf, [-0.6, 1.2, 2.4, 3.6])

    # Block 10
    cols["f10_kontakt_mit"] = _ordinal(rng, 0.8 + 2.0 * egf + 0.7 * young - 0.8 * old + 0.4 * (bezirk == 1), [-0.2, 1.0, 2.2])
    cols["f10_kontakt_ohne"] = _ordinal(rng, 2.4 - 1.2 * selff, [-1.5, 0.0, 1.2])

    # Block 11
    cols["alter"] = alter
    cols["geschlecht"] = sex
    cols["bezirk"] = bezirk
    cols["zuwanderung"] = zuw
    cols["staatsangehoerigkeit"] = nat
    cols["bildung"] = bildung
    cols["jahre_bielefeld"] = jahre

    # item nonresponse on attitude items
    for key in ["f01_wohl", "f01_zugehoerig", "f01_vielfalt", "f02_begriff_passend",
                "f03_herkunft_bewahren", "f03_kultur_uebernehmen", "f09_mitreden", "f09_vereine_offen",
                "bildung"]:
        cols[key] = _sprinkle_missing(rng, np.asarray(cols[key]), 0.02, -9)
    cols["f03_kultur_uebernehmen"] = _sprinkle_missing(rng, cols["f03_kultur_uebernehmen"], 0.03, -1)

    # planted personal data and one HTML answer in open fields
    open_cols = ["f04_ort_vielfalt_warum", "f04_besser", "f05_diskr_text"]
    picks = rng.choice(n, size=min(n, len(PERSONAL) * 3), replace=False)
    for k, idx in enumerate(picks):
        col = open_cols[k % len(open_cols)]
        text = PERSONAL[k % len(PERSONAL)]
        prefix = cols[col][idx]
        cols[col][idx] = f"{prefix} {text}".strip()
        if col == "f04_ort_vielfalt_warum" and not cols["f04_ort_vielfalt"][idx]:
            cols[col][idx] = ""
            cols["f04_besser"][idx] = f"{cols['f04_besser'][idx]} {text}".strip()
    cols["f04_besser"][int(rng.integers(n))] = HTML_ANSWER
    return cols


def _places(rng: np.random.Generator, places: list[str]) -> str:
    k = 1 + int(rng.random() < 0.35)
    chosen = rng.choice(len(places), size=k, replace=False)
    names = [places[i] for i in sorted(chosen)]
    text = " und ".join(names)
    return text if rng.random() < 0.6 else f"am {text}" if rng.random() < 0.5 else f"{text}, vor allem abends"


def _cell(v) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, float):
        return "" if np.isnan(v) else str(int(v))
    return str(int(v))


def write_survey_demo(out_dir: Path, *, seed: int, n: int = N_RESPONDENTS) -> list[Path]:
    """Write ``out_dir/befragung/befragung.csv`` (+ ``befragung.yml`` and a notice); deterministic."""
    codebook = load_codebook(CODEBOOK)
    cols = generate_survey(seed, n)
    order = [c for c in codebook.columns]
    target = Path(out_dir) / "befragung"
    target.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(order)
    n = len(cols["lfd_nr"])
    for i in range(n):
        w.writerow([_cell(cols[c][i]) for c in order])
    path = target / "befragung.csv"
    path.write_bytes(buf.getvalue().encode("utf-8"))
    meta = target / "befragung.yml"
    meta.write_text(
        "# DEMODATEN – synthetische Befragung, erzeugt von integrationsbericht demo-data.\n"
        "demo: true\n"
        "titel: \"Demo-Befragung Integration, Zusammenleben und Diskriminierung (synthetisch)\"\n"
        "feldzeit: \"01.09.2025 bis 31.10.2025 (fiktiv)\"\n"
        "grundgesamtheit: \"Einwohner*innen ab 18 Jahren mit Hauptwohnsitz in Bielefeld\"\n"
        "stichprobe: \"Zufallsstichprobe aus dem Melderegister (fiktiv)\"\n"
        "brutto: 10000\n"
        "modus: \"schriftlich-postalisch und online (fiktiv)\"\n"
        f"seed: {seed}\n",
        encoding="utf-8",
    )
    note = target / "LIESMICH_DEMODATEN.txt"
    note.write_text(
        "DEMODATEN: Diese Befragung ist vollständig synthetisch (Zufallszahlen mit festem Startwert).\n"
        "Sie enthält keine echten Antworten. Namen, E-Mail-Adressen, Telefonnummern und Adressen in\n"
        "offenen Antworten sind erfunden und dienen nur der Prüfung der Anonymisierung.\n",
        encoding="utf-8",
    )
    return [path, meta, note]
