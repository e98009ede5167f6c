"""Computed findings (*Befunde*): what a reader should notice, as German sentences with numbers.

Rules run over the long indicator table, the target status, the district table and the survey
estimates; their thresholds come from ``config/befunde.yml``. Nothing here is written by hand:
every number in a finding is taken from the data of the edition. Each finding links to the
chart that shows it (``<chapter>.html#fig-<id>``); where a chapter is not part of the edition,
the finding has no link.

Rules (one function each, all pure functions of DataFrames so they can be tested alone):

- :func:`strong_changes` – a value changed strongly over ``years`` years (relative change;
  counts and shares), e.g. naturalisations tripled or immigration from abroad doubled;
- :func:`gap_changes` – the gap between foreign and German (or all) residents widened or
  narrowed over ``years`` years;
- :func:`trend_reversals` – a development that went one way and has since turned;
- :func:`target_findings` – a target that is not on course;
- :func:`district_extremes` – districts far above or below the city;
- :func:`survey_group_differences` – survey groups that differ significantly.

Each finding's score is the rule's weight × the indicator's weight (``weight`` in the
indicator catalogue) × its size relative to the rule's threshold (relative 5-year change,
change of a gap in percentage points). A finding is *positive* when it moves in the direction
the catalogue marks as good (``better``) or a gap narrows.

:func:`compute` runs all of them for an edition; :func:`top` picks the most important ones for
the start page, with at least one positive finding where there is one; :func:`recommendations_skeleton` starts the recommendations file of an edition.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field

from . import fmt
from . import german as de
from .errors import InputError
from .project import DEFAULTS

DEFAULT_RULES = DEFAULTS / "config" / "befunde.yml"

# Dative forms of the population groups, for "zwischen Ausländer*innen und Deutschen".
_DATIVE = {
    "auslaendisch": "Ausländer*innen",
    "deutsch": "Deutschen",
    "insgesamt": "allen Einwohner*innen",
    "weiblich": "Frauen",
    "maennlich": "Männern",
}


# --------------------------------------------------------------------------- configuration


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GapRule(_Strict):
    enabled: bool = True
    years: int = Field(default=5, ge=1, le=20)
    min_change: float = Field(default=1.0, ge=0)
    weight: float = Field(default=1.0, ge=0)


class ChangeRule(_Strict):
    enabled: bool = True
    years: int = Field(default=5, ge=1, le=20)
    min_relative: float = Field(default=25.0, ge=0)  # % of the earlier value
    min_change_pp: float = Field(default=1.0, ge=0)  # shares: also at least this many pp.
    groups: list[str] = ["insgesamt", "auslaendisch"]
    skip: list[str] = []  # indicators a relative change does not suit (balances)
    weight: float = Field(default=1.0, ge=0)


class TrendRule(_Strict):
    enabled: bool = True
    prior_years: int = Field(default=5, ge=1, le=20)
    recent_years: int = Field(default=2, ge=1, le=10)
    min_change_pp: float = Field(default=0.5, ge=0)
    min_change_pct: float = Field(default=5.0, ge=0)
    groups: list[str] = ["insgesamt", "auslaendisch", "deutsch"]
    weight: float = Field(default=1.0, ge=0)


class TargetRule(_Strict):
    enabled: bool = True
    weight: float = Field(default=1.0, ge=0)


class DistrictRule(_Strict):
    enabled: bool = True
    indicators: list[str] = ["auslaenderanteil"]
    min_difference: float = Field(default=5.0, ge=0)
    weight: float = Field(default=1.0, ge=0)


class SurveyRule(_Strict):
    enabled: bool = True
    group_vars: list[str] = ["einwanderungsgeschichte"]
    min_difference: float = Field(default=10.0, ge=0)
    max_findings: int = Field(default=6, ge=0)
    weight: float = Field(default=1.0, ge=0)


class SummaryRule(_Strict):
    max_findings: int = Field(default=6, ge=1, le=12)
    per_indicator: int = Field(default=1, ge=1)
    per_rule: int = Field(default=2, ge=1)
    per_chapter: int = Field(default=1, ge=1)
    min_positive: int = Field(default=1, ge=0)
    min_negative: int = Field(default=1, ge=0)


class Links(_Strict):
    indicator_figure: str = "fig-{ident}-gruppen"
    indicator_total_figure: str = "fig-{ident}-zeit"
    district_figure: str = "fig-karte-{ident}"
    survey_chapters: dict[int, str] = {}
    survey_figures: dict[str, str] = {}
    chapter_titles: dict[str, str] = {}


class Rules(_Strict):
    strong_change: ChangeRule = ChangeRule(weight=2.0)
    gap_widened: GapRule = GapRule(weight=3.0)
    gap_narrowed: GapRule = GapRule(weight=2.0)
    trend_reversed: TrendRule = TrendRule()
    target_off_course: TargetRule = TargetRule(weight=4.0)
    district_extremes: DistrictRule = DistrictRule()
    survey_groups: SurveyRule = SurveyRule()
    summary: SummaryRule = SummaryRule()
    links: Links = Links()


def load_rules(path: str | Path | None = None) -> Rules:
    """Read and validate ``config/befunde.yml``; :class:`ConfigError` with German text."""
    from .config import load_model

    return load_model(Path(path) if path else DEFAULT_RULES, Rules, "Die Regeldatei der Befunde")


# --------------------------------------------------------------------------- finding


@dataclass
class Finding:
    """One computed finding: a German sentence with its numbers and where it is shown."""

    rule: str
    topic: str  # chapter it belongs to (indicator field, "stadtbezirke", survey chapter)
    text: str  # one German sentence (plain text; gender stars unescaped)
    score: float
    chapter: str | None = None  # chapter page that shows it
    anchor: str | None = None  # figure id there ("fig-…")
    key: str = ""  # indicator or survey item (at most ``per_indicator`` of them on the start page)
    values: dict[str, Any] = field(default_factory=dict)
    positive: bool | None = None  # True: integration advances; False: it falls back; None: neither

    def href(self, from_root: bool = False) -> str | None:
        """Link to the chart: ``arbeit-lebensunterhalt.html#fig-…`` from a chapter page,
        ``report/…`` from the start page."""
        if not self.chapter:
            return None
        page = f"{self.chapter}.html" + (f"#{self.anchor}" if self.anchor else "")
        return f"report/{page}" if from_root else page

    def markdown(self, *, from_root: bool = False, available: set[str] | None = None,
                 titles: dict[str, str] | None = None) -> str:
        """The sentence, followed by a link to its chart where that chapter is in the edition."""
        text = self.text
        if self.chapter and (available is None or self.chapter in available):
            title = (titles or {}).get(self.chapter, self.chapter)
            what = "Abbildung in" if self.anchor and self.anchor.startswith("fig-") else "Mehr in"
            text += f" [{what} „{title}“]({self.href(from_root)})"
        return text


def _score(weight: float, magnitude: float, threshold: float) -> float:
    if threshold <= 0:
        ratio = 1.0 + min(abs(magnitude), 4.0)
    else:
        ratio = min(abs(magnitude) / threshold, 5.0)
    return round(weight * ratio, 6)


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or pd.isna(x)


def _ident(indicator: str) -> str:
    return indicator.replace("_", "-")


def _amount(value, unit: str, decimals: int, case: str = "nom") -> str:
    """A value in its unit inside a sentence (percentage points declined: "mit 18,6 Prozentpunkten")."""
    if unit == "Pp.":
        return de.points(value, decimals, case)
    return de.value(value, unit, decimals)


def _label(ind, catalogue, group: str) -> str:
    """"Beschäftigungsquote der Ausländer*innen" / "Zuzüge aus dem Ausland, Deutsche"."""
    if group == "insgesamt":
        return ind.title
    if group in de.GROUPS and group != "insgesamt":
        return f"{ind.title} {de.group(group, 'gen', article=True)}" if ind.unit in ("%", "Prozent") else \
            f"{ind.title}, {de.group(group, 'nom')}"
    return f"{ind.title}, {catalogue.group_label(ind, group)}"


def _direction(ind, delta: float) -> bool | None:
    """True when a change goes the way the catalogue marks as good (``better``)."""
    if ind.better is None or delta == 0:
        return None
    return (delta > 0) == (ind.better == "higher")


def _own_series(table: pd.DataFrame, indicator: str, ags: str, group: str, year: int) -> pd.DataFrame:
    m = ((table["indicator"] == indicator) & (table["ags"] == ags) & (table["group"] == group)
         & (table["year"] <= year))
    return table[m].sort_values("year").set_index("year")


def _has_break(series: pd.DataFrame, after: int, upto: int) -> bool:
    """A series break in a year ``after < y <= upto`` (values either side not comparable)."""
    years = series.index[(series.index > after) & (series.index <= upto)]
    return bool(series.loc[years, "break"].fillna(False).astype(bool).any()) if len(years) else False


# --------------------------------------------------------------------------- rule: gaps


def gap_changes(table: pd.DataFrame, catalogue, ags: str, year: int, rules: Rules) -> list[Finding]:
    """Gaps (``abstand_<a>_<b>``, in percentage points) that widened or narrowed over the
    configured number of years. Periods with a series break in between are not compared."""
    out: list[Finding] = []
    wide, narrow = rules.gap_widened, rules.gap_narrowed
    if not (wide.enabled or narrow.enabled):
        return out
    for ind in catalogue.indicators:
        gap = ind.gap_spec()
        if gap is None:
            continue
        gname = f"abstand_{gap.group}_{gap.reference}"
        s = _own_series(table, ind.id, ags, gname, year)
        s = s[s["value"].notna()]
        if s.empty:
            continue
        t = int(s.index[-1])
        for rule_name, rule, sign in (("gap_widened", wide, 1), ("gap_narrowed", narrow, -1)):
            if not rule.enabled:
                continue
            t0 = t - rule.years
            if t0 not in s.index or _has_break(s, t0, t):
                continue
            g0, g1 = float(s.loc[t0, "value"]), float(s.loc[t, "value"])
            if g0 * g1 < 0:  # the gap changed sides: not a widening or narrowing
                continue
            growth = abs(g1) - abs(g0)
            if sign * growth < rule.min_change:
                continue
            a = _own_series(table, ind.id, ags, gap.group, year)
            b = _own_series(table, ind.id, ags, gap.reference, year)
            va = a.loc[t, "value"] if t in a.index else None
            vb = b.loc[t, "value"] if t in b.index else None
            what = "größer" if sign > 0 else "kleiner"
            text = (
                f"{ind.title}: Der Abstand {de.between(gap.group, gap.reference)} ist "
                f"{de.prep('in', rule.years, 'Jahr')} {what} geworden, von "
                f"{de.points(g0, ind.decimals, 'dat')} im Jahr {t0} auf "
                f"{de.points(g1, ind.decimals, 'akk')} im Jahr {t}"
            )
            if not _missing(va) and not _missing(vb):
                text += (
                    f". Zuletzt lag der Wert für {de.group(gap.group, 'akk')} bei "
                    f"{de.value(va, ind.unit, ind.decimals)}, für {de.group(gap.reference, 'akk')} bei "
                    f"{de.value(vb, ind.unit, ind.decimals)}"
                )
            out.append(Finding(
                rule=rule_name, topic=ind.field, text=text + ".",
                score=_score(rule.weight * ind.weight, growth, rule.min_change),
                positive=sign < 0,
                chapter=ind.field,
                anchor=rules.links.indicator_figure.format(ident=_ident(ind.id)),
                key=ind.id,
                values={"indicator": ind.id, "group": gname, "year_from": t0, "year_to": t,
                        "gap_from": g0, "gap_to": g1, "value_group": va, "value_reference": vb},
            ))
    return out


# --------------------------------------------------------------------------- rule: changes


def strong_changes(table: pd.DataFrame, catalogue, ags: str, year: int, rules: Rules) -> list[Finding]:
    """Values that changed by at least ``min_relative`` per cent of their earlier value over
    ``years`` years (shares also by at least ``min_change_pp`` points), without a series
    break in between: naturalisations tripled, immigration from abroad doubled."""
    rule = rules.strong_change
    out: list[Finding] = []
    if not rule.enabled:
        return out
    for ind in catalogue.indicators:
        if not ind.primary or ind.id in rule.skip:
            continue
        share = ind.unit in ("%", "Prozent")
        for group in rule.groups:
            if group not in ind.groups and not (group == "insgesamt" and not ind.groups):
                continue
            s = _own_series(table, ind.id, ags, group, year)
            s = s[s["value"].notna()]
            if s.empty:
                continue
            t1 = int(s.index[-1])
            t0 = t1 - rule.years
            if t0 not in s.index or _has_break(s, t0, t1):
                continue
            v0, v1 = float(s.loc[t0, "value"]), float(s.loc[t1, "value"])
            if v0 <= 0 or v1 < 0:  # a relative change needs a positive base (not for balances)
                continue
            rel = (v1 - v0) / v0 * 100
            if abs(rel) < rule.min_relative or (share and abs(v1 - v0) < rule.min_change_pp):
                continue
            parts = de.factor_parts(v0, v1)
            if parts is None and share:
                parts = ("ist", de.change(v1 - v0, "%", ind.decimals))
            elif parts is None:
                verb = "gestiegen" if rel > 0 else "gesunken"
                parts = ("ist", f"um {fmt.number(abs(rel), 0)}{de.NBSP}% {verb}")
            subject = "der Wert" if share else "die Zahl"
            text = (
                f"{_label(ind, catalogue, group)}: {de.capitalize(subject)} {parts[0]} "
                f"{de.prep('in', rule.years, 'Jahr')} {parts[1]}, von "
                f"{de.value(v0, ind.unit, ind.decimals)} im Jahr {t0} auf "
                f"{de.value(v1, ind.unit, ind.decimals)} im Jahr {t1}."
            )
            fig = rules.links.indicator_total_figure if group == "insgesamt" else rules.links.indicator_figure
            # size on a log scale, so that a tripling and a fall to a third weigh the same
            size = abs(math.log(v1 / v0)) / math.log(1 + rule.min_relative / 100) if v1 > 0 else 5.0
            out.append(Finding(
                rule="strong_change", topic=ind.field, text=text,
                score=_score(rule.weight * ind.weight, size, 1.0),
                positive=_direction(ind, v1 - v0),
                chapter=ind.field, anchor=fig.format(ident=_ident(ind.id)), key=ind.id,
                values={"indicator": ind.id, "group": group, "year_from": t0, "year_to": t1,
                        "value_from": v0, "value_to": v1, "relative": rel},
            ))
    return out


# --------------------------------------------------------------------------- rule: trends


def trend_reversals(table: pd.DataFrame, catalogue, ags: str, year: int, rules: Rules) -> list[Finding]:
    """A value that moved one way for ``prior_years`` and the other way in the last
    ``recent_years``, both by at least the threshold (pp. for shares, % for counts)."""
    rule = rules.trend_reversed
    out: list[Finding] = []
    if not rule.enabled:
        return out
    for ind in catalogue.indicators:
        if not ind.primary:
            continue
        for group in rule.groups:
            if group not in ind.groups:
                continue
            s = _own_series(table, ind.id, ags, group, year)
            s = s[s["value"].notna()]
            if s.empty:
                continue
            t2 = int(s.index[-1])
            t1 = t2 - rule.recent_years
            t0 = t1 - rule.prior_years
            if t0 not in s.index or t1 not in s.index or _has_break(s, t0, t2):
                continue
            v0, v1, v2 = (float(s.loc[y, "value"]) for y in (t0, t1, t2))
            d_prior, d_recent = v1 - v0, v2 - v1
            if ind.unit in ("%", "Prozent"):
                m_prior, m_recent, thr = abs(d_prior), abs(d_recent), rule.min_change_pp
            else:
                if v0 == 0 or v1 == 0:
                    continue
                m_prior, m_recent = abs(d_prior / v0 * 100), abs(d_recent / v1 * 100)
                thr = rule.min_change_pct
            if d_prior * d_recent >= 0 or m_prior < thr or m_recent < thr:
                continue
            label = _label(ind, catalogue, group)
            first = "gestiegen" if d_prior > 0 else "gesunken"
            then = "gestiegen" if d_recent > 0 else "gesunken"
            # a count that can be negative is a balance ("Wanderungssaldo")
            subject = ("der Wert" if ind.unit in ("%", "Prozent")
                       else "der Saldo" if min(v0, v1, v2) < 0 else "die Zahl")
            text = (
                f"{label}: Von {t0} bis {t1} ist {subject} {first}, von "
                f"{de.value(v0, ind.unit, ind.decimals)} auf {de.value(v1, ind.unit, ind.decimals)}. "
                f"Seitdem ist {'sie' if subject == 'die Zahl' else 'er'} wieder {then}, auf "
                f"{de.value(v2, ind.unit, ind.decimals)} im Jahr {t2}."
            )
            fig = rules.links.indicator_total_figure if group == "insgesamt" else rules.links.indicator_figure
            out.append(Finding(
                rule="trend_reversed", topic=ind.field, text=text,
                score=_score(rule.weight * ind.weight, min(m_prior, m_recent), thr),
                positive=_direction(ind, d_recent),
                chapter=ind.field, anchor=fig.format(ident=_ident(ind.id)), key=ind.id,
                values={"indicator": ind.id, "group": group, "years": (t0, t1, t2),
                        "values": (v0, v1, v2)},
            ))
    return out


# --------------------------------------------------------------------------- rule: targets

# Columns of the target status table the rule reads (see integrationsbericht.targets).
TARGET_COLUMNS = ["indicator", "group", "status", "value", "year", "target", "operator", "target_year"]
STATUS_ORDER = ["erreicht", "auf Kurs", "nicht auf Kurs", "kein Zielwert"]


def target_findings(status: pd.DataFrame | None, catalogue, rules: Rules) -> list[Finding]:
    """One finding per target whose status is "nicht auf Kurs"."""
    rule = rules.target_off_course
    if not rule.enabled or status is None or status.empty:
        return []
    missing = [c for c in TARGET_COLUMNS if c not in status.columns]
    if missing:
        raise ValueError(f"target status table lacks columns {missing}")
    out = []
    for rec in status[status["status"] == "nicht auf Kurs"].to_dict("records"):
        ind = catalogue.get(rec["indicator"]) if rec["indicator"] in catalogue else None
        title = ind.title if ind else rec["indicator"]
        unit = "Pp." if str(rec["group"]).startswith("abstand_") else (ind.unit if ind else "")
        dec = ind.decimals if ind else 1
        op = {"<=": "höchstens", ">=": "mindestens"}.get(rec["operator"], rec["operator"])
        group = str(rec["group"])
        if group.startswith("abstand_") and ind is not None and ind.gap_spec() is not None:
            gs = ind.gap_spec()
            label = f"{title}, Abstand {de.between(gs.group, gs.reference)}"
        else:
            label = title if group == "insgesamt" or ind is None else _label(ind, catalogue, group)
        text = (
            f"{label}: Mit {_amount(rec['value'], unit, dec, 'dat')} im Jahr {int(rec['year'])} "
            f"ist das Ziel von {op} {_amount(rec['target'], unit, dec, 'dat')} bis "
            f"{int(rec['target_year'])} nicht auf Kurs."
        )
        gap_to_goal = abs(float(rec["value"]) - float(rec["target"]))
        fig = rules.links.indicator_total_figure if rec["group"] == "insgesamt" else rules.links.indicator_figure
        out.append(Finding(
            rule="target_off_course", topic=ind.field if ind else "ziele", text=text,
            score=_score(rule.weight * (ind.weight if ind else 1.0), 1.0 + gap_to_goal, 1.0),
            positive=False,
            chapter=ind.field if ind else None,
            anchor=fig.format(ident=_ident(rec["indicator"])), key=rec["indicator"],
            values=dict(rec),
        ))
    return out


def target_counts(status: pd.DataFrame | None) -> dict[str, int]:
    """Number of targets per status, in the traffic-light order (zero where none)."""
    counts = {s: 0 for s in STATUS_ORDER}
    if status is not None and not status.empty:
        for s, n in status["status"].value_counts().items():
            counts[str(s)] = counts.get(str(s), 0) + int(n)
    return counts


# --------------------------------------------------------------------------- rule: districts


def district_extremes(districts: pd.DataFrame | None, rules: Rules, city: str = "Gesamtstadt") -> list[Finding]:
    """Districts whose value is at least ``min_difference`` pp. above/below the whole city."""
    rule = rules.district_extremes
    if not rule.enabled or districts is None or districts.empty:
        return []
    out = []
    for ident in rule.indicators:
        sel = districts[(districts["indicator"] == ident) & (districts["group"] == "insgesamt")]
        if sel.empty:
            continue
        latest = sel.sort_values("year")["period"].iloc[-1]
        sel = sel[sel["period"] == latest]
        whole = sel[sel["bezirk"] == city]
        parts = sel[(sel["bezirk"] != city) & sel["value"].notna()]
        if whole.empty or whole["value"].isna().all() or len(parts) < 2:
            continue
        ref = float(whole["value"].iloc[0])
        label, unit, dec = str(sel["label"].iloc[0]), str(sel["unit"].iloc[0]), int(sel["decimals"].iloc[0])
        if unit not in ("%", "Prozent"):
            continue
        hi = parts.loc[parts["value"].idxmax()]
        lo = parts.loc[parts["value"].idxmin()]
        d_hi, d_lo = float(hi["value"]) - ref, float(lo["value"]) - ref
        bits = []
        if d_hi >= rule.min_difference:
            bits.append(f"in {hi['bezirk']} mit {de.percent(hi['value'], dec)} am höchsten")
        if -d_lo >= rule.min_difference:
            bits.append(f"in {lo['bezirk']} mit {de.percent(lo['value'], dec)} am niedrigsten")
        if not bits:
            continue
        when = f"am {latest}" if "." in str(latest) else f"im Jahr {latest}"
        text = (f"{label} nach Stadtbezirken: Gegenüber {de.percent(ref, dec)} in der Gesamtstadt "
                f"lag der Wert {when} " + " und ".join(bits) + ".")
        out.append(Finding(
            rule="district_extremes", topic="stadtbezirke", text=text,
            score=_score(rule.weight, max(d_hi, -d_lo), rule.min_difference),
            chapter="stadtbezirke", anchor=rules.links.district_figure.format(ident=_ident(ident)),
            key=f"bezirke:{ident}",
            values={"indicator": ident, "period": latest, "city": ref,
                    "highest": (hi["bezirk"], float(hi["value"])),
                    "lowest": (lo["bezirk"], float(lo["value"]))},
        ))
    return out


# --------------------------------------------------------------------------- rule: survey


def _group_phrase(value: str) -> str:
    value = str(value)
    if value.startswith(("mit ", "ohne ")):
        return f"der Befragten {value}"
    if re.match(r"^\d.*\d$", value):
        return f"der Befragten im Alter von {value} Jahren"
    if re.match(r"^\d+ und älter$", value):
        return f"der Befragten ab {value.replace(' und älter', ' Jahren')}"
    if value in ("männlich", "weiblich", "divers"):
        return {"männlich": "der Männer", "weiblich": "der Frauen", "divers": "der diversen Befragten"}[value]
    return f"der Befragten „{value}“"


def survey_group_differences(estimates: pd.DataFrame | None, rules: Rules) -> list[Finding]:
    """Survey items whose summary share differs significantly between groups of a
    comparison variable, by at least ``min_difference`` pp. (suppressed cells never count)."""
    rule = rules.survey_groups
    if not rule.enabled or estimates is None or estimates.empty:
        return []
    from .survey.estimates import display_value

    est = estimates[(estimates["kind"] == "summary") & estimates["group_var"].isin(rule.group_vars)
                    & (estimates["flag"].fillna("") != "/") & estimates["share"].notna()]
    out = []
    for (item, var, cat), rows in est.groupby(["item", "group_var", "category"], sort=False):
        if len(rows) < 2 or not bool(rows["significant"].any()):
            continue
        hi = rows.loc[rows["share"].idxmax()]
        lo = rows.loc[rows["share"].idxmin()]
        diff = float(hi["share"]) - float(lo["share"])
        if diff < rule.min_difference:
            continue
        block = int(hi["block"]) if "block" in rows and not _missing(hi["block"]) else None
        chapter = rules.links.survey_chapters.get(block) if block is not None else None
        anchor = rules.links.survey_figures.get(item) if var == "einwanderungsgeschichte" else None
        high = f"{de.keep_unit(display_value(hi['share'], hi['flag']))} {_group_phrase(hi['group_value'])}"
        low = f"{de.keep_unit(display_value(lo['share'], lo['flag']))} {_group_phrase(lo['group_value'])}"
        statement = hi.get("statement")
        if isinstance(statement, str) and statement.strip():
            text = f"Befragung: {high} {statement.strip()}, gegenüber {low}."
        else:
            text = f"Befragung: Bei „{hi['item_text']}“ wählten {high} die Antwort „{cat}“, gegenüber {low}."
        text += " Der Unterschied ist statistisch signifikant, auch nach Korrektur für die Zahl der Vergleiche."
        out.append(Finding(
            rule="survey_groups", topic=chapter or "befragung", text=text,
            score=_score(rule.weight, diff, rule.min_difference),
            chapter=chapter, anchor=anchor, key=f"befragung:{item}",
            values={"item": item, "group_var": var, "category": cat,
                    "high": (hi["group_value"], float(hi["share"])),
                    "low": (lo["group_value"], float(lo["share"])), "difference": diff},
        ))
    out.sort(key=lambda f: -f.score)
    return out[: rule.max_findings]


# --------------------------------------------------------------------------- all rules


def target_status(targets_file, table: pd.DataFrame, catalogue, ags: str, year: int) -> pd.DataFrame:
    """Numeric status of every target (columns :data:`TARGET_COLUMNS` + ``text``), evaluated
    with :func:`integrationsbericht.targets.evaluate` on the indicator table."""
    from . import targets

    rows = []
    for t in targets_file.targets:
        sub = table[(table["indicator"] == t.indicator) & (table["ags"] == ags) & (table["group"] == t.group)]
        series = sub.set_index("year")["value"] if not sub.empty else pd.Series(dtype="float64")
        st = targets.evaluate(series, t, year)
        rows.append({"indicator": t.indicator, "group": t.group, "status": st.status,
                     "value": st.current, "year": st.current_year, "target": t.value,
                     "operator": t.operator, "target_year": t.year, "text": t.text,
                     "projected": st.projected})
    return pd.DataFrame(rows, columns=[*TARGET_COLUMNS, "text", "projected"])


def load_target_status(edition, table: pd.DataFrame, catalogue) -> pd.DataFrame | None:
    """Target status of the edition (``None`` when no targets are configured)."""
    from . import targets

    tf = targets.targets_for(edition)
    if not tf.targets:
        return None
    return target_status(tf, table, catalogue, edition.ags, edition.year)


def targets_are_examples(edition) -> bool:
    """True when the edition's targets are examples (demo), not set by the council."""
    from . import targets

    return bool(targets.targets_for(edition).example)


