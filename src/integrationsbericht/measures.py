"""Implementation status of the measures of the integration concept (*Umsetzungsstand*).

The office keeps one table of measures: ``<data>/massnahmen/massnahmen.csv`` (UTF-8 or
Windows-1252, ``;``-separated) or ``<data>/massnahmen/massnahmen.xlsx`` (first sheet), one row
per measure:

| column | content |
|---|---|
| ``handlungsfeld`` | number (1–19) or name of the field of action (``config/massnahmen_schema.yml``) |
| ``massnahme`` | the measure |
| ``zustaendig`` | responsible body |
| ``status`` | ``umgesetzt``, ``in Umsetzung``, ``geplant`` or ``zurückgestellt`` |
| ``jahr`` | year of the status (four digits) |
| ``bemerkung`` | optional remark |

:func:`read_measures` validates it (German errors naming file, row and column);
:func:`prepare` writes ``<processed>/measures/measures.parquet`` and ``meta.json`` for the
chapters ``massnahmen`` (summary per field) and ``anhang-massnahmen`` (complete list).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import fmt
from .errors import ConfigError, InputError
from .project import DEFAULTS

SUBDIR = "measures"
INPUT_DIR = "massnahmen"
INPUT_NAMES = ("massnahmen.csv", "massnahmen.xlsx")
DEFAULT_SCHEMA = DEFAULTS / "config" / "massnahmen_schema.yml"
REQUIRED = ["handlungsfeld", "massnahme", "zustaendig", "status", "jahr"]
OPTIONAL = ["bemerkung"]


# --------------------------------------------------------------------------- schema


class FieldOfAction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nr: int = Field(ge=1)
    name: str = Field(min_length=1)
    prioritaet: bool = False


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fields: list[FieldOfAction] = Field(min_length=1)
    statuses: list[str] = Field(min_length=1)

    @field_validator("fields")
    @classmethod
    def _unique(cls, v):
        nrs = [f.nr for f in v]
        if len(set(nrs)) != len(nrs):
            raise ValueError("Nummern der Handlungsfelder kommen mehrfach vor")
        return v

    def lookup(self) -> dict[str, FieldOfAction]:
        """Accepted cell texts (number or name, case-insensitive) → field."""
        out = {}
        for f in self.fields:
            out[str(f.nr)] = f
            out[_norm(f.name)] = f
        return out


def _norm(text: str) -> str:
    return " ".join(str(text).replace("–", "-").split()).casefold()


def load_schema(path: str | Path | None = None) -> Schema:
    from .config import _german_validation_message

    path = Path(path) if path else DEFAULT_SCHEMA
    if not path.exists():
        raise ConfigError("Die Liste der Handlungsfelder fehlt.", file=path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return Schema.model_validate(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError("Die Datei ist kein gültiges YAML.", file=path,
                          line=(mark.line + 1) if mark else None) from None
    except ValidationError as exc:
        raise ConfigError("Die Liste der Handlungsfelder ist ungültig:\n"
                          + _german_validation_message(exc), file=path) from None


# --------------------------------------------------------------------------- reading


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    handlungsfeld: str
    massnahme: str = Field(min_length=1)
    zustaendig: str = Field(min_length=1)
    status: str
    jahr: int = Field(ge=1990, le=2100)
    bemerkung: str = ""

    @field_validator("jahr", mode="before")
    @classmethod
    def _year(cls, v):
        text = str(v).strip()
        if text.endswith(".0"):
            text = text[:-2]
        if not text.isdigit() or len(text) != 4:
            raise ValueError(f"Jahr mit vier Ziffern erwartet, gefunden: „{v}“")
        return int(text)


_LINE = "\x00zeile"  # internal column: line of the record in a CSV file


def _read_table(path: Path) -> pd.DataFrame:
    if path.suffix.lower() == ".xlsx":
        try:
            df = pd.read_excel(path, dtype=str, keep_default_na=False, sheet_name=0)
        except Exception:  # openpyxl raises many kinds
            raise InputError("Die Datei ist keine lesbare Excel-Arbeitsmappe (.xlsx); bitte in Excel "
                             "als „Excel-Arbeitsmappe“ oder als CSV (UTF-8) speichern.",
                             file=path) from None
    else:
        from .sources.encoding import decode_text

        # Excel on Windows writes cp1252: the 8-bit fallback, under the strict rule
        text, _enc = decode_text(path.read_bytes(), path, fallback="cp1252", what="Die Maßnahmentabelle")
        first = text.split("\n", 1)[0]
        sep = ";" if first.count(";") >= first.count(",") else ","
        from io import StringIO

        from .sources.csvfile import records

        recs = list(records(StringIO(text, newline=""), delimiter=sep, path=path))
        if not recs:
            raise InputError("Die Tabelle ist leer; erwartet wird eine Kopfzeile.", file=path, line=1)
        header = recs[0][1]
        rows, lines = [], []
        for line, cells in recs[1:]:
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(header):
                raise InputError(
                    f"Die Zeile hat {len(cells)} Felder, die Kopfzeile aber {len(header)} "
                    f"(Trennzeichen „{sep}“). Steht ein Trennzeichen ungeschützt im Text?",
                    file=path, line=line,
                )
            rows.append(cells + [""] * (len(header) - len(cells)))
            lines.append(line)
        df = pd.DataFrame(rows, columns=header, dtype=str)
        df[_LINE] = lines  # where each record starts in the file
    df.columns = [c if c == _LINE else str(c).strip().lower() for c in df.columns]
    return df


def read_measures(path: str | Path, schema: Schema) -> pd.DataFrame:
    """Read and validate the measures table.

    Returns one row per measure with ``zeile`` (row in the file, header = 1), ``nr``,
    ``handlungsfeld`` (name from the schema), ``massnahme``, ``zustaendig``, ``status``,
    ``jahr``, ``bemerkung``. Raises :class:`InputError` naming file, row and column.
    """
    path = Path(path)
    df = _read_table(path)
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise InputError(
            "Es fehlen Spalten: " + ", ".join(missing) + ". Erwartet werden "
            + ", ".join(REQUIRED) + " (optional: " + ", ".join(OPTIONAL) + ").",
            file=path, line=1, column=missing[0],
        )
    if df.empty:
        raise InputError("Die Tabelle enthält keine Maßnahmen.", file=path, line=2)
    lookup = schema.lookup()
    allowed = {_norm(s): s for s in schema.statuses}
    records = []
    for i, rec in enumerate(df.to_dict("records")):
        line = rec.pop(_LINE, i + 2)
        if all(not str(v).strip() for v in rec.values()):
            continue  # blank line
        try:
            row = _Row.model_validate(rec)
        except ValidationError as exc:
            err = exc.errors()[0]
            col = str(err["loc"][0]) if err["loc"] else None
            msg = str(err.get("msg", "")).removeprefix("Value error, ")
            if err["type"] == "string_too_short":
                msg = "Angabe fehlt"
            elif err["type"] in ("greater_than_equal", "less_than_equal"):
                msg = f"Jahr außerhalb von 1990 bis 2100: „{rec.get(col)}“"
            raise InputError(f"Ungültige Angabe: {msg}.", file=path, line=line, column=col) from None
        foa = lookup.get(_norm(row.handlungsfeld)) or lookup.get(row.handlungsfeld.rstrip("."))
        if foa is None:
            raise InputError(
                f"Unbekanntes Handlungsfeld „{row.handlungsfeld}“. Erlaubt sind die Nummern "
                f"1 bis {max(f.nr for f in schema.fields)} oder die Namen aus "
                "config/massnahmen_schema.yml.",
                file=path, line=line, column="handlungsfeld",
            )
        status = allowed.get(_norm(row.status))
        if status is None:
            raise InputError(
                f"Unbekannter Status „{row.status}“; erlaubt sind: " + ", ".join(schema.statuses) + ".",
                file=path, line=line, column="status",
            )
        records.append({"zeile": line, "nr": foa.nr, "handlungsfeld": foa.name,
                        "prioritaet": foa.prioritaet, "massnahme": row.massnahme,
                        "zustaendig": row.zustaendig, "status": status, "jahr": row.jahr,
                        "bemerkung": row.bemerkung})
    out = pd.DataFrame.from_records(records)
    order = {s: i for i, s in enumerate(schema.statuses)}
    out = out.sort_values(["nr", "status", "massnahme"], key=lambda c: c.map(order) if c.name == "status" else c,
                          kind="stable").reset_index(drop=True)
    return out


# --------------------------------------------------------------------------- pipeline stage


def input_path(edition) -> Path | None:
    """The measures table of the edition's data folder (CSV or XLSX, never both), or ``None``."""
    base = Path(edition.data_dir) / INPUT_DIR
    # names compared without case, as on the city's Windows PCs ("Massnahmen.xlsx")
    found = sorted((f for f in (base.iterdir() if base.is_dir() else ())
                    if f.name.lower() in INPUT_NAMES and f.is_file()),
                   key=lambda f: INPUT_NAMES.index(f.name.lower()))
    if len(found) > 1:
        # which one is current cannot be told: reading one and ignoring the other would publish
        # a possibly outdated status without a word
        raise InputError(
            f"Im Ordner liegen zwei Maßnahmentabellen ({', '.join(p.name for p in found)}); es "
            "ist nicht erkennbar, welche aktuell ist. Bitte die veraltete entfernen.",
            file=base,
        )
    return found[0] if found else None


