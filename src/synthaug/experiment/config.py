"""The experiment configuration: a YAML file validated into typed models.

A configuration names the real data and its split, the few-shot sizes (labelled examples per
class), the seeds, the model, the generators and augmentation pipelines, and the arms to
compare. Validation errors name the field path, the value and what was expected.

Example
-------
.. code-block:: yaml

    name: digits-few-shot
    data: {dataset: digits, test_fraction: 0.5}
    sizes: [1, 5, 10]
    seeds: [0, 1, 2, 3, 4]
    model: {kind: cnn, epochs: 40}
    generators:
      fonts: {kind: FontGlyphs, params: {like: sklearn-digits}}
      cvae: {kind: ConditionalVAE, params: {epochs: 300}}
    pipelines:
      light: {transforms: [{name: Affine, rotate: 10, scale: [0.9, 1.1], p: 0.8}]}
    arms:
      - {name: real}
      - {name: real+aug, pipeline: light, copies: 10}
      - {name: real+fonts, generator: fonts, ratios: [1, 4, 16]}
      - {name: fonts only, generator: fonts, synthetic_only: true, n_synthetic: 2000}
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from synthaug.errors import ConfigError

__all__ = [
    "ArmConfig",
    "DataConfig",
    "ExperimentConfig",
    "GeneratorConfig",
    "ModelConfig",
    "load_config",
    "parse_config",
]


def _is_plain_name(name: str) -> bool:
    """A name safe as one file-name component on every system (no path, no hidden file)."""
    return (
        isinstance(name, str)
        and 0 < len(name) <= 100
        and not name.startswith(".")
        and not any(c in name for c in "/\\:\x00")
        and name.isprintable()
    )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataConfig(_Strict):
    """The real dataset and how it is split.

    ``dataset`` is a built-in name (``digits``), a ``.npz`` with ``X`` and ``y``, or an image
    folder with one subfolder per class. Per seed, a stratified ``test_fraction`` of it becomes
    the test set that no generator and no training run ever sees; the labelled few-shot examples
    come from the rest (the pool), and the remainder of the pool is the unlabelled real data
    that only arms marked ``unlabelled: true`` may use.
    """

    dataset: str = "digits"
    test_fraction: float = Field(0.5, gt=0.0, lt=1.0)


class ModelConfig(_Strict):
    """The classifier trained in every arm.

    ``kind``: ``cnn+logreg`` (the default: synthaug.nn.CNNLogRegEnsemble, a small CNN and a
    logistic regression on slightly blurred pixels, probabilities pooled), ``cnn``
    (synthaug.nn.CNNClassifier), ``svm`` (RBF SVC on pixels), ``logreg`` (logistic regression
    on pixels) or ``knn``.

    Budget: unless ``epochs`` or ``max_steps`` is given, the CNN chooses its optimiser steps
    from the data (:func:`synthaug.nn.training_steps`: 300 to 2,000 steps) and stops early on
    15% of the labelled images when every class has >= 10. ``epochs`` (default 30) then only
    sets the budget of domain-adaptation arms (30 x epochs steps).
    """

    kind: Literal["cnn+logreg", "cnn", "svm", "logreg", "knn"] = "cnn+logreg"
    epochs: int = Field(30, ge=1)
    batch_size: int = Field(64, ge=1)
    lr: float = Field(3e-3, gt=0)
    width: int = Field(32, ge=4)
    max_steps: int | None = Field(None, ge=1)


class GeneratorConfig(_Strict):
    """A synthetic-data generator: a registered class and its parameters, or shipped weights.

    Learned generators are trained inside each arm on that arm's labelled real data only.
    ``pretrained`` names shipped weights (e.g. ``digits-cvae``); the runner refuses them in any
    arm that has fewer labels than they were trained on.
    """

    kind: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    pretrained: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> GeneratorConfig:
        if (self.kind is None) == (self.pretrained is None):
            raise ValueError("give exactly one of 'kind' (a generator class) or 'pretrained'")
        return self


class ArmConfig(_Strict):
    """One way of building the training set.

    Parameters
    ----------
    name : str
        Shown in the report; an arm that uses unlabelled real images must say so in its name
        (the runner checks that it contains "unlabelled").
    pipeline : str, optional
        Augmentation pipeline (a key of ``pipelines``) applied to the real labelled images,
        ``copies`` augmented copies each (offline augmentation).
    generator : str, optional
        Generator (a key of ``generators``) providing synthetic images.
    ratios : list of float
        Synthetic:real ratios to sweep (synthetic images per real labelled image, the real set
        including augmented copies is not counted). One result per ratio.
    n_synthetic : int, optional
        Fixed number of synthetic images (instead of ratios).
    synthetic_only : bool
        Train on synthetic images only.
    augment_synthetic : bool
        Also apply ``pipeline`` to synthetic images.
    adapt : str, optional
        Domain-adaptation method applied with the unlabelled real pool as target
        (``dann``, ``coral``, ``adabn``, ``self_training``); needs ``unlabelled: true``.
    adapt_params : dict
        Arguments of that method beyond the training budget, e.g. ``{rounds: 1}`` for
        ``self_training`` (see :mod:`synthaug.adapt`); unknown names are refused.
    unlabelled : bool
        The arm may use the unlabelled real pool (self-training, adaptation, generator fitting).
    """

    name: str
    pipeline: str | None = None
    copies: int = Field(0, ge=0)
    generator: str | None = None
    ratios: list[float] = Field(default_factory=list)
    n_synthetic: int | None = Field(None, ge=1)
    synthetic_only: bool = False
    augment_synthetic: bool = False
    adapt: Literal["dann", "coral", "adabn", "self_training"] | None = None
    adapt_params: dict[str, Any] = Field(default_factory=dict)
    unlabelled: bool = False

    @field_validator("ratios")
    @classmethod
    def _positive(cls, v: list[float]) -> list[float]:
        # `not r > 0` also refuses NaN (YAML's .nan), which `r <= 0` let through
        if any(not (r > 0 and math.isfinite(r)) for r in v):
            raise ValueError(f"ratios must be finite numbers > 0, got {v}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> ArmConfig:
        if self.synthetic_only and self.generator is None:
            raise ValueError("synthetic_only needs a 'generator'")
        if self.generator is not None and not self.ratios and self.n_synthetic is None:
            raise ValueError("an arm with a generator needs 'ratios' or 'n_synthetic'")
        if self.generator is None and (self.ratios or self.n_synthetic):
            raise ValueError("'ratios'/'n_synthetic' need a 'generator'")
        if self.pipeline is not None and self.copies == 0 and not self.augment_synthetic:
            raise ValueError(
                "an arm with a pipeline needs 'copies' >= 1 (augmented copies per image)"
            )
        if self.adapt_params and self.adapt is None:
            raise ValueError("'adapt_params' needs an 'adapt' method")
        if self.adapt is not None and not self.unlabelled:
            raise ValueError("'adapt' uses the unlabelled real pool: set 'unlabelled: true'")
        if self.unlabelled and "unlabelled" not in self.name.lower():
            raise ValueError(
                f"arm {self.name!r} uses unlabelled real images: its name must say 'unlabelled'"
            )
        return self


class ExperimentConfig(_Strict):
    """The whole experiment (see the module docstring for an example)."""

    name: str = "experiment"
    data: DataConfig = Field(default_factory=DataConfig)
    sizes: list[int] = Field(default_factory=lambda: [1, 5, 10])
    seeds: list[int] = Field(default_factory=lambda: [0, 1, 2])
    model: ModelConfig = Field(default_factory=ModelConfig)
    generators: dict[str, GeneratorConfig] = Field(default_factory=dict)
    pipelines: dict[str, Any] = Field(default_factory=dict)
    arms: list[ArmConfig]
    evaluate_quality: bool = True
    audit: str | None = None

    @field_validator("generators", "pipelines")
    @classmethod
    def _names_stay_inside_out(cls, v: dict[str, Any]) -> dict[str, Any]:
        # Generator names become cache file names under --out: a name must not be a path.
        for name in v:
            if not _is_plain_name(name):
                raise ValueError(
                    f"name {name!r} is not a plain name: use letters, digits, '_', '-', '+' or "
                    "'.' without '/', '\\', ':' or a leading '.' (names become file names "
                    "inside --out)"
                )
        return v

    @field_validator("sizes")
    @classmethod
    def _sizes(cls, v: list[int]) -> list[int]:
        if not v or any(s < 1 for s in v):
            raise ValueError(f"expected a non-empty list of sizes >= 1, got {v}")
        return v

    @field_validator("seeds")
    @classmethod
    def _seeds(cls, v: list[int]) -> list[int]:
        if not v or len(set(v)) != len(v):
            raise ValueError(f"expected a non-empty list of distinct seeds, got {v}")
        return v

    @model_validator(mode="after")
    def _references(self) -> ExperimentConfig:
        names = [a.name for a in self.arms]
        if len(set(names)) != len(names):
            raise ValueError(f"arm names must be unique, got {names}")
        for i, arm in enumerate(self.arms):
            if arm.pipeline is not None and arm.pipeline not in self.pipelines:
                raise ValueError(
                    f"arms[{i}].pipeline: {arm.pipeline!r} is not in pipelines {sorted(self.pipelines)}"
                )
            if arm.generator is not None and arm.generator not in self.generators:
                raise ValueError(
                    f"arms[{i}].generator: {arm.generator!r} is not in generators {sorted(self.generators)}"
                )
        if self.audit is not None and self.audit not in self.pipelines:
            raise ValueError(f"audit: {self.audit!r} is not in pipelines {sorted(self.pipelines)}")
        return self


def _field_names() -> list[str]:
    """Every key a config may hold, at any level (for did-you-mean suggestions)."""
    models = (DataConfig, ModelConfig, GeneratorConfig, ArmConfig, ExperimentConfig)
    return sorted({name for m in models for name in m.model_fields})


def _format_error(exc: ValidationError, source: str) -> str:
    import difflib

    lines = []
    for err in exc.errors():
        loc = ""
        for part in err["loc"]:
            loc += f"[{part}]" if isinstance(part, int) else (f".{part}" if loc else str(part))
        value = err.get("input")
        shown = "" if isinstance(value, dict) else f", got {value!r}"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden" and err["loc"]:
            key = str(err["loc"][-1])
            close = difflib.get_close_matches(key, _field_names(), n=1, cutoff=0.7)
            msg = f"unknown key {key!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
        lines.append(f"{source}: {loc or '<root>'}: {msg}{shown}")
    return "\n".join(lines)


def parse_config(data: Any, source: str = "<config>") -> ExperimentConfig:
    """Validate a parsed mapping into an :class:`ExperimentConfig` (``ConfigError`` if bad)."""
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source}: expected a mapping at the top level, got {type(data).__name__}"
        )
    try:
        cfg = ExperimentConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_error(exc, source)) from None
    from synthaug.augment import from_dict

    for key, pipe in cfg.pipelines.items():
        from_dict(pipe, source=f"{source}: pipelines.{key}")  # raises a located ConfigError
    return cfg


def load_config(path: str | Path) -> ExperimentConfig:
    """Read and validate an experiment YAML file (parsed with ``yaml.safe_load``)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read experiment config: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p}: not valid YAML: {exc}") from None
    return parse_config(data, source=str(p))
