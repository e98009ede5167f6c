"""Benchmark of reading today's downloads: prints figures, asserts nothing (not a test).

    python benchmarks/ingest.py [DATENORDNER]

Reads every GENESIS export of ../shared/data/genesis and ../shared/data/genesis-aktuell (or of
DATENORDNER/genesis) the way a build does -- parse each file, drop unpublished periods, merge
the exports of one table -- and prints the time of each step, cold (no parsed-table cache) and
warm (cache filled). Nothing is written outside a temporary folder.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from integrationsbericht import fmt, ingest  # noqa: E402
from integrationsbericht.sources import vintages  # noqa: E402


def _mixed_folder(tmp: Path) -> Path:
    shared = ROOT.parent / "shared" / "data"
    g = tmp / "daten" / "genesis"
    g.mkdir(parents=True)
    for sub in ("genesis", "genesis-aktuell"):
        for p in sorted((shared / sub).iterdir()):
            if p.suffix.lower() in (".csv", ".zip"):
                (g / p.name).symlink_to(p)
    return tmp / "daten"


def main() -> None:
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        data = Path(sys.argv[1]) if len(sys.argv) > 1 else _mixed_folder(tmp)
        files = ingest.genesis_files(data)
        print(f"Daten: {data} ({len(files)} Dateien, "
              f"{sum(f.stat().st_size for f in files) / 1e6:.1f} MB)")
        merge_time = 0.0
        original = vintages.merge_exports

        def timed_merge(items):
            nonlocal merge_time
            t0 = time.perf_counter()
            try:
                return original(items)
            finally:
                merge_time += time.perf_counter() - t0

        vintages.merge_exports = timed_merge  # read_tables imports it at call time
        try:
            for label in ("kalt (ohne Cache)", "warm (Cache gefüllt)"):
                merge_time = 0.0
                t0 = time.perf_counter()
                tables = ingest.read_tables(data, cache_dir=tmp / "cache")
                total = time.perf_counter() - t0
                cells = sum(len(v["frame"]) for v in tables.values())
                print(f"{label}: {fmt.number(total, 1)} s für {len(tables)} Tabellen, "
                      f"{fmt.number(cells)} Zellen; davon Zusammenführen der Exporte "
                      f"(merge_exports) {fmt.number(merge_time, 1)} s")
        finally:
            vintages.merge_exports = original


if __name__ == "__main__":
    main()
