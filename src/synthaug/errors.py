"""Exception types raised by synthaug.

Every error subclasses :class:`SynthaugError` and the matching builtin, so callers may catch
either ``synthaug.errors.ConfigError`` or plain ``ValueError``.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DataError",
    "InvalidInputError",
    "ModelFormatError",
    "SynthaugError",
    "LeakageError",
]


class SynthaugError(Exception):
    """Base class of every error synthaug raises on purpose."""


class ConfigError(SynthaugError, ValueError):
    """A configuration (pipeline YAML, experiment config, CLI option) is invalid.

    The message names the location (``transforms[2].limit``), the value found and what was
    expected.
    """


class InvalidInputError(SynthaugError, ValueError):
    """An array or annotation handed to synthaug is malformed (dtype, shape, range, NaN)."""


class DataError(SynthaugError, OSError):
    """A file of a dataset cannot be read or written (corrupt image, bad annotation, path)."""


class ModelFormatError(SynthaugError, ValueError):
    """A saved model is not a synthaug safetensors model (synthaug never loads pickles)."""


class LeakageError(SynthaugError, ValueError):
    """An experiment would let a model or generator see data it must not (test set, labels)."""
