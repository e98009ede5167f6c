"""The download table carries every period read, whatever the chapters show (real data).

The 2015 edition of Bielefeld reads files that run to 2016 (unemployment, SGB II): the chapters
stop at the report year, ``indikatoren.csv`` keeps 2016."""

from __future__ import annotations

import pandas as pd
import pytest

pytestmark = [pytest.mark.shared, pytest.mark.e2e]


def test_periods_after_the_report_year_are_downloaded_not_shown(shared_book, shared_data):
    out = shared_book.out
    csv = pd.read_csv(out / "downloads" / "indikatoren.csv", dtype={"ags": str, "period": str})
    raw = (shared_data / "genesis" / "13211-02-05-4_00.csv").read_bytes().decode("utf-8")
    row = next(l.split(";") for l in raw.splitlines() if l.startswith("2016;05711;"))
    rate_2016 = float(row[11].replace(",", "."))  # "bez. auf alle zivile Erwerbsp.", insgesamt
    r = csv[(csv.indicator == "arbeitslosenquote") & (csv.ags == "05711") & (csv.period == "2016")
            & (csv.group == "insgesamt")]
    assert r["value"].tolist() == [rate_2016]
    # the chapters read the table up to the report year only
    table = pd.read_parquet(shared_book.edition.processed_dir / "indicators.parquet")
    assert table["year"].max() == 2015
    assert (csv["period"].str[-4:].astype(int) <= 2015).sum() == len(table)