def has_input(edition) -> bool:
    return input_path(edition) is not None


def schema_for(edition) -> Schema:
    return load_schema(edition.path("config/massnahmen_schema.yml"))


def check(edition) -> dict:
    """Validate the table only (``integrationsbericht check``)."""
    path = input_path(edition)
    if path is None:
        return {"rows": 0}
    return {"rows": len(read_measures(path, schema_for(edition))), "file": str(path)}


def prepare(edition, out_dir: Path) -> dict:
    """Validate the table and write ``out_dir/measures/measures.parquet`` + ``meta.json``."""
    path = input_path(edition)
    if path is None:
        raise InputError("Die Tabelle der Maßnahmen fehlt.",
                         file=Path(edition.data_dir) / INPUT_DIR / INPUT_NAMES[0])
    schema = schema_for(edition)
    table = read_measures(path, schema)
    target = Path(out_dir) / SUBDIR
    target.mkdir(parents=True, exist_ok=True)
    table.to_parquet(target / "measures.parquet", index=False)
    meta = {"file": path.name, "rows": len(table), "years": sorted(int(y) for y in table["jahr"].unique()),
            "fields": [f.model_dump() for f in schema.fields], "statuses": schema.statuses}
    (target / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                      encoding="utf-8")
    return meta


@dataclass
class Measures:
    table: pd.DataFrame
    schema: Schema
    file: str


