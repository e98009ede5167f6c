"""Demo GENESIS tables: determinism, internal consistency, and layout equal to the real exports."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from integrationsbericht.demo import genesis as demo_genesis
from integrationsbericht.demo import model
from integrationsbericht.sources.genesis import read_genesis

PROJECT_ROOT = Path(__file__).resolve().parents[1]
COMMITTED = PROJECT_ROOT / "data" / "raw" / "genesis"
PERIOD_RE = re.compile(r"^(?:\d{2}\.\d{2}\.\d{4}|\d{4})$")
AGS_RE = re.compile(r"^(?:DG|\d{2}|\d{3}|\d{5}|\d{8})$")
NRW_KREISE = ("05116", "05124", "05314", "05513", "05515", "05711", "05754", "05758", "05911")


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "genesis"
    demo_genesis.write_genesis_demo(out)
    return out


@pytest.fixture(scope="session")
def tables(demo_dir) -> dict[str, pd.DataFrame]:
    """Every demo file read with the project's GENESIS reader, keyed by table code."""
    out = {}
    for path in sorted(demo_dir.glob("*.csv")):
        df = read_genesis(path)
        out[df.attrs["meta"]["code"]] = df
    return out


def cell(df: pd.DataFrame, **where) -> pd.Series:
    mask = pd.Series(True, index=df.index)
    for col, val in where.items():
        mask &= df[col] == val
    return df[mask]


def pivot(df: pd.DataFrame, index: list[str], column: str = "column") -> pd.DataFrame:
    """Wide table, columns in file order."""
    wide = df.pivot_table(index=index, columns=column, values="value", aggfunc="first", dropna=False)
    return wide[list(dict.fromkeys(df[column]))]


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_identical_bytes_in_a_fresh_process(demo_dir, tmp_path):
    out = tmp_path / "raw"
    code = ("import sys; from pathlib import Path; from integrationsbericht.demo.genesis import "
            "write_genesis_demo; write_genesis_demo(Path(sys.argv[1]) / 'genesis')")
    env = {**os.environ, "PYTHONHASHSEED": "123"}
    subprocess.run([sys.executable, "-c", code, str(out)], check=True, env=env, cwd=tmp_path)
    first = {p.name: p.read_bytes() for p in demo_dir.glob("*.csv")}
    second = {p.name: p.read_bytes() for p in (out / "genesis").glob("*.csv")}
    assert len(first) == len(demo_genesis.TABLES) == 18
    assert first == second


def test_generate_writes_genesis_tables_and_skips_absent_generators(demo_dir, tmp_path, monkeypatch):
    import integrationsbericht.demo as demo

    # the register and survey generators are tested with their own modules
    monkeypatch.setattr(demo, "_OPTIONAL", (("not_written_yet", "write_not_written_yet_demo"),))
    written = demo.generate(tmp_path)
    genesis = [p for p in written if p.parent == tmp_path / "genesis"]
    assert [p.name for p in genesis] == [p.name for p in written[: len(genesis)]]
    assert sorted(p.name for p in genesis) == sorted(p.name for p in demo_dir.glob("*.csv"))
    assert all(p.read_bytes() == (demo_dir / p.name).read_bytes() for p in genesis)
    assert all(p.is_file() for p in written)


def test_committed_demo_files_are_current(demo_dir):
    generated = {p.name: p.read_bytes() for p in demo_dir.glob("*.csv")}
    committed = {p.name: p.read_bytes() for p in COMMITTED.glob("*.csv")}
    assert sorted(committed) == sorted(generated), "data/raw/genesis mit `integrationsbericht demo-data` neu erzeugen"
    stale = [name for name in generated if generated[name] != committed[name]]
    assert not stale, f"veraltete Demodateien: {stale}"
    assert sum(len(b) for b in committed.values()) < 1_500_000


def test_other_seed_changes_numbers_not_layout():
    _, a, _ = demo_genesis.render_table("12411-03-03-4", seed=2025)
    _, b, _ = demo_genesis.render_table("12411-03-03-4", seed=7)
    assert a != b
    assert a.splitlines()[:8] == b.splitlines()[:8]
    labels = lambda text: [line.split(";")[:4] for line in text.splitlines()[8:]]  # noqa: E731
    assert labels(a) == labels(b)


# --------------------------------------------------------------------------- regions, periods


