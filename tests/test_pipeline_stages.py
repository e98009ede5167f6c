"""Pipeline stages: nothing of an earlier edition (other data folder or year) leaks into the next."""

from __future__ import annotations

from pathlib import Path

from integrationsbericht import pipeline
from integrationsbericht.project import Project
from integrationsbericht.edition import resolve

PROJECT = Path(__file__).resolve().parents[1]


def test_demo_results_do_not_leak_into_a_real_data_edition(shared_data, tmp_path):
    processed = tmp_path / "processed"
    stage = tmp_path / "stage"
    demo = resolve(processed_root=processed)
    inputs = pipeline.prepare_inputs(demo, stage, lambda _m: None)
    assert {"survey", "districts", "measures"} <= set(inputs.available)
    assert (processed / "05711" / "survey").is_dir()
    assert (stage / "downloads" / "befragung.csv").is_file()

    real = resolve(data_dir=shared_data, year=2015, processed_root=processed)
    assert real.processed_dir == demo.processed_dir  # same region: same processed folder
    inputs = pipeline.prepare_inputs(real, stage, lambda _m: None)
    assert set(inputs.available) - {"findings"} == {"genesis"}  # findings: from the 2015 data
    for stale in ("survey", "districts", "measures"):
        assert not (processed / "05711" / stale).exists(), stale
    assert sorted(p.name for p in (stage / "downloads").iterdir()) == ["indikatoren.csv", "indikatoren.xlsx",
                                                                       "indikatoren_de.csv"]


def test_chapters_without_inputs_are_removed_from_the_stage(tmp_path):
    stage = tmp_path / "stage"
    (stage / "report" / "files" / "zusammenleben").mkdir(parents=True)
    (stage / "report" / "zusammenleben.ipynb").write_text("{}", encoding="utf-8")
    (stage / "report" / "files" / "zusammenleben" / "x.csv").write_text("a\n", encoding="utf-8")
    toc = pipeline.read_toc()
    keep = [c for c in toc if c.name != "zusammenleben"]
    pipeline._remove_unselected(stage, keep, Project(PROJECT))
    assert not (stage / "report" / "zusammenleben.ipynb").exists()
    assert not (stage / "report" / "files" / "zusammenleben").exists()