def load(edition_or_dir) -> Measures:
    """What :func:`prepare` wrote (for the chapter notebooks)."""
    base = Path(getattr(edition_or_dir, "processed_dir", edition_or_dir)) / SUBDIR
    meta = json.loads((base / "meta.json").read_text(encoding="utf-8"))
    schema = Schema.model_validate({"fields": meta["fields"], "statuses": meta["statuses"]})
    return Measures(pd.read_parquet(base / "measures.parquet"), schema, meta["file"])


# --------------------------------------------------------------------------- summaries


def summary_by_field(table: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """One row per field of action (all fields, also those without measures): counts per
    status and in total, plus the share implemented (NaN where a field has no measures)."""
    rows = []
    for f in schema.fields:
        sel = table[table["nr"] == f.nr]
        rec = {"nr": f.nr, "handlungsfeld": f.name, "prioritaet": f.prioritaet}
        for s in schema.statuses:
            rec[s] = int((sel["status"] == s).sum())
        rec["insgesamt"] = len(sel)
        rec["anteil_umgesetzt"] = rec[schema.statuses[0]] / len(sel) * 100 if len(sel) else float("nan")
        rows.append(rec)
    return pd.DataFrame(rows)


def totals(table: pd.DataFrame, schema: Schema) -> dict[str, int]:
    out = {s: int((table["status"] == s).sum()) for s in schema.statuses}
    out["insgesamt"] = len(table)
    return out


def summary_text(table: pd.DataFrame, schema: Schema) -> str:
    """German sentences with the totals (all numbers computed)."""
    t = totals(table, schema)
    n = t["insgesamt"]
    fields_with = table["nr"].nunique()
    parts = [f"{fmt.number(t[s])} {s}" + f" ({fmt.percent(t[s] / n * 100, 0)})" for s in schema.statuses]
    text = (f"Die Tabelle der Verwaltung enthält {fmt.number(n)} Maßnahmen in "
            f"{fmt.number(fields_with)} von {fmt.number(len(schema.fields))} Handlungsfeldern. "
            f"Davon sind " + ", ".join(parts[:-1]) + " und " + parts[-1] + ".")
    empty = [f.name for f in schema.fields if f.nr not in set(table["nr"])]
    if empty:
        text += (" Für " + ("das Handlungsfeld " if len(empty) == 1 else "die Handlungsfelder ")
                 + ", ".join(f"„{e}“" for e in empty) + " ist keine Maßnahme eingetragen.")
    return text


def display_summary(summary: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """The summary table as shown (German headers, formatted share)."""
    out = pd.DataFrame({"Nr.": summary["nr"].astype(str),
                        "Handlungsfeld": summary["handlungsfeld"] + summary["prioritaet"].map({True: " (Priorität)", False: ""})})
    for s in schema.statuses:
        out[s] = summary[s].astype("int64")
    out["Insgesamt"] = summary["insgesamt"].astype("int64")
    out["Anteil umgesetzt"] = [fmt.percent(v, 0) for v in summary["anteil_umgesetzt"]]
    return out


_HATCHES = ["", "//", "..", "xx"]
_COLOURS = ["#009E73", "#0072B2", "#E69F00", "#595959"]


def status_chart(summary: pd.DataFrame, schema: Schema):
    """Horizontal stacked bars: measures per field of action and status (hatching as well as
    colour tells the statuses apart). Returns ``(fig, alt_text, data)``."""
    import matplotlib.pyplot as plt

    data = summary[summary["insgesamt"] > 0]
    labels = [f"{nr}. {name}" for nr, name in zip(data["nr"], data["handlungsfeld"])]
    from .figures import count_axis, legend_below

    fig, ax = plt.subplots(figsize=(7.0, 0.38 * len(data) + 1.4), layout="constrained")
    left = [0] * len(data)
    y = list(range(len(data)))[::-1]
    for k, s in enumerate(schema.statuses):
        vals = data[s].tolist()
        ax.barh(y, vals, left=left, color=_COLOURS[k % 4], hatch=_HATCHES[k % 4], edgecolor="white",
                linewidth=0.6, label=s)
        left = [a + b for a, b in zip(left, vals)]
    for yy, total in zip(y, data["insgesamt"]):
        ax.annotate(fmt.number(total), xy=(total, yy), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=8.5)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlabel("Zahl der Maßnahmen")
    count_axis(ax.xaxis)
    ax.set_xlim(0, float(data["insgesamt"].max()) * 1.12 + 0.3)
    legend_below(fig, ncol=len(schema.statuses))
    ax.grid(axis="y", visible=False)
    most = data.sort_values(["insgesamt", "nr"], ascending=[False, True]).iloc[0]
    alt = (f"Gestapeltes Balkendiagramm: Zahl der Maßnahmen je Handlungsfeld nach Status "
           f"({', '.join(schema.statuses)}), {len(data)} Handlungsfelder mit Maßnahmen. Die meisten "
           f"Maßnahmen hat „{most['handlungsfeld']}“ ({fmt.number(most['insgesamt'])}, davon "
           f"{fmt.number(most[schema.statuses[0]])} {schema.statuses[0]}). Alle Werte stehen in "
           "der Datentabelle.")
    export = data[["nr", "handlungsfeld", *schema.statuses, "insgesamt"]].reset_index(drop=True)
    export = export.rename(columns={"nr": "Nr.", "handlungsfeld": "Handlungsfeld", "insgesamt": "Insgesamt"})
    return fig, alt, export


def listing(table: pd.DataFrame) -> pd.DataFrame:
    """The complete list for the annex (German headers)."""
    return pd.DataFrame({
        "Nr.": table["nr"].astype(str),
        "Handlungsfeld": table["handlungsfeld"],
        "Maßnahme": table["massnahme"],
        "Zuständig": table["zustaendig"],
        "Status": table["status"],
        "Jahr": table["jahr"].astype("int64"),
        "Bemerkung": table["bemerkung"].replace("", "–"),
    })


__all__ = ["Schema", "load_schema", "read_measures", "has_input", "input_path", "check", "prepare",
           "load", "Measures", "summary_by_field", "totals", "summary_text", "display_summary",
           "status_chart", "listing"]