def test_every_file_has_all_regions_and_the_series(tables):
    expected = [r.ags for r in model.REGIONS]
    for code, df in tables.items():
        seen = list(dict.fromkeys(df["ags"]))
        assert seen == expected, code
        years = sorted(df["year"].unique())
        if code.startswith("12111") or code == "AI-Z1-2011":
            assert years == [2011] and set(df["period"]) == {"09.05.2011"}, code
        else:
            assert years == list(range(2011, 2026)), code
    stichtag = {"12411-01-01-4": "31.12.", "12411-02-03-4": "31.12.", "12411-03-03-4": "31.12.",
                "13111-01-03-4": "30.06.", "13111-02-02-4": "30.06.", "22543-01-02-4": "01.03.",
                "22811-02-02-4": "31.12.", "21111-01-03-4": "", "21121-01-05-4": "",
                "13211-02-05-4": "", "12511-01-01-4": ""}
    for code, prefix in stichtag.items():
        assert tables[code]["period"].str.fullmatch(re.escape(prefix) + r"20\d\d").all(), code


def test_demo_notice_and_encodings(demo_dir):
    for path in demo_dir.glob("*.csv"):
        raw = path.read_bytes()
        if path.name in ("12511-01-01-4.csv", "21111-02-06-4.csv"):
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
            text = raw.decode("iso-8859-1")
        else:
            text = raw.decode("utf-8")
        footer = text.split("\n__________\n", 1)[1]
        assert "Demodaten" in footer and "keine amtlichen Zahlen" in footer, path.name
        assert re.search(r"^Stand: \d{2}\.\d{2}\.\d{4} / \d{2}:\d{2}:\d{2}$", footer, re.M), path.name


def test_official_symbols_occur(tables):
    flags = set().union(*(set(df["flag"].dropna()) for df in tables.values()))
    assert {"-", ".", "x", "/"} <= flags


# --------------------------------------------------------------------------- consistency


def test_population_totals_add_up(tables):
    df = tables["12411-03-03-4"]
    assert df["flag"].isna().all()
    wide = pivot(df, ["ags", "year", "rowdim"])
    for nat in ("Insgesamt", "Deutsche", "Ausländer(innen)"):
        assert (wide[f"{nat} | männlich"] + wide[f"{nat} | weiblich"] == wide[f"{nat} | Insgesamt"]).all()
    for sex in ("Insgesamt", "männlich", "weiblich"):
        assert (wide[f"Deutsche | {sex}"] + wide[f"Ausländer(innen) | {sex}"] == wide[f"Insgesamt | {sex}"]).all()
    ages = wide.drop(index="Insgesamt", level="rowdim").groupby(level=["ags", "year"]).sum()
    totals = wide.xs("Insgesamt", level="rowdim")
    pd.testing.assert_frame_equal(ages, totals, check_names=False)
    tot = totals["Insgesamt | Insgesamt"].unstack("year")
    assert (tot.loc["05"] >= tot.loc[list(NRW_KREISE)].sum()).all()
    assert (tot.loc["057"] >= tot.loc[["05711", "05754", "05758"]].sum()).all()
    assert (tot.loc["DG"] > 1.05 * tot.loc["05"] * 4).all()
    assert (totals["Ausländer(innen) | Insgesamt"] <= totals["Insgesamt | Insgesamt"]).all()


def test_population_tables_agree_with_each_other(tables):
    t21 = cell(tables["12411-03-03-4"], rowdim="Insgesamt").set_index(["ags", "year", "column"])["value"]
    t01 = tables["12411-01-01-4"].set_index(["ags", "year", "column"])["value"]
    for sex in ("Insgesamt", "männlich", "weiblich"):
        a = t21.xs(f"Insgesamt | {sex}", level="column")
        b = t01.xs(sex, level="column")  # the period is the top header level there
        pd.testing.assert_series_equal(a.sort_index(), b.sort_index(), check_names=False)
    t17 = pivot(tables["12411-02-03-4"], ["ags", "year", "rowdim"])
    t21w = pivot(tables["12411-03-03-4"], ["ags", "year", "rowdim"])
    for age in ("unter 3 Jahre", "3 bis unter 6 Jahre", "60 bis unter 65 Jahre", "Insgesamt"):
        a = t17.xs(age, level="rowdim")["Insgesamt"]
        b = t21w.xs(age, level="rowdim")["Insgesamt | Insgesamt"]
        assert (a == b).all(), age
    older = t21w.xs("65 bis unter 70 Jahre", level="rowdim") + t21w.xs("70 bis unter 75 Jahre", level="rowdim")
    assert (t17.xs("65 bis unter 75 Jahre", level="rowdim")["männlich"] == older["Insgesamt | männlich"]).all()


