"""Does a synthetic table look real, is it useful, and does it leak? Measured on a holdout.

Three tables go in: ``real`` (the rows the generator was fitted on), ``holdout`` (real rows it
never saw, disjoint from ``real``: overlapping rows are refused with ``LeakageError``) and
``synthetic``. Every score of the synthetic table is read against the same score of the holdout,
an unseen real sample: that is what "as good as real" and "no closer than real" mean here.

Fidelity (synthetic vs ``real``)
    Per column: Kolmogorov-Smirnov statistic for number columns (missing values left out, their
    rate compared separately), total-variation distance for categorical and boolean columns
    (missing is a category). Pairs: the mean absolute difference of the association matrices
    (Spearman for number pairs, Cramer's V for category pairs, the correlation ratio for mixed
    pairs; all in [0, 1] except Spearman's sign). A classifier two-sample test: the
    cross-validated AUC of gradient boosting telling real from synthetic rows (0.5 = cannot).
    Reading: "close" when the mean column distance and the association difference are within
    0.1 of the holdout's own values.
Utility (``target`` column)
    Train-synthetic-test-real (TSTR) vs train-real-test-real (TRTR), both tested on the holdout
    with scikit-learn's histogram gradient boosting: accuracy for a categorical or boolean
    target, R^2 otherwise. Ratio TSTR / TRTR: >= 0.9 "useful", >= 0.7 "partly useful".
Privacy (on a standardised mixed-type encoding: numbers z-scored with the real table's mean
    and standard deviation plus a missing flag, categories one-hot scaled by 1/sqrt(2) so that
    two different labels are at distance 1)
    Distance to closest record (DCR) of synthetic and holdout rows to ``real`` rows, the
    near-copy share and the membership-inference AUC (:func:`synthaug.evaluate.privacy.privacy`,
    whose thresholds apply); the share of exact copies of ``real`` rows, against the share of
    training rows that duplicate another training row (duplicates happen in real data); attribute disclosure for each sensitive column: an
    attacker who knows a training row's other columns takes the sensitive value of its nearest
    synthetic row; the hit rate is compared with the same attack using the holdout as the
    released table (what the population alone reveals). Flags: exact copies above the duplicate
    share + 1 point, DCR ratio < 0.5, near copies > 5 %, membership AUC > 0.6, or a disclosure
    hit rate above its baseline + 0.1.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synthaug.errors import ConfigError, InvalidInputError, LeakageError
from synthaug.seeding import SeedLike, as_rng
from synthaug.tabular.schema import SchemaOverrides, TableSchema, _to_seconds, infer_schema

__all__ = [
    "FidelityResult",
    "PrivacyResult",
    "TableEvaluation",
    "UtilityResult",
    "association_matrix",
    "check_disjoint",
    "evaluate_table",
]

_NUMBER = ("numeric", "integer", "datetime")
#: Rows per table used by the two-sample test, utility models and distances (sampled above).
MAX_ROWS = 5000


# ------------------------------------------------------------------ encodings


def numeric_view(df: pd.DataFrame, schema: TableSchema) -> np.ndarray:
    """Columns of ``schema`` as floats: numbers as they are (datetimes in seconds), categories as
    their code in the schema (-1 for a label the schema never saw); NaN = missing."""
    absent = [c for c in schema.names if c not in df.columns]
    if absent:
        raise InvalidInputError(f"the table lacks column(s) {absent}")
    V = np.empty((len(df), len(schema.columns)))
    for j, spec in enumerate(schema.columns):
        s = df[spec.name]
        if spec.kind == "datetime":
            V[:, j] = _to_seconds(s)
        elif spec.kind in _NUMBER:
            V[:, j] = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            index = {str(c).lower(): i for i, c in enumerate(spec.categories)}
            V[:, j] = [np.nan if pd.isna(v) else index.get(str(v).lower(), -1) for v in s]
    return V


def _design(
    V: np.ndarray, schema: TableSchema, ref: np.ndarray, skip: int | None = None
) -> np.ndarray:
    """Standardised mixed-type encoding (see the module docstring); ``ref`` gives the scales."""
    blocks = []
    for j, spec in enumerate(schema.columns):
        if j == skip:
            continue
        x = V[:, j]
        if spec.kind in _NUMBER:
            r = ref[:, j]
            mu, sd = (
                np.nanmean(r) if np.isfinite(r).any() else 0.0,
                np.nanstd(r) if np.isfinite(r).any() else 1.0,
            )
            blocks.append(np.nan_to_num((x - mu) / (sd or 1.0), nan=0.0)[:, None])
            if np.isnan(ref[:, j]).any():
                blocks.append(np.isnan(x)[:, None].astype(np.float64))
        else:
            k = len(spec.categories)
            onehot = np.zeros((len(x), k + 1))
            codes = np.where(np.isnan(x), k, x).astype(int)
            ok = codes >= 0
            onehot[np.flatnonzero(ok), codes[ok]] = 1.0
            blocks.append(onehot / np.sqrt(2.0))
    return np.hstack(blocks) if blocks else np.zeros((len(V), 0))


def _row_keys(V: np.ndarray) -> np.ndarray:
    """One hashable bytes key per row (values rounded to 10 significant digits; NaN equal)."""
    W = np.where(np.isnan(V), np.inf, V)
    fin = np.isfinite(W) & (W != 0)
    mag = np.zeros_like(W)
    mag[fin] = np.floor(np.log10(np.abs(W[fin])))
    scale = 10.0 ** (9 - mag)
    W = np.where(fin, np.round(W * scale) / scale, W) + 0.0  # + 0.0 turns -0.0 into 0.0
    W = np.ascontiguousarray(W)
    return W.view(np.dtype((np.void, W.dtype.itemsize * W.shape[1]))).ravel()


def _duplicate_share(keys: np.ndarray) -> float:
    """Share of rows that equal another row of the same table."""
    _, inv, counts = np.unique(keys, return_inverse=True, return_counts=True)
    return float(np.mean(counts[inv.reshape(-1)] > 1)) if len(keys) else 0.0


def check_disjoint(
    real: pd.DataFrame, holdout: pd.DataFrame, schema: TableSchema, what: str = "holdout"
) -> None:
    """Raise ``LeakageError`` if any ``holdout`` row equals a ``real`` row (all columns)."""
    kr, kh = _row_keys(numeric_view(real, schema)), _row_keys(numeric_view(holdout, schema))
    hit = np.isin(kh, kr)
    if hit.any():
        i = int(np.flatnonzero(hit)[0])
        raise LeakageError(
            f"{what}: {int(hit.sum())} of {len(holdout)} rows also appear in the training table "
            f"(first: {what} row {i}); a holdout must be real rows the generator never saw - "
            "split the data before fitting"
        )


# ------------------------------------------------------------------ fidelity


def association_matrix(V: np.ndarray, schema: TableSchema) -> np.ndarray:
    """Pairwise association of the columns (see the module docstring), diagonal 1."""
    k = len(schema.columns)
    num = [spec.kind in _NUMBER for spec in schema.columns]
    cols = []
    for j in range(k):
        x = V[:, j]
        if num[j]:
            med = np.nanmedian(x) if np.isfinite(x).any() else 0.0
            cols.append(pd.Series(np.where(np.isnan(x), med, x)).rank().to_numpy())
        else:
            cols.append(np.where(np.isnan(x), -2, x).astype(int))
    A = np.eye(k)
    idx = [j for j in range(k) if num[j]]
    if len(idx) > 1:
        R = np.corrcoef(np.column_stack([cols[j] for j in idx]), rowvar=False)
        A[np.ix_(idx, idx)] = np.nan_to_num(R)
    for a in range(k):
        for b in range(a + 1, k):
            if num[a] and num[b]:
                continue
            if not num[a] and not num[b]:
                v = _cramers_v(cols[a], cols[b])
            else:
                c, x = (cols[a], cols[b]) if not num[a] else (cols[b], cols[a])
                v = _correlation_ratio(c, x)
            A[a, b] = A[b, a] = v
    np.fill_diagonal(A, 1.0)
    return A


def _cramers_v(a: np.ndarray, b: np.ndarray) -> float:
    _, ia = np.unique(a, return_inverse=True)
    _, ib = np.unique(b, return_inverse=True)
    table = np.zeros((ia.max() + 1, ib.max() + 1))
    np.add.at(table, (ia, ib), 1)
    n = table.sum()
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = np.nansum((table - expected) ** 2 / expected)
    r = min(table.shape) - 1
    return float(np.sqrt(chi2 / (n * r))) if r > 0 else 0.0


def _correlation_ratio(cat: np.ndarray, x: np.ndarray) -> float:
    _, inv = np.unique(cat, return_inverse=True)
    total = np.sum((x - x.mean()) ** 2)
    if total == 0:
        return 0.0
    sums, counts = np.bincount(inv, weights=x), np.bincount(inv)
    between = np.sum(counts * (sums / np.maximum(counts, 1) - x.mean()) ** 2)
    return float(np.sqrt(between / total))


@dataclass
class FidelityResult:
    """Per-column distances, the association difference and the two-sample AUC."""

    columns: list[dict[str, Any]]
    mean_column_distance: float
    association_difference: float
    two_sample_auc: float
    holdout_mean_column_distance: float
    holdout_association_difference: float
    holdout_two_sample_auc: float

    @property
    def close(self) -> bool:
        """Whether the synthetic table is within 0.1 of the holdout on both summary distances."""
        return (
            self.mean_column_distance <= self.holdout_mean_column_distance + 0.1
            and self.association_difference <= self.holdout_association_difference + 0.1
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain values, with the reading."""
        return {**asdict(self), "close": self.close, "reading": self.reading()}

    def reading(self) -> str:
        """Plain-language reading."""
        auc = self.two_sample_auc
        tell = (
            "a classifier anti-predicts, as it does when synthetic values repeat real values"
            if auc < 0.4
            else "a classifier can hardly tell it from real rows"
            if auc < 0.6
            else "a classifier tells it from real rows fairly well"
            if auc < 0.8
            else "a classifier tells it from real rows easily"
        )
        if self.close:
            return (
                f"close to real: columns differ by {self.mean_column_distance:.3f} on average "
                f"(holdout {self.holdout_mean_column_distance:.3f}), associations by "
                f"{self.association_difference:.3f} (holdout {self.holdout_association_difference:.3f}); "
                f"{tell} (AUC {auc:.2f})"
            )
        worst = max(self.columns, key=lambda c: c["distance"])
        return (
            f"not faithful: columns differ by {self.mean_column_distance:.3f} on average "
            f"(holdout {self.holdout_mean_column_distance:.3f}; worst {worst['column']!r} "
            f"{worst['distance']:.2f}), associations by {self.association_difference:.3f} "
            f"(holdout {self.holdout_association_difference:.3f}); {tell} (AUC {auc:.2f})"
        )