def _districts_table(edition) -> pd.DataFrame | None:
    path = Path(edition.processed_dir) / "districts" / "indicators.parquet"
    return pd.read_parquet(path) if path.exists() else None


def _survey_estimates(edition) -> pd.DataFrame | None:
    path = Path(edition.processed_dir) / "survey" / "estimates.parquet"
    return pd.read_parquet(path) if path.exists() else None


@dataclass
class Findings:
    """All findings of an edition plus what the start page needs about targets."""

    items: list[Finding]
    target_status: pd.DataFrame | None
    rules: Rules
    titles: dict[str, str]

    def by_topic(self) -> dict[str, list[Finding]]:
        out: dict[str, list[Finding]] = {}
        for f in self.items:
            out.setdefault(f.topic, []).append(f)
        return out


def compute(edition, *, table: pd.DataFrame | None = None, catalogue=None,
            rules: Rules | None = None) -> Findings:
    """Run every rule for an edition (inputs that are absent are skipped)."""
    from . import indicators

    table = indicators.load(edition) if table is None else table
    catalogue = indicators.catalogue_for(edition) if catalogue is None else catalogue
    rules = load_rules(edition.path("config/befunde.yml")) if rules is None else rules
    status = load_target_status(edition, table, catalogue)
    # Only targets the council has set are findings; example targets stay in their chapters.
    council = status if status is not None and not targets_are_examples(edition) else None
    # an indicator whose latest value is too old for the report year (left out of the chapters)
    # gives no finding either: a 2025 report does not tell the changes of 2010-2015
    current = table[table["indicator"].isin(
        indicators.current_ids(table, catalogue, edition.ags, edition.year))]
    items = (
        target_findings(council, catalogue, rules)
        + strong_changes(current, catalogue, edition.ags, edition.year, rules)
        + gap_changes(current, catalogue, edition.ags, edition.year, rules)
        + trend_reversals(current, catalogue, edition.ags, edition.year, rules)
        + district_extremes(_districts_table(edition), rules)
        + survey_group_differences(_survey_estimates(edition), rules)
    )
    titles = {**catalogue.fields, **rules.links.chapter_titles}
    return Findings(items=items, target_status=council, rules=rules, titles=titles)


