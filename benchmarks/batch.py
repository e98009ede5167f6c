"""Benchmark of a multi-region batch on Dask: prints figures, asserts nothing (not a test).

    python benchmarks/batch.py [--land 05] [--year 2015] [--workers 1,2] [--limit N] [--format html,pdf]

Builds every Kreis and kreisfreie Stadt of a Land (default: the 53 of Nordrhein-Westfalen) from
../shared/data/genesis, once per worker count, each time cold: a new output folder, a new
staging folder and a new processed-data folder (so the parsed-table cache starts empty, too).
Prints per run:

* regions per minute and the wall time;
* the set-up (starting the local cluster, warming each worker's kernels);
* the marginal cost per region: (wall time − set-up) ÷ regions, i.e. what one more region adds;
* where a region's time goes (reading inputs, executing chapters, rendering), summed over all
  regions as shares of the worker time;
* the projected time for all ~400 Kreise of Germany on N cores, from the marginal cost times
  this machine's cores (core-seconds per region), assuming one single-threaded worker per core
  and regions of NRW's size.

Nothing is written outside a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from integrationsbericht import fmt  # noqa: E402
from integrationsbericht.batch import run_batch  # noqa: E402
from integrationsbericht.batch.regions import land_regions  # noqa: E402

KREISE_DEUTSCHLAND = 400


def _kernel_cost(repeat: int = 3) -> float:
    """CPU seconds to start one warm kernel (ipykernel, pandas, matplotlib, the chapter
    helpers): what every chapter pays, since each gets a fresh kernel."""
    import resource

    from integrationsbericht.kernels import _shutdown, start_warm_kernel

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for _ in range(repeat):
        km = start_warm_kernel()
        _shutdown(km)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ((after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)) / repeat


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--land", default="05")
    ap.add_argument("--year", type=int, default=2015)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--limit", type=int, default=None, help="only the first N regions")
    ap.add_argument("--format", default="html,pdf")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = ap.parse_args()

    regions = land_regions(args.land, config_path=ROOT / "config" / "edition.yml", data_dir=args.data,
                           year=args.year, project_root=ROOT)
    if args.limit:
        regions = regions[: args.limit]
    print(f"{len(regions)} Regionen (Land {args.land}, Berichtsjahr {args.year}), {os.cpu_count()} Kerne, "
          f"Formate {args.format}")
    kernel = _kernel_cost()
    print(f"Ein frischer Kernel mit pandas und matplotlib (je Kapitel einer): {fmt.number(kernel, 1)} s Rechenzeit")
    for workers in [int(w) for w in args.workers.split(",")]:
        with tempfile.TemporaryDirectory(prefix="ib-batch-bench-") as t:
            tmp = Path(t)
            options = {"config": None, "data": str(args.data.resolve()), "year": args.year,
                       "renderer": "pandoc", "formats": args.format.split(","), "force": False,
                       "project": str(ROOT), "build_root": str(tmp / "build"),
                       "processed_root": str(tmp / "processed")}
            t0 = time.monotonic()
            result = run_batch(regions, out=tmp / "out", options=options, protected=[ROOT, args.data],
                               workers=workers)
            wall = time.monotonic() - t0
        ok = [r for r in result.rows if r["status"] in ("erzeugt", "unverändert")]
        n = len(ok)
        marginal = (wall - result.setup_seconds) / max(1, len(result.rows))
        stages = {k: sum((r.get("timings") or {}).get(k, 0.0) for r in ok) for k in ("daten", "kapitel", "rendern")}
        busy = sum(r["seconds"] for r in ok) or 1.0
        print(f"\n{workers} Arbeitsprozess(e): {n} von {len(result.rows)} Regionen in {fmt.number(wall / 60, 1)} min"
              f" = {fmt.number(n / wall * 60, 2)} Regionen pro Minute")
        print(f"  Start des Clusters und Vorwärmen: {fmt.number(result.setup_seconds, 1)} s")
        print(f"  Grenzkosten je Region: {fmt.number(marginal, 1)} s "
              f"(Summe der Regionszeiten {fmt.number(busy / max(1, n), 1)} s je Region und Arbeitsprozess)")
        print("  Anteile an der Arbeitszeit: " + ", ".join(
            f"{name} {fmt.number(100 * v / busy, 0)} %" for name, v in
            (("Eingaben lesen", stages["daten"]), ("Kapitel ausführen", stages["kapitel"]),
             ("Rendern", stages["rendern"]))))
        # one region costs marginal × cores of this machine in core-seconds (with one worker,
        # a region's chapters run in parallel on all cores); N cores share that work
        cores = os.cpu_count() or 1
        core_seconds = marginal * cores
        print(f"  Rechenzeit je Region: {fmt.number(core_seconds, 1)} Kern-Sekunden")
        for n_cores in (2, 8, 32, 128):
            projected = KREISE_DEUTSCHLAND * core_seconds / n_cores
            print(f"  Hochrechnung {KREISE_DEUTSCHLAND} Kreise auf {n_cores} Kernen (Arbeitsprozessen): "
                  f"{fmt.number(projected / 60, 0)} min")
        chapters = sum(r.get("executed", 0) for r in ok) / max(1, n)
        print(f"  Kapitel je Region: {fmt.number(chapters, 1)}, davon Kernelstart "
              f"{fmt.number(chapters * kernel, 1)} s Rechenzeit je Region")
        if result.failed:
            print(f"  fehlgeschlagen: {', '.join(result.failed)}")


if __name__ == "__main__":
    main()