def _column_distances(Vr: np.ndarray, Vs: np.ndarray, schema: TableSchema) -> list[dict[str, Any]]:
    from scipy.stats import ks_2samp

    out = []
    for j, spec in enumerate(schema.columns):
        r, s = Vr[:, j], Vs[:, j]
        miss = abs(float(np.isnan(r).mean() - np.isnan(s).mean()))
        if spec.kind in _NUMBER:
            rr, ss = r[~np.isnan(r)], s[~np.isnan(s)]
            d = (
                float(ks_2samp(rr, ss, method="asymp").statistic)
                if len(rr) and len(ss)
                else float(len(rr) != len(ss))
            )
            metric = "KS"
        else:
            k = len(spec.categories)
            pr = np.bincount(np.where(np.isnan(r), k, r).astype(int) + 1, minlength=k + 2) / len(r)
            ps = np.bincount(np.where(np.isnan(s), k, s).astype(int) + 1, minlength=k + 2) / len(s)
            d, metric = float(0.5 * np.abs(pr - ps).sum()), "TV"
        out.append(
            {
                "column": spec.name,
                "kind": spec.kind,
                "metric": metric,
                "distance": d,
                "missing_rate_difference": miss,
            }
        )
    return out


def _two_sample_auc(Xa: np.ndarray, Xb: np.ndarray, rng: np.random.Generator) -> float:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    n = min(len(Xa), len(Xb), MAX_ROWS)
    a, b = Xa[rng.choice(len(Xa), n, replace=False)], Xb[rng.choice(len(Xb), n, replace=False)]
    X, y = np.vstack([a, b]), np.r_[np.zeros(n), np.ones(n)]
    if n < 10:
        return float("nan")
    from sklearn.metrics import roc_auc_score

    clf = HistGradientBoostingClassifier(max_iter=60, random_state=0)
    folds = StratifiedKFold(3, shuffle=True, random_state=int(rng.integers(2**31)))
    p = cross_val_predict(clf, X, y, cv=folds, method="predict_proba")[:, 1]
    return float(roc_auc_score(y, p))