def top(items: list[Finding], n: int, per_key: int = 1, per_rule: int | None = None,
        min_positive: int = 0, min_negative: int = 0, per_chapter: int | None = None) -> list[Finding]:
    """The ``n`` most important findings (by score), at most ``per_key`` per indicator/item,
    ``per_rule`` per rule and ``per_chapter`` per chapter (so the start page tells different
    stories). Where the data have them, at least ``min_positive`` findings where integration
    advances and ``min_negative`` where it falls back are included: the start page says where
    integration succeeds and where it does not."""
    ranked = sorted(items, key=lambda f: (-f.score, f.rule, f.text))

    def fits(f: Finding, chosen: list[Finding]) -> bool:
        if any(f is c for c in chosen):
            return False
        if sum(c.key == f.key for c in chosen) >= per_key:
            return False
        if per_rule and sum(c.rule == f.rule for c in chosen) >= per_rule:
            return False
        return not (per_chapter and sum(c.topic == f.topic for c in chosen) >= per_chapter)

    out: list[Finding] = []
    for wanted, count in ((True, min_positive), (False, min_negative)):
        taken = 0
        for f in ranked:
            if taken >= count or len(out) >= n:
                break
            if f.positive is wanted and fits(f, out):
                out.append(f)
                taken += 1
    for f in ranked:
        if len(out) >= n:
            break
        if fits(f, out):
            out.append(f)
    return sorted(out, key=lambda f: (-f.score, f.rule, f.text))


