"""Correct German for generated sentences: case after prepositions, agreement with numbers,
declension of population groups, non-breaking spaces before units, small numbers in words.

Every sentence the report writes from numbers goes through these few functions, so that
"bei 18,6 Prozentpunkten", "um einen Prozentpunkt", "eines von sechs Zielen ist erreicht" and
"zwischen Ausländer*innen und Deutschen" are right by construction. Number words come from
``num2words``; number formats from :mod:`integrationsbericht.fmt` (babel).

Nouns and groups are a small lexicon (:data:`NOUNS`, :data:`GROUPS`); a sentence names the
case it needs (``"nom"``, ``"gen"``, ``"dat"``, ``"akk"``) or a preposition that governs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from num2words import num2words

from . import fmt

NBSP = "\u00a0"  # between a number and its unit: "16,4 %" never breaks across lines
CASES = ("nom", "gen", "dat", "akk")

# The case each preposition governs in the report's sentences.
PREPOSITIONS = {
    "bei": "dat", "mit": "dat", "von": "dat", "zwischen": "dat", "gegenüber": "dat",
    "seit": "dat", "unter": "dat", "aus": "dat", "nach": "dat", "in": "dat", "zu": "dat",
    "auf": "akk", "um": "akk", "für": "akk", "über": "akk", "ohne": "akk", "bis auf": "akk",
}


@dataclass(frozen=True)
class Noun:
    """A noun's forms: singular and plural in the four cases, and its gender (m/f/n)."""

    gender: str
    singular: tuple[str, str, str, str]  # nom, gen, dat, akk
    plural: tuple[str, str, str, str]

    def form(self, case: str, plural: bool) -> str:
        return (self.plural if plural else self.singular)[CASES.index(case)]


def _noun(gender: str, sg: str, gen_sg: str, pl: str, dat_pl: str | None = None) -> Noun:
    return Noun(gender, (sg, gen_sg, sg, sg), (pl, pl, dat_pl or pl, pl))


NOUNS: dict[str, Noun] = {
    "Prozentpunkt": _noun("m", "Prozentpunkt", "Prozentpunkts", "Prozentpunkte", "Prozentpunkten"),
    "Ziel": _noun("n", "Ziel", "Ziels", "Ziele", "Zielen"),
    "Jahr": _noun("n", "Jahr", "Jahres", "Jahre", "Jahren"),
    "Person": _noun("f", "Person", "Person", "Personen"),
    "Einbürgerung": _noun("f", "Einbürgerung", "Einbürgerung", "Einbürgerungen"),
    "Stadtbezirk": _noun("m", "Stadtbezirk", "Stadtbezirks", "Stadtbezirke", "Stadtbezirken"),
    "Indikator": _noun("m", "Indikator", "Indikators", "Indikatoren"),
    "Kapitel": _noun("n", "Kapitel", "Kapitels", "Kapitel", "Kapiteln"),
    "Maßnahme": _noun("f", "Maßnahme", "Maßnahme", "Maßnahmen"),
    "Befragte": Noun("f", ("Befragte", "Befragten", "Befragten", "Befragte"),
                     ("Befragte", "Befragter", "Befragten", "Befragte")),
    "Mensch": Noun("m", ("Mensch", "Menschen", "Menschen", "Menschen"),
                   ("Menschen", "Menschen", "Menschen", "Menschen")),
}

# Population groups of the indicator table, as a plural noun phrase without article
# ("zwischen Ausländer*innen und Deutschen") and with the definite article ("der Deutschen").
GROUPS: dict[str, dict[str, str]] = {
    "auslaendisch": {"nom": "Ausländer*innen", "gen": "Ausländer*innen", "dat": "Ausländer*innen",
                     "akk": "Ausländer*innen"},
    "deutsch": {"nom": "Deutsche", "gen": "Deutscher", "dat": "Deutschen", "akk": "Deutsche"},
    "insgesamt": {"nom": "alle Einwohner*innen", "gen": "aller Einwohner*innen",
                  "dat": "allen Einwohner*innen", "akk": "alle Einwohner*innen"},
    "weiblich": {"nom": "Frauen", "gen": "Frauen", "dat": "Frauen", "akk": "Frauen"},
    "maennlich": {"nom": "Männer", "gen": "Männer", "dat": "Männern", "akk": "Männer"},
}
# Definite plural article by case, and the adjectival ending after it ("die Deutschen").
_ARTICLE_PL = {"nom": "die", "gen": "der", "dat": "den", "akk": "die"}
_AFTER_ARTICLE = {"deutsch": {"nom": "Deutschen", "gen": "Deutschen", "dat": "Deutschen", "akk": "Deutschen"}}

