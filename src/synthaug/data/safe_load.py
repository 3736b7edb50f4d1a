"""Reading YAML and JSON from untrusted files, with limits checked before the work.

A configuration or annotation file is refused with one clear :class:`~synthaug.errors.ConfigError`
(or :class:`~synthaug.errors.DataError` for dataset files) when it

* is larger than a byte limit (checked with ``stat`` before reading: a 50 MB YAML would take
  minutes in PyYAML's pure-Python loader);
* is not UTF-8 text (the message gives the offset and the byte);
* uses more YAML aliases than a small count, or expands through aliases to more nodes than a
  limit ("billion laughs": a few lines whose aliases nest into 10^9 nodes hang any consumer that
  walks them);
* holds several YAML documents, or nests JSON deeper than Python's recursion allows.

Examples
--------
>>> parse_yaml(b"a: 1\\nb: [x, y]\\n", "example.yaml")
{'a': 1, 'b': ['x', 'y']}
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

from synthaug.errors import ConfigError, SynthaugError

__all__ = [
    "MAX_ALIASES",
    "MAX_CONFIG_BYTES",
    "MAX_JSON_BYTES",
    "MAX_NODES",
    "parse_json",
    "parse_yaml",
    "read_config",
    "read_limited",
]

#: Largest configuration file (pipeline, experiment, data.yaml) accepted: 1 MiB.
MAX_CONFIG_BYTES = 1 << 20
#: Largest annotation JSON (a COCO file) accepted: 2 GiB (COCO train2017 is 0.45 GiB).
MAX_JSON_BYTES = 2 << 30
#: YAML aliases (``*name``) accepted in one document.
MAX_ALIASES = 64
#: Nodes (mappings, sequences and scalars, aliases expanded) accepted in one document.
MAX_NODES = 1_000_000


class _AliasLimitedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that counts aliases while composing."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.n_aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.n_aliases += 1
            if self.n_aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise _TooManyAliases(f"line {mark.line + 1}")
        return super().compose_node(parent, index)


class _TooManyAliases(Exception):
    pass


def _count_nodes(data: Any, limit: int) -> int:
    """Nodes of ``data`` with shared (aliased) parts counted once per use; stops past ``limit``."""
    n, stack = 0, [data]
    while stack:
        obj = stack.pop()
        n += 1
        if n > limit:
            return n
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple)):
            stack.extend(obj)
    return n


def _text(data: bytes, source: str, error: type[SynthaugError]) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        raise error(
            f"{source}: not UTF-8 text (byte 0x{bad} at offset {exc.start}); save the file as UTF-8"
        ) from None


def parse_yaml(data: bytes, source: str, error: type[SynthaugError] = ConfigError) -> Any:
    """Parse one YAML document from ``data`` within the alias and node limits."""
    text = _text(data, source, error)
    loader = _AliasLimitedLoader(text)
    try:
        result = loader.get_single_data()
    except _TooManyAliases as exc:
        raise error(
            f"{source}: more than {MAX_ALIASES} YAML aliases (*name) at {exc}; synthaug refuses "
            "alias-heavy files (they can expand without bound): write the values out"
        ) from None
    except yaml.YAMLError as exc:
        detail = " ".join(str(exc).split())
        raise error(f"{source}: not valid YAML: {detail[:300]}") from None
    except RecursionError:
        raise error(f"{source}: nested too deeply to be a configuration") from None
    finally:
        loader.dispose()
    if loader.n_aliases and _count_nodes(result, MAX_NODES) > MAX_NODES:
        raise error(
            f"{source}: its YAML aliases expand to more than {MAX_NODES} values; write the "
            "values out instead of nesting aliases"
        )
    return result


def parse_json(data: bytes, source: str, error: type[SynthaugError] = ConfigError) -> Any:
    """Parse JSON from ``data`` (UTF-8); malformed or too deeply nested JSON is ``error``."""
    text = _text(data, source, error)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(
            f"{source}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except RecursionError:
        raise error(f"{source}: JSON nested too deeply") from None


def read_limited(
    path: str | os.PathLike[str],
    max_bytes: int,
    what: str = "file",
    error: type[SynthaugError] = ConfigError,
) -> bytes:
    """The bytes of ``path``, refusing a file larger than ``max_bytes`` before reading it."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise error(
                f"{p}: the {what} is {size} bytes, more than the limit of {max_bytes} bytes"
            )
        if p.is_dir():
            raise error(f"{p}: expected a {what}, found a folder")
        return p.read_bytes()
    except OSError as exc:
        if isinstance(exc, SynthaugError):
            raise
        raise error(f"{p}: cannot read the {what}: {exc.strerror or exc}") from None


def read_config(
    path: str | os.PathLike[str],
    what: str = "configuration",
    max_bytes: int = MAX_CONFIG_BYTES,
    error: type[SynthaugError] = ConfigError,
) -> Any:
    """Read a YAML or JSON configuration file (``.json`` as JSON, anything else as YAML).

    Examples
    --------
    >>> read_config("pipeline.yaml", "pipeline file")  # doctest: +SKIP
    {'transforms': [{'name': 'HorizontalFlip'}]}
    """
    data = read_limited(path, max_bytes, what, error)
    if str(path).lower().endswith(".json"):
        return parse_json(data, str(path), error)
    return parse_yaml(data, str(path), error)
