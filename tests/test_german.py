"""The German-language layer: a table of cases (case after prepositions, agreement with
numbers, declension, non-breaking spaces, number words)."""

import pytest

from integrationsbericht import german as de

S = "\u00a0"  # non-breaking space

CASES = [
    # case after prepositions
    (lambda: de.prep("bei", 18.6, "Prozentpunkt", decimals=1), f"bei 18,6{S}Prozentpunkten"),
    (lambda: de.prep("um", 1, "Prozentpunkt"), f"um einen{S}Prozentpunkt"),
    (lambda: de.prep("bei", 1, "Prozentpunkt"), f"bei einem{S}Prozentpunkt"),
    (lambda: de.prep("um", 1.0, "Prozentpunkt", decimals=1), f"um 1,0{S}Prozentpunkte"),
    (lambda: de.prep("von", 2.3, "Prozentpunkt", decimals=1), f"von 2,3{S}Prozentpunkten"),
    (lambda: de.prep("in", 5, "Jahr"), f"in fünf{S}Jahren"),
    (lambda: de.prep("seit", 1, "Jahr"), f"seit einem{S}Jahr"),
    (lambda: de.prep("für", 1, "Person"), f"für eine{S}Person"),
    (lambda: de.prep("mit", 1, "Person"), f"mit einer{S}Person"),
    (lambda: de.prep("in", 10, "Stadtbezirk"), f"in zehn{S}Stadtbezirken"),
    (lambda: de.prep("von", 2500, "Befragte"), f"von 2.500{S}Befragten"),
    (lambda: de.quantity(2500, "Befragte"), f"2.500{S}Befragte"),
    (lambda: de.quantity(12, "Ziel"), f"zwölf{S}Ziele"),
    (lambda: de.quantity(13, "Ziel"), f"13{S}Ziele"),
    (lambda: de.quantity(1, "Maßnahme", "akk"), f"eine{S}Maßnahme"),
    # agreement with numbers
    (lambda: de.count_of(1, 6, "Ziel", predicate="erreicht"), f"eines von sechs{S}Zielen ist erreicht"),
    (lambda: de.count_of(0, 6, "Ziel", predicate="erreicht"), f"keines von sechs{S}Zielen ist erreicht"),
    (lambda: de.count_of(2, 6, "Ziel", predicate="auf Kurs"), f"zwei von sechs{S}Zielen sind auf Kurs"),
    (lambda: de.count_of(1, 3, "Indikator", ("fehlt", "fehlen")), f"einer von drei{S}Indikatoren fehlt"),
    (lambda: de.count_of(1, 4, "Maßnahme", predicate="umgesetzt"), f"eine von vier{S}Maßnahmen ist umgesetzt"),
    (lambda: de.count_of(14, 20, "Maßnahme", predicate="umgesetzt"), f"14 von 20{S}Maßnahmen sind umgesetzt"),
    (lambda: de.standalone(1), "eines"),
    (lambda: de.standalone(1, gender="m", case="dat"), "einem"),
    (lambda: de.standalone(3), "drei"),
    # declension of the population groups
    (lambda: de.between("auslaendisch", "deutsch"), "zwischen Ausländer*innen und Deutschen"),
    (lambda: de.between("auslaendisch", "insgesamt"), "zwischen Ausländer*innen und allen Einwohner*innen"),
    (lambda: de.group("deutsch", "nom"), "Deutsche"),
    (lambda: de.group("deutsch", "nom", article=True), "die Deutschen"),
    (lambda: de.group("deutsch", "gen", article=True), "der Deutschen"),
    (lambda: de.group("maennlich", "dat"), "Männern"),
    (lambda: de.group("insgesamt", "gen", article=True), "aller Einwohner*innen"),
    # units and numbers
    (lambda: de.percent(16.42), f"16,4{S}%"),
    (lambda: de.value(-0.04, "%", 1), f"0,0{S}%"),
    (lambda: de.points(-2.34), f"2,3{S}Prozentpunkte"),
    (lambda: de.number_word(6), "sechs"),
    (lambda: de.number_word(12), "zwölf"),
    (lambda: de.number_word(13), "13"),
    (lambda: de.number_word(1964), "1.964"),
    # changes in words
    (lambda: de.change(2.34, "%"), f"um 2,3{S}Prozentpunkte gestiegen"),
    (lambda: de.change(-1, "%", 0), f"um einen{S}Prozentpunkt gesunken"),
    (lambda: de.change(0.04, "%", 1), "gleich geblieben"),
    (lambda: de.change(1964, "Anzahl", 0), "um 1.964 gestiegen"),
    (lambda: de.factor(100, 300), "hat sich verdreifacht"),
    (lambda: de.factor(100, 260), "hat sich mehr als verdoppelt"),
    (lambda: de.factor(100, 205), "hat sich verdoppelt"),
    (lambda: de.factor(100, 50), "hat sich halbiert"),
    (lambda: de.factor(100, 30), "ist auf weniger als die Hälfte gesunken"),
    (lambda: de.factor(100, 140), None),
    (lambda: de.factor(100, 720), "ist auf mehr als das Siebenfache gestiegen"),
    # the report's region: a city without article, a Kreis or region with its article (names
    # as GENESIS writes them)
    (lambda: de.place("Bielefeld, Kreisfreie Stadt").at, "in Bielefeld"),
    (lambda: de.place("Bielefeld, Kreisfreie Stadt").prep("für"), "für Bielefeld"),
    (lambda: de.place("Bielefeld, Kreisfreie Stadt").form("gen"), "von Bielefeld"),
    (lambda: de.place("Gütersloh, Kreis").name, "Kreis Gütersloh"),
    (lambda: de.place("Gütersloh, Kreis").at, "im Kreis Gütersloh"),
    (lambda: de.place("Gütersloh, Kreis").prep("für"), "für den Kreis Gütersloh"),
    (lambda: de.place("Gütersloh, Kreis").prep("zu"), "zum Kreis Gütersloh"),
    (lambda: de.place("Gütersloh, Kreis").form("gen"), "des Kreises Gütersloh"),
    (lambda: de.place("Gütersloh, Kreis").subject, "der Kreis Gütersloh"),
    (lambda: de.place("Kreis Gütersloh").at, "im Kreis Gütersloh"),  # the display name again
    (lambda: de.place("Hildesheim, Landkreis").prep("für"), "für den Landkreis Hildesheim"),
    (lambda: de.place("Oberbergischer Kreis").at, "im Oberbergischen Kreis"),
    (lambda: de.place("Oberbergischer Kreis").form("gen"), "des Oberbergischen Kreises"),
    (lambda: de.place("Oberbergischer Kreis").subject, "der Oberbergische Kreis"),
    (lambda: de.place("Rhein-Kreis Neuss").form("gen"), "des Rhein-Kreises Neuss"),
    (lambda: de.place("Heidekreis").at, "im Heidekreis"),
    (lambda: de.place("Städteregion Aachen (einschl. Stadt Aachen)").at, "in der Städteregion Aachen"),
    (lambda: de.place("Region Hannover").prep("zu"), "zur Region Hannover"),
    (lambda: de.place("München, Landeshauptstadt").at, "in München"),
    (lambda: de.place("Saarbrücken, Regionalverband").form("gen"), "des Regionalverbands Saarbrücken"),
    (lambda: de.join(["a", "b", "c"]), "a, b und c"),
    (lambda: de.join(["a", "b"], "oder"), "a oder b"),
    (lambda: de.join(["den Anteil", "die Jugendlichen, die die Schule verlassen", "die Quote"]),
     "den Anteil, die Jugendlichen, die die Schule verlassen, und die Quote"),
    (lambda: de.join(["Köln, Stadt", "Bonn"]), "Köln, Stadt und Bonn"),
]