# "ein" as a numeral/pronoun by gender and case (a noun follows) ...
_EIN = {
    "m": {"nom": "ein", "gen": "eines", "dat": "einem", "akk": "einen"},
    "f": {"nom": "eine", "gen": "einer", "dat": "einer", "akk": "eine"},
    "n": {"nom": "ein", "gen": "eines", "dat": "einem", "akk": "ein"},
}
# ... and standing alone ("eines von sechs Zielen", "keiner von drei Indikatoren").
_EINES = {
    "m": {"nom": "einer", "gen": "eines", "dat": "einem", "akk": "einen"},
    "f": {"nom": "eine", "gen": "einer", "dat": "einer", "akk": "eine"},
    "n": {"nom": "eines", "gen": "eines", "dat": "einem", "akk": "eines"},
}


def _case(case_or_prep: str) -> str:
    if case_or_prep in CASES:
        return case_or_prep
    try:
        return PREPOSITIONS[case_or_prep]
    except KeyError:
        raise ValueError(f"unknown case or preposition {case_or_prep!r}") from None


def noun(name: str) -> Noun:
    try:
        return NOUNS[name]
    except KeyError:
        raise ValueError(f"noun {name!r} is not in the lexicon") from None


def number_word(n: int, *, gender: str = "n", case: str = "nom", limit: int = 13) -> str:
    """A whole number as the house style writes it in running text: under ``limit`` (13) in
    words ("sechs", "zwölf"; "ein"/"eine"/"einem" inflected before a noun), from 13 on in
    digits with German grouping ("13", "1.964")."""
    n = int(n)
    if 0 <= n < limit:
        if n == 1:
            return _EIN[gender][_case(case)]
        return "null" if n == 0 else num2words(n, lang="de")
    return fmt.number(n)


def standalone(n: int, *, gender: str = "n", case: str = "nom") -> str:
    """A number standing for a noun named before ("eines ist erreicht", "für eines"):
    1 as the pronoun (*eines*, *einer*, *eine*), otherwise as :func:`number_word`."""
    if int(n) == 1:
        return _EINES[gender][_case(case)]
    return number_word(n, gender=gender, case=case)


def _is_one(value, decimals: int) -> bool:
    return decimals == 0 and fmt.round_half_up(abs(value), 0) == Decimal(1)


def quantity(value, name: str, case: str = "nom", *, decimals: int = 0, words: bool = True) -> str:
    """``18.6, "Prozentpunkt", "dat", decimals=1`` → ``"18,6 Prozentpunkten"``;
    ``1, "Prozentpunkt", "akk"`` → ``"einen Prozentpunkt"``; ``6, "Ziel"`` → ``"sechs Ziele"``.

    Whole numbers under 13 are words when ``words`` is true; the number and the noun are
    joined by a non-breaking space. A decimal number always takes the plural ("1,0 Prozentpunkte")."""
    c = _case(case)
    nn = noun(name)
    one = _is_one(value, decimals)
    if decimals == 0 and words and float(value).is_integer() and 0 <= value < 13:
        num = number_word(int(value), gender=nn.gender, case=c)
    else:
        num = fmt.number(abs(value) if one else value, decimals)
    return f"{num}{NBSP}{nn.form(c, plural=not one)}"


def prep(preposition: str, value, name: str, *, decimals: int = 0, words: bool = True) -> str:
    """A preposition with a quantity in the case it governs: ``"bei 18,6 Prozentpunkten"``."""
    return f"{preposition} {quantity(value, name, preposition, decimals=decimals, words=words)}"


def percent(x, decimals: int = 1) -> str:
    """``16.42`` → ``"16,4 %"`` with a non-breaking space (prose only; tables keep fmt)."""
    return keep_unit(fmt.percent(x, decimals))