def test_bielefeld_shape(tables):
    wide = pivot(cell(tables["12411-03-03-4"], ags="05711", rowdim="Insgesamt"), ["year"])
    pop = wide["Insgesamt | Insgesamt"]
    share = wide["Ausländer(innen) | Insgesamt"] / pop * 100
    assert 320_000 <= pop[2011] <= 336_000 and 333_000 <= pop[2025] <= 347_000
    assert 11.0 <= share[2011] <= 13.0 and 19.0 <= share[2025] <= 21.0
    assert 15.5 <= share[2020] <= 17.5  # DOMAIN: 16,4 % on 31.12.2020
    step = share.diff()
    assert step[2015] > step[2013] and step[2015] > step[2019]
    assert step[2022] > step[2020] and step[2022] > step[2024]


def test_regionalatlas_foreign_share_matches_counts(tables):
    counts = pivot(cell(tables["12411-03-03-4"], rowdim="Insgesamt"), ["ags", "year"])
    expected = (counts["Ausländer(innen) | Insgesamt"] / counts["Insgesamt | Insgesamt"] * 100).round(1)
    atlas = cell(tables["AI002-1"], h1="Anteil Ausländer an der Gesamtbevölkerung").set_index(["ags", "year"])["value"]
    pd.testing.assert_series_equal(atlas.sort_index(), expected.sort_index(), check_names=False, atol=0.051)
    growth = cell(tables["AI002-1"], h1="Zunahme(+)/Abnahme(-) der Bevölkerung je 10.000 EW")
    assert set(growth.loc[growth["year"] == 2011, "flag"]) == {"x"}
    atlas_w = pivot(tables["AI002-1"], ["ags", "year"], "h1").dropna()
    balance = atlas_w["Geburten-/Gestorbenenüberschuss je 10.000 Einw."] + atlas_w["Wanderungssaldo je 10.000 Einwohner"]
    assert (balance - atlas_w["Zunahme(+)/Abnahme(-) der Bevölkerung je 10.000 EW"]).abs().max() <= 0.15


def test_migration_and_naturalisation_tables_add_up(tables):
    mig = pivot(tables["12711-03-02-4"], ["ags", "year", "rowdim"])
    assert (mig.xs("Deutsche", level="rowdim") + mig.xs("Ausländer(innen)", level="rowdim")
            == mig.xs("Insgesamt", level="rowdim")).all().all()
    flows = sorted({c.rsplit(" | ", 1)[0] for c in mig.columns})
    for flow in flows:
        assert (mig[f"{flow} | männlich"] + mig[f"{flow} | weiblich"] == mig[f"{flow} | Insgesamt"]).all()
    nat = pivot(tables["12511-01-01-4"], ["ags", "year"], "h3")
    assert (nat.drop(columns="Insgesamt").sum(axis=1) == nat["Insgesamt"]).all()


def test_labour_market_gaps(tables):
    al = pivot(tables["13211-02-05-4"], ["ags", "year"])
    total = al["Arbeitslosenquote bez. auf alle zivile Erwerbsp."]
    foreign = al["Arbeitslosenquote bez. auf alle zivile Erwerbsp. | Ausländer"]
    ratio = (foreign / total).drop(index="057", level="ags")
    assert ratio.between(1.8, 3.3).all()
    assert ratio.groupby(level="ags").mean().round(2).nunique() > 3  # differs between cities
    rb = cell(tables["13211-02-05-4"], ags="057", unit="Prozent")
    assert set(rb["flag"]) == {"."}
    atlas = pivot(tables["AI008-1"], ["ags", "year"], "h1")
    both = pd.concat([atlas["Arbeitslosenquote"], total], axis=1).dropna()
    assert (both.iloc[:, 0] == both.iloc[:, 1]).all()
    share_a = (al["Arbeitslose | Ausländer"] / al["Arbeitslose"] * 100).round(1)
    assert (atlas["Anteil arbeitslose Ausländer an Arbeitslosen insg."] - share_a).abs().max() <= 0.051

    emp = pivot(tables["13111-02-02-4"], ["ags", "year"])
    pop = pivot(cell(tables["12411-03-03-4"], rowdim="Insgesamt"), ["ags", "year"])
    work = pivot(tables["12411-03-03-4"][tables["12411-03-03-4"]["rowdim"].isin(
        [g for g in model.AGE_GROUPS if 15 <= model.AGE_BOUNDS[model.AGE_GROUPS.index(g)][0] < 65])],
        ["ags", "year", "rowdim"]).groupby(level=["ags", "year"]).sum()
    assert len(pop) == len(work)
    emp_a = emp["Nationalität | Ausländer(innen) | Geschlecht | Insgesamt"] / work["Ausländer(innen) | Insgesamt"]
    emp_d = ((emp["Nationalität | Insgesamt | Geschlecht | Insgesamt"]
              - emp["Nationalität | Ausländer(innen) | Geschlecht | Insgesamt"]) / work["Deutsche | Insgesamt"])
    assert (emp_a < emp_d).all() and emp_d.between(0.45, 0.75).all() and emp_a.between(0.2, 0.6).all()
    place = pivot(tables["13111-01-03-4"], ["ags", "year"])
    assert (place.loc["05711"].iloc[:, 0] > emp.loc["05711"].iloc[:, 0]).all()  # in-commuting city


