"""Weighting and weighted estimates, checked against independent computations."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.weightstats import DescrStatsW

from integrationsbericht.errors import InputError
from integrationsbericht.survey.estimates import Thresholds, _cell_stats, wald_equal_shares, weighted_share
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


def test_weighted_share_hand_computed():
    y = np.array([1, 0, 1, 1.0])
    w = np.array([1, 2, 1, 0.5])
    p, se, n = weighted_share(y, w)
    # p = 2.5 / 4.5; v = n/(n-1) * Σ w²(y-p)² / (Σw)²
    pp = 2.5 / 4.5
    v = 4 / 3 * (1 * (1 - pp) ** 2 + 4 * pp**2 + 1 * (1 - pp) ** 2 + 0.25 * (1 - pp) ** 2) / 4.5**2
    assert n == 4
    assert p == pytest.approx(pp * 100, abs=1e-12)
    assert se == pytest.approx(np.sqrt(v) * 100, abs=1e-12)


def test_weighted_share_matches_statsmodels():
    rng = np.random.default_rng(11)
    n = 500
    y = (rng.random(n) < 0.3).astype(float)
    w = rng.uniform(0.3, 3.0, n)
    p, se, _ = weighted_share(y, w)
    assert p == pytest.approx(DescrStatsW(y, weights=w).mean * 100, rel=1e-12)
    # design-based (linearised) variance = HC1 variance of a weighted regression on a constant
    fit = sm.WLS(y, np.ones(n), weights=w).fit(cov_type="HC1")
    assert se == pytest.approx(float(fit.bse[0]) * 100, rel=1e-9)


def test_cell_stats_by_group_matches_per_group_computation():
    rng = np.random.default_rng(5)
    n = 900
    groups = rng.integers(0, 3, n)
    cat = rng.integers(1, 5, n)
    w = rng.uniform(0.5, 2.5, n)
    ind = np.stack([(cat == k).astype(float) for k in range(1, 5)], axis=1)
    st = _cell_stats(ind, w, groups, 3)
    for g in range(3):
        m = groups == g
        for k in range(4):
            d = DescrStatsW(ind[m, k], weights=w[m])
            assert st["p"][g, k] == pytest.approx(d.mean, rel=1e-12)
            _, se, nn = weighted_share(ind[m, k], w[m])
            assert st["se"][g, k] * 100 == pytest.approx(se, rel=1e-9)
            assert st["n"][g] == nn


def test_wald_test_two_groups_equals_z_test():
    p = np.array([0.40, 0.30])
    se = np.array([0.02, 0.03])
    z = (p[0] - p[1]) / np.sqrt((se**2).sum())
    from scipy import stats

    assert wald_equal_shares(p, se, np.array([500, 400]), 10) == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-9)
    # a suppressed group is left out
    assert np.isnan(wald_equal_shares(p, se, np.array([500, 5]), 10))


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


def test_raking_reproduces_register_margins():
    reg = register_frame()
    margins = margins_from_register(reg)
    s = _sample(1500)
    s.loc[[3, 7], "geschlecht"] = pd.NA  # e.g. "divers" or no answer: weight 1, not raked
    res = rake(s, margins)
    w = res.weights
    ok = res.complete
    assert (~ok).sum() == 2 and (w[~ok] == 1).all()
    assert w[ok].mean() == pytest.approx(1.0, rel=1e-12)
    for key, target in margins.items():
        got = w[ok].groupby([s.loc[ok, c] for c in key]).sum() / w[ok].sum()
        exp = target / target.sum()
        diff = (got.reindex(exp.index) - exp).abs().max()
        assert diff < 1e-6, (key, diff)
    d = res.diagnostics
    assert d["deff"] == pytest.approx(len(w[ok]) * (w[ok] ** 2).sum() / w[ok].sum() ** 2)
    assert d["n_eff"] == pytest.approx(w[ok].sum() ** 2 / (w[ok] ** 2).sum())
    assert d["w_min"] == pytest.approx(w[ok].min()) and d["w_max"] == pytest.approx(w[ok].max())
    assert d["deff"] > 1  # the sample is not proportional to the register


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