@pytest.mark.parametrize("make,expected", CASES, ids=[str(e) for _, e in CASES])
def test_cases(make, expected):
    assert make() == expected


def test_unknown_words_are_refused():
    with pytest.raises(ValueError):
        de.quantity(3, "Unbekanntes")
    with pytest.raises(ValueError):
        de.prep("wegen", 3, "Ziel")
    assert de.group("divers", "dat", fallback="diversen Personen") == "diversen Personen"


def test_datengrundlage_lines_agree_and_name_source_and_period():
    from integrationsbericht import basis

    assert basis.indicator_line("Einbürgerungsquote", 2011, 2015, ["12511-01-01-4"]) == (
        "Einbürgerungsquote: neuester Wert von 2011; für den Bericht 2015 fehlen neuere Werte. "
        "Sie kämen aus der Tabelle 12511-01-01-4 der Regionaldatenbank Deutschland.")
    assert basis.chapter_line("Zusammenleben und Zugehörigkeit", ["survey"]) == (
        "Zusammenleben und Zugehörigkeit: entfällt in dieser Ausgabe; Grundlage wäre eine "
        "repräsentative Befragung der Bevölkerung.")
    assert "Grundlage wären die Kennzahlen der vorigen Ausgabe" in basis.chapter_line("Änderungen", ["previous"])
    assert "Grundlage wären ein Auszug aus dem Melderegister nach Stadtbezirken und eine" in \
        basis.chapter_line("X", ["districts", "survey"])


def test_a_share_is_compared_in_words():
    from integrationsbericht.charts import compare_sentence

    comps = [("regierungsbezirk", "Detmold", 9.2), ("land", "Nordrhein-Westfalen", 13.8), ("bund", "Deutschland", 10.5)]
    assert compare_sentence(13.1, comps, "%", 1).replace(S, " ") == (
        "Der Wert ist damit höher als im Regierungsbezirk Detmold (9,2 %) und in Deutschland (10,5 %), "
        "aber niedriger als in Nordrhein-Westfalen (13,8 %).")
    assert compare_sentence(10.5, comps[2:], "%", 1).replace(S, " ") == "Der Wert ist damit genauso hoch wie in Deutschland (10,5 %)."
    assert compare_sentence(20.0, comps[:1], "%", 1).replace(S, " ") == "Der Wert ist damit höher als im Regierungsbezirk Detmold (9,2 %)."


def test_subject_and_pronoun_of_an_indicator_phrase():
    assert de.subject("der Anteil der Schüler*innen, die ein Gymnasium besuchen") == \
        "Der Anteil der Schüler*innen, die ein Gymnasium besuchen,"
    assert de.subject("die Zahl der Einwohner*innen") == "Die Zahl der Einwohner*innen"
    assert [de.pronoun(p) for p in ("die Zahl der Einbürgerungen", "der Wanderungssaldo", "das Saldo")] == \
        ["sie", "er", "es"]