# ------------------------------------------------------------------ utility


@dataclass
class UtilityResult:
    """Train-synthetic-test-real against train-real-test-real on the holdout."""

    target: str
    task: str
    metric: str
    trtr: float
    tstr: float

    @property
    def ratio(self) -> float:
        """TSTR / TRTR (NaN when TRTR is not positive)."""
        return self.tstr / self.trtr if self.trtr > 0 else float("nan")

    def to_dict(self) -> dict[str, Any]:
        """Plain values, with the ratio and the reading."""
        return {**asdict(self), "ratio": self.ratio, "reading": self.reading()}

    def reading(self) -> str:
        """Plain-language reading."""
        r = self.ratio
        word = "useful" if r >= 0.9 else "partly useful" if r >= 0.7 else "weak"
        return (
            f"{word}: a model trained on synthetic rows reaches {self.metric} {self.tstr:.3f} on "
            f"the holdout, {100 * r:.0f}% of the {self.trtr:.3f} of one trained on real rows"
        )


def _utility(Vr, Vh, Vs, schema: TableSchema, target: str, seed: int) -> UtilityResult:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.metrics import accuracy_score, r2_score

    t = schema.names.index(target)
    classify = schema.columns[t].kind not in _NUMBER
    Xr, Xh, Xs = (_design(V, schema, Vr, skip=t) for V in (Vr, Vh, Vs))
    yr, yh, ys = Vr[:, t], Vh[:, t], Vs[:, t]
    scores = []
    for X, y in ((Xr, yr), (Xs, ys)):
        ok = ~np.isnan(y)
        ev = ~np.isnan(yh)
        if classify:
            if len(np.unique(y[ok])) < 2:
                scores.append(float(np.mean(yh[ev] == y[ok][0])) if ok.any() else 0.0)
                continue
            m = HistGradientBoostingClassifier(max_iter=100, random_state=seed).fit(X[ok], y[ok])
            scores.append(float(accuracy_score(yh[ev], m.predict(Xh[ev]))))
        else:
            m = HistGradientBoostingRegressor(max_iter=100, random_state=seed).fit(X[ok], y[ok])
            scores.append(float(r2_score(yh[ev], m.predict(Xh[ev]))))
    return UtilityResult(
        target=target,
        task="classification" if classify else "regression",
        metric="accuracy" if classify else "R2",
        trtr=scores[0],
        tstr=scores[1],
    )