def test_sgb2_and_schools(tables):
    sgb = pivot(tables["22811-02-02-4"], ["ags", "year"], "h3")
    sgb_full = pivot(tables["22811-02-02-4"], ["ags", "year"])
    assert (sgb_full.iloc[:, 1] == sgb_full.iloc[:, 4] + sgb_full.iloc[:, 10]).all()  # RLB = ELB + NEF
    assert (sgb_full.iloc[:, 4] == sgb_full.iloc[:, 6:10].sum(axis=1)).all()  # ELB by age
    assert (sgb_full.iloc[:, 0] >= sgb_full.iloc[:, 1]).all()
    under65 = tables["12411-03-03-4"][tables["12411-03-03-4"]["rowdim"].isin(
        [g for g in model.AGE_GROUPS if model.AGE_BOUNDS[model.AGE_GROUPS.index(g)][0] < 65])]
    u65 = pivot(under65, ["ags", "year", "rowdim"]).groupby(level=["ags", "year"]).sum()
    rate_a = sgb["Ausländer(innen)"] / u65["Ausländer(innen) | Insgesamt"]
    rate_d = (sgb_full.iloc[:, 1] - sgb["Ausländer(innen)"]) / u65["Deutsche | Insgesamt"]
    assert (rate_a > 2 * rate_d).all()

    school = pivot(tables["21111-01-03-4"], ["ags", "year", "rowdim"], "h3").fillna(0)
    parts = school.drop(index="Insgesamt", level="rowdim").groupby(level=["ags", "year"]).sum()
    tot = school.xs("Insgesamt", level="rowdim")
    for col in ("Insgesamt", "weiblich", "Ausländer(innen)", "7. Klassenstufe"):
        assert (parts[col] == tot[col]).all(), col
    gym = school.xs("Gymnasien", level="rowdim")
    assert (gym["Ausländer(innen)"] / tot["Ausländer(innen)"] < gym["Insgesamt"] / tot["Insgesamt"]).all()

    leavers = pivot(tables["21111-02-06-4"], ["ags", "year"])
    total = leavers["Schulabschluss | Insgesamt | Insgesamt"]
    parts = sum(leavers[f"Schulabschluss | {k} | Insgesamt"] for k in (
        "ohne Hauptschulabschluss", "mit Hauptschulabschluss", "mit Mittlerem Abschluss",
        "mit Fachhochschulreife", "mit allgemeiner Hochschulreife"))
    assert (parts == total).all()

    kita = pivot(tables["22543-01-02-4"], ["ags", "year", "rowdim"])
    ages = [c for c in kita.columns if "Altersgruppe" in c]
    assert (kita[ages].sum(axis=1) == kita["Betreute Kinder"]).all()


def test_zensus_tables_agree(tables):
    z = pivot(tables["12111-07-01-4"], ["ags", "rowdim"])
    dg = z.loc["DG"]
    assert (dg.iloc[:, 0] == dg.iloc[:, 1] + dg.iloc[:, 4]).all()  # Deutsche + Ausländer
    assert (dg.iloc[:, 1] == dg.iloc[:, 2] + dg.iloc[:, 3]).all()  # ohne + mit MH
    atlas = pivot(tables["AI-Z1-2011"], ["ags"], "h1")
    for ags in ("DG", "05", "057"):
        row = z.loc[(ags, "Insgesamt")]
        share = round((row.iloc[3] + row.iloc[4]) / row.iloc[0] * 100, 1)
        assert atlas.loc[ags, "Anteil Personen mit MHG an der Gesamtbevölkerung"] == pytest.approx(share, abs=0.051)
    zen = pivot(tables["12111-01-01-4"], ["ags"])
    assert (zen.iloc[:, 0] == zen.iloc[:, 3] + zen.iloc[:, 6]).all()


