"""Weighted shares with design-based 95 % confidence intervals, group comparisons, suppression.

Reference: R's ``survey`` package (Lumley) with the raked design of :mod:`.weighting`
(``calibrate(…, calfun = "raking")``); ``tests/r/befragung_vergleich.R`` compares with it.

**Variance** of a weighted share ``p = Σ w·y / Σ w`` over a domain ``D`` (the respondents of a
group who answered the question): Taylor linearisation with the calibration residuals. The
linearised values ``z = w·(y − p)·1_D / Σ_D w`` are replaced by ``e = z − w·Xβ`` with ``β``
the least-squares fit of ``z / w`` on the calibration variables ``X`` over *all* respondents,
and ``v(p) = n/(n−1) · Σ (e − ē)²`` (simple random sample, ``n`` all respondents) -- what
``svymean`` does on a subset of a calibrated design. Respondents with the same weighting pattern
share ``w`` and ``x``, so every sum runs on the pattern table (linear in ``n``). Without a
register extract (unweighted results) the weights are treated as fixed:
``v(p) = n_D/(n_D−1) · Σ_D z²``.

**Interval** (R: ``svyciprop(…, method = "beta")``): Korn–Graubard, i.e. Clopper–Pearson with
the effective sample size ``n* = p(1−p)/v(p) · (t_{n−1}/t_{n_D−1})²`` (t quantiles with the
domain's degrees of freedom). Where ``v(p) = 0`` -- shares of 0 % or 100 %, and shares the
weighting fixes exactly -- the effective sample size is undefined; there the interval is
Clopper–Pearson at the cell's unweighted ``n`` (as Korn and Graubard recommend).

**Group comparisons** (R: ``svychisq(~group + answer, design, statistic = "F")``): Rao–Scott
second-order corrected Pearson test on the group × (answer / other answer) table of the domain
(groups below the suppression threshold left out), F distribution with ``d₀`` and ``d₀·(n−1)``
degrees of freedom. Tested are the comparisons the report prints: the summary category of
each question (e.g. "Zustimmung (1–2)", "ja") by every comparison variable. Their p-values are
adjusted for multiple testing across the edition by Benjamini–Hochberg (false discovery rate
5 %); ``significant`` means adjusted p < 0.05.

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
LEVEL = 0.95
TOTAL = "insgesamt"
CSV_COLUMNS = ["item", "group", "category", "n", "share", "ci_low", "ci_high", "flag"]
ZERO_VARIANCE = 1e-14  # v(p) below this (proportion², i.e. SE < 1e-5 points): effective n undefined
KORN_GRAUBARD = "Korn-Graubard"
CLOPPER_PEARSON = "Clopper-Pearson"


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


@dataclass
class Design:
    """The sample as the estimators see it: weight and weighting pattern per respondent.

    ``x`` (patterns × calibration variables) is ``None`` for weights that were not calibrated
    (unweighted results, or weights given from outside): then they are treated as fixed.
    """

    codes: np.ndarray  # pattern per respondent
    w: np.ndarray  # weight per pattern
    x: np.ndarray | None  # calibration variables per pattern

    @classmethod
    def fixed(cls, weights) -> "Design":
        w = np.asarray(weights, dtype="float64")
        uniq, codes = np.unique(w, return_inverse=True)
        return cls(codes=codes.reshape(-1).astype(np.int64), w=uniq, x=None)

    @classmethod
    def calibrated(cls, weights, codes, x) -> "Design":
        w_all = np.asarray(weights, dtype="float64")
        codes = np.asarray(codes, dtype=np.int64)
        w = np.zeros(int(codes.max()) + 1 if len(codes) else 0)
        w[codes] = w_all
        return cls(codes=codes, w=w, x=np.asarray(x, dtype="float64"))

    @property
    def n(self) -> int:
        return len(self.codes)

    @property
    def n_patterns(self) -> int:
        return len(self.w)

    def __post_init__(self):
        self._n_c = np.bincount(self.codes, minlength=self.n_patterns).astype("float64")
        if self.x is not None:
            self._minv = np.linalg.pinv(self.x.T @ (self.x * self._n_c[:, None]))


def _sum_e(design: Design, S: np.ndarray, W) -> tuple[np.ndarray, np.ndarray]:
    """For residual sums ``S`` (patterns × …) of a calibrated design: the fitted values ``f``
    (same shape) and ``Σ_i e_i`` per column (``W``: domain weight total, broadcastable)."""
    x = design.x
    shp = S.shape
    S2 = S.reshape(shp[0], -1)
    f = (x @ (design._minv @ (x.T @ S2))).reshape(shp)
    ww = design.w.reshape((-1,) + (1,) * (len(shp) - 1))
    nc = design._n_c.reshape(ww.shape)
    return f, (ww * (S - nc * f)).sum(axis=0) / W


def cell_variance(design: Design, cnt: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shares and their linearised variances for many domains at once.

    ``cnt`` (patterns × G): respondents of domain g per pattern; ``ys`` (patterns × G × K): of
    them with indicator k. Returns ``p`` and ``v`` (G × K), proportions.
    """
    w = design.w[:, None]
    W = (w * cnt).sum(axis=0)  # G
    with np.errstate(invalid="ignore", divide="ignore"):
        p = (w[:, :, None] * ys).sum(axis=0) / W[:, None]
    p0 = np.nan_to_num(p)
    c3 = cnt[:, :, None]
    S = ys - p0[None] * c3
    Q = ys * (1 - 2 * p0[None]) + p0[None] ** 2 * c3
    w2 = (design.w ** 2)[:, None, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        if design.x is None:
            n_d = cnt.sum(axis=0)[:, None]
            v = (w2 * Q).sum(axis=0) / W[:, None] ** 2 * n_d / (n_d - 1)
        else:
            n = design.n
            f, se_sum = _sum_e(design, S, W[:, None])
            nc = design._n_c[:, None, None]
            see = (w2 * (Q - 2 * f * S + nc * f * f)).sum(axis=0) / W[:, None] ** 2
            v = n / (n - 1) * (see - se_sum ** 2 / n)
    return p, np.clip(v, 0, None)


def proportions_cov(design: Design, N: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Proportions ``P`` of J mutually exclusive cells over their union and their linearised
    covariance matrix (R: ``svymean`` of the cell indicators). ``N`` (patterns × J): counts."""
    w = design.w
    W = float((w[:, None] * N).sum())
    P = (w[:, None] * N).sum(axis=0) / W
    nD = N.sum(axis=1)
    w2 = w ** 2
    A = (w2[:, None] * N).sum(axis=0)
    B = float((w2 * nD).sum())
    Qm = np.diag(A) - np.outer(A, P) - np.outer(P, A) + B * np.outer(P, P)
    if design.x is None:
        n_d = float(nD.sum())
        return P, Qm / W ** 2 * n_d / (n_d - 1)
    S = N - nD[:, None] * P[None, :]
    f, e_sum = _sum_e(design, S, W)
    cross = S.T @ (w2[:, None] * f)
    ee = (Qm - cross - cross.T + f.T @ ((w2 * design._n_c)[:, None] * f)) / W ** 2
    n = design.n
    return P, n / (n - 1) * (ee - n * np.outer(e_sum / n, e_sum / n))


def rao_scott(design: Design, N: np.ndarray, n_rows: int) -> float:
    """p-value of the Rao–Scott second-order corrected Pearson test (R: ``svychisq(…,
    statistic = "F")``) for the table of ``n_rows`` rows and J / n_rows columns whose cell
    counts per pattern are ``N`` (patterns × J, rows varying fastest)."""
    nr = n_rows
    nc = N.shape[1] // nr
    if nr < 2 or nc < 2:
        return float("nan")
    P, V = proportions_cov(design, N)
    tab = P.reshape(nc, nr).T  # rows × columns
    rs, cs = tab.sum(axis=1), tab.sum(axis=0)
    if (rs <= 0).any() or (cs <= 0).any():
        return float("nan")
    n = design.n
    expected = np.outer(rs, cs)
    x2 = float(n * ((tab - expected) ** 2 / expected).sum())
    rows = np.tile(np.arange(nr), nc)
    cols = np.repeat(np.arange(nc), nr)
    r_d = (rows[:, None] == np.arange(1, nr)[None, :]).astype(float)
    c_d = (cols[:, None] == np.arange(1, nc)[None, :]).astype(float)
    X1 = np.hstack([np.ones((nr * nc, 1)), r_d, c_d])
    inter = np.hstack([r_d[:, [i]] * c_d[:, [j]] for j in range(nc - 1) for i in range(nr - 1)])
    C = inter - X1 @ np.linalg.lstsq(X1, inter, rcond=None)[0]
    iD = np.diag(np.where(P == 0, 0.0, 1 / np.where(P == 0, 1, P)))
    denom = C.T @ (iD / n) @ C
    numr = C.T @ iD @ V @ iD @ C
    try:
        delta = np.linalg.solve(denom, numr)
    except np.linalg.LinAlgError:
        return float("nan")
    tr = float(np.trace(delta))
    tr2 = float(np.trace(delta @ delta))
    if not (tr > 0 and tr2 > 0):
        return float("nan")
    d0 = tr ** 2 / tr2
    return float(stats.f.sf(x2 / tr, d0, d0 * (n - 1)))


def intervals(p: np.ndarray, v: np.ndarray, n_dom: np.ndarray, n_total: int, calibrated: bool):
    """95 % limits (proportions) and the method per cell: Korn–Graubard with the effective
    sample size; Clopper–Pearson at the unweighted n where v = 0 (see module docstring)."""
    p = np.asarray(p, dtype="float64")
    v = np.asarray(v, dtype="float64")
    n_dom = np.broadcast_to(np.asarray(n_dom, dtype="float64"), p.shape)
    alpha = 1 - LEVEL
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = p * (1 - p) / v
        if calibrated:
            n_eff = n_eff * (stats.t.ppf(alpha / 2, n_total - 1) / stats.t.ppf(alpha / 2, n_dom - 1)) ** 2
    cp = (v < ZERO_VARIANCE) | (p <= 0) | (p >= 1) | ~np.isfinite(n_eff)
    n_eff = np.where(cp, n_dom, n_eff)
    a = n_eff * p
    b = n_eff * (1 - p)
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(a > 0, stats.beta.ppf(alpha / 2, np.where(a > 0, a, 1), b + 1), 0.0)
        hi = np.where(b > 0, stats.beta.ppf(1 - alpha / 2, a + 1, np.where(b > 0, b, 1)), 1.0)
    bad = np.isnan(p) | (n_dom < 1) | (~cp & np.isnan(v))
    lo = np.where(bad, np.nan, lo)
    hi = np.where(bad, np.nan, hi)
    method = np.where(cp, CLOPPER_PEARSON, KORN_GRAUBARD)
    return lo, hi, method


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (NaN stays NaN), via scipy."""
    p = np.asarray(p, dtype="float64")
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = stats.false_discovery_control(p[ok], method="bh")
    return out


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


def headline_category(codebook: Codebook, item: Item) -> str | None:
    """The answer the report compares between groups: the scale's summary category
    (e.g. "Zustimmung (1–2)", "ja"); ``None`` for questions without one."""
    summ = codebook.summary(item)
    return summ.label if summ is not None and item.type != "multiple" else None


def estimate_all(df: pd.DataFrame, codebook: Codebook, weights: pd.Series | None,
                 thresholds: Thresholds = Thresholds(), design: Design | None = None) -> pd.DataFrame:
    """All published estimates: items × (insgesamt + comparison groups) × categories.

    ``design``: the calibrated design from the weighting (see :class:`Design`); without it the
    weights are treated as fixed. Columns: ``item, item_text, block, type, group_var, group,
    group_value, category, kind, n, share, ci_low, ci_high, se, interval, flag, p_value,
    p_adjusted, significant`` (shares in %; suppressed cells have empty share and CI;
    ``p_value`` Rao–Scott, ``p_adjusted`` Benjamini–Hochberg across the edition, both only on
    the rows of the tested comparisons).
    """
    w_all = (weights if weights is not None else pd.Series(1.0, index=df.index)).to_numpy("float64")
    if design is None:
        design = Design.fixed(w_all)
    calibrated = design.x is not None
    P = design.n_patterns
    groupings = [("insgesamt", TOTAL, pd.Series(TOTAL, index=df.index), [TOTAL])]
    groupings += group_columns(df, codebook)
    items = [it for it in codebook.items if it.type in ("likert", "frequency", "yesno", "multiple")]
    items += [it for it in codebook.items if it.type == "sociodemographic"]
    comp_vars = {c.variable for c in codebook.comparisons}
    records = []
    gcodes = {var: np.asarray(pd.Categorical(gvals, categories=order).codes, dtype=np.int64)
              for var, _label, gvals, order in groupings}
    for item in items:
        valid, ind, cats, kinds = _item_indicators(df, codebook, item)
        vmask = valid.to_numpy()
        pat = design.codes[vmask]
        head = headline_category(codebook, item)
        for var, label, gvals, order in groupings:
            if item.type == "sociodemographic" and (var != "insgesamt" or item.name in comp_vars):
                if var != "insgesamt":
                    continue
            G = len(order)
            g = gcodes[var][vmask]
            keep = g >= 0
            key = pat[keep] * G + g[keep].astype(np.int64)
            cnt = np.bincount(key, minlength=P * G).reshape(P, G).astype("float64")
            K = len(cats)
            ys = np.zeros((P, G, K))
            for k in range(K):
                ys[:, :, k] = np.bincount(key, weights=ind[keep, k], minlength=P * G).reshape(P, G)
            n_g = cnt.sum(axis=0)
            pr, v = cell_variance(design, cnt, ys)
            lo, hi, how = intervals(pr, v, n_g[:, None], design.n, calibrated)
            pvals = [float("nan")] * K
            if var != "insgesamt" and head is not None and head in cats:
                k = cats.index(head)
                ok = n_g >= thresholds.suppress
                if ok.sum() >= 2:
                    yes = ys[:, ok, k]
                    no = cnt[:, ok] - yes
                    pvals[k] = rao_scott(design, np.hstack([yes, no]), int(ok.sum()))
            for gi, gv in enumerate(order):
                n = int(n_g[gi])
                flag = thresholds.flag(n)
                sup = flag == "/" or n == 0
                for k, cat in enumerate(cats):
                    pct = float(pr[gi, k]) * 100
                    records.append({
                        "item": item.name, "item_text": item.text, "statement": item.statement or "",
                        "block": item.block, "type": item.type, "group_var": var,
                        "group": TOTAL if var == "insgesamt" else f"{label}: {gv}",
                        "group_value": gv, "category": cat, "kind": kinds[k], "n": n,
                        "share": np.nan if sup else pct,
                        "ci_low": np.nan if sup else float(lo[gi, k]) * 100,
                        "ci_high": np.nan if sup else float(hi[gi, k]) * 100,
                        "se": np.nan if sup else float(np.sqrt(v[gi, k])) * 100,
                        "interval": "" if sup else str(how[gi, k]),
                        "flag": flag,
                        "p_value": pvals[k],
                    })
    out = pd.DataFrame.from_records(records)
    out["n"] = out["n"].astype("int64")
    tests = out[out["p_value"].notna()].drop_duplicates(["item", "group_var", "category"])
    adj = pd.Series(benjamini_hochberg(tests["p_value"].to_numpy()),
                    index=pd.MultiIndex.from_frame(tests[["item", "group_var", "category"]]))
    keys = pd.MultiIndex.from_frame(out[["item", "group_var", "category"]])
    out["p_adjusted"] = adj.reindex(keys).to_numpy() if len(adj) else np.nan
    out["significant"] = (out["p_adjusted"] < ALPHA).fillna(False).astype(bool)
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
