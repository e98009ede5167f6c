"""Raking (iterative proportional fitting) of the survey to register margins, via ``ipfn``.

Raking with equal design weights gives every respondent of the same cell of the weighting
variables the same weight, so the fit runs on the cross-classified cell table (at most a few
hundred cells) and the respondents then take their cell's weight: the cost is linear in the
number of respondents.

Weights are scaled to mean 1 over the respondents with complete weighting variables; they
reproduce the register's population *shares* for every margin. Respondents with a missing or
non-binary value in a weighting variable (the register knows only two sexes) keep weight 1 and
are counted in the diagnostics.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from ipfn import ipfn

from .. import fmt
from ..errors import InputError

ADULT_AGE_GROUPS = ("18 bis unter 30", "30 bis unter 45", "45 bis unter 65", "65 und älter")
DEFAULT_MARGINS = (("altersgruppe", "geschlecht"), ("bezirk",), ("staatsangehoerigkeit",))
CITY_TOTAL = "Gesamtstadt"
TOLERANCE = 1e-9  # max. absolute deviation of a weighted margin share from its target


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
class RakingResult:
    weights: pd.Series  # aligned with the survey frame, mean 1 over complete cases
    diagnostics: dict
    margins_table: pd.DataFrame  # margin, category, population share, unweighted & weighted sample share
    complete: pd.Series = field(repr=False)  # bool: respondent took part in the raking


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


def rake(
    survey: pd.DataFrame,
    margins: dict[tuple[str, ...], pd.Series],
    variables: dict[str, str] | None = None,
    *,
    max_iteration: int = 5000,
    convergence_rate: float = 1e-12,
) -> RakingResult:
    """Rake ``survey`` to ``margins``.

    ``variables`` maps register column → survey column (default: the survey frame already uses
    the register's column names and category labels, see :func:`weighting_frame`).
    """
    reg_cols = list(dict.fromkeys(c for key in margins for c in key))
    variables = variables or {c: c for c in reg_cols}
    for c in reg_cols:
        if c not in variables or variables[c] not in survey.columns:
            raise InputError(f"Für das Registermerkmal „{c}“ fehlt das zugehörige Befragungsmerkmal.")
    values = pd.DataFrame({c: survey[variables[c]] for c in reg_cols}, index=survey.index)
    complete = values.notna().all(axis=1)
    # categories come from the register margins
    cats: dict[str, list] = {}
    for c in reg_cols:
        seen: list = []
        for key, s in margins.items():
            if c in key:
                lvl = s.index.get_level_values(key.index(c)) if isinstance(s.index, pd.MultiIndex) else s.index
                seen += [v for v in dict.fromkeys(lvl) if v not in seen]
        cats[c] = seen
        unknown = sorted(set(values.loc[complete, c].astype(str)) - {str(v) for v in seen})
        if unknown:
            raise InputError(
                f"Der Wert „{unknown[0]}“ des Merkmals {variables[c]} kommt im Registerauszug nicht vor "
                f"(dort: {', '.join(map(str, seen))}). Namen im Codebuch und im Registerauszug abgleichen.",
                column=variables[c])
    codes = np.zeros((int(complete.sum()), len(reg_cols)), dtype=np.int64)
    for j, c in enumerate(reg_cols):
        codes[:, j] = pd.Categorical(values.loc[complete, c], categories=cats[c]).codes
    shape = tuple(len(cats[c]) for c in reg_cols)
    flat = np.ravel_multi_index(codes.T, shape) if len(codes) else np.array([], dtype=np.int64)
    sample = np.bincount(flat, minlength=int(np.prod(shape))).reshape(shape).astype("float64")

    aggregates, dims = [], []
    for key, s in margins.items():
        axes = [reg_cols.index(c) for c in key]
        arr = np.zeros(tuple(shape[a] for a in axes))
        for idx, val in s.items():
            idx = idx if isinstance(idx, tuple) else (idx,)
            pos = tuple(cats[c].index(v) for c, v in zip(key, idx))
            arr[pos] = val
        # every populated margin cell needs respondents
        have = sample.sum(axis=tuple(a for a in range(len(shape)) if a not in axes))
        if have.ndim != arr.ndim:
            have = have.transpose(np.argsort(np.argsort(axes)))
        empty = np.argwhere((arr > 0) & (have == 0))
        if len(empty):
            cell = ", ".join(f"{c} = {cats[c][i]}" for c, i in zip(key, empty[0]))
            raise InputError(
                f"In der Befragung gibt es keine Befragten mit {cell}; die Gewichtung an die "
                "Registerverteilung ist so nicht möglich.",
                hint="Kategorien im Codebuch zusammenfassen oder die Randverteilung anpassen.")
        aggregates.append(arr)
        dims.append(axes)
    with contextlib.redirect_stdout(io.StringIO()):
        fitted, converged = ipfn.ipfn(sample.copy(), aggregates, dims, convergence_rate=convergence_rate,
                                      max_iteration=max_iteration, rate_tolerance=0.0, verbose=1).iteration()
    with np.errstate(invalid="ignore", divide="ignore"):
        cell_w = np.where(sample > 0, fitted / sample, 0.0)
    w_complete = cell_w.reshape(-1)[flat]
    w_complete = w_complete * len(w_complete) / w_complete.sum()
    weights = pd.Series(1.0, index=survey.index, name="gewicht")
    weights[complete.to_numpy()] = w_complete

    table, max_dev = _margin_table(values[complete], weights[complete], margins)
    if not converged or max_dev > 1e-6:
        raise InputError(
            "Die Gewichtung konvergiert nicht: die Randverteilungen lassen sich mit den Befragten "
            f"nicht reproduzieren (größte Abweichung {fmt.number(max_dev * 100, 4)} Prozentpunkte).",
            hint="Dünn besetzte Kategorien zusammenfassen.")
    diag = diagnostics(weights[complete])
    diag.update({
        "n": int(len(survey)),
        "n_weighted": int(complete.sum()),
        "n_unweighted_rest": int((~complete).sum()),
        "max_margin_deviation": float(max_dev),
        "stichtag": next(iter(margins.values())).attrs.get("stichtag"),
        "population": float(next(iter(margins.values())).sum()),
        "method": "Raking (iterative proportionale Anpassung, Paket ipfn)",
        "variables": {k: v for k, v in variables.items() if k in reg_cols},
    })
    return RakingResult(weights=weights, diagnostics=diag, margins_table=table, complete=complete)


def _margin_table(values: pd.DataFrame, w: pd.Series, margins) -> tuple[pd.DataFrame, float]:
    rows, max_dev = [], 0.0
    for key, s in margins.items():
        pop = s / s.sum()
        grp = values.groupby(list(key), sort=False)
        n_share = grp.size() / len(values)
        w_share = w.groupby([values[c] for c in key], sort=False).sum() / w.sum()
        for idx, target in pop.items():
            idx_t = idx if isinstance(idx, tuple) else (idx,)
            lookup = idx_t if len(key) > 1 else idx_t[0]
            ws = float(w_share.get(lookup, 0.0))
            max_dev = max(max_dev, abs(ws - float(target)))
            rows.append({
                "merkmal": " × ".join(key),
                "kategorie": " × ".join(map(str, idx_t)),
                "register_anteil": float(target) * 100,
                "stichprobe_ungewichtet": float(n_share.get(lookup, 0.0)) * 100,
                "stichprobe_gewichtet": ws * 100,
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
