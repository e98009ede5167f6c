"""Survey stage end to end: demo data, prepare/export, suppression everywhere, anonymisation."""

from __future__ import annotations

import re

import hashlib
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.weightstats import DescrStatsW

import integrationsbericht.survey as survey
from integrationsbericht.config import EditionConfig, resolve
from integrationsbericht.project import DEFAULTS
from integrationsbericht.report import markdown_table
from integrationsbericht.demo.survey import DISTRICTS, HTML_ANSWER, PERSONAL, write_survey_demo
from integrationsbericht.survey import charts
from integrationsbericht.survey.open_answers import anonymise, escape_text, load_codeframe, select_quotes

from test_survey_estimates import register_frame

PROJECT_ROOT = Path(__file__).resolve().parents[1]

PLANTED = ["Kowalczyk", "jana.petersen@example.org", "0521 9876543", "Heeper Straße 112", "Miriam",
           "Okonkwo", "Hasselkamp", "mehmet.yilmaz1987", "2345678", "Brzezinski", "Friedrich-Ebert-Str. 7a"]


def _edition(data_dir: Path, **survey_cfg) -> SimpleNamespace:
    cfg = EditionConfig()
    for k, v in survey_cfg.items():
        setattr(cfg.survey, k, v)
    return SimpleNamespace(config=cfg, data_dir=data_dir, demo=True,
                           path=lambda rel: resolve(rel, PROJECT_ROOT), processed_dir=data_dir / "proc")


