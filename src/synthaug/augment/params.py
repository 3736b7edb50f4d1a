"""Declared parameters: one declaration per constructor argument, everything else derived.

A transform (or a batch mixer) declares its constructor arguments once, as a class attribute
``parameters`` mapping each name to a kind (:class:`Range`, :class:`Real`, :class:`Int`,
:class:`Choice`, :class:`Flag`, :class:`Fill`, :class:`Size`, ...). From that declaration come

* validation in the constructor (:meth:`Declared.store_params`), with one message format
  that names the owner, the field, what was allowed and the value found;
* ``to_dict`` (plain data that ``json.dumps`` writes) and ``from_dict`` (which reads only
  the declared names, suggesting the closest one for a misspelt key);
* the catalogue (``docs/transforms.md``) and the hostile-parameter contract test.

The default of every parameter is the one in the constructor's signature (users' code reads
that); a declaration that is missing for a signature argument is a ``TypeError`` when the
class is defined. The spirit is scikit-learn's ``_parameter_constraints`` (``Interval``,
``StrOptions``); the code is ours.

Every numeric kind has finite bounds, so NaN, infinities and absurd magnitudes are refused
at construction: sizes are capped at :data:`MAX_SIDE` pixels per side, kernel sizes at
:data:`MAX_KERNEL`, counts at :data:`MAX_COUNT` and fill values at :data:`MAX_FILL`.

Drawn parameters are a :class:`Record`: a frozen mapping with typed fields, declared on the
transform as ``class Drawn(Record)``. One is built per transform per call; it reads as
``params.angle_deg`` or ``params["angle_deg"]`` and is JSON as it stands.

Examples
--------
>>> class Blurry(Declared):
...     parameters = {"sigma_px": Range(0.0, 50.0, doc="blur sigma in pixels")}
...     def __init__(self, sigma_px=(0.5, 2.0)):
...         self.store_params(locals())
>>> Blurry(sigma_px=1.5).sigma_px
(1.5, 1.5)
>>> Blurry(sigma_px=float("nan"))
Traceback (most recent call last):
...
synthaug.errors.ConfigError: Blurry.sigma_px: expected a number or a pair of numbers in [0, 50], got nan
"""

from __future__ import annotations

import difflib
import inspect
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from synthaug.errors import ConfigError

__all__ = [
    "MAX_CHANNELS",
    "MAX_COUNT",
    "MAX_FILL",
    "MAX_KERNEL",
    "MAX_SIDE",
    "NO_PARAMS",
    "REQUIRED",
    "Choice",
    "Declaration",
    "Declared",
    "Fill",
    "Flag",
    "FlipPairs",
    "Children",
    "Ints",
    "Int",
    "Kind",
    "Numbers",
    "Optional",
    "Range",
    "Real",
    "Record",
    "Seed",
    "Size",
    "plain",
    "suggest",
]

#: largest size in pixels of any side a parameter asks for (output, crop, pad target)
MAX_SIDE = 2**15
#: largest kernel size (blur, median, motion) in pixels
MAX_KERNEL = 255
#: largest count a parameter asks for (holes, shadows, circles, grid steps, operations)
MAX_COUNT = 1024
#: largest magnitude of a fill value (uint16 white is 65535)
MAX_FILL = 65535
#: most values a per-channel parameter (fill, mean, std) may list
MAX_CHANNELS = 64


def _num(v: float) -> str:
    """A bound as people write it: 0, 0.5, 1e-06, 32768."""
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _is_real(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def _is_int(v: Any) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))


def _is_seq(v: Any) -> bool:
    return isinstance(v, (list, tuple, np.ndarray)) and not isinstance(v, str)


