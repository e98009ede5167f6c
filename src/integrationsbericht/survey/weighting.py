"""Raking of the survey to register margins, as a calibration estimator.

Raking is calibration with the raking (exponential) distance: every respondent's weight is
``d · exp(x'λ)`` with ``x`` the respondent's calibration variables (indicators of the margin
cells) and ``λ`` solved by Newton's method so that the weighted totals of ``x`` hit the register
totals exactly -- the algorithm of R's ``survey::calibrate(…, calfun = "raking")`` (``grake``).
For complete indicator data this is the same fit as iterative proportional fitting.

**Every respondent is calibrated.** A respondent whose value in a weighting variable is missing,
or not a register category (sex "divers": the register extract has only two sexes), gets
fractional calibration variables for that margin: the register's distribution over the margin's
cells given the values the respondent does have (e.g. for sex "divers", aged 30–44: the
register's shares of men and women among the 30–44-year-olds). Official statistics assign such
persons to the two sexes at random; the fractional values are the expectation of that
assignment, so the result is deterministic.

All respondents with the same values of the weighting variables ("pattern") share one weight
and one ``x``: the fit and the variance estimator (:mod:`.estimates`) run on the pattern table
(at most a few hundred rows), so the cost is linear in the number of respondents.

Weights are scaled to mean 1; they reproduce the register's population *shares* of every margin.
No weights are trimmed.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import fmt
from ..errors import InputError

ADULT_AGE_GROUPS = ("18 bis unter 30", "30 bis unter 45", "45 bis unter 65", "65 und älter")
DEFAULT_MARGINS = (("altersgruppe", "geschlecht"), ("bezirk",), ("staatsangehoerigkeit",))
CITY_TOTAL = "Gesamtstadt"


def _parse_date(s: str) -> _dt.date:
    return _dt.datetime.strptime(str(s).strip(), "%d.%m.%Y").date()


def margins_from_register(
    register_df: pd.DataFrame,
    stichtag: str | None = None,
    margins=DEFAULT_MARGINS,
) -> dict[tuple[str, ...], pd.Series]:
    """Population counts (18+) per margin from the register extract (schema: DEVELOPMENT.md).

    Returns ``{("altersgruppe", "geschlecht"): Series, ("bezirk",): Series, …}``; each Series is
    indexed by the margin's register columns. ``stichtag`` (``"31.12.2025"``) picks the reference
    date; default: the latest in the extract. Rows of the city total (``Gesamtstadt``) are ignored.
    """
    need = {"stichtag", "altersgruppe", "anzahl"} | {c for m in margins for c in m}
    missing = sorted(need - set(register_df.columns))
    if missing:
        raise InputError(f"Im Registerauszug fehlt die Spalte „{missing[0]}“, die für die "
                         "Gewichtung der Befragung gebraucht wird.", column=missing[0])
    df = register_df
    if "bezirk" in df.columns:
        df = df[df["bezirk"].astype(str) != CITY_TOTAL]
    dates = sorted({str(s) for s in df["stichtag"]}, key=_parse_date)
    if not dates:
        raise InputError("Der Registerauszug enthält keine Bezirkszeilen für die Gewichtung.")
    chosen = stichtag or dates[-1]
    if chosen not in dates:
        raise InputError(f"Der Registerauszug enthält keinen Stichtag {chosen} "
                         f"(vorhanden: {', '.join(dates)}).", column="stichtag")
    df = df[(df["stichtag"].astype(str) == chosen) & df["altersgruppe"].isin(ADULT_AGE_GROUPS)]
    counts = pd.to_numeric(df["anzahl"], errors="coerce")
    if counts.isna().any() or (counts < 0).any():
        raise InputError("Der Registerauszug enthält ungültige Anzahlen (nicht-negative ganze Zahlen erwartet).",
                         column="anzahl")
    df = df.assign(anzahl=counts.astype("float64"))
    out: dict[tuple[str, ...], pd.Series] = {}
    for m in margins:
        key = tuple(m)
        s = df.groupby(list(key), sort=True)["anzahl"].sum()
        s.attrs["stichtag"] = chosen
        out[key] = s
    totals = {k: float(v.sum()) for k, v in out.items()}
    if len({round(t, 6) for t in totals.values()}) > 1 or not any(totals.values()):
        raise InputError("Die Randverteilungen des Registerauszugs haben unterschiedliche Summen "
                         f"({', '.join(fmt.number(t) for t in totals.values())}); erwartet wird dieselbe "
                         "Bevölkerung ab 18 Jahren in allen Merkmalen.")
    return out


@dataclass
class Calibration:
    """What the calibrated variance estimator needs (see :mod:`.estimates`)."""

    codes: np.ndarray  # pattern index of every respondent (int64, aligned with the survey frame)
    x: np.ndarray  # calibration variables per pattern (patterns × columns)


@dataclass
class RakingResult:
    weights: pd.Series  # aligned with the survey frame, mean 1 over all respondents
    diagnostics: dict
    margins_table: pd.DataFrame  # margin, category, population share, unweighted & weighted sample share
    complete: pd.Series = field(repr=False)  # bool: all weighting variables known (no fractional x)
    calibration: Calibration | None = field(default=None, repr=False)


def weighting_frame(survey: pd.DataFrame, codebook) -> pd.DataFrame:
    """The weighting variables under their register names, coded items as their labels."""
    out = {}
    for reg, var in codebook.weighting.variables.items():
        col = survey[var]
        item = codebook.by_name.get(var)
        if item is not None and item.type == "sociodemographic":
            labels = codebook.value_labels(item)
            col = col.map(lambda v, m=labels: m.get(int(v)) if pd.notna(v) else pd.NA)
        out[reg] = col.astype("object")
    return pd.DataFrame(out, index=survey.index)


def _categories(margins, reg_cols) -> dict[str, list]:
    cats: dict[str, list] = {}
    for c in reg_cols:
        seen: list = []
        for key, s in margins.items():
            if c in key:
                lvl = s.index.get_level_values(key.index(c)) if isinstance(s.index, pd.MultiIndex) else s.index
                seen += [v for v in dict.fromkeys(lvl) if v not in seen]
        cats[c] = seen
    return cats


def _margin_arrays(margins, reg_cols, cats) -> list[tuple[tuple[str, ...], list[int], np.ndarray]]:
    out = []
    for key, s in margins.items():
        arr = np.zeros(tuple(len(cats[c]) for c in key))
        for idx, val in s.items():
            idx = idx if isinstance(idx, tuple) else (idx,)
            arr[tuple(cats[c].index(v) for c, v in zip(key, idx))] = val
        out.append((tuple(key), [reg_cols.index(c) for c in key], arr))
    return out


def _pattern_x(pattern: np.ndarray, marg) -> np.ndarray:
    """Calibration variables of one pattern (codes per weighting variable, -1 = unknown)."""
    parts = []
    for key, axes, arr in marg:
        idx = tuple(slice(None) if pattern[a] < 0 else int(pattern[a]) for a in axes)
        sub = np.zeros_like(arr)
        part = arr[idx]
        total = float(np.sum(part))
        if total <= 0:
            return np.full(sum(a.size for _, _, a in marg), np.nan)
        sub[idx] = part / total
        parts.append(sub.reshape(-1))
    return np.concatenate(parts)


def _grake(x: np.ndarray, n_c: np.ndarray, d: float, totals: np.ndarray, max_iteration: int,
           tolerance: float) -> tuple[np.ndarray, bool]:
    """Raking calibration by Newton's method (R: ``survey:::grake`` with ``cal.raking``):
    weights ``d·exp(xλ)`` per pattern such that ``Σ n_c w_c x_c = totals``."""
    lam = np.zeros(x.shape[1])
    w = np.full(len(n_c), d)
    for _ in range(max_iteration):
        est = x.T @ (n_c * w)
        if np.max(np.abs(est - totals) / np.maximum(totals, 1.0)) < tolerance:
            return w, True
        hess = x.T @ (x * (n_c * w)[:, None])
        lam = lam + np.linalg.lstsq(hess, totals - est, rcond=None)[0]
        w = d * np.exp(np.clip(x @ lam, -700, 700))
    est = x.T @ (n_c * w)
    return w, bool(np.max(np.abs(est - totals) / np.maximum(totals, 1.0)) < tolerance)


def rake(
    survey: pd.DataFrame,
    margins: dict[tuple[str, ...], pd.Series],
    variables: dict[str, str] | None = None,
    *,
    max_iteration: int = 100,
    tolerance: float = 1e-12,
) -> RakingResult:
    """Rake ``survey`` to ``margins`` (calibration with raking distance, every respondent).

    ``variables`` maps register column → survey column (default: the survey frame already uses
    the register's column names and category labels, see :func:`weighting_frame`).
    """
    reg_cols = list(dict.fromkeys(c for key in margins for c in key))
    variables = variables or {c: c for c in reg_cols}
    for c in reg_cols:
        if c not in variables or variables[c] not in survey.columns:
            raise InputError(f"Für das Registermerkmal „{c}“ fehlt das zugehörige Befragungsmerkmal.")
    values = pd.DataFrame({c: survey[variables[c]] for c in reg_cols}, index=survey.index)
    cats = _categories(margins, reg_cols)
    n = len(values)
    codes = np.full((n, len(reg_cols)), -1, dtype=np.int64)
    for j, c in enumerate(reg_cols):
        known = values[c].notna().to_numpy()
        unknown = sorted(set(values.loc[known, c].astype(str)) - {str(v) for v in cats[c]})
        if unknown:
            raise InputError(
                f"Der Wert „{unknown[0]}“ des Merkmals {variables[c]} kommt im Registerauszug nicht vor "
                f"(dort: {', '.join(map(str, cats[c]))}). Namen im Codebuch und im Registerauszug abgleichen.",
                column=variables[c])
        codes[:, j] = pd.Categorical(values[c], categories=cats[c]).codes
    complete = pd.Series((codes >= 0).all(axis=1), index=survey.index)
    marg = _margin_arrays(margins, reg_cols, cats)
    patterns, pat_code = np.unique(codes, axis=0, return_inverse=True)
    pat_code = pat_code.reshape(-1).astype(np.int64)
    n_c = np.bincount(pat_code, minlength=len(patterns)).astype("float64")
    x = np.stack([_pattern_x(p, marg) for p in patterns]) if len(patterns) else np.zeros((0, 0))
    bad = np.isnan(x).any(axis=1) if len(patterns) else np.zeros(0, bool)
    if bad.any():
        p = patterns[np.argmax(bad)]
        cell = ", ".join(f"{c} = {cats[c][int(p[j])]}" for j, c in enumerate(reg_cols) if p[j] >= 0)
        raise InputError(f"Für Befragte mit {cell} hat der Registerauszug keine Personen; die "
                         "Gewichtung an die Registerverteilung ist so nicht möglich.")
    totals = np.concatenate([a.reshape(-1) for _, _, a in marg])
    sample_tot = x.T @ n_c if len(patterns) else np.zeros_like(totals)
    empty = np.flatnonzero((totals > 0) & (sample_tot == 0))
    if len(empty):
        pos, k = int(empty[0]), 0
        for key, _axes, arr in marg:
            if pos < k + arr.size:
                idx = np.unravel_index(pos - k, arr.shape)
                cell = ", ".join(f"{c} = {cats[c][i]}" for c, i in zip(key, idx))
                break
            k += arr.size
        raise InputError(
            f"In der Befragung gibt es keine Befragten mit {cell}; die Gewichtung an die "
            "Registerverteilung ist so nicht möglich.",
            hint="Kategorien im Codebuch zusammenfassen oder die Randverteilung anpassen.")
    use = ~((totals == 0) & (sample_tot == 0))  # R drops all-zero columns with zero totals
    x, totals = x[:, use], totals[use]
    population = float(next(iter(margins.values())).sum())
    w_c, converged = _grake(x, n_c, population / max(n, 1), totals, max_iteration, tolerance)
    w_c = w_c * n / float((n_c * w_c).sum())  # mean 1
    weights = pd.Series(w_c[pat_code], index=survey.index, name="gewicht")

    table, max_dev = _margin_table(marg, cats, n_c, w_c, np.stack([_pattern_x(p, marg) for p in patterns]))
    if not converged or max_dev > 1e-6:
        raise InputError(
            "Die Gewichtung konvergiert nicht: die Randverteilungen lassen sich mit den Befragten "
            f"nicht reproduzieren (größte Abweichung {fmt.number(max_dev * 100, 4)} Prozentpunkte).",
            hint="Dünn besetzte Kategorien zusammenfassen.")
    diag = diagnostics(weights)
    diag.update({
        "n": int(n),
        "n_weighted": int(n),
        "n_fractional": int((~complete).sum()),
        "n_trimmed": 0,
        "max_margin_deviation": float(max_dev),
        "stichtag": next(iter(margins.values())).attrs.get("stichtag"),
        "population": population,
        "method": "Raking (Kalibrierung mit Raking-Distanz, Newton-Verfahren wie R survey::calibrate)",
        "variables": {k: v for k, v in variables.items() if k in reg_cols},
    })
    return RakingResult(weights=weights, diagnostics=diag, margins_table=table, complete=complete,
                        calibration=Calibration(codes=pat_code, x=x))


def _margin_table(marg, cats, n_c, w_c, x_full) -> tuple[pd.DataFrame, float]:
    rows, max_dev, k = [], 0.0, 0
    n, wsum = float(n_c.sum()), float((n_c * w_c).sum())
    for key, _axes, arr in marg:
        xs = x_full[:, k:k + arr.size]
        k += arr.size
        pop = arr.reshape(-1) / arr.sum()
        uns = (xs.T @ n_c) / n
        ws = (xs.T @ (n_c * w_c)) / wsum
        for pos in range(arr.size):
            idx = np.unravel_index(pos, arr.shape)
            if arr.reshape(-1)[pos] == 0 and uns[pos] == 0:
                continue
            max_dev = max(max_dev, abs(float(ws[pos]) - float(pop[pos])))
            rows.append({
                "merkmal": " × ".join(key),
                "kategorie": " × ".join(str(cats[c][i]) for c, i in zip(key, idx)),
                "register_anteil": float(pop[pos]) * 100,
                "stichprobe_ungewichtet": float(uns[pos]) * 100,
                "stichprobe_gewichtet": float(ws[pos]) * 100,
            })
    return pd.DataFrame(rows), max_dev


def diagnostics(w: pd.Series | np.ndarray) -> dict:
    """Kish design effect, effective n and the range of the weights."""
    w = np.asarray(w, dtype="float64")
    n = len(w)
    if n == 0:
        return {"deff": float("nan"), "n_eff": 0.0, "w_min": float("nan"), "w_max": float("nan")}
    s1, s2 = w.sum(), (w ** 2).sum()
    return {
        "deff": float(n * s2 / s1 ** 2),
        "n_eff": float(s1 ** 2 / s2),
        "w_min": float(w.min()),
        "w_max": float(w.max()),
        "w_ratio": float(w.max() / w.min()),
        "w_p01": float(np.quantile(w, 0.01)),
        "w_p99": float(np.quantile(w, 0.99)),
        "cv": float(w.std() / w.mean()),
    }