def findings_frame(items: list[Finding]) -> pd.DataFrame:
    """Data table of findings (CSV/Excel download)."""
    return pd.DataFrame(
        [{"regel": f.rule, "thema": f.topic, "befund": f.text, "gewicht": round(f.score, 3),
          "kapitel": f.chapter or "", "abbildung": f.anchor or ""} for f in items],
        columns=["regel", "thema", "befund", "gewicht", "kapitel", "abbildung"],
    )


def available_chapters(workdir: str | Path) -> set[str]:
    """Chapter names in the (staged, filtered) ``_quarto.yml`` of this edition."""
    path = Path(workdir) / "_quarto.yml"
    if not path.exists():
        return set()
    book = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("book", {}) or {}
    names = set()
    for entry in [*(book.get("chapters") or []), *(book.get("appendices") or [])]:
        if isinstance(entry, str):
            names.add(Path(entry).stem)
    return names


# --------------------------------------------------------------------------- recommendations

FILL_IN = "Von der Verwaltung auszufüllen"
STATUSES = ("entwurf", "beispiel", "freigegeben")
_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)


def recommendations_skeleton(edition_or_findings, year: int) -> str:
    """German Markdown to start ``report/handlungsempfehlungen-<year>.md``: one heading per
    topic with the computed findings as prompts and a clear note that people write the
    recommendations. Accepts an edition, a :class:`Findings` or a list of :class:`Finding`."""
    if isinstance(edition_or_findings, Findings):
        items, titles = edition_or_findings.items, edition_or_findings.titles
    elif isinstance(edition_or_findings, list):
        items, titles = edition_or_findings, {}
    else:
        res = compute(edition_or_findings)
        items, titles = res.items, res.titles
    lines = [
        "---",
        "status: entwurf   # entwurf | freigegeben (erst nach Abstimmung freigeben)",
        f"ausgabe: {int(year)}",
        "---",
        "",
        f"<!-- {FILL_IN}. Dieses Gerüst wurde aus den berechneten Befunden erzeugt. Bitte je",
        "     Thema Empfehlungen formulieren, Befunde ohne Handlungsbedarf streichen und danach",
        "     oben status: freigegeben setzen. Zahlen bitte nicht abschreiben: Sie stehen mit",
        "     Verweis auf die Abbildung im Kapitel „Befunde“. -->",
        "",
        f"**{FILL_IN}.** Die folgenden Befunde wurden aus den Daten {int(year)} berechnet; sie "
        "sind Anlässe zur Diskussion, keine Empfehlungen.",
        "",
    ]
    groups: dict[str, list[Finding]] = {}
    for f in items:
        groups.setdefault(f.topic, []).append(f)
    if not groups:
        lines += ["## Allgemein", "", "Die Regeln haben für diese Ausgabe keine Befunde ergeben.", "",
                  "Empfehlungen:", "", f"- *{FILL_IN}.*", ""]
    for topic, fs in groups.items():
        lines += [f"## {titles.get(topic, topic)}", "", "Befunde als Anlass:", ""]
        lines += [f"- {f.text}" for f in fs]
        lines += ["", "Empfehlungen:", "", f"- *{FILL_IN}.*", ""]
    return "\n".join(lines)


