"""The resident survey: read + validate, weight, estimate, code open answers, export.

Pipeline stages (called by :mod:`integrationsbericht.pipeline`)::

    survey.prepare(edition, processed_dir)   # → processed_dir/survey/…
    survey.export(processed_dir, downloads_dir)  # → downloads/befragung.csv

Notebooks read the results with :func:`load` (never the raw survey file).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from ..config import resolve as resolve_path
from ..errors import InputError
from .codebook import Codebook, load_codebook
from .estimates import Design, Thresholds, estimate_all, to_csv_frame
from .open_answers import code_answers, load_codeframe, select_quotes, summarise
from .weighting import margins_from_register, rake, weighting_frame

SUBDIR = "survey"
FILES = {
    "estimates": "estimates.parquet",
    "respondents": "respondents.parquet",
    "margins": "margins.parquet",
    "open_counts": "open_counts.parquet",
    "open_coded": "open_coded.parquet",
    "quotes": "quotes.parquet",
    "diagnostics": "diagnostics.json",
}


def _project_path(edition, rel: str) -> Path:
    if hasattr(edition, "path"):
        return edition.path(rel)
    return resolve_path(rel, getattr(edition, "project_root", None) or resolve_path("."))


def _survey_meta(survey_path: Path) -> dict:
    """Optional ``befragung.yml`` next to the survey file: field period, sample, mode …"""
    meta_path = survey_path.with_name("befragung.yml")
    if not meta_path.exists():
        return {}
    try:
        meta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError):
        raise InputError("Die Beschreibung der Befragung ist kein gültiges UTF-8-YAML.", file=meta_path) from None
    if not isinstance(meta, dict):
        raise InputError("Die Beschreibung der Befragung muss Schlüssel: Wert-Paare enthalten.", file=meta_path)
    return {str(k): v for k, v in meta.items()}


def _register_margins(edition, codebook: Codebook) -> tuple[dict | None, str | None]:
    reg_path = resolve_path(edition.config.districts.file, edition.data_dir)
    if not reg_path.exists():
        # the reason is printed in the method annex: no absolute (machine-specific) path
        return None, f"kein Registerauszug ({edition.config.districts.file}) im Datenordner"
    districts = list(codebook.value_labels(codebook.by_name["bezirk"]).values()) if "bezirk" in codebook.by_name else []
    try:
        from ..sources.register import read_register

        reg = read_register(reg_path, districts)
    except ImportError:  # pragma: no cover - register reader not installed
        reg = pd.read_csv(reg_path, sep=";", dtype=str, encoding="utf-8-sig")
    try:
        margins = margins_from_register(reg, None, [tuple(m) for m in codebook.weighting.margins])
    except InputError as err:
        if err.file is None:  # name the register file the margins come from
            err = InputError(err.message, file=reg_path, column=err.column, hint=err.hint)
        raise err from None
    return margins, None


def prepare(edition, out_dir: Path) -> dict:
    """Read, validate, weight and estimate the survey; write the results to ``out_dir/survey``.

    ``edition`` is an :class:`integrationsbericht.edition.Edition` (``.config``, ``.data_dir``,
    ``.demo``, ``.path()``). Without a register extract the results are *unweighted* and
    labelled so (``diagnostics["weighted"] is False``). Returns the diagnostics.
    """
    from ..sources.survey import read_survey

    cfg = edition.config.survey
    target = Path(out_dir) / SUBDIR
    survey_path = resolve_path(cfg.file, edition.data_dir)
    if not survey_path.exists():
        if target.exists():
            shutil.rmtree(target)  # never leave stale results of an earlier survey
        return {"status": "absent", "file": str(survey_path)}
    codebook = load_codebook(_project_path(edition, cfg.codebook))
    frame = load_codeframe(_project_path(edition, cfg.codeframe))
    df = read_survey(survey_path, codebook)
    thresholds = Thresholds(cfg.min_n_suppress, cfg.min_n_parentheses)

    margins, reason = _register_margins(edition, codebook)
    if margins is not None:
        try:
            res = rake(weighting_frame(df, codebook), margins)
        except InputError as err:
            if err.file is None:  # e.g. a margin category no respondent has: name the survey
                err = InputError(err.message, file=survey_path, column=err.column, hint=err.hint)
            raise err from None
        weights = res.weights
        design = Design.calibrated(weights.to_numpy(), res.calibration.codes, res.calibration.x)
        diag_w = {"weighted": True, **res.diagnostics, "variables": dict(codebook.weighting.variables)}
        margins_table = res.margins_table
    else:
        weights = pd.Series(1.0, index=df.index, name="gewicht")
        design = None
        diag_w = {"weighted": False, "reason": reason, "n": int(len(df))}
        margins_table = pd.DataFrame(columns=["merkmal", "kategorie", "register_anteil",
                                              "stichprobe_ungewichtet", "stichprobe_gewichtet"])
    est = estimate_all(df, codebook, weights, thresholds, design)
    coded = code_answers(df, frame, codebook.id_variable)
    counts = summarise(coded, df, frame, thresholds.suppress)
    quotes = select_quotes(df, frame)

    meta = _survey_meta(survey_path)
    ids = df[codebook.id_variable].astype(str)
    demo = bool(getattr(edition, "demo", False) or meta.get("demo") or ids.str.startswith("DEMO-").all())
    src = df.attrs.get("survey", {})
    diagnostics = {
        "status": "ok",
        "demo": demo,
        "title": meta.get("titel") or codebook.title,
        "file_format": src.get("format"),
        "n": int(len(df)),
        "field_period": cfg.field_period or meta.get("feldzeit"),
        "population": meta.get("grundgesamtheit"),
        "sample_design": meta.get("stichprobe"),
        "gross_sample": meta.get("brutto"),
        "mode": meta.get("modus"),
        "thresholds": {"suppress": thresholds.suppress, "parentheses": thresholds.parentheses},
        "ci_method": "Korn-Graubard",
        "test_method": "Rao-Scott",
        "multiple_testing": "Benjamini-Hochberg",
        "n_tests": int(est.drop_duplicates(["item", "group_var", "category"])["p_value"].notna().sum()),
        "n_significant": int(est[est["p_value"].notna()].drop_duplicates(
            ["item", "group_var", "category"])["significant"].sum()),
        "item_missing": src.get("item_missing", {}),
        "weighting": diag_w,
    }
    if diagnostics["gross_sample"]:
        diagnostics["response_rate"] = len(df) / float(diagnostics["gross_sample"]) * 100

    target.mkdir(parents=True, exist_ok=True)
    est.to_parquet(target / FILES["estimates"], index=False)
    open_cols = [it.name for it in codebook.items_of("open")]
    resp = df.drop(columns=[c for c in open_cols if c in df.columns]).copy()
    resp["gewicht"] = weights.to_numpy()
    resp.attrs = {}
    resp.to_parquet(target / FILES["respondents"], index=False)
    margins_table.to_parquet(target / FILES["margins"], index=False)
    counts.to_parquet(target / FILES["open_counts"], index=False)
    coded.to_parquet(target / FILES["open_coded"], index=False)
    quotes.to_parquet(target / FILES["quotes"], index=False)
    (target / FILES["diagnostics"]).write_text(
        json.dumps(diagnostics, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n",
        encoding="utf-8")
    return diagnostics


def export(out_dir: Path, downloads_dir: Path) -> Path | None:
    """Write ``downloads_dir/befragung.csv`` (contract columns, suppression applied)."""
    src = Path(out_dir) / SUBDIR / FILES["estimates"]
    if not src.exists():
        return None
    est = pd.read_parquet(src)
    out = to_csv_frame(est)
    Path(downloads_dir).mkdir(parents=True, exist_ok=True)
    path = Path(downloads_dir) / "befragung.csv"
    from ..escaping import neutralise_formulas

    neutralise_formulas(out).to_csv(path, index=False, encoding="utf-8", lineterminator="\n", float_format="%.1f")
    # for German Excel: numbers as numbers, German headers, "Erläuterungen"
    from ..exports import write_csv, write_xlsx

    rounded = out.copy()
    for c in rounded.columns:
        if pd.api.types.is_float_dtype(rounded[c]):
            rounded[c] = rounded[c].round(1)
    write_xlsx({"Daten": rounded}, Path(downloads_dir) / "befragung.xlsx")
    write_csv(rounded, Path(downloads_dir) / "befragung_de.csv")
    return path


@dataclass
class SurveyResults:
    """What the chapter notebooks use (no raw answers)."""

    estimates: pd.DataFrame
    respondents: pd.DataFrame
    margins: pd.DataFrame
    open_counts: pd.DataFrame
    quotes: pd.DataFrame
    diagnostics: dict
    codebook: Codebook
    thresholds: Thresholds

    @property
    def weighted(self) -> bool:
        return bool(self.diagnostics.get("weighting", {}).get("weighted"))

    def rows(self, item: str, group_var: str = "insgesamt", kind: str | None = None) -> pd.DataFrame:
        est = self.estimates
        sel = (est["item"] == item) & (est["group_var"] == group_var)
        if kind:
            sel &= est["kind"] == kind
        return est[sel]

    def cell(self, item: str, category: str, group: str = "insgesamt") -> pd.Series:
        est = self.estimates
        hit = est[(est["item"] == item) & (est["category"] == category) & (est["group"] == group)]
        if hit.empty:
            raise KeyError(f"{item}/{category}/{group}")
        return hit.iloc[0]


def load(edition_or_dir) -> SurveyResults:
    """Load the prepared results for an edition (or a processed folder)."""
    base = Path(getattr(edition_or_dir, "processed_dir", edition_or_dir)) / SUBDIR
    diag = json.loads((base / FILES["diagnostics"]).read_text(encoding="utf-8"))
    if hasattr(edition_or_dir, "config"):
        cfg = edition_or_dir.config.survey
        codebook = load_codebook(_project_path(edition_or_dir, cfg.codebook))
    else:
        codebook = load_codebook(resolve_path("config/befragung_codebuch.yml"))
    th = diag.get("thresholds", {})
    return SurveyResults(
        estimates=pd.read_parquet(base / FILES["estimates"]),
        respondents=pd.read_parquet(base / FILES["respondents"]),
        margins=pd.read_parquet(base / FILES["margins"]),
        open_counts=pd.read_parquet(base / FILES["open_counts"]),
        quotes=pd.read_parquet(base / FILES["quotes"]),
        diagnostics=diag,
        codebook=codebook,
        thresholds=Thresholds(th.get("suppress", 10), th.get("parentheses", 30)),
    )


__all__ = ["prepare", "export", "load", "SurveyResults", "margins_from_register", "rake"]
