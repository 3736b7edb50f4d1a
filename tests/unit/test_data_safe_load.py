"""YAML and JSON from untrusted files: size, alias, expansion and encoding limits."""

from __future__ import annotations

import time

import pytest

from synthaug.data.safe_load import (
    MAX_ALIASES,
    parse_json,
    parse_yaml,
    read_config,
)
from synthaug.errors import ConfigError, DataError


def _laughs(levels: int, fan: int) -> bytes:
    lines = ["l0: &l0 [" + ", ".join(["x"] * fan) + "]"]
    for i in range(1, levels + 1):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * fan) + "]")
    return ("\n".join(lines) + "\n").encode()


def test_plain_yaml_and_a_few_aliases_load():
    assert parse_yaml(b"a: &x [1, 2]\nb: *x\n", "ok.yaml") == {"a": [1, 2], "b": [1, 2]}


def test_billion_laughs_is_refused_by_alias_count_quickly():
    start = time.process_time()
    with pytest.raises(ConfigError, match=f"more than {MAX_ALIASES} YAML aliases"):
        parse_yaml(_laughs(9, 9), "bomb.yaml")
    assert time.process_time() - start < 5


def test_few_aliases_that_expand_hugely_are_refused():
    # 7 levels of 7 aliases: 49 aliases (under the count) but 7^8 = 5.8 million values
    with pytest.raises(ConfigError, match="expand to more than"):
        parse_yaml(_laughs(7, 7), "deep.yaml")


def test_non_utf8_yaml_names_the_offset_and_the_fix():
    with pytest.raises(ConfigError, match=r"not UTF-8 text \(byte 0xe9 at offset 9\)"):
        parse_yaml("name: caf\xe9\n".encode("latin-1"), "latin.yaml")


def test_several_documents_and_bad_syntax_are_config_errors():
    with pytest.raises(ConfigError, match="multi.yaml: not valid YAML"):
        parse_yaml(b"a: 1\n---\nb: 2\n", "multi.yaml")
    with pytest.raises(ConfigError, match="bad.yaml: not valid YAML"):
        parse_yaml(b"a: [1, 2\n", "bad.yaml")


def test_json_errors_give_line_and_column_and_deep_nesting_is_refused():
    with pytest.raises(DataError, match=r"x.json: not valid JSON: .* line 2, column 1"):
        parse_json(b'{"a": 1,\n}', "x.json", DataError)
    with pytest.raises(ConfigError, match="nested too deeply"):
        parse_json(b"[" * 200_000, "deep.json")


def test_files_above_the_size_limit_are_refused_before_reading(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: 1\n" + b"#" * 5000)
    with pytest.raises(ConfigError, match="more than the limit of 1000 bytes"):
        read_config(big, "pipeline file", max_bytes=1000)
    assert read_config(big, max_bytes=10_000) == {"a": 1}


def test_json_suffix_is_read_as_json(tmp_path):
    p = tmp_path / "pipe.json"
    p.write_text('{"transforms": []}')
    assert read_config(p) == {"transforms": []}