def _write_register(data_dir: Path) -> None:
    reg = register_frame(districts=DISTRICTS, seed=4)
    (data_dir / "register").mkdir(parents=True, exist_ok=True)
    reg.to_csv(data_dir / "register" / "bezirke.csv", sep=";", index=False, encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    d = tmp_path_factory.mktemp("survey")
    write_survey_demo(d, seed=20251231)
    _write_register(d)
    ed = _edition(d)
    diag = survey.prepare(ed, d / "proc")
    csv = survey.export(d / "proc", d / "downloads")
    return SimpleNamespace(dir=d, diag=diag, csv=csv, res=survey.load(d / "proc"))


def test_demo_is_deterministic_and_labelled(tmp_path):
    a = write_survey_demo(tmp_path / "a", seed=5)
    b = write_survey_demo(tmp_path / "b", seed=5)
    c = write_survey_demo(tmp_path / "c", seed=6)
    for pa, pb in zip(a, b):
        assert pa.read_bytes() == pb.read_bytes()
    assert a[0].read_bytes() != c[0].read_bytes()
    text = a[0].read_text(encoding="utf-8")
    assert text.count("\n") == 2501
    assert all(line.startswith("DEMO-") for line in text.splitlines()[1:])
    assert "DEMODATEN" in a[2].read_text(encoding="utf-8")
    for place in ("Jahnplatz", "Kesselbrink", "Hauptbahnhof", "Siegfriedplatz"):
        assert place in text


def test_prepare_writes_results_and_diagnostics(built):
    proc = built.dir / "proc" / "survey"
    for name in survey.FILES.values():
        assert (proc / name).exists(), name
    diag = json.loads((proc / "diagnostics.json").read_text(encoding="utf-8"))
    w = diag["weighting"]
    assert diag["demo"] is True and diag["n"] == 2500
    assert w["weighted"] is True and w["max_margin_deviation"] < 1e-6
    assert 1 < w["deff"] < 3 and w["n_eff"] < w["n_weighted"]
    assert w["w_min"] > 0 and w["w_max"] / w["w_min"] == pytest.approx(w["w_ratio"])
    resp = pd.read_parquet(proc / "respondents.parquet")
    assert "gewicht" in resp and "f04_besser" not in resp and "f05_diskr_text" not in resp


def test_export_follows_contract(built):
    df = pd.read_csv(built.csv, dtype={"flag": str}, keep_default_na=False)
    assert list(df.columns) == ["item", "group", "category", "n", "share", "ci_low", "ci_high", "flag"]
    assert set(df["flag"]) <= {"", "/", "()"}
    assert sorted(p.name for p in built.csv.parent.iterdir()) == ["befragung.csv", "befragung.xlsx",
                                                                  "befragung_de.csv"]
    assert "DEMO-0" not in built.csv.read_text(encoding="utf-8")  # no respondent records


def test_estimates_match_independent_computation(built):
    resp = pd.read_parquet(built.dir / "proc" / "survey" / "respondents.parquet")
    est = built.res.estimates
    for group in ("mit Einwanderungsgeschichte", "ohne Einwanderungsgeschichte"):
        sub = resp[(resp["einwanderungsgeschichte"] == group) & resp["f05_diskr"].notna()]
        y = sub["f05_diskr"].astype(float).isin([2, 3, 4]).astype(float)
        d = DescrStatsW(y.to_numpy(), weights=sub["gewicht"].to_numpy())
        row = est[(est["item"] == "f05_diskr") & (est["group_value"] == group)
                  & (est["category"] == "mindestens einmal")].iloc[0]
        assert row["share"] == pytest.approx(d.mean * 100, rel=1e-10)
        assert row["n"] == len(sub)
    # multiple response: share of respondents (filter: discriminated), not of answers
    sub = resp[resp["f05_diskr"].isin([2, 3, 4]).fillna(False).astype(bool)]
    d = DescrStatsW(sub["f05_merkmal_herkunft"].astype(float).to_numpy(), weights=sub["gewicht"].to_numpy())
    row = built.res.cell("f05_merkmal", "Herkunft")
    assert row["share"] == pytest.approx(d.mean * 100, rel=1e-10)
    shares = est[(est["item"] == "f05_merkmal") & (est["group"] == "insgesamt")]["share"]
    assert shares.sum() > 100  # several grounds per respondent


def test_demo_relations_are_plausible(built):
    est = built.res.estimates
    sel = est[(est["item"] == "f05_diskr") & (est["category"] == "mindestens einmal")
              & (est["group_var"] == "einwanderungsgeschichte")].set_index("group_value")
    assert sel.loc["mit Einwanderungsgeschichte", "share"] > sel.loc["ohne Einwanderungsgeschichte", "share"] + 15
    assert sel["significant"].all() and sel["p_value"].iloc[0] < 0.001


def test_every_respondent_weighted_and_no_zero_width_interval(built):
    w = built.diag["weighting"]
    assert w["n_weighted"] == w["n"] == 2500 and w["n_fractional"] > 0 and w["n_trimmed"] == 0
    resp = pd.read_parquet(built.dir / "proc" / "survey" / "respondents.parquet")
    other = resp["geschlecht_register"].isna()  # "divers" or no answer
    assert other.sum() == w["n_fractional"] and (resp.loc[other, "gewicht"] != 1).all()
    assert resp["gewicht"].mean() == pytest.approx(1.0)
    # published CSV: every shown share has an interval of positive width that contains it
    df = pd.read_csv(built.csv, dtype={"flag": str}, keep_default_na=False)
    shown = df[df["flag"] != "/"]
    assert len(shown) > 2000
    lo, hi, share = (pd.to_numeric(shown[c]) for c in ("ci_low", "ci_high", "share"))
    assert (hi > lo).all() and (lo <= share).all() and (share <= hi).all()
    zero = shown[pd.to_numeric(shown["share"]) == 0]
    exact = 100 * (1 - 0.025 ** (1 / zero["n"].astype(float)))  # Clopper–Pearson upper limit for 0 of n
    assert len(zero) and (pd.to_numeric(zero["ci_high"]) - exact.round(1)).abs().max() < 0.051


def test_significance_is_rao_scott_with_benjamini_hochberg(built):
    est = built.res.estimates
    tests = est[est["p_value"].notna()].drop_duplicates(["item", "group_var", "category"])
    assert len(tests) >= 100 and (tests["p_adjusted"] >= tests["p_value"] - 1e-15).all()
    sig = est[est["significant"]]
    assert len(sig) and (sig["p_adjusted"] < 0.05).all() and (sig["p_value"] < 0.05).all()
    # the correction removes some nominally significant differences, never adds one
    assert tests["significant"].sum() < (tests["p_value"] < 0.05).sum()
    # tested are exactly the printed comparisons: summary category (or "ja") by each group variable
    assert set(tests["kind"]) <= {"summary", "category"}
    assert set(tests["group_var"]) == {"einwanderungsgeschichte", "bezirk", "altersgruppe", "geschlecht"}


def _published_cells_ok(est: pd.DataFrame, th) -> None:
    small = est["n"] < th.suppress
    assert est.loc[small, ["share", "ci_low", "ci_high"]].isna().all().all()
    assert (est.loc[small, "flag"] == "/").all()
    mid = (est["n"] >= th.suppress) & (est["n"] < th.parentheses)
    assert (est.loc[mid, "flag"] == "()").all()
    assert (est.loc[est["n"] >= th.parentheses, "flag"] == "").all()


def test_no_small_cell_is_published_anywhere(tmp_path):
    write_survey_demo(tmp_path, seed=3, n=300)
    _write_register(tmp_path)
    survey.prepare(_edition(tmp_path), tmp_path / "proc")
    csv = survey.export(tmp_path / "proc", tmp_path / "dl")
    res = survey.load(tmp_path / "proc")
    est = res.estimates
    assert (est["n"] < 10).any() and ((est["n"] >= 10) & (est["n"] < 30)).any()
    _published_cells_ok(est, res.thresholds)
    out = pd.read_csv(csv, dtype={"flag": str}, keep_default_na=False)
    small = out["n"] < 10
    assert (out.loc[small, ["share", "ci_low", "ci_high"]] == "").all().all()
    assert (out.loc[small, "flag"] == "/").all()
    # open answers: counts below the threshold are not published
    oc = res.open_counts
    assert oc.loc[oc["flag"] == "", "count"].min() >= 10
    assert oc.loc[oc["flag"] == "/", "count"].isna().all()
    # chart data tables and alt texts carry "/" for small cells, never a number
    ch = charts.groups(res, "f06_hilfe_zufrieden", "zufrieden (1–2)", "bezirk")
    rows = est[(est["item"] == "f06_hilfe_zufrieden") & (est["category"] == "zufrieden (1–2)")
               & est["group_var"].isin(["insgesamt", "bezirk"])]
    small_rows = (rows["n"] < 10).to_numpy()
    assert small_rows.any()
    # suppressed: no number anywhere, the symbol "/" in the symbol column (shown in the cells)
    assert ch.data.loc[small_rows, ["Anteil in %", "95-%-KI von", "95-%-KI bis"]].isna().all().all()
    assert (ch.data.loc[small_rows, "Zeichen"] == "/").all()
    assert "| / | / | / | / |" in markdown_table(ch.data[small_rows][["Anteil in %", "95-%-KI von",
                                                                          "95-%-KI bis", "Zeichen"]])


def test_fewer_thresholds_configurable(tmp_path):
    write_survey_demo(tmp_path, seed=3, n=300)
    _write_register(tmp_path)
    survey.prepare(_edition(tmp_path, min_n_suppress=50, min_n_parentheses=100), tmp_path / "proc")
    res = survey.load(tmp_path / "proc")
    _published_cells_ok(res.estimates, res.thresholds)
    assert res.thresholds.suppress == 50


def test_without_register_results_are_labelled_unweighted(tmp_path):
    write_survey_demo(tmp_path, seed=3, n=200)
    diag = survey.prepare(_edition(tmp_path), tmp_path / "proc")
    assert diag["weighting"]["weighted"] is False
    assert "Registerauszug" in diag["weighting"]["reason"]
    assert not survey.load(tmp_path / "proc").weighted


def test_absent_survey_is_skipped(tmp_path):
    (tmp_path / "proc" / "survey").mkdir(parents=True)
    (tmp_path / "proc" / "survey" / "estimates.parquet").write_bytes(b"stale")
    assert survey.prepare(_edition(tmp_path), tmp_path / "proc")["status"] == "absent"
    assert not (tmp_path / "proc" / "survey").exists()
    assert survey.export(tmp_path / "proc", tmp_path / "dl") is None


def test_anonymisation_removes_planted_personal_data():
    for text in PERSONAL:
        out = anonymise(text)
        for planted in PLANTED:
            assert planted not in out, (text, out)
    assert anonymise("Am Jahnplatz im Jahr 2022, Linie 4") == "Am Jahnplatz im Jahr 2022, Linie 4"


def test_quotes_are_anonymised_and_escaped(built):
    quotes = built.res.quotes
    assert len(quotes) >= 3
    # quotes are escaped Markdown: compare the text they show
    blob = re.sub(r"\\(.)", r"\1", " ".join(quotes["quote"]))
    for planted in PLANTED:
        assert planted not in blob
    frame = load_codeframe(DEFAULTS / "config" / "offene_antworten.yml")
    df = pd.DataFrame({"f04_besser": [HTML_ANSWER, "<b>Mehr Begegnung</b> am Kesselbrink, Herr Kowalczyk!"]})
    q = select_quotes(df, frame)
    assert len(q) >= 1
    for quote in q["quote"]:
        assert not re.search(r"(?<!\\)[<>]", quote)  # every angle bracket escaped
        assert "Kowalczyk" not in quote
    assert escape_text("<script>alert(1)</script>") == "\\<script\\>alert\\(1\\)\\</script\\>"


def test_place_counts_name_real_places(built):
    oc = built.res.open_counts
    places = oc[oc["item"] == "f04_ort_vielfalt_text"]
    assert {"Jahnplatz", "Siegfriedplatz", "Kesselbrink"} <= set(places["category"])


def test_charts_have_alt_text_data_and_are_deterministic(built, tmp_path):
    from integrationsbericht.figures import save

    res = built.res
    made = [
        charts.likert(res, ["f01_zugehoerig", "f01_vielfalt"]),
        charts.frequency(res, ["f08_verst_amt", "f08_verst_arzt"]),
        charts.groups(res, "f05_diskr", "mindestens einmal", "einwanderungsgeschichte"),
        charts.multiple(res, "f05_merkmal"),
        charts.open_counts(res, "f04_ort_vielfalt_text"),
    ]
    for i, ch in enumerate(made):
        assert len(ch.alt) > 40 and not ch.data.empty
        assert "%" in ch.alt or "Nennungen" in ch.alt
        save(ch.fig, tmp_path / f"a{i}")
    again = charts.groups(res, "f05_diskr", "mindestens einmal", "einwanderungsgeschichte")
    save(again.fig, tmp_path / "b2")
    h = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    assert h(tmp_path / "a2.svg") == h(tmp_path / "b2.svg")
    assert h(tmp_path / "a2.png") == h(tmp_path / "b2.png")