@dataclass
class Recommendations:
    path: Path
    status: str  # entwurf | beispiel | freigegeben
    body: str  # Markdown without front matter, headings shifted below the chapter's level


def recommendations_path(edition) -> Path:
    return edition.path(f"report/handlungsempfehlungen-{int(edition.year)}.md")


def shift_headings(markdown: str, min_level: int = 3) -> str:
    """Shift ATX headings so the highest one is ``min_level`` (fenced code left alone)."""
    lines = markdown.split("\n")
    levels = []
    fence = False
    for ln in lines:
        if ln.lstrip().startswith(("```", "~~~")):
            fence = not fence
        elif not fence and (m := re.match(r"^(#{1,6})\s", ln)):
            levels.append(len(m.group(1)))
    if not levels or min(levels) >= min_level:
        return markdown
    shift = min_level - min(levels)
    out, fence = [], False
    for ln in lines:
        if ln.lstrip().startswith(("```", "~~~")):
            fence = not fence
        elif not fence and (m := re.match(r"^(#{1,6})(\s.*)$", ln)):
            ln = "#" * min(6, len(m.group(1)) + shift) + m.group(2)
        out.append(ln)
    return "\n".join(out)


def read_recommendations(path: str | Path) -> Recommendations | None:
    """The people-written recommendations file, or ``None`` if it does not exist."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("Die Datei ist nicht UTF-8-kodiert.", file=path) from None
    status = "freigegeben"
    m = _FRONT.match(text)
    if m:
        try:
            meta = yaml.safe_load(m.group(1)) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise InputError("Der Kopf der Datei (zwischen den ---) ist kein gültiges YAML.",
                             file=path, line=(mark.line + 2) if mark else 2) from None
        if not isinstance(meta, dict):
            raise InputError("Der Kopf der Datei muss Angaben der Form 'schlüssel: wert' enthalten.",
                             file=path, line=2)
        status = str(meta.get("status", "freigegeben")).strip().lower()
        if status not in STATUSES:
            line = 1 + next((i + 1 for i, ln in enumerate(m.group(1).split("\n"))
                             if ln.strip().startswith("status")), 1)
            raise InputError(
                f"Unbekannter Status „{meta.get('status')}“; erlaubt sind: {', '.join(STATUSES)}.",
                file=path, line=line, column="status",
            )
        text = text[m.end():]
    from .escaping import check_authored

    # Markdown by design, but no raw HTML/Typst and only https:/mailto: links
    check_authored(text, path, first_line=1 + (m.group(0).count("\n") if m else 0))
    body = re.sub(r"<!--.*?-->", "", text, flags=re.S).strip()
    return Recommendations(path=path, status=status, body=shift_headings(body))


def shown_recommendations(edition) -> Recommendations | None:
    """The recommendations the report shows: the administration's file for the report year with
    a body (the demo's example text only in the demo edition), else ``None``."""
    rec = read_recommendations(recommendations_path(edition))
    if rec is None or not rec.body.strip():
        return None
    if rec.status == "beispiel" and not getattr(edition, "demo", False):
        return None
    return rec


__all__ = [
    "shown_recommendations",
    "Finding", "Findings", "Rules", "load_rules", "compute", "top", "gap_changes", "strong_changes",
    "trend_reversals", "target_findings", "target_counts", "district_extremes",
    "survey_group_differences", "findings_frame", "available_chapters",
    "recommendations_skeleton", "read_recommendations", "recommendations_path",
    "shift_headings", "Recommendations",
]