def keep_unit(text: str) -> str:
    """A formatted share for prose: the space before "%" becomes non-breaking, so "46 %" or
    "92–94 %" never breaks across lines."""
    return text.replace(" %", f"{NBSP}%")


def points(x, decimals: int = 1, case: str = "nom") -> str:
    """An amount of percentage points in words of the sentence: ``"2,3 Prozentpunkte"``."""
    return quantity(abs(x), "Prozentpunkt", case, decimals=decimals)


def value(x, unit: str | None, decimals: int = 0) -> str:
    """A value in its catalogue unit for prose (``%`` with a non-breaking space)."""
    if unit in ("%", "Prozent"):
        return percent(x, decimals)
    if unit == "Pp.":
        return points(x, decimals)
    return fmt.number(x, decimals)


def count_of(k: int, total: int, name: str, verb: tuple[str, str] = ("ist", "sind"),
             predicate: str = "") -> str:
    """Agreement with numbers: ``1, 6, "Ziel", predicate="erreicht"`` →
    ``"eines von sechs Zielen ist erreicht"``; ``0, 6`` → ``"keines von sechs Zielen ist …"``;
    ``2, 6`` → ``"zwei von sechs Zielen sind …"``. The verb agrees with ``k`` (singular for 0
    and 1, plural otherwise)."""
    nn = noun(name)
    whole = quantity(total, name, "dat")
    if k == 0:
        head = "k" + _EINES[nn.gender]["nom"]
    elif k == 1:
        head = _EINES[nn.gender]["nom"]
    else:
        head = number_word(k)
    v = verb[0] if k in (0, 1) else verb[1]
    out = f"{head} von {whole} {v}"
    return f"{out} {predicate}" if predicate else out


def group(key: str, case: str = "nom", *, article: bool = False, fallback: str | None = None) -> str:
    """A population group in a case: ``group("deutsch", "dat")`` → ``"Deutschen"``,
    ``group("deutsch", "nom", article=True)`` → ``"die Deutschen"``."""
    c = _case(case)
    forms = GROUPS.get(key)
    if forms is None:
        if fallback is None:
            raise ValueError(f"group {key!r} is not in the lexicon")
        return fallback
    if article:
        word = _AFTER_ARTICLE.get(key, forms)[c]
        if key == "insgesamt":
            return forms[c]  # "aller Einwohner*innen" has its own determiner
        return f"{_ARTICLE_PL[c]} {word}"
    return forms[c]


def between(a: str, b: str) -> str:
    """``"zwischen Ausländer*innen und Deutschen"`` (dative after *zwischen*)."""
    return f"zwischen {group(a, 'dat')} und {group(b, 'dat')}"


def join(items: list[str], conj: str = "und") -> str:
    """``["a", "b", "c"]`` → ``"a, b und c"``."""
    items = [i for i in items if i]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    # a relative clause before the conjunction is closed by a comma: "die Jugendlichen, die die
    # Schule ohne Abschluss verlassen, und den Ausländeranteil"
    close = "," if _RELATIVE_CLAUSE.search(items[-2]) else ""
    return ", ".join(items[:-1]) + f"{close} {conj} " + items[-1]


def subject(phrase: str) -> str:
    """A noun phrase as the subject before the verb: capitalised, and a relative clause in it
    closed by a comma ("Der Anteil der Schüler*innen, die ein Gymnasium besuchen, lag …")."""
    phrase = capitalize(phrase.strip())
    return phrase + "," if _RELATIVE_CLAUSE.search(phrase) else phrase


def pronoun(phrase: str) -> str:
    """The personal pronoun for a singular noun phrase by its article: "die Zahl …" → "sie",
    "der Anteil …" → "er", "das …" → "es"."""
    first = phrase.strip().split(" ", 1)[0].lower()
    return {"die": "sie", "das": "es"}.get(first, "er")


_RELATIVE_CLAUSE = re.compile(r", (?:die|der|das|dem|den|denen|deren|dessen|wie|wo|was|welche[mnrs]?) ")