# ------------------------------------------------------------------ privacy


@dataclass
class PrivacyResult:
    """Distances to closest record, copies, membership inference and attribute disclosure."""

    dcr: dict[str, float]
    exact_copy_share: float
    train_duplicate_share: float
    attribute_disclosure: list[dict[str, Any]] = field(default_factory=list)

    @property
    def risks(self) -> list[str]:
        """The privacy flags raised, in words (empty = no sign of leakage)."""
        d = self.dcr
        out = []
        if self.exact_copy_share > self.train_duplicate_share + 0.01:
            out.append(
                f"{100 * self.exact_copy_share:.1f}% of synthetic rows are exact copies of training rows "
                f"(rows duplicated within the training table: {100 * self.train_duplicate_share:.1f}%)"
            )
        if d["dcr_ratio"] < 0.5:
            out.append(
                f"synthetic rows sit much closer to training rows than unseen real rows do "
                f"(DCR ratio {d['dcr_ratio']:.2f})"
            )
        if d["near_copy_share"] > 0.05:
            out.append(f"{100 * d['near_copy_share']:.0f}% are near-copies of training rows")
        if d["membership_auc"] > 0.6:
            out.append(f"membership leaks (attack AUC {d['membership_auc']:.2f})")
        for a in self.attribute_disclosure:
            if a["synthetic_hit_rate"] > a["baseline_hit_rate"] + 0.1:
                out.append(
                    f"{a['column']!r} is disclosed for {100 * a['synthetic_hit_rate']:.0f}% of "
                    f"training rows (population baseline {100 * a['baseline_hit_rate']:.0f}%)"
                )
        return out

    @property
    def leaks(self) -> bool:
        """Whether any privacy flag is raised."""
        return bool(self.risks)

    def to_dict(self) -> dict[str, Any]:
        """Plain values, with the flags and the reading."""
        return {**asdict(self), "leaks": self.leaks, "risks": self.risks, "reading": self.reading()}

    def reading(self) -> str:
        """Plain-language reading."""
        if self.risks:
            return "leaks: " + "; ".join(self.risks)
        d = self.dcr
        return (
            f"no sign of leakage: synthetic rows are no closer to training rows than unseen real rows "
            f"(DCR ratio {d['dcr_ratio']:.2f}), {100 * d['near_copy_share']:.1f}% near-copies, "
            f"{100 * self.exact_copy_share:.1f}% exact copies, membership AUC {d['membership_auc']:.2f}"
        )


