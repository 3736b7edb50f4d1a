"""Column kinds, the YAML schema and the encoding of synthaug.tabular.schema."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthaug.errors import ConfigError, DataError, InvalidInputError
from synthaug.tabular.schema import (
    decode_table,
    encode_table,
    infer_schema,
    load_schema,
    read_table,
    write_table,
)


def _mixed(n: int = 30) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [f"p{i}" for i in range(n)],
            "age": [30.0, 41.0, None] * (n // 3),
            "sex": ["F", "M", None] * (n // 3),
            "ok": [True, False, True] * (n // 3),
            "day": ["2020-01-01", "2021-02-03", None] * (n // 3),
            "x": np.linspace(0, 1, n),
            "k": np.arange(n),
        }
    )


def test_kinds_are_detected_and_identifier_is_left_out():
    s = infer_schema(_mixed())
    assert [(c.name, c.kind) for c in s.columns] == [
        ("age", "integer"),
        ("sex", "categorical"),
        ("ok", "boolean"),
        ("day", "datetime"),
        ("x", "numeric"),
        ("k", "integer"),
    ]
    assert s.dropped == ["id"] and "identifier" in s.notes[0]
    assert s.column("day").step_s == 86400.0


def test_encode_decode_round_trip_keeps_values_dtypes_and_missing():
    df = _mixed()
    s = infer_schema(df)
    out = decode_table(encode_table(df, s), s)
    assert str(out["age"].dtype) == "Int64" and out["age"].isna().sum() == 10
    assert out["k"].dtype == np.int64 and out["ok"].dtype == bool
    assert out["sex"].tolist()[:2] == ["F", "M"] and out["sex"].isna().sum() == 10
    assert out["day"].iloc[1] == pd.Timestamp("2021-02-03")
    np.testing.assert_allclose(out["x"], df["x"])


def test_csv_and_parquet_round_trip(tmp_path):
    df = _mixed().drop(columns="id")
    for name in ("t.csv", "t.parquet"):
        write_table(df, tmp_path / name)
        back = read_table(tmp_path / name)
        assert list(back.columns) == list(df.columns) and len(back) == len(df)


def test_read_table_refuses_unknown_suffix(tmp_path):
    (tmp_path / "t.xlsx").write_text("a")
    with pytest.raises(DataError, match="t.xlsx.*csv or .parquet"):
        read_table(tmp_path / "t.xlsx")


def test_yaml_schema_overrides_kind_drops_key_and_checks_range(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text(
        "primary_key: id\nexclude: [x]\ncolumns:\n  k: {type: categorical}\n  age: {min: 0, max: 35}\n"
    )
    ov = load_schema(p)
    with pytest.raises(
        InvalidInputError, match=r"'age', row 1: value 41.0 is above the declared range"
    ):
        infer_schema(_mixed(), ov)
    p.write_text(
        "primary_key: id\nexclude: [x]\ncolumns:\n  k: {type: categorical}\n  age: {min: 0}\n"
    )
    s = infer_schema(_mixed(), load_schema(p))
    assert "x" not in s.names and "id" not in s.names
    assert s.column("k").kind == "categorical" and s.column("age").min == 0.0


@pytest.mark.parametrize(
    "text, match",
    [
        ("columns:\n  age: {type: float}\n", r"columns.age.type: expected one of .*got 'float'"),
        ("colums: {}\n", r"unknown key\(s\) \['colums'\]"),
        ("fixed_combinations: [[a]]\n", r"fixed_combinations\[0\]: expected at least two"),
        ("columns:\n  age: {min: [1]}\n", r"columns.age.min: expected a number"),
    ],
)
def test_bad_schema_names_file_key_and_value(tmp_path, text, match):
    p = tmp_path / "s.yaml"
    p.write_text(text)
    with pytest.raises(ConfigError, match=match):
        load_schema(p)


def test_schema_naming_absent_column_is_refused(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("exclude: [nope]\n")
    with pytest.raises(ConfigError, match=r"\['nope'\] are not in the table"):
        infer_schema(_mixed(), load_schema(p))


def test_declared_integer_with_fraction_names_row_and_value(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("columns:\n  x: integer\n")
    with pytest.raises(InvalidInputError, match=r"'x', row 1: value .* not a whole number"):
        infer_schema(_mixed(), load_schema(p))