# --------------------------------------------------------------------------- layout vs real exports


def _layout(path: Path) -> dict:
    raw = path.read_bytes()
    try:
        text, enc = raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, enc = raw.decode("iso-8859-1"), "iso-8859-1"
    head, footer = text.split("\n__________\n", 1)
    lines = head.split("\n")
    title, header, regions, rowdims = [], [], {}, set()
    period_lines = 0
    for line in lines[1:]:
        cells = line.split(";")
        if PERIOD_RE.match(cells[0]) and not any(cells[1:]):
            period_lines += 1
        elif line.startswith(";"):
            header.append(cells)
        elif AGS_RE.match(cells[0]) or (PERIOD_RE.match(cells[0]) and len(cells) > 1 and AGS_RE.match(cells[1])):
            off = 0 if AGS_RE.match(cells[0]) else 1
            regions.setdefault(cells[off], cells[off + 1])
            lead = len(header[-1]) - len(";".join(header[-1]).lstrip(";").split(";"))  # label columns
            if lead - off == 3:  # [period;]AGS;region;row dimension;values…
                rowdims.add(cells[off + 2])
        else:
            title.append(line.rstrip(";"))
    columns = list(zip(*[[("<P>" if PERIOD_RE.match(c) else c) for c in row] for row in header]))
    blocks = re.findall(r'"(?:[^"]|"")*"|[^\n]+', footer)
    kinds = ["notes" if b.startswith('"') and not b.startswith('"©') else
             "copyright" if b.startswith('"©') else "stand" if b.startswith("Stand:") else b for b in blocks]
    return {"code": lines[0], "title": title, "columns": list(dict.fromkeys(columns)),
            "regions": regions, "rowdims": rowdims, "footer": kinds, "encoding": enc,
            "period_lines": period_lines}


@pytest.mark.shared
def test_layout_matches_real_export(demo_dir, shared_data):
    real_files = {p.read_bytes().split(b"\n", 1)[0].decode().strip(): p
                  for p in (shared_data / "genesis").glob("*.csv")}
    for path in sorted(demo_dir.glob("*.csv")):
        demo = _layout(path)
        real_path = real_files[demo["code"]]
        real = _layout(real_path)
        assert path.name == real_path.name
        assert demo["encoding"] == real["encoding"], path.name
        assert demo["title"] == real["title"], path.name
        assert demo["columns"] == real["columns"], path.name
        assert demo["rowdims"] == real["rowdims"], path.name
        for ags, label in demo["regions"].items():
            assert real["regions"][ags] == label, (path.name, ags)
        assert demo["footer"] == ["notes", "copyright", "stand"], path.name
        assert real["footer"] in (["notes", "copyright", "stand"], ["copyright", "stand"]), path.name
        assert (demo["period_lines"] > 0) == (real["period_lines"] > 0), path.name


@pytest.mark.shared
def test_reader_sees_same_dimensions_as_in_real_export(tables, shared_data):
    """The indicator catalogue can address demo and real files with the same selectors."""
    for code, name in (("12111-07-01-4", "12111-07-01-4_00.csv"), ("21111-01-03-4", "21111-01-03-4_00.csv"),
                       ("13211-02-05-4", "13211-02-05-4_00.csv")):
        real = read_genesis(shared_data / "genesis" / name)
        demo = tables[code]
        assert sorted(demo.columns) == sorted(real.columns), code
        assert set(demo["column"]) == set(real["column"]), code
        if "rowdim" in real:
            assert set(demo["rowdim"]) == set(real["rowdim"]), code
        assert set(demo["unit"]) == set(real["unit"]), code


def test_model_population_api():
    df = model.population("05711", 2020)
    assert list(df.columns) == ["altersgruppe", "geschlecht", "staatsangehoerigkeit", "anzahl"]
    assert len(df) == 21 * 2 * 2
    reg = model.population_register_groups("05711", 2020)
    assert reg["anzahl"].sum() == df["anzahl"].sum()
    assert set(reg["altersgruppe"]) == set(model.REGISTER_AGE_GROUPS)
    with pytest.raises(ValueError, match="keine Demodaten"):
        model.population("09162", 2020)
    with pytest.raises(ValueError, match="2011 bis 2025"):
        model.population("05711", 2030)
