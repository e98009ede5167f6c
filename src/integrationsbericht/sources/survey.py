"""Reader for the resident survey (SPSS ``.sav`` or CSV), validated against the codebook.

``read_survey(path, codebook)`` returns one row per respondent: coded variables as nullable
integers (missing codes and empty cells → ``<NA>``), open answers as text, and the derived
variables of the codebook (age group, Einwanderungsgeschichte, register categories) as text.
Every problem a user can cause raises :class:`~integrationsbericht.errors.InputError` naming
file, line (CSV) or case number (SPSS), the variable, the respondent id and what was expected.

CSV: UTF-8 (with or without BOM), separator ``;`` or ``,``, a header row with the codebook's
variable names, one respondent per record. SPSS: value labels are kept in ``df.attrs``.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..survey.codebook import CATEGORICAL, Codebook

MAX_LISTED = 5


def _fmt_codes(codes) -> str:
    codes = sorted(int(c) for c in codes)
    if codes and codes == list(range(codes[0], codes[-1] + 1)) and len(codes) > 2:
        return f"{codes[0]}–{codes[-1]}"
    return ", ".join(str(c) for c in codes)


def _read_csv(path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    from .encoding import decode_text

    text, _enc = decode_text(path.read_bytes(), path, fallback=None, what="Die Befragungsdatei")
    if not text.strip():
        raise InputError("Die Befragungsdatei ist leer.", file=path, line=1)
    first = text.split("\n", 1)[0]
    sep = ";" if first.count(";") >= first.count(",") else ","
    from .csvfile import records

    recs = records(io.StringIO(text, newline=""), delimiter=sep, path=path)
    header = [h.strip() for h in next(recs)[1]]
    rows, lines = [], []
    for line_start, rec in recs:
        if not rec or all(not c.strip() for c in rec):
            continue
        if len(rec) != len(header):
            raise InputError(
                f"Der Datensatz hat {len(rec)} Felder, die Kopfzeile aber {len(header)} "
                f"(Trennzeichen „{sep}“). Steht ein Trennzeichen ungeschützt in einer offenen Antwort?",
                file=path,
                line=line_start,
            )
        rows.append(rec)
        lines.append(line_start)
    if not rows:
        raise InputError("Die Befragungsdatei enthält keine Befragten, nur die Kopfzeile.",
                         file=path, line=2)
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise InputError(f"Die Variable {dup[0]} steht mehrfach in der Kopfzeile.", file=path,
                         line=1, column=dup[0])
    df = pd.DataFrame(rows, columns=header, dtype=object)
    return df, np.asarray(lines, dtype=np.int64)


def _read_sav(path: Path) -> tuple[pd.DataFrame, np.ndarray, dict]:
    import pyreadstat

    try:
        df, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=True)
    except UnicodeDecodeError:
        raise InputError("Die SPSS-Datei enthält Texte in einer unerwarteten Zeichenkodierung.",
                         file=path, hint="Die Datei in SPSS als Unicode (UTF-8) speichern.") from None
    except Exception as exc:  # pyreadstat.ReadstatError and friends
        msg = str(exc)
        if "encoding" in msg.lower() or "iconv" in msg.lower() or "convert" in msg.lower():
            raise InputError(
                "Die SPSS-Datei enthält Texte in einer unerwarteten Zeichenkodierung.",
                file=path, hint="Die Datei in SPSS als Unicode (UTF-8) speichern.") from None
        raise InputError(f"Die SPSS-Datei kann nicht gelesen werden ({msg}).", file=path) from None
    labels = {k: {int(c): str(v) for c, v in d.items() if _is_int(c)}
              for k, d in (meta.variable_value_labels or {}).items()}
    info = {"value_labels": labels, "file_encoding": meta.file_encoding,
            "column_labels": dict(zip(meta.column_names, meta.column_labels))}
    return df, np.arange(1, len(df) + 1, dtype=np.int64), info


def _is_int(x) -> bool:
    try:
        return float(x) == int(float(x))
    except (TypeError, ValueError):
        return False


class _Locator:
    """Turns row positions into 'Zeile'/'Fall' + respondent id for error messages."""

    def __init__(self, path: Path, lines: np.ndarray, ids: pd.Series | None, sav: bool):
        self.path, self.lines, self.ids, self.sav = path, lines, ids, sav

    def who(self, pos: int) -> str:
        rid = None if self.ids is None else self.ids.iloc[pos]
        unit = "Fall" if self.sav else "Zeile"
        idtxt = f"Befragte*r Nr. {rid}" if rid not in (None, "") else f"Befragte*r in {unit} {self.lines[pos]}"
        return idtxt

    def error(self, positions: np.ndarray, variable: str, message: str, hint: str | None = None):
        pos = int(positions[0])
        more = ""
        if len(positions) > 1:
            listed = ", ".join(str(self.lines[p]) for p in positions[1 : 1 + MAX_LISTED])
            rest = len(positions) - 1 - min(MAX_LISTED, len(positions) - 1)
            unit = "Fälle" if self.sav else "Zeilen"
            more = f" Ebenso in {len(positions) - 1} weiteren {unit}: {listed}" + (
                f" und {rest} weitere." if rest else ".")
        raise InputError(
            f"{message} ({self.who(pos)}, Variable {variable}).{more}",
            file=self.path,
            line=int(self.lines[pos]) if not self.sav else None,
            column=variable,
            hint=(f"Fall {self.lines[pos]} der SPSS-Datei. " + (hint or "")).strip() if self.sav else hint,
        )


def _to_number(col: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(numbers as float, mask of non-empty cells that are not numbers)."""
    if pd.api.types.is_numeric_dtype(col):
        return col.astype("float64"), pd.Series(False, index=col.index)
    s = col.astype("string").str.strip()
    empty = s.isna() | (s == "")
    num = pd.to_numeric(s.str.replace(",", ".", regex=False).where(~empty), errors="coerce")
    return num.astype("float64"), (~empty & num.isna())


