"""One call that measures a synthetic set's fidelity, utility and privacy, with readings.

Used by the experiment report and ``synthaug evaluate``. Real data never includes a test set:
the caller passes the real reference, the generator's training set and a real hold-out that
the generator did not see.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from synthaug.errors import InvalidInputError, LeakageError
from synthaug.evaluate.domain_gap import mmd, proxy_a_distance
from synthaug.evaluate.features import SPACE_NAMES, FeatureExtractor, as_matrix, image_set
from synthaug.evaluate.fidelity import classifier_two_sample_test, fid, kid, prdc
from synthaug.evaluate.privacy import privacy
from synthaug.evaluate.utility import utility
from synthaug.seeding import as_rng

__all__ = ["quality_report"]


def _plain(d: dict[str, Any]) -> dict[str, Any]:
    """Non-finite floats (a ratio over zero) become None: strict JSON has no NaN/Infinity."""
    return {k: None if isinstance(v, float) and not np.isfinite(v) else v for k, v in d.items()}


def _row(name: str, value: str, raw: float, reading: str) -> dict[str, Any]:
    return _plain({"name": name, "value": value, "raw": float(raw), "reading": reading})


def _fidelity(F_ref: np.ndarray, F_other: np.ndarray, seed: int) -> dict[str, Any]:
    """Every fidelity and domain-gap measure of ``F_other`` against the real ``F_ref``."""
    return {
        "fid": fid(F_ref, F_other, seed=seed),
        "kid": kid(F_ref, F_other, seed=seed),
        "prdc": prdc(F_ref, F_other, k=min(5, len(F_ref) - 1)),
        "c2st": classifier_two_sample_test(F_ref, F_other, seed=seed),
        "mmd": mmd(F_ref, F_other, n_permutations=100, seed=seed),
        "pad": proxy_a_distance(F_ref, F_other, seed=seed),
    }


def _records(X: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Rows for distances: flattened pixels; table columns standardised by ``like`` (train)."""
    flat, ref = as_matrix(X).astype(np.float64), as_matrix(like).astype(np.float64)
    if np.ndim(like) == 2:
        return (flat - ref.mean(0)) / (ref.std(0) + 1e-12)
    return flat


def _shared_rows(train: np.ndarray, holdout: np.ndarray) -> np.ndarray:
    """Indices of ``holdout`` rows whose values equal a row of ``train`` exactly."""
    a, b = as_matrix(train), as_matrix(holdout)
    if a.shape[1:] != b.shape[1:] or not len(a) or not len(b):
        return np.zeros(0, dtype=np.int64)
    dtype = np.result_type(a.dtype, b.dtype)
    a, b = (np.ascontiguousarray(m.astype(dtype) + 0) for m in (a, b))  # + 0: -0.0 is 0.0
    row = np.dtype((np.void, dtype.itemsize * a.shape[1]))
    return np.flatnonzero(np.isin(b.view(row).ravel(), a.view(row).ravel()))


