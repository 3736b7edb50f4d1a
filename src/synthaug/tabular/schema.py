"""Tables: reading CSV/Parquet, column kinds, the YAML schema and the numeric encoding.

A table is a pandas DataFrame. Every column has one *kind*:

``numeric``      real numbers (float columns);
``integer``      whole numbers (integer dtypes, or floats whose values are all whole);
``categorical``  a finite set of labels (strings, pandas categories);
``boolean``      True/False;
``datetime``     timestamps (datetime dtypes, or text that parses as ISO dates in every row).

Kinds are detected by :func:`infer_schema`; a small YAML file overrides them (:func:`load_schema`):

.. code-block:: yaml

    primary_key: id              # dropped before fitting, never synthesized
    exclude: [name, notes]       # columns never synthesized (left out of the output)
    sensitive: [diagnosis]       # columns the privacy report tests for attribute disclosure
    columns:
      age: {type: integer, min: 0, max: 120}
      income: {type: numeric, min: 0}
      sex: {type: categorical}
    fixed_combinations:          # only combinations seen in the data are generated
      - [city, country]

A text column whose every value is distinct (20 rows or more) looks like an identifier and is
left out with a note (copying identifiers would leak them); declare its type to keep it.

:func:`encode_table` turns a table into one float64 array (NaN = missing): numbers as they are,
datetimes in seconds since 1970, booleans as 0/1 and categories as their index in
``ColumnSpec.categories``. :func:`decode_table` inverts it, restoring dtypes, ranges,
integer-ness and the category sets.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthaug.errors import ConfigError, DataError, InvalidInputError

__all__ = [
    "KINDS",
    "ColumnSpec",
    "SchemaOverrides",
    "TableSchema",
    "decode_table",
    "encode_table",
    "infer_schema",
    "load_schema",
    "read_table",
    "write_table",
]

KINDS = ("numeric", "integer", "categorical", "boolean", "datetime")
_SCHEMA_KEYS = ("primary_key", "exclude", "sensitive", "columns", "fixed_combinations")
_COLUMN_KEYS = ("type", "min", "max")
#: Rows above which an all-distinct text column is taken for an identifier.
_ID_MIN_ROWS = 20


@dataclass
class ColumnSpec:
    """One column: its kind, value range, category set and how to restore its dtype.

    ``categories`` lists the labels of a categorical column (index = code); ``step_s`` is the
    datetime resolution in seconds (86400 for dates); ``min``/``max`` are the range in encoded
    units (seconds for datetimes); ``dtype`` is the pandas dtype of the input column.
    """

    name: str
    kind: str
    dtype: str = "float64"
    min: float | None = None
    max: float | None = None
    categories: list[Any] = field(default_factory=list)
    step_s: float | None = None
    declared_range: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


@dataclass
class SchemaOverrides:
    """What a YAML schema declares (see the module docstring); everything optional."""

    primary_key: str | None = None
    exclude: list[str] = field(default_factory=list)
    sensitive: list[str] = field(default_factory=list)
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)
    fixed_combinations: list[list[str]] = field(default_factory=list)
    source: str = "schema"


@dataclass
class TableSchema:
    """The columns a generator models, in order, and the table-level declarations."""

    columns: list[ColumnSpec]
    dropped: list[str] = field(default_factory=list)
    sensitive: list[str] = field(default_factory=list)
    fixed_combinations: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """Column names in order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnSpec:
        """The spec of ``name`` (``ConfigError`` naming the known columns if absent)."""
        for c in self.columns:
            if c.name == name:
                return c
        raise ConfigError(f"column {name!r} is not in the table; columns: {self.names}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (:meth:`from_dict` inverts it)."""
        d = asdict(self)
        d["columns"] = [c.to_dict() for c in self.columns]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TableSchema:
        """Rebuild from :meth:`to_dict` output."""
        cols = [ColumnSpec(**c) for c in d["columns"]]
        return cls(
            columns=cols,
            dropped=list(d.get("dropped", [])),
            sensitive=list(d.get("sensitive", [])),
            fixed_combinations=[list(g) for g in d.get("fixed_combinations", [])],
            notes=list(d.get("notes", [])),
        )


# --------------------------------------------------------------------------- files


def read_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a ``.csv`` or ``.parquet`` file into a DataFrame (``DataError`` naming the file)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        raise DataError(
            f"{p}: expected a .csv or .parquet table, got suffix {suffix or '(none)'!r}"
        )
    if not p.is_file():
        raise DataError(f"{p}: no such file")
    try:
        df = pd.read_parquet(p) if suffix != ".csv" else pd.read_csv(p)
    except (ValueError, OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        detail = " ".join(str(exc).split())[:200]
        raise DataError(f"{p}: cannot read the table: {detail}") from None
    except Exception as exc:  # pyarrow raises its own types for corrupt Parquet
        detail = " ".join(str(exc).split())[:200]
        raise DataError(f"{p}: cannot read the table: {detail}") from None
    if df.shape[1] == 0 or len(df) == 0:
        raise InvalidInputError(f"{p}: the table is empty ({len(df)} rows, {df.shape[1]} columns)")
    dup = df.columns[df.columns.duplicated()].tolist()
    if dup:
        raise InvalidInputError(f"{p}: duplicate column names {dup}")
    df.columns = [str(c) for c in df.columns]
    return df


def write_table(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``df`` to ``.csv`` or ``.parquet`` atomically (temporary sibling, then rename)."""
    from synthaug.data.images import atomic_write_bytes

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".csv":
        data = df.to_csv(index=False).encode("utf-8")
    elif suffix in (".parquet", ".pq"):
        import io

        buf = io.BytesIO()
        df.to_parquet(buf, index=False)
        data = buf.getvalue()
    else:
        raise ConfigError(f"{p}: expected an output ending in .csv or .parquet, got {suffix!r}")
    atomic_write_bytes(p, data)
    return p


def load_schema(path: str | os.PathLike[str]) -> SchemaOverrides:
    """Read and check a YAML schema file (safe loader, size and alias limits).

    Unknown keys, unknown kinds and malformed ranges raise ``ConfigError`` naming the file,
    the key and the value.
    """
    from synthaug.data.safe_load import read_config

    src = str(path)
    raw = read_config(path, "table schema")
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{src}: expected a mapping at the top, got {type(raw).__name__}")
    unknown = sorted(set(raw) - set(_SCHEMA_KEYS))
    if unknown:
        raise ConfigError(f"{src}: unknown key(s) {unknown}; expected some of {list(_SCHEMA_KEYS)}")
    pk = raw.get("primary_key")
    if pk is not None and not isinstance(pk, str):
        raise ConfigError(f"{src}: primary_key: expected a column name, got {pk!r}")
    lists = {k: _name_list(raw.get(k, []), f"{src}: {k}") for k in ("exclude", "sensitive")}
    cols = raw.get("columns") or {}
    if not isinstance(cols, dict):
        raise ConfigError(f"{src}: columns: expected a mapping of column -> settings, got {cols!r}")
    checked: dict[str, dict[str, Any]] = {}
    for name, spec in cols.items():
        where = f"{src}: columns.{name}"
        if isinstance(spec, str):
            spec = {"type": spec}
        if not isinstance(spec, dict):
            raise ConfigError(f"{where}: expected a mapping like {{type: integer}}, got {spec!r}")
        bad = sorted(set(spec) - set(_COLUMN_KEYS))
        if bad:
            raise ConfigError(
                f"{where}: unknown key(s) {bad}; expected some of {list(_COLUMN_KEYS)}"
            )
        kind = spec.get("type")
        if kind is not None and kind not in KINDS:
            raise ConfigError(f"{where}.type: expected one of {list(KINDS)}, got {kind!r}")
        for key in ("min", "max"):
            v = spec.get(key)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float, str))):
                raise ConfigError(f"{where}.{key}: expected a number or a date, got {v!r}")
        checked[str(name)] = dict(spec)
    combos = raw.get("fixed_combinations") or []
    if not isinstance(combos, list):
        raise ConfigError(
            f"{src}: fixed_combinations: expected a list of column lists, got {combos!r}"
        )
    groups = []
    for i, g in enumerate(combos):
        names = _name_list(g, f"{src}: fixed_combinations[{i}]")
        if len(names) < 2:
            raise ConfigError(
                f"{src}: fixed_combinations[{i}]: expected at least two columns, got {g!r}"
            )
        groups.append(names)
    return SchemaOverrides(
        primary_key=pk,
        exclude=lists["exclude"],
        sensitive=lists["sensitive"],
        columns=checked,
        fixed_combinations=groups,
        source=src,
    )


def _name_list(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of column names, got {value!r}")
    return list(value)


# --------------------------------------------------------------------------- detection


def _looks_like_dates(s: pd.Series) -> bool:
    vals = s.dropna()
    if len(vals) == 0:
        return False
    head = vals.astype(str).head(50)
    if not head.str.match(r"^\d{4}-\d{2}-\d{2}").all():
        return False
    parsed = pd.to_datetime(vals.astype(str), errors="coerce", format="ISO8601")
    return bool(parsed.notna().all())


def _detect_kind(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s.dtype):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return "datetime"
    if pd.api.types.is_integer_dtype(s.dtype):
        return "integer"
    if pd.api.types.is_float_dtype(s.dtype):
        v = s.dropna().to_numpy(dtype=np.float64)
        return (
            "integer"
            if len(v) and np.all(np.isfinite(v)) and np.all(v == np.round(v))
            else "numeric"
        )
    vals = s.dropna()
    if len(vals) and vals.map(type).isin([bool, np.bool_]).all():
        return "boolean"
    if _looks_like_dates(s):
        return "datetime"
    return "categorical"


def _to_seconds(s: pd.Series) -> np.ndarray:
    t = pd.to_datetime(
        s,
        errors="coerce",
        format="ISO8601" if not pd.api.types.is_datetime64_any_dtype(s.dtype) else None,
    )
    if getattr(t.dt, "tz", None) is not None:
        t = t.dt.tz_convert("UTC").dt.tz_localize(None)
    out = t.astype("datetime64[ns]").to_numpy().astype("int64").astype(np.float64) / 1e9
    out[t.isna().to_numpy()] = np.nan
    return out


def _parse_bound(value: Any, kind: str, where: str) -> float | None:
    if value is None:
        return None
    if kind == "datetime":
        try:
            return float(pd.Timestamp(value).value) / 1e9
        except (ValueError, TypeError):
            raise ConfigError(f"{where}: expected a date like 2020-01-31, got {value!r}") from None
    if isinstance(value, str):
        raise ConfigError(f"{where}: expected a number, got {value!r}")
    return float(value)


def infer_schema(df: pd.DataFrame, overrides: SchemaOverrides | None = None) -> TableSchema:
    """Detect every column's kind, range and categories; apply the YAML ``overrides``.

    Raises ``ConfigError`` when the schema names a column the table lacks, and
    ``InvalidInputError`` when a value breaks a declared range or cannot have the declared type
    (the message names column, row and value).

    Examples
    --------
    >>> import pandas as pd
    >>> s = infer_schema(pd.DataFrame({"age": [30, 41, None], "sex": ["F", "M", "F"]}))
    >>> [(c.name, c.kind) for c in s.columns]
    [('age', 'integer'), ('sex', 'categorical')]
    """
    ov = overrides or SchemaOverrides()
    src = ov.source
    named = ([ov.primary_key] if ov.primary_key else []) + ov.exclude + ov.sensitive
    named += list(ov.columns) + [c for g in ov.fixed_combinations for c in g]
    missing = [c for c in dict.fromkeys(named) if c not in df.columns]
    if missing:
        raise ConfigError(
            f"{src}: column(s) {missing} are not in the table; its columns are {list(df.columns)}"
        )
    dropped = ([ov.primary_key] if ov.primary_key else []) + [
        c for c in ov.exclude if c != ov.primary_key
    ]
    notes: list[str] = []
    specs = []
    for name in df.columns:
        if name in dropped:
            continue
        s = df[name]
        declared = ov.columns.get(name, {})
        kind = declared.get("type") or _detect_kind(s)
        if (
            "type" not in declared
            and kind == "categorical"
            and len(s) >= _ID_MIN_ROWS
            and s.notna().all()
            and s.nunique() == len(s)
        ):
            dropped.append(name)
            notes.append(
                f"column {name!r} has a distinct value in every row and looks like an identifier: "
                "left out (declare its type in the schema to keep it)"
            )
            continue
        spec = _fit_column(s, name, kind, declared, src)
        specs.append(spec)
    if not specs:
        raise InvalidInputError(f"no column left to synthesize (dropped: {dropped})")
    for g in ov.fixed_combinations:
        gone = [c for c in g if c in dropped]
        if gone:
            raise ConfigError(f"{src}: fixed_combinations {g}: column(s) {gone} are excluded")
    return TableSchema(
        columns=specs,
        dropped=dropped,
        sensitive=list(ov.sensitive),
        fixed_combinations=[list(g) for g in ov.fixed_combinations],
        notes=notes,
    )


def _fit_column(s: pd.Series, name: str, kind: str, declared: dict, src: str) -> ColumnSpec:
    spec = ColumnSpec(name=name, kind=kind, dtype=str(s.dtype))
    if kind == "categorical":
        vals = s.dropna()
        counts = vals.value_counts(sort=False)
        spec.categories = sorted((_plain(v) for v in counts.index), key=lambda v: (str(type(v)), v))
        return spec
    if kind == "boolean":
        spec.categories = [False, True]
        v = _encode_column(s, spec, src)
        bad = ~np.isnan(v) & ~np.isin(v, [0.0, 1.0])
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InvalidInputError(
                f"column {name!r}, row {i}: value {_plain(s.iloc[i])!r} is not a boolean (declared {kind})"
            )
        return spec
    v = _encode_column(s, spec, src)
    if kind == "integer":
        frac = ~np.isnan(v) & (v != np.round(v))
        if frac.any():
            i = int(np.flatnonzero(frac)[0])
            raise InvalidInputError(
                f"column {name!r}, row {i}: value {_plain(s.iloc[i])!r} is not a whole number "
                f"(the schema {src} declares it integer)"
            )
    if kind == "datetime":
        fin = v[~np.isnan(v)]
        spec.step_s = (
            86400.0
            if len(fin) and np.all(fin % 86400 == 0)
            else (1.0 if len(fin) and np.all(fin % 1 == 0) else None)
        )
    lo = _parse_bound(declared.get("min"), kind, f"{src}: columns.{name}.min")
    hi = _parse_bound(declared.get("max"), kind, f"{src}: columns.{name}.max")
    fin = v[~np.isnan(v)]
    for bound, cmp, word in ((lo, np.less, "below"), (hi, np.greater, "above")):
        if bound is not None and cmp(fin, bound).any():
            i = int(np.flatnonzero(~np.isnan(v) & cmp(np.nan_to_num(v, nan=bound), bound))[0])
            raise InvalidInputError(
                f"column {name!r}, row {i}: value {_plain(s.iloc[i])!r} is {word} the declared range "
                f"[{declared.get('min')}, {declared.get('max')}] of {src}"
            )
    spec.declared_range = lo is not None or hi is not None
    spec.min = lo if lo is not None else (float(fin.min()) if len(fin) else None)
    spec.max = hi if hi is not None else (float(fin.max()) if len(fin) else None)
    return spec


def _plain(v: Any) -> Any:
    """numpy scalars -> Python scalars (JSON-ready)."""
    return v.item() if isinstance(v, np.generic) else v


# --------------------------------------------------------------------------- encoding


def _encode_column(s: pd.Series, spec: ColumnSpec, src: str = "schema") -> np.ndarray:
    kind = spec.kind
    if kind == "datetime":
        out = _to_seconds(s)
        bad = np.isnan(out) & s.notna().to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InvalidInputError(
                f"column {spec.name!r}, row {i}: value {_plain(s.iloc[i])!r} is not a date/time"
            )
        return out
    if kind in ("categorical", "boolean"):
        cats = spec.categories
        fast = _encode_fast(s, spec)
        if fast is not None:
            return fast
        if kind == "boolean":
            mapped = s.map(
                lambda v: v if pd.isna(v) else {"true": True, "false": False}.get(str(v).lower(), v)
            )
            s = mapped
        index = {c: i for i, c in enumerate(cats)}
        if kind == "categorical" and not all(isinstance(c, str) for c in cats):
            # numbers read from a CSV may come back as another numeric type: match by text
            index.update({str(c): i for i, c in enumerate(cats)})
            keys = s.map(lambda v: v if pd.isna(v) or v in index else str(v))
        else:
            keys = s
        codes = keys.map(lambda v: np.nan if pd.isna(v) else index.get(v, -1))
        out = codes.to_numpy(dtype=np.float64, na_value=np.nan)
        unknown = out == -1
        if unknown.any():
            i = int(np.flatnonzero(unknown)[0])
            raise InvalidInputError(
                f"column {spec.name!r}, row {i}: value {_plain(s.iloc[i])!r} is not one of the "
                f"{len(cats)} categories seen in training"
            )
        return out
    try:
        return pd.to_numeric(s, errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
    except (ValueError, TypeError):
        num = pd.to_numeric(s, errors="coerce")
        i = int(np.flatnonzero(num.isna().to_numpy() & s.notna().to_numpy())[0])
        raise InvalidInputError(
            f"column {spec.name!r}, row {i}: value {_plain(s.iloc[i])!r} is not a number "
            f"(kind {kind!r}; declare another type in {src} if that is wrong)"
        ) from None


def _encode_fast(s: pd.Series, spec: ColumnSpec) -> np.ndarray | None:
    """Vectorised codes for the common cases (bool dtype; text labels); None = use the slow path."""
    if spec.kind == "boolean" and pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype=np.float64, na_value=np.nan)
    if spec.kind != "categorical" or not all(isinstance(c, str) for c in spec.categories):
        return None
    if not (pd.api.types.is_string_dtype(s.dtype) or s.dtype == object):
        return None
    present = s.notna().to_numpy()
    if not np.all(s.isin(spec.categories).to_numpy() | ~present):
        return None  # unknown labels: the slow path names the first one
    codes = pd.Categorical(s, categories=spec.categories).codes.astype(np.float64)
    codes[~present] = np.nan
    return codes


def encode_table(df: pd.DataFrame, schema: TableSchema) -> np.ndarray:
    """The table as an ``(n_rows, n_columns)`` float64 array in schema order (NaN = missing)."""
    absent = [c for c in schema.names if c not in df.columns]
    if absent:
        raise InvalidInputError(f"the table lacks column(s) {absent} of the schema")
    X = np.empty((len(df), len(schema.columns)), dtype=np.float64)
    for j, spec in enumerate(schema.columns):
        X[:, j] = _encode_column(df[spec.name], spec)
    return X


def decode_table(X: np.ndarray, schema: TableSchema) -> pd.DataFrame:
    """Invert :func:`encode_table`: clip to ranges, round integers, restore dtypes and labels."""
    out: dict[str, Any] = {}
    for j, spec in enumerate(schema.columns):
        v = X[:, j].astype(np.float64, copy=True)
        miss = np.isnan(v)
        if spec.kind in ("numeric", "integer", "datetime"):
            if spec.min is not None or spec.max is not None:
                v = np.clip(v, spec.min, spec.max)
        if spec.kind == "numeric":
            out[spec.name] = pd.Series(v, dtype="float32" if spec.dtype == "float32" else "float64")
        elif spec.kind == "integer":
            r = np.round(v)
            if miss.any():
                out[spec.name] = pd.array(np.where(miss, 0, r).astype(np.int64), dtype="Int64")
                out[spec.name][miss] = pd.NA
            elif spec.dtype.startswith("float"):
                out[spec.name] = r
            else:
                out[spec.name] = r.astype(np.int64)
        elif spec.kind == "datetime":
            if spec.step_s:
                v = np.round(v / spec.step_s) * spec.step_s
            ns = np.where(miss, 0, v * 1e9).astype(np.int64)
            t = pd.Series(ns.astype("datetime64[ns]"))
            t[miss] = pd.NaT
            out[spec.name] = t
        else:
            codes = np.where(miss, 0, v).astype(np.int64)
            cats = np.asarray(spec.categories, dtype=object)
            vals = cats[np.clip(codes, 0, len(cats) - 1)] if len(cats) else np.full(len(v), None)
            if spec.kind == "boolean":
                if miss.any():
                    arr = pd.array(vals.astype(bool), dtype="boolean")
                    arr[miss] = pd.NA
                    out[spec.name] = arr
                else:
                    out[spec.name] = vals.astype(bool)
            else:
                vals = vals.copy()
                vals[miss] = None
                s = pd.Series(vals, dtype=object)
                if all(isinstance(c, str) for c in spec.categories):
                    s = s.astype(spec.dtype if spec.dtype in ("str", "string", "object") else "str")
                out[spec.name] = s
    return pd.DataFrame(out)
