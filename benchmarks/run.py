"""Benchmark of the demo edition: prints figures, asserts nothing (not a test).

    python benchmarks/run.py [--quick]

Measures on a private copy of the project and the demo data (your own _book/ and caches are
not touched):
1. cold build (empty caches, all chapters executed in parallel, HTML + PDF);
2. no-change rebuild;
3. rebuild after one raw GENESIS file changed;
4. naive baseline: every chapter notebook with plain papermill one after the other, then
   render — and the ratio of the cold build to it;
5. the survey step plus one survey chapter at 2,500 and at 20,000 respondents;
6. the district step with a register extract for a city of 1.5 million (100 districts).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from integrationsbericht import pipeline  # noqa: E402
from integrationsbericht.project import Project  # noqa: E402
from integrationsbericht.render import render  # noqa: E402


def timed(fn, *args, **kw) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn(*args, **kw)
    return time.perf_counter() - t0, result


def copy_project(dst: Path) -> None:
    for name in ("config", "report"):
        shutil.copytree(ROOT / name, dst / name)
    shutil.copytree(ROOT / "data" / "raw", dst / "data" / "raw")


def build(project: Path, out: Path, **kw):
    return pipeline.build(project=project, renderer="pandoc", out=out, **kw)


def naive_baseline(project: Path, work: Path) -> float:
    """What a project without the pipeline does: prepare the data, run every chapter
    notebook with plain papermill one after the other, then render the same outputs."""
    import papermill as pm

    from integrationsbericht.edition import resolve

    proj = Project(project)
    t0 = time.perf_counter()
    ed = resolve(proj.config_dir / "edition.yml", processed_root=work / "naive-processed",
                 project_root=project)
    stage = work / "naive-stage"
    stage.mkdir()
    inputs = pipeline.prepare_inputs(ed, stage, lambda _m: None)
    chapters = pipeline.select_chapters(pipeline.read_toc(proj), inputs, lambda _m: None, proj)
    pipeline.stage_project(ed, stage, chapters, inputs, proj)
    for c in chapters:
        if not c.is_notebook:
            continue
        out_nb = stage / c.path
        out_nb.parent.mkdir(parents=True, exist_ok=True)
        pm.execute_notebook(
            str(c.source), str(out_nb), kernel_name="python3", cwd=str(out_nb.parent),
            progress_bar=False, extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            parameters={"config_path": str(stage / "_edition_config.yml"), "workdir": str(stage),
                        "chapter": c.name},
        )
    out = work / "naive-out"
    out.mkdir()
    render(stage, out, renderer="pandoc", formats={"html", "pdf"})
    return time.perf_counter() - t0


def survey_step(project: Path, work: Path, n: int) -> tuple[float, float, float]:
    """(prepare seconds, prepare CPU seconds, chapter seconds) for a demo survey of ``n``
    respondents (CPU time: what the step costs, independent of other load on the machine)."""
    from integrationsbericht import survey
    from integrationsbericht.demo.survey import write_survey_demo
    from integrationsbericht.edition import resolve

    data = work / f"data-{n}"
    shutil.copytree(project / "data" / "raw", data)
    shutil.rmtree(data / "befragung")
    write_survey_demo(data, seed=2025, n=n)
    ed = resolve(project / "config" / "edition.yml", data_dir=data,
                 processed_root=work / f"proc-{n}", project_root=project)
    stage = work / f"stage-{n}"
    stage.mkdir()
    pipeline.prepare_inputs(ed, stage, lambda _m: None)  # GENESIS etc. (not timed)
    c0 = time.process_time()
    t_prep, _ = timed(survey.prepare, ed, ed.processed_dir)
    c_prep = time.process_time() - c0
    inputs = pipeline.Inputs()
    chapters = [c for c in pipeline.read_toc(Project(project)) if c.name == "zusammenleben"]
    pipeline.stage_project(ed, stage, chapters, inputs, Project(project))
    t_chap, _ = timed(pipeline.execute_chapter, chapters[0], stage)
    return t_prep, c_prep, t_chap


def district_step(work: Path) -> tuple[float, int]:
    """Read, check and aggregate a register extract of a 1.5-million city with 100 districts."""
    import numpy as np

    from integrationsbericht import districts
    from integrationsbericht.sources.register import AGE_GROUPS, read_register

    names = [f"Bezirk {i:03d}" for i in range(1, 101)]
    rng = np.random.default_rng(1)
    sizes = rng.dirichlet(np.ones(100) * 5) * 1_500_000
    lines = ["stichtag;bezirk;altersgruppe;geschlecht;staatsangehoerigkeit;migrationshintergrund;anzahl"]
    cells = [(a, s, n, m) for a in AGE_GROUPS for s in ("männlich", "weiblich")
             for n in ("deutsch", "ausländisch") for m in ("ja", "nein")]
    # foreigners always have a migration background: those cells stay out
    valid = [c for c in cells if not (c[2] == "ausländisch" and c[3] == "nein")]
    total = 0
    for name, size in zip(names, sizes):
        shares = rng.dirichlet(np.ones(len(valid)) * 3)
        for (a, s, n, m), sh in zip(valid, shares):
            count = int(round(size * sh))
            total += count
            lines.append(f"31.12.2025;{name};{a};{s};{n};{m};{count}")
    path = work / "register-1500000.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    district_list = [districts.District(i + 1, n) for i, n in enumerate(names)]

    def step():
        reg = read_register(path, names)
        table = districts.indicators_from_register(reg, district_list)
        return districts.suppress(table, 3)

    seconds, _ = timed(step)
    return seconds, total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="only builds 1–3 (no baseline, survey, districts)")
    args = ap.parse_args()
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="ib-bench-") as tmp:
        work = Path(tmp)
        project = work / "projekt"
        copy_project(project)
        out = work / "site" / "_book"

        t_cold, res = timed(build, project, out)
        rows.append(("Kalter Build (alle Kapitel, HTML + PDF)", f"{t_cold:6.1f} s  ({len(res.executed)} Kapitel, --jobs {os.cpu_count()})"))
        t_same, res2 = timed(build, project, out)
        rows.append(("Erneuter Build ohne Änderung (im Prozess)", f"{t_same:6.2f} s  ({len(res2.executed)} Kapitel ausgeführt)"))
        cmd = [sys.executable, "-m", "integrationsbericht", "build", "--project", str(project),
               "--renderer", "pandoc", "--out", str(out)]
        t_cli, proc = timed(subprocess.run, cmd, capture_output=True, text=True)
        rows.append(("Erneuter Build ohne Änderung (Befehl, mit Python-Start)",
                     f"{t_cli:6.2f} s  (Rückgabewert {proc.returncode})"))

        raw = next((project / "data" / "raw" / "genesis").glob("12511*"))
        text = raw.read_bytes()
        lines = text.split(b"\n")
        i = next(k for k, line in enumerate(lines) if b";05711;" in line)
        cells = lines[i].split(b";")
        j = next(k for k in range(3, len(cells)) if cells[k].strip().isdigit())
        cells[j] = str(int(cells[j]) + 1).encode()
        lines[i] = b";".join(cells)
        raw.write_bytes(b"\n".join(lines))
        t_touch, res3 = timed(build, project, out)
        rows.append(("Build nach Änderung einer GENESIS-Datei (12511)", f"{t_touch:6.1f} s  ({', '.join(res3.executed)})"))
        raw.write_bytes(text)

        if not args.quick:
            t_naive = naive_baseline(project, work)
            rows.append(("Naive Referenz (papermill nacheinander, dann rendern)", f"{t_naive:6.1f} s"))
            rows.append(("Beschleunigung kalter Build gegenüber Referenz", f"{t_naive / t_cold:6.2f} ×"))
            for n in (2500, 20000):
                t_prep, c_prep, t_chap = survey_step(project, work, n)
                rows.append((f"Befragung {n:,} Befragte: Aufbereitung + Kapitel".replace(",", "."),
                             f"{t_prep:6.1f} s (Rechenzeit {c_prep:.1f} s) + {t_chap:5.1f} s"))
            t_dist, total = district_step(work)
            rows.append((f"Bezirksschritt, Stadt mit {total:,} Einwohner*innen (100 Bezirke)".replace(",", "."),
                         f"{t_dist:6.2f} s"))

    width = max(len(r[0]) for r in rows)
    print(f"Benchmark Demo-Ausgabe ({os.cpu_count()} Kerne, Python {sys.version.split()[0]})")
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")


if __name__ == "__main__":
    main()
