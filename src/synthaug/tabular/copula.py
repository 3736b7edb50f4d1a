"""GaussianCopula: empirical marginals joined by the correlation of their normal scores.

The model, in the order ``fit`` builds it:

1. Every column (or group of columns declared as a *fixed combination*, which becomes one
   categorical unit whose labels are the combinations seen) is a *unit*.
2. Marginals. Numbers (numeric, integer, datetime): the empirical quantile function on
   ``n_quantiles`` evenly spaced probabilities, inverted by linear interpolation between knots.
   Categories (categorical, boolean, fixed combinations): their frequencies; category ``k``
   owns the interval ``[F(k-1), F(k))`` of the unit interval. Missing values are a separate
   per-column rate, drawn independently of the other columns.
3. Normal scores. Numbers: ``z = Phi^-1((rank - 1/2) / n)`` with mid-ranks for ties;
   categories: ``Phi^-1`` of the middle of their interval; missing entries get ``z = 0``.
4. Correlation: the Pearson correlation of the normal scores, clipped to be positive definite.

Sampling draws ``z ~ N(0, R)``, maps ``u = Phi(z)`` through each inverse marginal, then applies
missing values, ranges, integer rounding and dtypes (:func:`~synthaug.tabular.schema.decode_table`).

Conditional sampling (``conditions={"col": value}``): a condition on a number column fixes its
normal score and draws the other scores from the Gaussian conditional
``N(R_oc R_cc^-1 z_c, R_oo - R_oc R_cc^-1 R_co)``, which is exact under the model. A condition on
a categorical or boolean column (or a member of a fixed combination) is met by rejection: rows
are drawn (from the conditional above when there are number conditions too) and only matching
ones kept; a condition rarer than ``1 / max_rejection`` raises ``InvalidInputError``.
Rebalancing a rare class is ``pd.concat([gen.sample(n_extra, conditions={"y": "rare"}), df])``.

Memory: ``fit`` holds the encoded table and its normal scores as two float64 arrays
(``16 * rows * columns`` bytes: 320 MB for 1M x 20), plus one column of temporaries.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri
from scipy.stats import rankdata

from synthaug.errors import ConfigError, InvalidInputError
from synthaug.seeding import SeedLike, as_rng
from synthaug.tabular.base import TabularGenerator, register_table_generator
from synthaug.tabular.schema import (
    SchemaOverrides,
    TableSchema,
    decode_table,
    encode_table,
    infer_schema,
)

__all__ = ["GaussianCopula"]

_NUMBER = ("numeric", "integer", "datetime")


@register_table_generator
class GaussianCopula(TabularGenerator):
    """Gaussian copula over empirical marginals (fast; captures pairwise monotone dependence).

    Parameters
    ----------
    n_quantiles : knots of each number column's quantile function (more = closer marginals,
        larger model). At most one knot per training row is used.
    max_rejection : largest number of draws per requested row when conditions on categorical
        columns are met by rejection.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=500)
    >>> df = pd.DataFrame({"x": x, "y": 2 * x + rng.normal(size=500), "g": np.where(x > 0, "a", "b")})
    >>> gen = GaussianCopula().fit(df)
    >>> out = gen.sample(1000, seed=0)
    >>> bool(out[["x", "y"]].corr().iloc[0, 1] > 0.8), sorted(out["g"].unique())
    (True, ['a', 'b'])
    """

    _params = ("n_quantiles", "max_rejection")

    def __init__(self, n_quantiles: int = 1000, max_rejection: int = 200) -> None:
        self.n_quantiles = n_quantiles
        self.max_rejection = max_rejection

    # ---------------------------------------------------------------- fit
    def fit(self, df: pd.DataFrame, schema: SchemaOverrides | None = None) -> GaussianCopula:
        """Learn marginals and the normal-score correlation of ``df``; return ``self``.

        ``schema`` (from :func:`~synthaug.tabular.schema.load_schema`) overrides detected kinds,
        drops the primary key and excluded columns, declares ranges and fixed combinations.
        """
        if not isinstance(self.n_quantiles, int) or self.n_quantiles < 2:
            raise ConfigError(f"n_quantiles: expected an integer >= 2, got {self.n_quantiles!r}")
        if not isinstance(self.max_rejection, int) or self.max_rejection < 1:
            raise ConfigError(
                f"max_rejection: expected an integer >= 1, got {self.max_rejection!r}"
            )
        if not isinstance(df, pd.DataFrame):
            raise InvalidInputError(f"fit: expected a pandas DataFrame, got {type(df).__name__}")
        if len(df) < 2:
            raise InvalidInputError(f"fit: the table has {len(df)} row(s); at least 2 are needed")
        ts = infer_schema(df, schema)
        X = encode_table(df, ts)
        del df
        self.schema_ = ts
        self.units_ = _units(ts)
        self.missing_rate_ = np.isnan(X).mean(axis=0)
        Z = np.zeros((len(X), len(self.units_)), dtype=np.float64)
        self.marginals_: list[np.ndarray] = []
        self.combos_: list[np.ndarray | None] = []
        for u, cols in enumerate(self.units_):
            kind = ts.columns[cols[0]].kind if len(cols) == 1 else "combination"
            if kind in _NUMBER:
                x = X[:, cols[0]]
                ok = ~np.isnan(x)
                q = _quantile_knots(x[ok], self.n_quantiles)
                if ok.any():
                    Z[ok, u] = ndtri((rankdata(x[ok]) - 0.5) / ok.sum())
                self.marginals_.append(q)
                self.combos_.append(None)
            else:
                codes, combos = _unit_codes(X, cols, ts, kind)
                freq = np.bincount(codes[codes >= 0], minlength=len(combos)).astype(np.float64)
                freq /= max(freq.sum(), 1.0)
                edges = np.concatenate([[0.0], np.cumsum(freq)])
                mid = ndtri(np.clip((edges[:-1] + edges[1:]) / 2, 1e-9, 1 - 1e-9))
                ok = codes >= 0
                Z[ok, u] = mid[codes[ok]]
                self.marginals_.append(freq)
                self.combos_.append(combos)
        self.correlation_ = _correlation(Z)
        self.n_rows_ = len(X)
        return self

    # ---------------------------------------------------------------- sample
    def sample(
        self, n: int, seed: SeedLike = None, conditions: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        """Draw ``n`` rows as a DataFrame with the training columns, dtypes and category sets.

        ``conditions`` maps a column to the value every row must have (see the module
        docstring for how). The same ``seed`` gives the same rows.
        """
        ts = self._check_fitted()
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ConfigError(f"n: expected a non-negative integer, got {n!r}")
        rng = as_rng(seed)
        fixed_z, wanted = self._parse_conditions(conditions or {})
        if not wanted:
            X = self._draw(int(n), rng, fixed_z)
        else:
            parts, got, drawn = [], 0, 0
            budget = self.max_rejection * max(int(n), 1)
            while got < n and drawn < budget:
                m = min(max(2 * (int(n) - got), 1024), budget - drawn)
                X = self._draw(m, rng, fixed_z, fill_missing=False)
                keep = np.ones(m, dtype=bool)
                for j, code in wanted.items():
                    keep &= X[:, j] == code
                parts.append(X[keep])
                got += int(keep.sum())
                drawn += m
            if got < n:
                raise InvalidInputError(
                    f"conditions {conditions}: only {got} of {drawn} draws matched; the "
                    f"combination is too rare under the model for rejection sampling "
                    f"(max_rejection={self.max_rejection})"
                )
            X = np.concatenate(parts)[: int(n)]
            self._apply_missing(X, rng, skip=set(wanted) | set(self._cond_cols))
        for j, value in self._exact.items():
            X[:, j] = value
        return decode_table(X, ts)

    def _draw(
        self,
        n: int,
        rng: np.random.Generator,
        fixed_z: dict[int, float],
        fill_missing: bool = True,
    ) -> np.ndarray:
        R = self.correlation_
        k = R.shape[0]
        Z = np.empty((n, k), dtype=np.float64)
        if fixed_z:
            c = np.array(sorted(fixed_z))
            o = np.array([i for i in range(k) if i not in fixed_z], dtype=int)
            zc = np.array([fixed_z[i] for i in c])
            Z[:, c] = zc
            if len(o):
                A = np.linalg.solve(R[np.ix_(c, c)], R[np.ix_(c, o)]).T  # R_oc R_cc^-1
                cov = R[np.ix_(o, o)] - A @ R[np.ix_(c, o)]
                L = _cholesky(cov)
                Z[:, o] = A @ zc + rng.standard_normal((n, len(o))) @ L.T
        else:
            Z[:] = rng.standard_normal((n, k)) @ _cholesky(R).T
        U = ndtr(Z)
        X = np.empty((n, len(self.schema_.columns)), dtype=np.float64)
        for u, cols in enumerate(self.units_):
            combos = self.combos_[u]
            if combos is None:
                q = self.marginals_[u]
                X[:, cols[0]] = (
                    np.interp(U[:, u], np.linspace(0, 1, len(q)), q) if len(q) else np.nan
                )
            else:
                cdf = np.cumsum(self.marginals_[u])
                code = np.minimum(np.searchsorted(cdf, U[:, u], side="right"), len(cdf) - 1)
                X[:, cols] = combos[code] if len(cols) > 1 else code[:, None]
        if fill_missing:
            self._apply_missing(X, rng, skip=set(self._cond_cols))
        return X

    def _apply_missing(self, X: np.ndarray, rng: np.random.Generator, skip: set[int]) -> None:
        draws = rng.random(X.shape)
        for j, rate in enumerate(self.missing_rate_):
            if rate > 0 and j not in skip:
                X[draws[:, j] < rate, j] = np.nan

    def _parse_conditions(
        self, conditions: dict[str, Any]
    ) -> tuple[dict[int, float], dict[int, float]]:
        """(unit -> fixed normal score, column -> wanted encoded value for rejection)."""
        ts = self.schema_
        fixed_z: dict[int, float] = {}
        wanted: dict[int, float] = {}
        unit_of = {c: u for u, cols in enumerate(self.units_) for c in cols}
        self._cond_cols: list[int] = []
        self._exact: dict[int, float] = {}
        for name, value in conditions.items():
            spec = ts.column(name)
            j = ts.names.index(name)
            self._cond_cols.append(j)
            if value is None or (isinstance(value, float) and np.isnan(value)):
                raise ConfigError(
                    f"conditions[{name!r}]: conditioning on a missing value is not supported"
                )
            enc = _encode_value(value, ts, name)
            u = unit_of[j]
            if spec.kind in _NUMBER and self.combos_[u] is None:
                if (spec.min is not None and enc < spec.min) or (
                    spec.max is not None and enc > spec.max
                ):
                    raise ConfigError(
                        f"conditions[{name!r}] = {value!r}: outside the training range "
                        f"[{spec.min}, {spec.max}] of the column"
                    )
                q = self.marginals_[u]
                p = np.linspace(0, 1, len(q))
                lo, hi = np.searchsorted(q, enc, "left"), np.searchsorted(q, enc, "right")
                if hi > lo:  # the value is a knot (a tie run): take the middle of its run
                    pu = (p[lo] + p[hi - 1]) / 2
                else:
                    pu = float(np.interp(enc, q, p))
                eps = 0.5 / self.n_rows_
                fixed_z[u] = float(ndtri(np.clip(pu, eps, 1 - eps)))
                self._exact[j] = enc  # the inverse marginal returns it only up to rounding
            else:
                if self.combos_[u] is not None and len(self.units_[u]) > 1:
                    seen = self.combos_[u][:, self.units_[u].index(j)]
                    if not np.any(seen == enc):
                        raise ConfigError(
                            f"conditions[{name!r}] = {value!r}: value never seen in training"
                        )
                wanted[j] = enc
        return fixed_z, wanted

    # ---------------------------------------------------------------- save/load
    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        tensors = {"correlation": self.correlation_, "missing_rate": self.missing_rate_}
        for u in range(len(self.units_)):
            tensors[f"marginal.{u}"] = self.marginals_[u]
            if self.combos_[u] is not None:
                tensors[f"combos.{u}"] = self.combos_[u]
        return tensors, {"units": self.units_, "n_rows": self.n_rows_}

    def _set_state(self, tensors: dict[str, np.ndarray], state: dict[str, Any]) -> None:
        self.units_ = [list(map(int, u)) for u in state["units"]]
        self.n_rows_ = int(state["n_rows"])
        self.correlation_ = tensors["correlation"].astype(np.float64)
        self.missing_rate_ = tensors["missing_rate"].astype(np.float64)
        self.marginals_ = [tensors[f"marginal.{u}"] for u in range(len(self.units_))]
        self.combos_ = [tensors.get(f"combos.{u}") for u in range(len(self.units_))]
        k = len(self.units_)
        if self.correlation_.shape != (k, k) or len(self.missing_rate_) != len(
            self.schema_.columns
        ):
            raise ValueError("array shapes do not match the schema")


def _units(ts: TableSchema) -> list[list[int]]:
    """Column indices per unit: each fixed combination is one unit, other columns their own."""
    names = ts.names
    grouped = {c for g in ts.fixed_combinations for c in g}
    units = [[names.index(c) for c in g] for g in ts.fixed_combinations]
    units += [[j] for j, c in enumerate(names) if c not in grouped]
    return sorted(units, key=lambda u: u[0])


def _unit_codes(
    X: np.ndarray, cols: list[int], ts: TableSchema, kind: str
) -> tuple[np.ndarray, np.ndarray | None]:
    """Integer label per row (-1 = missing) and, for a combination, its table of values."""
    if kind != "combination":
        x = X[:, cols[0]]
        n_cat = len(ts.columns[cols[0]].categories)
        codes = np.where(np.isnan(x), -1, x).astype(np.int64)
        return codes, np.arange(n_cat, dtype=np.float64)[:, None]
    sub = X[:, cols]
    # NaN is a value of a combination (a missing city goes with a missing country)
    key = np.where(np.isnan(sub), np.inf, sub)
    combos, codes = np.unique(key, axis=0, return_inverse=True)
    combos = np.where(np.isinf(combos), np.nan, combos)
    return codes.reshape(-1).astype(np.int64), combos


def _quantile_knots(x: np.ndarray, n_quantiles: int) -> np.ndarray:
    if len(x) == 0:
        return np.zeros(0, dtype=np.float64)
    k = int(min(n_quantiles, max(len(x), 2)))
    return np.quantile(x, np.linspace(0, 1, k)).astype(np.float64)


def _correlation(Z: np.ndarray) -> np.ndarray:
    k = Z.shape[1]
    if k == 1:
        return np.ones((1, 1))
    sd = Z.std(axis=0)
    R = np.eye(k)
    live = sd > 0
    if live.sum() > 1:
        R[np.ix_(live, live)] = np.corrcoef(Z[:, live], rowvar=False)
    w, V = np.linalg.eigh((R + R.T) / 2)
    R = (V * np.maximum(w, 1e-6)) @ V.T
    d = np.sqrt(np.diag(R))
    return R / np.outer(d, d)


def _cholesky(S: np.ndarray) -> np.ndarray:
    w, V = np.linalg.eigh((S + S.T) / 2)
    return V * np.sqrt(np.maximum(w, 0.0))


def _encode_value(value: Any, ts: TableSchema, name: str) -> float:
    from synthaug.tabular.schema import _encode_column

    spec = ts.column(name)
    try:
        v = _encode_column(pd.Series([value], dtype=object), spec)[0]
    except InvalidInputError as exc:
        raise ConfigError(
            f"conditions[{name!r}] = {value!r}: {str(exc).split(': ', 1)[-1]}"
        ) from None
    if np.isnan(v):
        raise ConfigError(f"conditions[{name!r}] = {value!r}: not a valid value of the column")
    return float(v)