def factor_parts(old: float, new: float) -> tuple[str, str] | None:
    """:func:`factor` as (auxiliary, rest), so a sentence can put words between them:
    ``("hat sich", "verdreifacht")`` → "hat sich in fünf Jahren verdreifacht"."""
    if old <= 0 or new <= 0:
        return None
    r = new / old
    names = {2: "verdoppelt", 3: "verdreifacht", 4: "vervierfacht", 5: "verfünffacht"}
    if r >= 1.9:
        near = round(r)
        if abs(r - near) <= 0.1 and near in names:  # 2,95 → "verdreifacht"
            return "hat sich", names[near]
        k = int(r)  # 2,6 → "mehr als verdoppelt"
        if k in names:
            return "hat sich", f"mehr als {names[k]}"
        return "ist", f"auf mehr als das {capitalize(number_word(k))}fache gestiegen"
    if 0.45 <= r <= 0.55:
        return "hat sich", "halbiert"
    if r < 0.45:
        return "ist", "auf weniger als die Hälfte gesunken"
    return None


def factor(old: float, new: float) -> str | None:
    """A multiplicative change in words, for large changes of counts: ``"hat sich
    verdreifacht"``, ``"hat sich mehr als verdoppelt"``, ``"hat sich halbiert"``; ``None``
    when the change is smaller than a doubling or halving."""
    parts = factor_parts(old, new)
    return None if parts is None else " ".join(parts)


def change(delta, unit: str, decimals: int = 1) -> str:
    """A change as a verb phrase: ``+2.34, "%"`` → ``"um 2,3 Prozentpunkte gestiegen"``,
    ``-1, "%", 0`` → ``"um einen Prozentpunkt gesunken"``, ``+1964, "Anzahl"`` →
    ``"um 1.964 gestiegen"``; no change → ``"gleich geblieben"``."""
    if fmt.round_half_up(abs(delta), decimals) == 0:
        return "gleich geblieben"
    verb = "gestiegen" if delta > 0 else "gesunken"
    if unit in ("%", "Prozent", "Pp."):
        return f"um {points(abs(delta), decimals, 'akk')} {verb}"
    return f"um {fmt.number(abs(delta), decimals)} {verb}"


# ---------------------------------------------------------------------------------------
# The report's region as a noun phrase: "in Bielefeld", "im Kreis Gütersloh", "für den
# Oberbergischen Kreis", "in der Region Hannover".

# Official suffixes of GENESIS region names ("Bielefeld, Kreisfreie Stadt"): a city is named
# without article; a Kreis takes the head noun in front ("Gütersloh, Kreis" → "Kreis Gütersloh").
_CITY_SUFFIXES = ("kreisfreie stadt", "krsfr. stadt", "stadtkreis", "stadt", "stadt (alt)",
                  "hansestadt", "freie und hansestadt", "landeshauptstadt", "wissenschaftsstadt",
                  "documenta-stadt")
_HEAD_SUFFIXES = {"kreis": "Kreis", "landkreis": "Landkreis", "regionalverband": "Regionalverband"}
_ARTICLE_SG = {
    "m": {"nom": "der", "gen": "des", "dat": "dem", "akk": "den"},
    "f": {"nom": "die", "gen": "der", "dat": "der", "akk": "die"},
}


_CONTRACTIONS = {("in", "m", "dat"): "im", ("von", "m", "dat"): "vom", ("zu", "m", "dat"): "zum",
                 ("zu", "f", "dat"): "zur"}