def read_survey(path: str | Path, codebook: Codebook) -> pd.DataFrame:
    """Read and validate a survey file (``.csv`` or ``.sav``) against ``codebook``."""
    path = Path(path)
    if not path.exists():
        raise InputError("Befragungsdatei nicht gefunden.", file=path)
    suffix = path.suffix.lower()
    info: dict = {}
    if suffix == ".sav":
        raw, lines, info = _read_sav(path)
    elif suffix in (".csv", ".txt"):
        raw, lines = _read_csv(path)
    else:
        raise InputError(f"Unbekanntes Dateiformat „{path.suffix}“; erwartet wird .csv oder .sav.", file=path)
    sav = suffix == ".sav"

    expected = codebook.columns
    unknown = [c for c in raw.columns if c not in expected]
    if unknown:
        raise InputError(
            f"Unbekannte Variable „{unknown[0]}“ – sie steht nicht im Codebuch"
            + (f" (ebenso: {', '.join(unknown[1:6])})" if len(unknown) > 1 else "") + ".",
            file=path, line=None if sav else 1, column=unknown[0],
            hint="Variablennamen mit config/befragung_codebuch.yml abgleichen oder das Codebuch ergänzen.",
        )
    missing = [c for c, it in expected.items() if it.required and c not in raw.columns]
    if missing:
        raise InputError(
            f"Pflichtvariable „{missing[0]}“ fehlt in der Datei"
            + (f" (ebenso: {', '.join(missing[1:6])})" if len(missing) > 1 else "") + ".",
            file=path, line=None if sav else 1, column=missing[0],
        )

    idv = codebook.id_variable
    ids = raw[idv].astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
    loc = _Locator(path, lines, ids, sav)
    bad = np.flatnonzero((ids.isna() | (ids == "")).to_numpy())
    if len(bad):
        loc.ids = None
        loc.error(bad, idv, "Die laufende Nummer fehlt")
    dup = np.flatnonzero(ids.duplicated(keep="first").to_numpy())
    if len(dup):
        loc.error(dup, idv, f"Die laufende Nummer {ids.iloc[dup[0]]} kommt mehrfach vor")

    out: dict[str, pd.Series] = {idv: ids.astype(object)}
    miss_codes = set(codebook.missing_codes)
    item_missing: dict[str, int] = {}
    for col in raw.columns:
        item = expected[col]
        if item.type == "id":
            continue
        if item.type == "open":
            s = raw[col].astype("string").fillna("").str.strip()
            out[col] = s.astype(object)
            continue
        num, not_num = _to_number(raw[col])
        if not_num.any():
            pos = np.flatnonzero(not_num.to_numpy())
            loc.error(pos, col, f"„{raw[col].iloc[pos[0]]}“ ist keine Zahl; erwartet wird ein Code")
        present = num.notna()
        is_missing_code = num.isin(list(miss_codes))
        if item.type == "numeric":
            lo, hi = item.range
            ok = ~present | is_missing_code | ((num >= lo) & (num <= hi) & (num % 1 == 0))
            if not ok.all():
                pos = np.flatnonzero((~ok).to_numpy())
                loc.error(pos, col, f"Wert {num.iloc[pos[0]]:g} liegt außerhalb des erlaubten Bereichs; "
                          f"erwartet wird eine ganze Zahl von {lo:g} bis {hi:g} oder ein Fehlwertcode "
                          f"({_fmt_codes(miss_codes)})")
        else:
            valid = set(codebook.value_labels(item))
            ok = ~present | num.isin(list(valid | miss_codes))
            if not ok.all():
                pos = np.flatnonzero((~ok).to_numpy())
                labels = codebook.value_labels(item)
                expl = ", ".join(f"{k} = {v}" for k, v in sorted(labels.items()))
                loc.error(pos, col, f"Ungültiger Code {num.iloc[pos[0]]:g}; erlaubt sind {expl} "
                          f"sowie die Fehlwertcodes {_fmt_codes(miss_codes)} oder ein leeres Feld")
        clean = num.where(present & ~is_missing_code)
        item_missing[col] = int((present & is_missing_code).sum() + (~present).sum())
        out[col] = clean.astype("Int64")
    df = pd.DataFrame(out)

    # derived variables
    for name, d in codebook.derived.items():
        src = df[d.source]
        if d.bins is not None:
            res = pd.Series(pd.NA, index=df.index, dtype="object")
            for b in d.bins:
                res = res.mask(src.notna() & (src >= b.min) & (src <= b.max), b.label)
        else:
            res = src.map(lambda v, m=d.map: m.get(int(v)) if pd.notna(v) else pd.NA).astype("object")
        df[name] = res
    # comparison variables as readable labels
    for comp in codebook.comparisons:
        var = comp.variable
        if var in codebook.by_name and codebook.by_name[var].type in CATEGORICAL:
            labels = codebook.value_labels(codebook.by_name[var])
            df[f"{var}_label"] = df[var].map(lambda v, m=labels: m.get(int(v)) if pd.notna(v) else pd.NA)

    df.attrs["survey"] = {
        "path": str(path),
        "format": "SPSS" if sav else "CSV",
        "n": int(len(df)),
        "item_missing": item_missing,
        **info,
    }
    if sav:
        _check_sav_labels(df, codebook, info.get("value_labels", {}), path)
    return df


