"""Synthetic data generators: procedural (fonts, scenes) and learned (cVAE, cGAN).

Every generator follows scikit-learn: ``gen.fit(X, y)`` returns ``gen``; ``gen.sample(n,
labels=..., seed=...)`` returns ``(X, y)``; ``gen.save(path)`` writes safetensors plus a JSON
config; :func:`load` reads a saved model or a shipped one by name (``"digits-cvae"``,
``"digits-cgan"``). Torch is imported only when a learned generator is used.
"""

from __future__ import annotations

from typing import Any

from synthaug.synth.base import BUILTIN_MODULES, Generator, load, register, registered_generators
from synthaug.synth.fonts import FontGlyphs, find_fonts
from synthaug.synth.pretrained import DIGITS_SPLIT_SEED, PRETRAINED, digits_split

__all__ = [
    "DIGITS_SPLIT_SEED",
    "PRETRAINED",
    "ConditionalGAN",
    "ConditionalVAE",
    "FontGlyphs",
    "Generator",
    "ShapesScene",
    "digits_split",
    "find_fonts",
    "load",
    "register",
    "registered_generators",
]


def __getattr__(name: str) -> Any:
    if name in BUILTIN_MODULES:
        import importlib

        return getattr(importlib.import_module(BUILTIN_MODULES[name]), name)
    raise AttributeError(f"module 'synthaug.synth' has no attribute {name!r}")