@dataclass(frozen=True)
class Place:
    """A Kreis or kreisfreie Stadt in the cases a sentence needs.

    ``name`` is the display name for titles and captions ("Bielefeld", "Kreis Gütersloh");
    ``short`` the bare place name ("Gütersloh"). A city takes no article, a Kreis or region
    does: ``place.at`` → "in Bielefeld" / "im Kreis Gütersloh", ``place.form("akk")`` →
    "Bielefeld" / "den Kreis Gütersloh"."""

    name: str
    short: str
    gender: str | None = None  # None: a city, no article; "m"/"f": Kreis, Region …
    forms: tuple[str, str, str, str] | None = None  # the noun phrase after the article, by case

    def form(self, case: str, *, article: bool = True) -> str:
        """The place in a case, with its article where it has one: ``"gen"`` → "des Kreises
        Gütersloh"; a city's genitive is "von Bielefeld"."""
        c = _case(case)
        if self.gender is None or self.forms is None:
            return f"von {self.name}" if c == "gen" else self.name
        phrase = self.forms[CASES.index(c)]
        return f"{_ARTICLE_SG[self.gender][c]} {phrase}" if article else phrase

    def prep(self, preposition: str) -> str:
        """``"in"`` → "in Bielefeld" / "im Kreis Gütersloh"; ``"für"`` → "für den Kreis …"."""
        c = _case(preposition)
        contracted = _CONTRACTIONS.get((preposition, self.gender, c))
        if contracted:  # "im Kreis", "vom Kreis", "zum Kreis", "zur Region"
            return f"{contracted} {self.form(c, article=False)}"
        return f"{preposition} {self.form(c)}"

    @property
    def at(self) -> str:
        """The locative: "in Bielefeld", "im Kreis Gütersloh", "in der Region Hannover"."""
        return self.prep("in")

    @property
    def subject(self) -> str:
        """The place as the subject of a sentence: "Bielefeld", "der Kreis Gütersloh"."""
        return self.form("nom")


def _inflect_kreis(words: list[str]) -> tuple[str, str, str, str]:
    """Masculine noun phrase of a Kreis after the definite article, by case: the head noun
    (the first word containing "kreis" or "verband") takes the genitive -es/-s, an adjective
    before it the weak ending -e/-en ("der Oberbergische Kreis", "des Märkischen Kreises")."""
    head = next((i for i, w in enumerate(words) if "kreis" in w.lower() or "verband" in w.lower()),
                len(words) - 1)
    out = []
    for case in CASES:
        ws = list(words)
        for i in range(head):
            if ws[i][:1].isupper() and ws[i].endswith("er") and i == head - 1:
                ws[i] = ws[i][:-2] + ("e" if case == "nom" else "en")
        if case == "gen":
            ws[head] = ws[head] + ("es" if ws[head].lower().endswith("kreis") else "s")
        out.append(" ".join(ws))
    return tuple(out)  # type: ignore[return-value]


def place(region: str) -> Place:
    """The report's region from its official name: ``"Bielefeld, Kreisfreie Stadt"`` →
    Bielefeld (no article); ``"Gütersloh, Kreis"`` → Kreis Gütersloh; ``"Oberbergischer
    Kreis"``, ``"Region Hannover"``, ``"Städteregion Aachen (einschl. Stadt Aachen)"`` →
    with article. A name without official suffix and without "Kreis"/"Region" is a city."""
    text = " ".join(str(region).split())
    if "(" in text:  # "Städteregion Aachen (einschl. Stadt Aachen)"
        text = text[: text.index("(")].strip()
    short, _, suffix = (part.strip() for part in text.partition(","))
    key = suffix.lower()
    if key in _HEAD_SUFFIXES:
        words = [_HEAD_SUFFIXES[key], *short.split()]
        return Place(" ".join(words), short, "m", _inflect_kreis(words))
    if suffix and key not in _CITY_SUFFIXES:
        return Place(short, short)  # an unknown suffix: the bare name, as for a city
    words = short.split()
    if words and words[0] in ("Region", "Städteregion"):
        return Place(short, " ".join(words[1:]) or short, "f", (short,) * 4)
    if any("kreis" in w.lower() for w in words):  # "Heidekreis", "Rhein-Kreis Neuss", "Kreis Gütersloh"
        bare = " ".join(words[1:]) if words[0] in ("Kreis", "Landkreis") else short
        return Place(short, bare or short, "m", _inflect_kreis(words))
    return Place(short, short)


def capitalize(text: str) -> str:
    """First letter upper-case (for a sentence that starts with a generated phrase)."""
    return text[:1].upper() + text[1:] if text else text


__all__ = [
    "NBSP", "NOUNS", "GROUPS", "PREPOSITIONS", "Noun", "number_word", "standalone", "quantity", "prep",
    "percent", "points", "value", "count_of", "group", "between", "join", "factor", "factor_parts",
    "change", "Place", "place", "subject", "pronoun", "keep_unit",
    "capitalize",
]
