"""Open answers: coding by an editable code frame, place counts, anonymised and escaped quotes.

Anonymisation is rule-based (regular expressions): e-mail addresses, phone numbers, street
addresses with house numbers, and personal names after a form of address or an introduction
(„Herr …“, „Frau Dr. …“, „Familie …“, „ich heiße …“, „mein Name ist …“). It removes the usual
patterns, not every conceivable name: quotes are therefore few, short, and chosen from the
already anonymised text; the raw answers never leave ``data/processed``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from ..config import _german_validation_message
from ..errors import ConfigError

_CAP = r"[A-ZÄÖÜ][A-Za-zÄÖÜäöüßéèáàóòíìçğşıćčńřšžłø\-']+"
EMAIL_RE = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+", re.UNICODE)
PHONE_RE = re.compile(r"(?<![\w])(?:\+|00)?\d(?:[\s/\-]?\(?\d\)?){5,}(?![\w])")
STREET_RE = re.compile(
    r"(?:\b" + _CAP + r"\s)?\b[\wÄÖÜäöüß\-]*(?:straße|strasse|str\.|weg|allee|gasse|ring|damm|ufer|wall|platz)"
    r"\s*\d{1,4}\s*[a-zA-Z]?\b",
    re.IGNORECASE,
)
_TITLE = r"(?:(?:Dr|Prof)\.\s*)*"
NAME_AFTER_ADDRESS_RE = re.compile(
    r"\b(Herrn?|Frau|Hr\.|Fr\.|Familie|Fam\.)\s+" + _TITLE + _CAP + r"(?:\s+" + _CAP + r")?")
NAME_INTRO_RE = re.compile(
    r"\b((?i:ich\s+heiße|ich\s+heisse|mein\s+name\s+ist|ich\s+bin\s+der|ich\s+bin\s+die))\s+"
    + _TITLE + _CAP + r"(?:\s+" + _CAP + r")*")


def anonymise(text: str, extra_patterns: list[re.Pattern] | None = None) -> str:
    """Remove e-mail addresses, phone numbers, street addresses and names from ``text``."""
    if not text:
        return ""
    out = EMAIL_RE.sub("[E-Mail]", text)
    out = STREET_RE.sub("[Adresse]", out)
    out = PHONE_RE.sub(lambda m: "[Telefon]" if sum(c.isdigit() for c in m.group()) >= 6 else m.group(), out)
    out = NAME_AFTER_ADDRESS_RE.sub(lambda m: f"{m.group(1)} [Name]", out)
    out = NAME_INTRO_RE.sub(lambda m: f"{m.group(1)} [Name]", out)
    for pat in extra_patterns or []:
        out = pat.sub("[Name]", out)
    return out


def escape_text(text: str) -> str:
    """An open answer as literal Markdown text: the one escaping path for text from data
    (:func:`integrationsbericht.escaping.md`; pandoc then escapes it for HTML and Typst)."""
    from ..escaping import md

    return md(text)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Category(_Strict):
    label: str
    patterns: list[str]


class Frame(_Strict):
    title: str
    categories: dict[str, Category]


class CodeFrame(_Strict):
    places: dict[str, list[str]]
    place_items: dict[str, str]
    frames: dict[str, Frame]
    quotes_per_frame: int = 3
    quote_max_chars: int = 160
    name_patterns: list[str] = []


@dataclass
class CompiledFrame:
    spec: CodeFrame
    places: dict[str, re.Pattern]
    categories: dict[str, dict[str, re.Pattern]]
    extra: list[re.Pattern]


def load_codeframe(path: str | Path) -> CompiledFrame:
    path = Path(path)
    if not path.exists():
        raise ConfigError("Codierschema für offene Antworten nicht gefunden.", file=path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        spec = CodeFrame.model_validate(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError("Das Codierschema ist kein gültiges YAML.", file=path,
                          line=(mark.line + 1) if mark else None) from None
    except ValidationError as exc:
        raise ConfigError("Das Codierschema ist ungültig:\n" + _german_validation_message(exc), file=path) from None

    def comp(pats: list[str], where: str) -> re.Pattern:
        try:
            return re.compile("|".join(f"(?:{p})" for p in pats), re.IGNORECASE)
        except re.error as exc:
            raise ConfigError(f"Ungültiges Suchmuster bei {where}: {exc}", file=path) from None

    places = {name: comp(p, f"Ort „{name}“") for name, p in spec.places.items()}
    cats = {item: {key: comp(c.patterns, f"{item}/{key}") for key, c in fr.categories.items()}
            for item, fr in spec.frames.items()}
    extra = [comp([p], "name_patterns") for p in spec.name_patterns]
    return CompiledFrame(spec=spec, places=places, categories=cats, extra=extra)


UNCODED = "nicht zugeordnet"


def code_answers(df: pd.DataFrame, frame: CompiledFrame, id_variable: str) -> pd.DataFrame:
    """Long table of coded answers: ``id, item, code, label`` (raw text stays out)."""
    rows = []
    for item, pats in frame.categories.items():
        if item not in df.columns:
            continue
        texts = df[item].fillna("").astype(str)
        for rid, text in zip(df[id_variable], texts):
            if not text.strip():
                continue
            hits = [k for k, p in pats.items() if p.search(text)]
            for k in hits or [UNCODED]:
                label = frame.spec.frames[item].categories[k].label if k != UNCODED else UNCODED
                rows.append({"id": rid, "item": item, "code": k, "label": label})
    for item in frame.spec.place_items:
        if item not in df.columns:
            continue
        for rid, text in zip(df[id_variable], df[item].fillna("").astype(str)):
            if not text.strip():
                continue
            hits = [name for name, p in frame.places.items() if p.search(text)]
            for name in hits or [UNCODED]:
                rows.append({"id": rid, "item": item, "code": name, "label": name})
    return pd.DataFrame(rows, columns=["id", "item", "code", "label"])


def summarise(coded: pd.DataFrame, df: pd.DataFrame, frame: CompiledFrame, min_n: int) -> pd.DataFrame:
    """Counts per item × category: ``item, title, category, count, answers, share, flag``.

    ``answers`` is the number of respondents who wrote something (the base); counts below
    ``min_n`` are suppressed (``/``), like every survey cell.
    """
    rows = []
    titles = {**{k: f.title for k, f in frame.spec.frames.items()}, **frame.spec.place_items}
    for item, title in titles.items():
        if item not in df.columns:
            continue
        answers = int((df[item].fillna("").astype(str).str.strip() != "").sum())
        sub = coded[coded["item"] == item]
        counts = sub.groupby("label", sort=False)["id"].nunique()
        if item in frame.spec.frames:
            order = [c.label for c in frame.spec.frames[item].categories.values()] + [UNCODED]
        else:
            order = sorted(counts.index, key=lambda k: (-int(counts.get(k, 0)), k))
            order = [k for k in order if k != UNCODED] + ([UNCODED] if UNCODED in counts.index else [])
        for label in order:
            c = int(counts.get(label, 0))
            sup = c < min_n or answers < min_n
            rows.append({"item": item, "title": title, "category": label,
                         "count": pd.NA if sup else c, "answers": answers,
                         "share": float("nan") if sup else c / answers * 100,
                         "flag": "/" if sup else ""})
    out = pd.DataFrame(rows)
    if not out.empty:
        out["count"] = out["count"].astype("Int64")
    return out


def select_quotes(df: pd.DataFrame, frame: CompiledFrame) -> pd.DataFrame:
    """A few short, anonymised, escaped quotes per frame (deterministic choice).

    Columns: ``item, title, quote`` (``quote`` is safe to put into Markdown/HTML as it is).
    """
    rows = []
    maxc = frame.spec.quote_max_chars
    for item, fr in frame.spec.frames.items():
        if item not in df.columns:
            continue
        texts = sorted({t.strip() for t in df[item].fillna("").astype(str) if t.strip()})
        cands = []
        for t in texts:
            a = anonymise(t, frame.extra)
            if 15 <= len(a) <= maxc:
                cands.append(a)
        # answers that needed no redaction first, then a stable pseudo-random order
        cands.sort(key=lambda s: ("[" in s, hashlib.sha256(s.encode("utf-8")).hexdigest()))
        chosen: list[str] = []
        used: set[str] = set()
        for a in cands:  # prefer quotes from different categories
            cat = next((k for k, p in frame.categories[item].items() if p.search(a)), None)
            if cat is None or cat in used:
                continue
            used.add(cat)
            chosen.append(a)
            if len(chosen) >= frame.spec.quotes_per_frame:
                break
        for a in chosen:
            rows.append({"item": item, "title": fr.title, "quote": escape_text(a)})
    return pd.DataFrame(rows, columns=["item", "title", "quote"])