def _check_sav_labels(df: pd.DataFrame, codebook: Codebook, labels: dict, path: Path) -> None:
    """Value labels in the SPSS file must not contradict the codebook (codes swapped?)."""
    for var, lab in labels.items():
        item = codebook.columns.get(var)
        if item is None or item.type not in CATEGORICAL:
            continue
        expected = codebook.value_labels(item)
        for code, text in lab.items():
            if code in expected and expected[code].strip().lower() != text.strip().lower():
                raise InputError(
                    f"Das Wertelabel von Code {code} in Variable {var} lautet in der SPSS-Datei "
                    f"„{text}“, im Codebuch aber „{expected[code]}“. Sind die Codes vertauscht?",
                    file=path, column=var,
                    hint="Codebuch oder Datei korrigieren, damit Codes und Bedeutungen übereinstimmen.",
                )


def read_survey_file(edition, path: str | Path | None = None) -> pd.DataFrame:
    """Read the edition's survey file, validated against the edition's codebook (``check``)."""
    from ..config import resolve as resolve_path
    from ..survey.codebook import load_codebook

    cfg = edition.config.survey
    root = getattr(edition, "project_root", None)
    codebook = load_codebook(edition.path(cfg.codebook) if hasattr(edition, "path")
                             else resolve_path(cfg.codebook, root) if root else resolve_path(cfg.codebook))
    return read_survey(path or resolve_path(cfg.file, edition.data_dir), codebook)
