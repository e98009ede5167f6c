"""Weighted shares with design-based 95 % confidence intervals, group comparisons, suppression.

Variance: Taylor linearisation of the weighted proportion (ratio estimator) with the final
weights treated as fixed, no strata or clusters (simple random sample from the register):

    p = Σ w·y / Σ w,   v(p) = n/(n−1) · Σ w²·(y − p)² / (Σ w)²

This equals the heteroscedasticity-robust (HC1) variance of a weighted regression on a
constant, which the tests use as the independent check. Interval: p ± 1.96·√v, cut to 0–100 %.

Group differences: a design-based Wald test of equal shares across the groups of a comparison
(domains are disjoint, so their estimates are independent): X² = Σ (p_g − p̄)² / v_g with
p̄ the inverse-variance weighted mean, G − 1 degrees of freedom. Groups below the suppression
threshold are left out of the test.

Small cells (DOMAIN.md): n < ``min_n_suppress`` → ``/`` and no value; n < ``min_n_parentheses``
→ ``()``. ``n`` is always the unweighted number of respondents in the cell's base.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .codebook import Codebook, Item

Z95 = float(stats.norm.ppf(0.975))
ALPHA = 0.05
TOTAL = "insgesamt"
CSV_COLUMNS = ["item", "group", "category", "n", "share", "ci_low", "ci_high", "flag"]


@dataclass(frozen=True)
class Thresholds:
    suppress: int = 10  # n below this: "/"
    parentheses: int = 30  # n below this (and not suppressed): "()"

    def flag(self, n: int) -> str:
        if n < self.suppress:
            return "/"
        if n < self.parentheses:
            return "()"
        return ""


def weighted_share(y, w) -> tuple[float, float, int]:
    """(share in %, standard error in % points, n) of a 0/1 variable; NaN in ``y`` is skipped."""
    y = np.asarray(y, dtype="float64")
    w = np.asarray(w, dtype="float64")
    ok = ~np.isnan(y)
    y, w = y[ok], w[ok]
    n = len(y)
    if n == 0:
        return float("nan"), float("nan"), 0
    sw = w.sum()
    p = float((w * y).sum() / sw)
    var = ((w * (y - p)) ** 2).sum() / sw**2 * (n / (n - 1)) if n > 1 else float("nan")
    return p * 100, float(np.sqrt(var)) * 100, n


def _cell_stats(ind: np.ndarray, w: np.ndarray, groups: np.ndarray, n_groups: int) -> dict:
    """Per group g and indicator column k: n_g, p_gk, se_gk (linearised), for 0/1 indicators.

    ``ind``: (n × K) 0/1 matrix of valid respondents; ``groups``: group code per respondent.
    Linear in n: only sums per group are needed (y² = y for indicators).
    """
    n_g = np.bincount(groups, minlength=n_groups).astype("float64")
    sw = np.bincount(groups, weights=w, minlength=n_groups)
    sw2 = np.bincount(groups, weights=w * w, minlength=n_groups)
    K = ind.shape[1]
    swy = np.zeros((n_groups, K))
    sw2y = np.zeros((n_groups, K))
    for k in range(K):
        yk = ind[:, k]
        swy[:, k] = np.bincount(groups, weights=w * yk, minlength=n_groups)
        sw2y[:, k] = np.bincount(groups, weights=w * w * yk, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = swy / sw[:, None]
        ss = sw2y * (1 - 2 * p) + p * p * sw2[:, None]  # Σ w² (y − p)²
        var = np.clip(ss, 0, None) / (sw[:, None] ** 2) * (n_g / (n_g - 1))[:, None]
        var[n_g <= 1] = np.nan
    return {"n": n_g.astype(int), "p": p, "se": np.sqrt(var),
            "n_cat": np.stack([np.bincount(groups, weights=ind[:, k], minlength=n_groups)
                               for k in range(K)], axis=1).astype(int) if K else np.zeros((n_groups, 0), int)}


def wald_equal_shares(p: np.ndarray, se: np.ndarray, n: np.ndarray, min_n: int) -> float:
    """p-value of the test that all groups have the same share (see module docstring)."""
    keep = (n >= min_n) & ~np.isnan(p)
    if keep.sum() < 2:
        return float("nan")
    p, se, n = p[keep], se[keep], n[keep]
    v = se**2
    pbar0 = np.average(p, weights=n)
    # a group with share 0 or 1 has linearised variance 0: use the binomial variance at the mean
    v = np.where(v > 0, v, pbar0 * (1 - pbar0) / n)
    if np.all(v == 0):
        return float("nan")
    wts = 1 / v
    pbar = (wts * p).sum() / wts.sum()
    x2 = float((wts * (p - pbar) ** 2).sum())
    return float(stats.chi2.sf(x2, df=len(p) - 1))


def _item_indicators(df: pd.DataFrame, codebook: Codebook, item: Item):
    """(valid mask, indicator matrix, category labels, kinds) for one item."""
    base = pd.Series(True, index=df.index)
    if item.filter is not None:
        base &= df[item.filter.variable].isin(item.filter.codes).fillna(False).astype(bool)
    if item.type == "multiple":
        opts = [o.name for o in item.options]
        vals = df[opts].astype("float64")
        valid = base & vals.notna().any(axis=1)
        ind = vals.fillna(0).to_numpy()[valid.to_numpy()]
        return valid, ind, [o.label for o in item.options], ["option"] * len(opts)
    labels = codebook.value_labels(item)
    codes = list(labels)
    x = df[item.name].astype("float64")
    valid = base & x.notna()
    xv = x[valid].to_numpy()
    cols = [(xv == c).astype("float64") for c in codes]
    cats = [labels[c] for c in codes]
    kinds = ["category"] * len(codes)
    summ = codebook.summary(item)
    if summ is not None and item.type != "yesno":
        cols.append(np.isin(xv, summ.codes).astype("float64"))
        cats.append(summ.label)
        kinds.append("summary")
    ind = np.stack(cols, axis=1) if cols else np.zeros((len(xv), 0))
    return valid, ind, cats, kinds


def group_columns(df: pd.DataFrame, codebook: Codebook) -> list[tuple[str, str, pd.Series, list]]:
    """(variable, label, value label per respondent, ordered categories) of the comparisons."""
    out = []
    for comp in codebook.comparisons:
        var = comp.variable
        item = codebook.by_name.get(var)
        if item is not None and item.type == "sociodemographic":
            labels = codebook.value_labels(item)
            vals = df[var].map(lambda v, m=labels: m.get(int(v)) if pd.notna(v) else pd.NA)
            order = list(labels.values())
        else:
            vals = df[var]
            d = codebook.derived.get(var)
            if d is not None and d.bins:
                order = [b.label for b in d.bins]
            elif d is not None and d.map:
                order = list(dict.fromkeys(d.map.values()))
            else:
                order = sorted(vals.dropna().unique())
        out.append((var, comp.label, vals, order))
    return out


def estimate_all(df: pd.DataFrame, codebook: Codebook, weights: pd.Series | None,
                 thresholds: Thresholds = Thresholds()) -> pd.DataFrame:
    """All published estimates: items × (insgesamt + comparison groups) × categories.

    Columns: ``item, item_text, block, type, group_var, group, group_value, category, kind,
    n, share, ci_low, ci_high, se, flag, p_value, significant`` (shares in %; suppressed cells
    have empty share and CI).
    """
    w_all = (weights if weights is not None else pd.Series(1.0, index=df.index)).to_numpy("float64")
    groupings = [("insgesamt", TOTAL, pd.Series(TOTAL, index=df.index), [TOTAL])]
    groupings += group_columns(df, codebook)
    items = [it for it in codebook.items if it.type in ("likert", "frequency", "yesno", "multiple")]
    items += [it for it in codebook.items if it.type == "sociodemographic"]
    comp_vars = {c.variable for c in codebook.comparisons}
    records = []
    for item in items:
        valid, ind, cats, kinds = _item_indicators(df, codebook, item)
        vmask = valid.to_numpy()
        w = w_all[vmask]
        for var, label, gvals, order in groupings:
            if item.type == "sociodemographic" and (var != "insgesamt" or item.name in comp_vars):
                if var != "insgesamt":
                    continue
            g = pd.Categorical(gvals[valid], categories=order).codes
            keep = g >= 0
            st = _cell_stats(ind[keep], w[keep], g[keep].astype(np.int64), len(order))
            pvals = [wald_equal_shares(st["p"][:, k], st["se"][:, k], st["n"], thresholds.suppress)
                     if var != "insgesamt" else float("nan") for k in range(len(cats))]
            for gi, gv in enumerate(order):
                n = int(st["n"][gi])
                flag = thresholds.flag(n)
                for k, cat in enumerate(cats):
                    p = float(st["p"][gi, k]) * 100 if n else float("nan")
                    se = float(st["se"][gi, k]) * 100 if n > 1 else float("nan")
                    lo = max(0.0, p - Z95 * se) if not np.isnan(se) else float("nan")
                    hi = min(100.0, p + Z95 * se) if not np.isnan(se) else float("nan")
                    sup = flag == "/"
                    records.append({
                        "item": item.name, "item_text": item.text, "block": item.block, "type": item.type,
                        "group_var": var,
                        "group": TOTAL if var == "insgesamt" else f"{label}: {gv}",
                        "group_value": gv, "category": cat, "kind": kinds[k], "n": n,
                        "share": np.nan if sup else p,
                        "ci_low": np.nan if sup else lo,
                        "ci_high": np.nan if sup else hi,
                        "se": np.nan if sup else se,
                        "flag": flag,
                        "p_value": pvals[k],
                        "significant": bool(pvals[k] < ALPHA) if not np.isnan(pvals[k]) else False,
                    })
    out = pd.DataFrame.from_records(records)
    out["n"] = out["n"].astype("int64")
    return out


def to_csv_frame(est: pd.DataFrame) -> pd.DataFrame:
    """The published ``befragung.csv`` columns (contract): share/CI rounded to 0.1."""
    out = est[CSV_COLUMNS].copy()
    for c in ("share", "ci_low", "ci_high"):
        out[c] = out[c].round(1)
    return out


def display_value(share: float, flag: str, decimals: int = 0) -> str:
    """German text for a published share: ``"42 %"``, ``"(12 %)"`` or ``"/"``."""
    from .. import fmt

    if flag == "/" or share is None or (isinstance(share, float) and np.isnan(share)):
        return "/"
    txt = fmt.percent(share, decimals)
    return f"({txt})" if flag == "()" else txt