def suggest(word: Any, options: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``options``, or an empty string."""
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


# --------------------------------------------------------------------------- kinds
@dataclass(frozen=True, kw_only=True)
class Kind:
    """What a parameter accepts. Subclasses implement :meth:`normalise` and :meth:`expected`.

    ``doc`` is the one-line meaning shown in the catalogue; ``saved`` is False for the few
    arguments that are not part of a saved pipeline (``Compose.always_apply``).
    """

    doc: str = ""
    saved: bool = True

    def expected(self) -> str:
        """What is allowed, in words (used in error messages and the catalogue)."""
        raise NotImplementedError

    def normalise(self, value: Any) -> Any:
        """The stored form of ``value``; raise ``ValueError`` if it is not allowed."""
        raise NotImplementedError

    def check(self, owner: str, name: str, value: Any) -> Any:
        """:meth:`normalise`, turning a refusal into a ConfigError naming ``owner.name``."""
        try:
            return self.normalise(value)
        except (ValueError, TypeError, OverflowError) as exc:
            # a refusal may carry a note on what exactly was wrong as its second argument
            note = f" ({exc.args[1]})" if len(exc.args) > 1 else ""
            raise ConfigError(refusal(owner, name, self.expected(), value, note)) from None

    def plain(self, value: Any) -> Any:
        """The stored value as plain data (lists, numbers, strings, None)."""
        return plain(value)


def refusal(owner: str, name: str, expected: str, value: Any, hint: str = "") -> str:
    """The one message format: ``Owner.name: expected ..., got <value>``."""
    return f"{owner}.{name}: expected {expected}, got {value!r}{hint}"


def _bounded(v: Any, low: float, high: float, integer: bool) -> float:
    """``float(v)`` if ``v`` is a finite number in ``[low, high]`` (a whole number when
    ``integer``: ``3`` or ``3.0``), else raise."""
    if not _is_real(v):
        raise TypeError(v)
    f = float(v)
    if not math.isfinite(f) or not low <= f <= high or (integer and not f.is_integer()):
        raise ValueError(v)
    return f


@dataclass(frozen=True, kw_only=True)
class Real(Kind):
    """One finite number in ``[low, high]``; stored as a float."""

    low: float
    high: float

    def __init__(self, low: float, high: float, **kw: Any) -> None:
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        Kind.__init__(self, **kw)

    def expected(self) -> str:
        return f"a number in [{_num(self.low)}, {_num(self.high)}]"

    def normalise(self, value: Any) -> float:
        return _bounded(value, self.low, self.high, False)


@dataclass(frozen=True, kw_only=True)
class Int(Kind):
    """One integer in ``[low, high]``; stored as an int."""

    low: int
    high: int

    def __init__(self, low: int, high: int, **kw: Any) -> None:
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        Kind.__init__(self, **kw)

    def expected(self) -> str:
        return f"an integer in [{self.low}, {self.high}]"

    def normalise(self, value: Any) -> int:
        return int(_bounded(value, self.low, self.high, True))


@dataclass(frozen=True, kw_only=True)
class Range(Kind):
    """A number or a ``(low, high)`` pair, stored as a ``(lo, hi)`` tuple with lo <= hi.

    A single number ``v`` means ``(-|v|, |v|)`` when ``symmetric``, ``(1 - v, 1 + v)`` (the
    lower end clipped at ``low``) when ``around_one``, else ``(v, v)``. ``integer`` stores
    ints; ``odd`` also asks for odd integers (kernel sizes).
    """

    low: float
    high: float
    symmetric: bool = False
    around_one: bool = False
    integer: bool = False
    odd: bool = False

    def __init__(self, low: float, high: float, **kw: Any) -> None:
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        for k in ("symmetric", "around_one", "integer", "odd"):
            object.__setattr__(self, k, bool(kw.pop(k, False)))
        Kind.__init__(self, **kw)

    def expected(self) -> str:
        what = (
            "an integer or a pair of integers" if self.integer else "a number or a pair of numbers"
        )
        if self.odd:
            what = "odd kernel sizes: an integer or a pair of integers"
        note = ""
        if self.symmetric:
            note = " (a number v means (-v, v))"
        elif self.around_one:
            note = " (a number v >= 0 means (1 - v, 1 + v))"
        return f"{what} in [{_num(self.low)}, {_num(self.high)}]{note}"

    def normalise(self, value: Any) -> tuple[Any, Any]:
        if _is_seq(value):
            if len(value) != 2:
                raise ValueError(value)
            lo, hi = (_bounded(v, -math.inf, math.inf, self.integer) for v in value)
        elif self.symmetric:
            v = abs(_bounded(value, -math.inf, math.inf, self.integer))
            lo, hi = -v, v
        elif self.around_one:
            v = _bounded(value, 0.0, math.inf, self.integer)
            lo, hi = max(self.low, 1.0 - v), 1.0 + v
        else:
            lo = hi = _bounded(value, -math.inf, math.inf, self.integer)
        if lo > hi:
            raise ValueError(value, "low > high")
        if not (self.low <= lo and hi <= self.high):
            raise ValueError(value)
        if self.odd and (lo % 2 == 0 or hi % 2 == 0):
            raise ValueError(value, "even")
        return (int(lo), int(hi)) if self.integer else (lo, hi)


@dataclass(frozen=True, kw_only=True)
class Size(Kind):
    """A side length or a ``(height, width)`` pair in ``[1, MAX_SIDE]`` px; stored as a pair."""

    def expected(self) -> str:
        return f"a positive integer or (height, width), at most {MAX_SIDE} px per side"

    def normalise(self, value: Any) -> tuple[int, int]:
        vals = list(value) if _is_seq(value) else [value, value]
        if len(vals) != 2:
            raise ValueError(value)
        h, w = (int(_bounded(v, 1, MAX_SIDE, True)) for v in vals)
        return h, w


@dataclass(frozen=True, kw_only=True)
class Ints(Kind):
    """An integer or a sequence of integers in ``[low, high]`` whose length is in ``lengths``.

    Stored as given: an int stays an int (when ``scalar``), a sequence becomes a tuple.
    """

    low: int
    high: int
    lengths: tuple[int, ...] = ()
    scalar: bool = True
    what: str = ""

    def __init__(self, low: int, high: int, **kw: Any) -> None:
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        object.__setattr__(self, "lengths", tuple(kw.pop("lengths", ())))
        object.__setattr__(self, "scalar", bool(kw.pop("scalar", True)))
        object.__setattr__(self, "what", kw.pop("what", ""))
        Kind.__init__(self, **kw)

    def expected(self) -> str:
        what = self.what or (
            ("an integer or " if self.scalar else "")
            + (f"{' or '.join(map(str, self.lengths))} integers" if self.lengths else "integers")
        )
        return f"{what} in [{self.low}, {self.high}]"

    def normalise(self, value: Any) -> int | tuple[int, ...]:
        if not _is_seq(value):
            if not self.scalar:
                raise TypeError(value)
            return int(_bounded(value, self.low, self.high, True))
        if (self.lengths and len(value) not in self.lengths) or not len(value):
            raise ValueError(value)
        return tuple(int(_bounded(v, self.low, self.high, True)) for v in value)


@dataclass(frozen=True, kw_only=True)
class Numbers(Kind):
    """A number or a sequence of numbers in ``[low, high]`` (per channel, or a fixed length).

    ``positive`` refuses 0; a sequence is stored as a tuple of floats, a number as given.
    """

    low: float
    high: float
    lengths: tuple[int, ...] = ()
    scalar: bool = True
    positive: bool = False
    what: str = ""

    def __init__(self, low: float, high: float, **kw: Any) -> None:
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        object.__setattr__(self, "lengths", tuple(kw.pop("lengths", ())))
        object.__setattr__(self, "scalar", bool(kw.pop("scalar", True)))
        object.__setattr__(self, "positive", bool(kw.pop("positive", False)))
        object.__setattr__(self, "what", kw.pop("what", ""))
        Kind.__init__(self, **kw)

    def expected(self) -> str:
        what = self.what or (
            f"a number or one number per channel (at most {MAX_CHANNELS})"
            if self.scalar
            else f"{' or '.join(map(str, self.lengths))} numbers"
        )
        sign = " and > 0" if self.positive else ""
        return f"{what} in [{_num(self.low)}, {_num(self.high)}]{sign}"

    def _one(self, v: Any) -> Any:
        """``v`` checked, as the Python number it is (an int stays an int)."""
        f = _bounded(v, self.low, self.high, False)
        if self.positive and f <= 0:
            raise ValueError(v)
        return v.item() if isinstance(v, np.generic) else v

    def normalise(self, value: Any) -> Any:
        if not _is_seq(value):
            if not self.scalar:
                raise TypeError(value)
            return self._one(value)
        lengths = self.lengths or range(1, MAX_CHANNELS + 1)
        if len(value) not in lengths:
            raise ValueError(value)
        return tuple(self._one(v) for v in value)


@dataclass(frozen=True, kw_only=True)
class Fill(Numbers):
    """A fill value: a number or one per channel in ``[-MAX_FILL, MAX_FILL]`` (image units),
    or the string ``"random"`` when ``random`` is allowed."""

    random: bool = False

    def __init__(self, random: bool = False, **kw: Any) -> None:
        object.__setattr__(self, "random", random)
        Numbers.__init__(self, -MAX_FILL, MAX_FILL, **kw)

    def expected(self) -> str:
        base = Numbers.expected(self)
        return base + (" or 'random'" if self.random else "")

    def normalise(self, value: Any) -> Any:
        if self.random and value == "random":
            return value
        return Numbers.normalise(self, value)


@dataclass(frozen=True, kw_only=True)
class Choice(Kind):
    """One of a fixed set of strings; a near miss gets a suggestion."""

    options: tuple[str, ...]

    def __init__(self, options: Sequence[str], **kw: Any) -> None:
        object.__setattr__(self, "options", tuple(options))
        Kind.__init__(self, **kw)

    def expected(self) -> str:
        return f"one of {list(self.options)}"

    def normalise(self, value: Any) -> str:
        if not isinstance(value, str) or value not in self.options:
            raise ValueError(value)
        return value

    def check(self, owner: str, name: str, value: Any) -> Any:
        if isinstance(value, str) and value in self.options:
            return value
        hint = suggest(value, self.options) if isinstance(value, str) else ""
        raise ConfigError(refusal(owner, name, self.expected(), value, hint))


@dataclass(frozen=True, kw_only=True)
class Flag(Kind):
    """True or False (0 and 1 are accepted as such); stored as a bool."""

    def expected(self) -> str:
        return "true or false"

    def normalise(self, value: Any) -> bool:
        if isinstance(value, (bool, np.bool_)) or (_is_int(value) and value in (0, 1)):
            return bool(value)
        raise TypeError(value)


@dataclass(frozen=True, kw_only=True)
class Seed(Kind):
    """None, a non-negative integer, or a sequence of them (an item key such as
    ``(run_seed, epoch)``). A ``numpy.random.Generator`` is taken as well, for code that
    passes one, but cannot be saved."""

    def expected(self) -> str:
        return f"null, an integer in [0, {2**64 - 1}] or a list of 1 to 16 of them"

    def normalise(self, value: Any) -> Any:
        if value is None or isinstance(value, np.random.Generator):
            return value
        parts = list(value) if _is_seq(value) else [value]
        if not 1 <= len(parts) <= 16:
            raise ValueError(value)
        for v in parts:
            if not _is_int(v) or not 0 <= v < 2**64:
                raise ValueError(value)
        return tuple(int(v) for v in value) if _is_seq(value) else int(value)

    def plain(self, value: Any) -> Any:
        if isinstance(value, np.random.Generator):
            raise ConfigError(
                "seed: a numpy Generator cannot be saved; give the pipeline an integer seed"
            )
        return plain(value)


@dataclass(frozen=True, kw_only=True)
class FlipPairs(Kind):
    """Left/right keypoint pairs: ``"names"`` (pair ``left_X`` with ``right_X`` among
    the keypoint labels), or a list of distinct pairs of indices (integers >= 0) or of
    keypoint names. Stored as ``"names"`` or a tuple of 2-tuples."""

    def expected(self) -> str:
        return '"names", or a list of [i, j] pairs of keypoint indices or names'

    def normalise(self, value: Any) -> Any:
        if isinstance(value, str) and value == "names":
            return value
        if isinstance(value, str) or not _is_seq(value):
            raise ValueError(value)
        pairs = []
        seen: set[Any] = set()
        for pair in value:
            if isinstance(pair, str) or not _is_seq(pair) or len(pair) != 2:
                raise ValueError(value, f"{pair!r} is not a pair")
            a, b = pair
            if _is_int(a) and _is_int(b) and not isinstance(a, bool) and not isinstance(b, bool):
                a, b = int(a), int(b)
                if not 0 <= a < 2**31 or not 0 <= b < 2**31:
                    raise ValueError(value, "an index outside [0, 2**31)")
            elif not (isinstance(a, str) and isinstance(b, str)):
                raise ValueError(value, f"{pair!r} mixes kinds: two indices or two names")
            if a == b or a in seen or b in seen:
                raise ValueError(value, f"{a!r} or {b!r} is paired twice or with itself")
            seen.update((a, b))
            pairs.append((a, b))
        return tuple(pairs)


@dataclass(frozen=True, kw_only=True)
class Optional(Kind):
    """None, or a value of the wrapped kind."""

    kind: Kind

    def __init__(self, kind: Kind, **kw: Any) -> None:
        object.__setattr__(self, "kind", kind)
        Kind.__init__(self, **kw)

    def expected(self) -> str:
        return f"null or {self.kind.expected()}"

    def normalise(self, value: Any) -> Any:
        return None if value is None else self.kind.normalise(value)


@dataclass(frozen=True, kw_only=True)
class Children(Kind):
    """A list of child transforms (containers). Saved as a list of their ``to_dict``."""

    def expected(self) -> str:
        return "a list of transforms"

    def check(self, owner: str, name: str, value: Any) -> list[Any]:
        if (
            isinstance(value, Declared)
            or isinstance(value, (str, Mapping))
            or not hasattr(value, "__iter__")
        ):
            raise ConfigError(refusal(owner, name, self.expected(), value))
        out = list(value)
        for i, t in enumerate(out):
            if not isinstance(t, Declared) or not hasattr(t, "sample_params"):
                raise ConfigError(
                    f"{owner}.{name}[{i}]: expected a transform, got {t!r} ({type(t).__name__})"
                )
        return out

    def plain(self, value: Any) -> list[dict[str, Any]]:
        return [t.to_dict() for t in value]


def plain(value: Any) -> Any:
    """Tuples to lists, numpy scalars and arrays to Python values, declared objects to their
    ``to_dict``: data that ``json.dumps`` and ``yaml.safe_dump`` write."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Declared):
        return value.to_dict()
    return value


# --------------------------------------------------------------------------- declarations
class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: the default of a constructor argument that has none
REQUIRED: Any = _Required()


@dataclass(frozen=True)
class Declaration:
    """One constructor argument of a class: its name, kind and default (from the signature)."""

    name: str
    kind: Kind
    default: Any = field(default=REQUIRED)

    @property
    def required(self) -> bool:
        """True when the constructor has no default for it."""
        return self.default is REQUIRED


class Declared:
    """Base of every class built from declared parameters (transforms, batch mixers).

    Subclasses set ``parameters = {name: Kind, ...}`` (inherited and merged along the class
    hierarchy) and call :meth:`store_params` in their constructor. When the class is defined,
    its constructor's signature is bound to the declarations (:attr:`declared`, in signature
    order, with the signature's defaults); an argument without a declaration is a TypeError.
    """

    #: kinds of the constructor arguments, by name (merged with the base classes')
    parameters: ClassVar[dict[str, Kind]] = {}
    #: the constructor's arguments bound to their kinds and defaults, in signature order
    declared: ClassVar[tuple[Declaration, ...]] = ()
    #: every kind visible to this class (its own and inherited), by name
    _kinds: ClassVar[dict[str, Kind]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        kinds: dict[str, Kind] = {}
        for base in reversed(cls.__mro__):
            kinds.update(base.__dict__.get("parameters", {}))
        cls._kinds = kinds
        bound = []
        for name, prm in inspect.signature(cls.__init__).parameters.items():
            if name == "self" or prm.kind in (prm.VAR_POSITIONAL, prm.VAR_KEYWORD):
                continue
            if name not in kinds:
                raise TypeError(
                    f"{cls.__name__}.__init__ takes {name!r} but declares no kind for it "
                    "(add it to the class's `parameters`)"
                )
            default = REQUIRED if prm.default is inspect.Parameter.empty else prm.default
            bound.append(Declaration(name, kinds[name], default))
        cls.declared = tuple(bound)

    def store_params(self, values: Mapping[str, Any]) -> None:
        """Validate each declared argument present in ``values`` (a constructor's
        ``locals()``) and store its normalised value as the attribute of the same name."""
        owner = type(self).__name__
        kinds = type(self)._kinds
        for name, value in values.items():
            kind = kinds.get(name)
            if kind is not None:
                setattr(self, name, kind.check(owner, name, value))

    def refuse(self, name: str, expected: str, value: Any) -> ConfigError:
        """A ConfigError in the declared format, for checks across several arguments."""
        return ConfigError(refusal(type(self).__name__, name, expected, value))

    def init_args(self) -> dict[str, Any]:
        """The constructor arguments, read back from the attributes (normalised forms)."""
        return {d.name: getattr(self, d.name) for d in type(self).declared}

    def to_dict(self) -> dict[str, Any]:
        """``{"name": ..., argument: plain value, ...}``: data ``json.dumps`` writes.

        Containers write their children as a list of their own dicts.
        """
        out: dict[str, Any] = {"name": type(self).__name__}
        for d in type(self).declared:
            if d.kind.saved:
                out[d.name] = d.kind.plain(getattr(self, d.name))
        return out

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.init_args().items())
        return f"{type(self).__name__}({args})"

    if TYPE_CHECKING:
        # The declared arguments are stored by store_params(locals()), so the type checker
        # cannot see them; their stored type is whatever the declared Kind normalises to.
        # Only names that are not found otherwise fall back to this (methods stay typed).
        def __getattr__(self, name: str) -> Any: ...


# --------------------------------------------------------------------------- drawn records
def _frozen(self: Record, *args: Any, **kwargs: Any) -> Any:
    raise TypeError(
        f"{type(self).__qualname__} is frozen (drawn parameters are immutable); "
        "use .replace(name=value) for a changed copy"
    )


class Record(dict[str, Any]):
    """Drawn parameters of one transform call: a frozen mapping with typed fields.

    A transform declares its record as a nested ``class Drawn(Record)`` with annotated
    fields; each field reads as an attribute (``params.angle_deg``) and, as before records,
    as a key (``params["angle_deg"]``). It is a ``dict`` underneath so that building one
    costs what a dict literal costs (one per transform per call), ``json.dumps`` writes it
    and it compares equal to the dict of its fields; every mutating method raises.

    Examples
    --------
    >>> class Drawn(Record):
    ...     angle_deg: float
    >>> rec = Drawn(angle_deg=12.5)
    >>> rec.angle_deg, rec["angle_deg"], rec == {"angle_deg": 12.5}
    (12.5, 12.5, True)
    >>> rec["angle_deg"] = 0.0
    Traceback (most recent call last):
    ...
    TypeError: Drawn is frozen (drawn parameters are immutable); use .replace(name=value) for a changed copy
    """

    __slots__ = ()
    #: the declared field names, in order
    fields: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = tuple(cls.__dict__.get("__annotations__", {}))
        cls.fields = tuple(dict.fromkeys((*cls.fields, *own)))
        notes = cls.__dict__.get("__annotations__", {})
        for name in own:
            setattr(cls, name, property(itemgetter(name), doc=f"drawn {name} ({notes[name]})"))
        if cls.__doc__ is None:  # one line from the declaration, for help() and the docs
            listed = ", ".join(f"``{f}``" for f in cls.fields)
            cls.__doc__ = f"Frozen record of the drawn parameters: {listed or 'none'}."

    __setitem__ = __delitem__ = _frozen
    clear = pop = popitem = setdefault = update = __ior__ = _frozen

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__qualname__} is frozen: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__qualname__} is frozen: cannot delete {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        # pickling a dict subclass would otherwise refill it through __setitem__
        return (type(self), (dict(self),))

    def replace(self, **changes: Any) -> Record:
        """A copy with some fields changed."""
        new = type(self)(self)
        dict.update(new, changes)
        return new

    @classmethod
    def read(cls, values: Mapping[str, Any], owner: str = "") -> Record:
        """The record of ``values`` (a dict from ``Applied.to_dict`` or JSON), its keys
        checked against the declared fields."""
        if isinstance(values, cls):
            return values
        if not isinstance(values, Mapping):
            raise ConfigError(f"{owner}: expected a mapping of drawn parameters, got {values!r}")
        if cls.fields:
            extra = [k for k in values if k not in cls.fields]
            missing = [k for k in cls.fields if k not in values]
            if extra or missing:
                hint = suggest(extra[0], cls.fields) if extra else ""
                raise ConfigError(
                    f"{owner}: drawn parameters {sorted(values)} do not match the declared "
                    f"fields {list(cls.fields)}{hint}"
                )
        return cls(values)


#: the drawn parameters of a transform that draws nothing (shared: it is frozen)
NO_PARAMS = Record()