def quality_report(
    X_real: np.ndarray,
    y_real: np.ndarray | None,
    X_syn: np.ndarray,
    y_syn: np.ndarray | None = None,
    train: tuple[np.ndarray, np.ndarray | None] | None = None,
    holdout: tuple[np.ndarray, np.ndarray | None] | np.ndarray | None = None,
    seed: int = 0,
    space: str = "cnn+pixels",
    holdout_name: str = "held-out real data",
    bands: Sequence[int] | None = None,
) -> dict[str, Any]:
    """Fidelity in a learned feature space, utility and privacy in pixel space, with readings.

    Fidelity is read against a real-vs-real baseline measured the same way: the real set is
    split into two disjoint parts A and B of ``n = min(len(X_syn), len(X_real) // 2)`` rows,
    ``n`` synthetic rows are compared with A, and B is compared with A. Equal sizes matter:
    FID, precision/recall and coverage all shift with sample size.

    Parameters
    ----------
    X_real, y_real : real reference set (labels train the CNN feature space; without them the
        space falls back to ``pca``). Images ``(N, H, W[, C])`` or a table ``(N, D)``.
    X_syn, y_syn : the synthetic set.
    train : the generator's real training set ``(X, y)``; ``y`` may be None (privacy only).
    holdout : real data the generator never saw, ``(X, y)`` or ``X``: the privacy baseline
        and, when labelled, the test set of TSTR/TRTR. It must be disjoint from ``train``: a
        row of ``holdout`` equal to a row of ``train`` raises ``LeakageError`` (an overlap
        would read memorised copies as "as close as unseen real data" and inflate TSTR).
    seed : seed of every subsample, split and model.
    space : feature space for fidelity (``cnn+pixels``, ``cnn``, ``pca`` or ``pixels``; tables
        use columns). The default concatenates the CNN embedding with pixel principal
        components, so that noise is far from real data
        (:mod:`synthaug.evaluate.features`).
    holdout_name : what the hold-out is, for the utility reading (the experiment runner's
        is "held-out real data (the unlabelled pool)").
    bands : 0-based band indices of the images (every set) that fidelity, utility and
        privacy read; None reads all bands. ``uint16`` images count as fractions of 65535
        (:func:`~synthaug.evaluate.features.image_set`).

    Returns
    -------
    dict with ``metrics`` (rows of name, value (text), raw (float; None when undefined, such as
    a ratio over zero), reading), ``reference``
    (real-vs-real figures), ``details`` (every result's ``to_dict()``), ``space``,
    ``n_compared`` (rows per set in the fidelity comparisons) and ``comparison`` (the space
    and the sample sizes in words; the last metric row, "compared", says the same).

    Examples
    --------
    >>> from synthaug.data import load_dataset
    >>> X, y = load_dataset("digits")
    >>> r = quality_report(X[:600], y[:600], X[600:800], y[600:800], space="pca")
    >>> [m["name"] for m in r["metrics"]][:3]
    ['FID', 'KID', 'precision / recall']
    """
    X_real, X_syn = np.asarray(X_real), np.asarray(X_syn)
    if X_real.ndim > 2:  # images: the declared bands, uint16 as fractions
        X_real, X_syn = image_set(X_real, bands, "X_real"), image_set(X_syn, bands, "X_syn")
        if train is not None:
            train = (image_set(train[0], bands, "train[0]"), train[1])
        if isinstance(holdout, tuple):
            holdout = (image_set(holdout[0], bands, "holdout[0]"), holdout[1])
        elif holdout is not None:
            holdout = image_set(holdout, bands, "holdout")
    elif bands is not None:
        raise InvalidInputError(f"bands={list(bands)}: a table has columns, not bands")
    if X_real.shape[1:] != X_syn.shape[1:]:
        raise InvalidInputError(
            f"X_syn: rows of shape {X_syn.shape[1:]} do not match X_real's {X_real.shape[1:]}"
        )
    n = min(len(X_syn), len(X_real) // 2)
    if n < 10:
        raise InvalidInputError(
            f"quality_report needs >= 20 real and >= 10 synthetic rows, got {len(X_real)} "
            f"and {len(X_syn)}"
        )
    H_in = holdout[0] if isinstance(holdout, tuple) else holdout
    if train is not None and H_in is not None:
        shared = _shared_rows(np.asarray(train[0]), np.asarray(H_in))
        if len(shared):
            raise LeakageError(
                f"holdout: {len(shared)} of {len(H_in)} rows equal a row of the generator's "
                f"training set (first: holdout row {int(shared[0])}); a holdout must be real "
                "data the generator never saw - split the data before training the generator"
            )
    rng = as_rng(seed)
    space_ = space if (y_real is not None or space not in ("cnn", "cnn+pixels")) else "pca"
    fx = FeatureExtractor(space=space_, seed=seed).fit(X_real, y_real)
    F_real = fx.embed(X_real)
    perm = rng.permutation(len(X_real))
    F_a, F_b = F_real[perm[:n]], F_real[perm[n : 2 * n]]
    F_syn = fx.embed(X_syn)[rng.choice(len(X_syn), n, replace=False)]
    with threadpool_limits(1, user_api="blas"):  # small matrices; torch's threads may spin
        syn, ref = _fidelity(F_a, F_syn, seed), _fidelity(F_a, F_b, seed)
    f, k, p, c, g, pad = (syn[key] for key in ("fid", "kid", "prdc", "c2st", "mmd", "pad"))
    rf, rk, rp, rc = (ref[key] for key in ("fid", "kid", "prdc", "c2st"))
    rows = [
        _row(
            "FID",
            f"{f.value:.3g} +- {f.std:.2g} (real vs real {rf.value:.3g})",
            f.value,
            f.reading(rf.value),
        ),
        _row(
            "KID",
            f"{k.value:.3g} +- {k.std:.2g} (real vs real {rk.value:.3g})",
            k.value,
            k.reading(rk.value, rk.std),
        ),
        _row(
            "precision / recall",
            f"{p.precision:.2f} / {p.recall:.2f} (real vs real {rp.precision:.2f} / {rp.recall:.2f})",
            p.precision,
            p.reading(),
        ),
        _row(
            "density / coverage",
            f"{p.density:.2f} / {p.coverage:.2f} (real vs real {rp.density:.2f} / {rp.coverage:.2f})",
            p.coverage,
            f"density {p.density:.2f} (1 = as dense around real points as real data); synthetic "
            f"data reaches {100 * p.coverage:.0f}% of real points' neighbourhoods"
            + (": covers most real modes" if p.coverage >= 0.7 else ": misses real modes"),
        ),
        _row(
            "classifier two-sample test",
            f"acc {c.accuracy:.2f}, AUC {c.auc:.2f} (real vs real {rc.auc:.2f})",
            c.auc,
            c.reading(),
        ),
        _row("MMD (RBF)", f"{g.mmd2:.3g}, p = {g.p_value:.3f}", g.mmd2, g.reading()),
        _row("proxy A-distance", f"{pad.distance:.2f}", pad.distance, pad.reading()),
    ]
    details: dict[str, Any] = {key: _plain(r.to_dict()) for key, r in syn.items()}
    H, y_h = (
        (holdout if isinstance(holdout, tuple) else (holdout, None))
        if holdout is not None
        else (None, None)
    )
    if train is not None and H is not None and len(H) >= 2:
        pr = privacy(
            _records(train[0], train[0]),
            _records(H, train[0]),
            _records(X_syn, train[0]),
            seed=seed,
        )
        details["privacy"] = _plain(pr.to_dict())
        rows.append(
            _row(
                "privacy (pixel space)" if X_real.ndim > 2 else "privacy (standardised columns)",
                f"DCR ratio {pr.dcr_ratio:.2f}, near-copies {100 * pr.near_copy_share:.1f}%, "
                f"MIA AUC {pr.membership_auc:.2f}",
                pr.dcr_ratio,
                pr.reading(),
            )
        )
    if train is not None and train[1] is not None and y_syn is not None and y_h is not None:
        u = utility(X_syn, y_syn, train[0], train[1], H, y_h, test_name=holdout_name)
        details["utility"] = _plain(u.to_dict())
        rows.append(
            _row(
                "utility (TSTR / TRTR)",
                f"{100 * u.tstr:.1f}% / {100 * u.trtr:.1f}%",
                u.ratio,
                u.reading(),
            )
        )
    comparison = _comparison(fx.space_, n, len(X_syn), len(X_real), X_real.ndim == 2)
    rows.append(_row("compared", f"{n:,} synthetic vs {n:,} real", float(n), comparison))
    return {
        "metrics": rows,
        "reference": {key: _plain(r.to_dict()) for key, r in ref.items()},
        "details": details,
        "space": fx.space_,
        "n_compared": int(n),
        "comparison": comparison,
    }


def _comparison(space: str, n: int, n_syn: int, n_real: int, table: bool) -> str:
    """The feature space and the sample sizes of the fidelity comparisons, in words."""
    where = (
        "standardised table columns"
        if table
        else f"the '{space}' feature space: {SPACE_NAMES.get(space, space)}"
    )
    return (
        f"fidelity rows compare {n:,} of {n_syn:,} synthetic rows with {n:,} of {n_real:,} real "
        f"rows (set A); another {n:,} real rows (set B) give the real-vs-real reference; in "
        f"{where}"
    )