def _disclosure(Vr, Vh, Vs, schema: TableSchema, column: str, rng) -> dict[str, Any]:
    from sklearn.neighbors import NearestNeighbors

    t = schema.names.index(column)
    number = schema.columns[t].kind in _NUMBER
    Xr, Xh, Xs = (_design(V, schema, Vr, skip=t) for V in (Vr, Vh, Vs))
    attacked = rng.choice(len(Xr), min(len(Xr), 1000), replace=False)
    truth = Vr[attacked, t]
    tol = 0.1 * (np.nanstd(Vr[:, t]) or 1.0) if number else 0.0
    rates = []
    for X, V in ((Xs, Vs), (Xh, Vh)):
        _, idx = NearestNeighbors(n_neighbors=1).fit(X).kneighbors(Xr[attacked])
        guess = V[idx[:, 0], t]
        hit = np.abs(guess - truth) <= tol if number else guess == truth
        rates.append(float(np.mean(hit & ~np.isnan(truth))))
    return {
        "column": column,
        "synthetic_hit_rate": rates[0],
        "baseline_hit_rate": rates[1],
        "tolerance": tol if number else None,
    }


# ------------------------------------------------------------------ entry point


@dataclass
class TableEvaluation:
    """Fidelity, utility and privacy of one synthetic table, with a verdict in words."""

    n_real: int
    n_holdout: int
    n_synthetic: int
    fidelity: FidelityResult
    privacy: PrivacyResult
    utility: UtilityResult | None = None
    #: what produced the synthetic table (``class``, ``dp``), when known: see :meth:`dp_reading`
    generator: dict[str, Any] | None = None

    def dp_reading(self) -> str | None:
        """The differential-privacy statement of the generator (None when it is unknown)."""
        if not self.generator:
            return None
        dp = self.generator.get("dp")
        if not dp:
            return f"none: {self.generator.get('class', 'the generator')} was trained without a formal guarantee"
        return (
            f"epsilon {dp['epsilon']:.3g}, delta {dp['delta']:.3g} ({dp['mechanism']}); "
            f"covers {dp['covers']}"
        )

    def verdict(self) -> str:
        """Two or three sentences: leakage first, then fidelity and utility."""
        parts = [
            ("Privacy: " + self.privacy.reading()),
            ("Fidelity: " + self.fidelity.reading()),
        ]
        if self.utility is not None:
            parts.append("Utility: " + self.utility.reading())
        if self.dp_reading():
            parts.append("Differential privacy: " + str(self.dp_reading()))
        return ". ".join(p[0].upper() + p[1:] for p in parts) + "."

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready results (``json.dumps`` works on it)."""
        return {
            "n_real": self.n_real,
            "n_holdout": self.n_holdout,
            "n_synthetic": self.n_synthetic,
            "verdict": self.verdict(),
            "fidelity": self.fidelity.to_dict(),
            "utility": self.utility.to_dict() if self.utility else None,
            "privacy": self.privacy.to_dict(),
            "generator": self.generator,
        }


def _subsample(V: np.ndarray, rng: np.random.Generator, n: int = MAX_ROWS) -> np.ndarray:
    return V if len(V) <= n else V[np.sort(rng.choice(len(V), n, replace=False))]


def evaluate_table(
    real: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    target: str | None = None,
    schema: SchemaOverrides | None = None,
    sensitive: list[str] | None = None,
    seed: SeedLike = 0,
) -> TableEvaluation:
    """Evaluate ``synthetic`` against ``real`` (its training rows) on a disjoint ``holdout``.

    Parameters
    ----------
    real, holdout, synthetic : tables with the same columns (extra synthetic columns are
        ignored). Tables above 5000 rows are subsampled for the two-sample test, the utility
        models and the distances.
    target : column for the utility test (skipped when None).
    schema : YAML overrides (kinds, excluded columns, sensitive columns).
    sensitive : columns tested for attribute disclosure (added to the schema's).
    seed : seed of subsampling and cross-validation folds; same seed, same numbers.

    Raises
    ------
    LeakageError : a holdout row equals a training row.
    ConfigError : ``target`` or a sensitive column is not a column of the table.
    """
    rng = as_rng(seed)
    ts = infer_schema(real, schema)
    for name, df in (("holdout", holdout), ("synthetic", synthetic)):
        absent = [c for c in ts.names if c not in df.columns]
        if absent:
            raise InvalidInputError(f"the {name} table lacks column(s) {absent} of the real table")
    if len(holdout) < 2 or len(synthetic) < 2:
        raise InvalidInputError(
            f"holdout and synthetic tables need >= 2 rows, got {len(holdout)} and {len(synthetic)}"
        )
    for col in ([target] if target else []) + list(sensitive or []):
        if col not in ts.names:
            raise ConfigError(f"column {col!r} is not among the modelled columns {ts.names}")
    check_disjoint(real, holdout, ts)
    Vr_all, Vh_all, Vs_all = (numeric_view(df, ts) for df in (real, holdout, synthetic))
    exact = np.isin(_row_keys(Vs_all), _row_keys(Vr_all))
    Vr, Vh, Vs = (_subsample(V, rng) for V in (Vr_all, Vh_all, Vs_all))

    cols = _column_distances(Vr, Vs, ts)
    cols_h = _column_distances(Vr, Vh, ts)
    Ar = association_matrix(Vr, ts)
    iu = np.triu_indices(len(ts.columns), 1)

    def assoc_diff(V: np.ndarray) -> float:
        return float(np.mean(np.abs(association_matrix(V, ts) - Ar)[iu])) if len(iu[0]) else 0.0

    Dr, Dh, Ds = (_design(V, ts, Vr) for V in (Vr, Vh, Vs))
    fidelity = FidelityResult(
        columns=cols,
        mean_column_distance=float(np.mean([c["distance"] for c in cols])),
        association_difference=assoc_diff(Vs),
        two_sample_auc=_two_sample_auc(Dr, Ds, rng),
        holdout_mean_column_distance=float(np.mean([c["distance"] for c in cols_h])),
        holdout_association_difference=assoc_diff(Vh),
        holdout_two_sample_auc=_two_sample_auc(Dr, Dh, rng),
    )
    from synthaug.evaluate.privacy import privacy as dcr_privacy

    dcr = dcr_privacy(Dr, Dh, Ds, seed=rng)
    disclosure = [
        _disclosure(Vr, Vh, Vs, ts, c, rng)
        for c in dict.fromkeys(list(ts.sensitive) + list(sensitive or []))
    ]
    priv = PrivacyResult(
        dcr=dcr.to_dict(),
        exact_copy_share=float(exact.mean()),
        train_duplicate_share=_duplicate_share(_row_keys(Vr_all)),
        attribute_disclosure=disclosure,
    )
    util = _utility(Vr, Vh, Vs, ts, target, int(rng.integers(2**31))) if target else None
    return TableEvaluation(
        n_real=len(real),
        n_holdout=len(holdout),
        n_synthetic=len(synthetic),
        fidelity=fidelity,
        privacy=priv,
        utility=util,
    )
