"""Weighting and weighted estimates, checked against independent computations."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.weightstats import DescrStatsW

from integrationsbericht.errors import InputError
from integrationsbericht.survey.estimates import (ZERO_VARIANCE, Design, Thresholds, benjamini_hochberg,
                                                  cell_variance, intervals, rao_scott)
from integrationsbericht.survey.weighting import diagnostics, margins_from_register, rake

AGES = ["unter 6", "6 bis unter 18", "18 bis unter 30", "30 bis unter 45", "45 bis unter 65", "65 und älter"]
ADULT = AGES[2:]


def register_frame(districts=("Mitte", "Senne", "Heepen"), seed=3, stichtag="31.12.2025"):
    rng = np.random.default_rng(seed)
    rows = []
    for b, a, g, s, m in itertools.product(districts, AGES, ["männlich", "weiblich"],
                                           ["deutsch", "ausländisch"], ["ja", "nein"]):
        base = 2000 if s == "deutsch" else 400
        rows.append({"stichtag": stichtag, "bezirk": b, "altersgruppe": a, "geschlecht": g,
                     "staatsangehoerigkeit": s, "migrationshintergrund": m,
                     "anzahl": int(base * rng.uniform(0.5, 1.5))})
    return pd.DataFrame(rows)


def _fixed_var(y, w):
    """(p, v) of one share with fixed weights, through the estimator (one domain)."""
    d = Design.fixed(w)
    P = d.n_patterns
    cnt = np.bincount(d.codes, minlength=P).astype(float)[:, None]
    ys = np.bincount(d.codes, weights=y, minlength=P)[:, None, None]
    p, v = cell_variance(d, cnt, ys)
    return float(p[0, 0]), float(v[0, 0])


def test_fixed_weight_variance_hand_computed():
    y = np.array([1, 0, 1, 1.0])
    w = np.array([1, 2, 1, 0.5])
    p, v = _fixed_var(y, w)
    pp = 2.5 / 4.5
    exp = 4 / 3 * (1 * (1 - pp) ** 2 + 4 * pp**2 + 1 * (1 - pp) ** 2 + 0.25 * (1 - pp) ** 2) / 4.5**2
    assert p == pytest.approx(pp, abs=1e-12)
    assert v == pytest.approx(exp, rel=1e-12)


def test_fixed_weight_variance_matches_statsmodels():
    rng = np.random.default_rng(11)
    n = 500
    y = (rng.random(n) < 0.3).astype(float)
    w = rng.uniform(0.3, 3.0, n)
    p, v = _fixed_var(y, w)
    assert p == pytest.approx(DescrStatsW(y, weights=w).mean, rel=1e-12)
    # linearised variance with fixed weights = HC1 variance of a weighted regression on a constant
    fit = sm.WLS(y, np.ones(n), weights=w).fit(cov_type="HC1")
    assert np.sqrt(v) == pytest.approx(float(fit.bse[0]), rel=1e-9)


def _calibrated_case(n=600, seed=4):
    reg = register_frame()
    s = _sample(n, seed=seed)
    s.loc[s.index[:15], "geschlecht"] = pd.NA
    res = rake(s, margins_from_register(reg))
    design = Design.calibrated(res.weights.to_numpy(), res.calibration.codes, res.calibration.x)
    return s, res, design


def test_calibrated_variance_equals_residual_formula_per_respondent():
    """Pattern-table sums give the same variance as the per-respondent GREG residuals."""
    s, res, design = _calibrated_case()
    rng = np.random.default_rng(2)
    y = (rng.random(len(s)) < 0.4).astype(float)
    dom = (s["bezirk"] == "Senne").to_numpy()
    w = res.weights.to_numpy()
    X = res.calibration.x[res.calibration.codes]
    p = (w * y * dom).sum() / (w * dom).sum()
    z_over_w = (y - p) * dom / (w * dom).sum()
    beta = np.linalg.lstsq(X, z_over_w, rcond=None)[0]
    e = w * (z_over_w - X @ beta)
    n = len(s)
    v_exp = n / (n - 1) * ((e - e.mean()) ** 2).sum()
    P = design.n_patterns
    cnt = np.bincount(design.codes, weights=dom.astype(float), minlength=P)[:, None]
    ys = np.bincount(design.codes, weights=y * dom, minlength=P)[:, None, None]
    pp, v = cell_variance(design, cnt, ys)
    assert pp[0, 0] == pytest.approx(p, rel=1e-12)
    assert v[0, 0] == pytest.approx(v_exp, rel=1e-8)
    # a share the weighting fixes (a district, all respondents) has variance 0
    cnt_all = np.bincount(design.codes, minlength=P).astype(float)[:, None]
    ys_d = np.bincount(design.codes, weights=dom.astype(float), minlength=P)[:, None, None]
    _, v0 = cell_variance(design, cnt_all, ys_d)
    assert v0[0, 0] < ZERO_VARIANCE


def test_korn_graubard_and_clopper_pearson_limits():
    from scipy import stats

    # Korn–Graubard: Clopper–Pearson with n* = p(1-p)/v, df-corrected (domain 50 of 1000)
    p, v = 0.1, 0.0009
    lo, hi, how = intervals(np.array([p]), np.array([v]), np.array([50]), 1000, True)
    n_eff = p * (1 - p) / v * (stats.t.ppf(0.025, 999) / stats.t.ppf(0.025, 49)) ** 2
    assert lo[0] == pytest.approx(stats.beta.ppf(0.025, n_eff * p, n_eff * (1 - p) + 1), rel=1e-10)
    assert hi[0] == pytest.approx(stats.beta.ppf(0.975, n_eff * p + 1, n_eff * (1 - p)), rel=1e-10)
    assert how[0] == "Korn-Graubard"
    # 0 % and 100 %: exact (Clopper–Pearson) interval at the unweighted n, never zero width
    lo, hi, how = intervals(np.array([0.0, 1.0]), np.array([0.0, 0.0]), np.array([94, 30]), 2500, True)
    ci0 = stats.binomtest(0, 94).proportion_ci(0.95, method="exact")
    ci1 = stats.binomtest(30, 30).proportion_ci(0.95, method="exact")
    assert (lo[0], hi[0]) == pytest.approx((ci0.low, ci0.high), abs=1e-12)
    assert (lo[1], hi[1]) == pytest.approx((ci1.low, ci1.high), abs=1e-12)
    assert list(how) == ["Clopper-Pearson"] * 2 and hi[0] > 0.03


def test_rao_scott_without_weights_is_close_to_pearson():
    from scipy.stats import chi2_contingency

    rng = np.random.default_rng(8)
    n = 3000
    g = rng.integers(0, 4, n)
    y = (rng.random(n) < np.array([0.30, 0.33, 0.36, 0.30])[g]).astype(int)
    d = Design.fixed(np.ones(n))
    N = np.stack([((g == k) & (y == 1)).sum() for k in range(4)] + [((g == k) & (y == 0)).sum() for k in range(4)])
    p = rao_scott(d, N[None, :].astype(float), 4)
    tab = np.array([[((g == k) & (y == b)).sum() for b in (1, 0)] for k in range(4)])
    _, p_pearson, _, _ = chi2_contingency(tab, correction=False)
    assert p == pytest.approx(p_pearson, rel=0.02)


def test_benjamini_hochberg():
    p = np.array([0.01, 0.04, 0.03, np.nan, 0.20])
    q = benjamini_hochberg(p)
    # sorted 0.01, 0.03, 0.04, 0.20 (m = 4): 0.04, 0.04*4/3 -> min with 0.04*4/3, 0.04*4/3, 0.20
    assert q[0] == pytest.approx(0.04)
    assert q[2] == pytest.approx(0.04 * 4 / 3) and q[1] == pytest.approx(0.04 * 4 / 3)
    assert np.isnan(q[3]) and q[4] == pytest.approx(0.20)


def test_margins_from_register_adults_latest_date_no_city_total():
    reg = pd.concat([register_frame(stichtag="31.12.2024", seed=1), register_frame(seed=2)])
    total = reg[reg["stichtag"] == "31.12.2025"].copy()
    city = total.groupby(["stichtag", "altersgruppe", "geschlecht", "staatsangehoerigkeit",
                          "migrationshintergrund"], as_index=False)["anzahl"].sum()
    city["bezirk"] = "Gesamtstadt"
    m = margins_from_register(pd.concat([reg, city]))
    adults = total[total["altersgruppe"].isin(ADULT)]
    assert set(m) == {("altersgruppe", "geschlecht"), ("bezirk",), ("staatsangehoerigkeit",)}
    assert m[("bezirk",)].sum() == adults["anzahl"].sum()
    assert m[("bezirk",)]["Senne"] == adults.loc[adults["bezirk"] == "Senne", "anzahl"].sum()
    assert set(m[("altersgruppe", "geschlecht")].index.get_level_values(0)) == set(ADULT)
    older = margins_from_register(reg, "31.12.2024")
    assert older[("bezirk",)].attrs["stichtag"] == "31.12.2024"
    with pytest.raises(InputError, match="keinen Stichtag 31.12.2019"):
        margins_from_register(reg, "31.12.2019")


def _sample(n, seed=9, districts=("Mitte", "Senne", "Heepen")):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "altersgruppe": rng.choice(ADULT, n, p=[0.1, 0.2, 0.4, 0.3]),
        "geschlecht": rng.choice(["männlich", "weiblich"], n, p=[0.4, 0.6]),
        "bezirk": rng.choice(list(districts), n, p=[0.5, 0.2, 0.3]),
        "staatsangehoerigkeit": rng.choice(["deutsch", "ausländisch"], n, p=[0.92, 0.08]),
    })


def test_raking_reproduces_register_margins_with_every_respondent():
    reg = register_frame()
    margins = margins_from_register(reg)
    s = _sample(1500)
    s.loc[[3, 7], "geschlecht"] = pd.NA  # e.g. "divers" or no answer: fractional, still raked
    res = rake(s, margins)
    w = res.weights
    ok = res.complete
    assert (~ok).sum() == 2 and res.diagnostics["n_fractional"] == 2
    assert w.mean() == pytest.approx(1.0, rel=1e-12) and (w[~ok] != 1).all()
    # weighted totals of the calibration variables (fractional for unknown sex) hit the register
    x = res.calibration.x[res.calibration.codes]
    totals = np.concatenate([m.to_numpy() for m in margins.values()])
    pop = next(iter(margins.values())).sum()
    assert np.max(np.abs(x.T @ w.to_numpy() / w.sum() - totals / pop)) < 1e-12
    for key in (("bezirk",), ("staatsangehoerigkeit",)):  # margins everyone has: exact shares
        got = w.groupby([s[c] for c in key]).sum() / w.sum()
        exp = margins[key] / margins[key].sum()
        assert (got.reindex(exp.index) - exp).abs().max() < 1e-12
    d = res.diagnostics
    assert d["deff"] == pytest.approx(len(w) * (w ** 2).sum() / w.sum() ** 2)
    assert d["n_eff"] == pytest.approx(w.sum() ** 2 / (w ** 2).sum())
    assert d["w_min"] == pytest.approx(w.min()) and d["w_max"] == pytest.approx(w.max())
    assert d["deff"] > 1 and d["n_trimmed"] == 0
    # a respondent with unknown sex counts for men and women of the age group as in the register
    age = s.loc[3, "altersgruppe"]
    m = margins[("altersgruppe", "geschlecht")]
    xi = res.calibration.x[res.calibration.codes[3], :len(m)]
    assert xi[list(m.index).index((age, "männlich"))] == pytest.approx(m[(age, "männlich")] / m[age].sum())


def test_raking_equals_ipf_of_ipfn_for_complete_data():
    """For complete indicator data, raking calibration is iterative proportional fitting:
    the weights equal those of the ipfn package (cross-check with a kept library)."""
    from ipfn import ipfn

    reg = register_frame()
    margins = margins_from_register(reg)
    s = _sample(900, seed=21)
    res = rake(s, margins)
    cols = ["altersgruppe", "geschlecht", "bezirk", "staatsangehoerigkeit"]
    cats = [sorted(set(s[c])) for c in cols]
    codes = np.stack([pd.Categorical(s[c], categories=k).codes for c, k in zip(cols, cats)], axis=1)
    shape = tuple(len(k) for k in cats)
    flat = np.ravel_multi_index(codes.T, shape)
    sample = np.bincount(flat, minlength=int(np.prod(shape))).reshape(shape).astype(float)
    aggs = [margins[("altersgruppe", "geschlecht")].unstack().reindex(index=cats[0], columns=cats[1]).to_numpy(),
            margins[("bezirk",)].reindex(cats[2]).to_numpy(), margins[("staatsangehoerigkeit",)].reindex(cats[3]).to_numpy()]
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        fitted = ipfn.ipfn(sample.copy(), aggs, [[0, 1], [2], [3]], convergence_rate=1e-14,
                           max_iteration=5000, rate_tolerance=0.0).iteration()
    w_ipf = (fitted / np.where(sample > 0, sample, 1)).reshape(-1)[flat]
    w_ipf = w_ipf / w_ipf.mean()
    assert np.max(np.abs(w_ipf - res.weights.to_numpy())) < 1e-9


def test_raking_gives_same_weight_within_cell():
    reg = register_frame()
    s = _sample(800)
    res = rake(s, margins_from_register(reg))
    per_cell = res.weights.groupby([s[c] for c in s.columns]).nunique()
    assert (per_cell == 1).all()


def test_raking_fails_clearly_on_empty_margin_cell():
    reg = register_frame()
    s = _sample(600)
    s = s[s["bezirk"] != "Senne"]
    with pytest.raises(InputError, match="keine Befragten mit bezirk = Senne"):
        rake(s, margins_from_register(reg))


def test_raking_rejects_unknown_category():
    reg = register_frame()
    s = _sample(600)
    s.loc[0, "bezirk"] = "Bielefeld-Mitte"
    with pytest.raises(InputError, match="Bielefeld-Mitte"):
        rake(s, margins_from_register(reg))


def test_diagnostics_equal_weights():
    d = diagnostics(np.ones(50))
    assert d["deff"] == pytest.approx(1.0) and d["n_eff"] == pytest.approx(50.0)


def test_thresholds_flags():
    t = Thresholds(10, 30)
    assert [t.flag(n) for n in (0, 9, 10, 29, 30)] == ["/", "/", "()", "()", ""]
